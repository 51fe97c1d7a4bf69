"""People using the bot in Teams: they type, click the buttons they see on cards, and fill dialogs.

A click is built from the card the fake connector received, as Teams would build it: the action's
data plus every input in scope (its current value unless the person types a new one). Typing into
an input that is not on the card fails the test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import httpx

from bot.teams.render import FLAG_WIN_COMMAND
from tests.emulators import teams_activities as ta
from tests.emulators.teams_connector import FakeBotConnector


def card_of(activity: dict) -> dict:
    return activity["attachments"][0]["content"]


def texts(element: Any) -> str:
    """Every visible text of a card (runs, text blocks, input values, button titles), joined."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "value", "label", "altText"):
                if isinstance(node.get(key), str):
                    found.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(element)
    return "\n".join(found)


def _actions(card: dict, scope: list[dict]) -> Iterator[tuple[dict, list[dict]]]:
    """(action, inputs in scope) for every action of a card, including those inside ShowCards."""
    inputs = scope + list(_inputs(card.get("body", [])))

    def from_list(actions: list[dict]) -> Iterator[tuple[dict, list[dict]]]:
        for action in actions:
            yield action, inputs
            if action.get("type") == "Action.ShowCard":
                yield from _actions(action["card"], inputs)

    yield from from_list(card.get("actions", []))
    for element in _elements(card.get("body", [])):
        if element.get("type") == "ActionSet":
            yield from from_list(element["actions"])


def _elements(body: list[dict]) -> Iterator[dict]:
    for element in body:
        yield element
        yield from _elements(element.get("items", []))
        for column in element.get("columns", []):
            yield from _elements(column.get("items", []))


def _inputs(body: list[dict]) -> Iterator[dict]:
    return (e for e in _elements(body) if e.get("type", "").startswith("Input."))


def told_on(clicked: dict, everyone: dict) -> str:
    """What the clicker's card says besides the card everyone sees (which must be the rest of it)."""
    extra = [e for e in clicked["body"] if e not in everyone["body"]]
    assert [e for e in clicked["body"] if e not in extra] == everyone["body"]
    assert clicked.get("actions") == everyone.get("actions")
    return texts(extra)


def buttons(card: dict) -> list[str]:
    """Titles of the buttons shown on the card (not those inside a form a button opens)."""
    shown = list(card.get("actions", []))
    shown += [a for e in _elements(card.get("body", [])) if e.get("type") == "ActionSet" for a in e["actions"]]
    return [action["title"] for action in shown]


def find_action(card: dict, title: str) -> tuple[dict, list[dict]]:
    matches = [(a, i) for a, i in _actions(card, []) if a.get("title") == title and a["type"] != "Action.ShowCard"]
    assert matches, f"no button {title!r} on the card; it has {[a['title'] for a, _ in _actions(card, [])]}"
    return matches[0]


def fill(action: dict, inputs: list[dict], typed: dict | None) -> dict:
    typed = typed or {}
    ids = {i["id"] for i in inputs}
    unknown = set(typed) - ids
    assert not unknown, f"the card has no inputs {sorted(unknown)}; it has {sorted(ids)}"
    values = {i["id"]: i.get("value", "") for i in inputs}
    return {**action.get("data", {}), **values, **typed}


@dataclass
class Person:
    """Someone in the tenant, with an Entra object id and a roster email."""

    name: str
    teams_id: str
    aad: str
    email: str
    requester: ta.TeamsRequester
    connector: FakeBotConnector
    dialog_in: tuple[str, str] | None = None  # (conversation, card id) a dialog was opened from

    @property
    def user(self) -> dict:
        return {"id": self.teams_id, "name": self.name, "aadObjectId": self.aad}

    @property
    def url(self) -> str:
        return self.connector.service_url

    def post(self, activity: dict) -> httpx.Response:
        return self.requester.post(activity)

    def say(self, text: str, *, personal: bool = False, mention: bool | None = None) -> dict:
        activity = ta.message(text, self.url, personal=personal, mention_bot=mention, user=self.user)
        assert self.post(activity).status_code == 202
        return activity

    def flag_message(self, text: str) -> dict:
        """More actions (…) → Flag as customer win: returns the dialog card."""
        response = self.post(ta.message_action_fetch(FLAG_WIN_COMMAND, text, self.url, user=self.user))
        return dialog_card(response)

    def submit_flag(self, text: str, dialog: dict, typed: dict) -> httpx.Response:
        action, inputs = find_action(dialog, "Flag win")
        data = fill(action, inputs, typed)
        return self.post(ta.message_action_submit(FLAG_WIN_COMMAND, data, text, self.url, user=self.user))

    def click(self, conversation_id: str, activity: dict, title: str, typed: dict | None = None) -> httpx.Response:
        """Click a button on a card posted in a conversation (a channel, a thread or a 1:1 chat)."""
        action, inputs = find_action(card_of(activity), title)
        data = fill(action, inputs, typed)
        personal = not conversation_id.startswith("19:")
        if action["type"] == "Action.Execute":
            built = ta.card_action(action["verb"], data, self.url, reply_to_id=activity["id"], personal=personal,
                                   user=self.user)
        elif action["type"] == "Action.Submit" and data.get("msteams", {}).get("type") == "task/fetch":
            built = ta.task_fetch(data, self.url, reply_to_id=activity["id"], personal=personal, user=self.user)
            self.dialog_in = (conversation_id, activity["id"])
        else:
            raise AssertionError(f"{title!r} is a {action['type']} button, not something a card click sends")
        return self.post(place(built, conversation_id, activity["id"]))

    def submit_dialog(self, dialog: dict, title: str, typed: dict | None = None) -> httpx.Response:
        action, inputs = find_action(dialog, title)
        assert action["type"] == "Action.Submit", f"{title!r} is not a dialog submit button"
        conversation_id, root_id = self.dialog_in or ("19:", "")
        built = ta.task_submit(fill(action, inputs, typed), self.url, personal=not conversation_id.startswith("19:"),
                               user=self.user)
        if self.dialog_in:  # Teams sends the submit from the conversation the dialog was opened in
            built = place(built, conversation_id, root_id)
        return self.post(built)


def place(activity: dict, conversation_id: str, root_id: str) -> dict:
    """Put an activity in the conversation of the card it acts on (a channel post is its own thread)."""
    if conversation_id.startswith("19:"):
        channel = conversation_id.split(";", 1)[0]
        thread = conversation_id if ";messageid=" in conversation_id else f"{channel};messageid={root_id}"
        activity["conversation"]["id"] = thread
        activity["channelData"]["channel"] = {"id": channel}
        activity["channelData"]["teamsChannelId"] = channel
    else:
        activity["conversation"]["id"] = conversation_id
    return activity


def dialog_card(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    task = response.json()["task"]
    assert task["type"] == "continue", f"expected a dialog, got {task}"
    return task["value"]["card"]["content"]


def dialog_message(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    task = response.json()["task"]
    assert task["type"] == "message", f"expected a message, got {task}"
    return task["value"]


def invoke_card(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "application/vnd.microsoft.card.adaptive", f"expected a card, got {body}"
    return body["value"]


def invoke_message(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "application/vnd.microsoft.activity.message", f"expected a message, got {body}"
    return body["value"]
