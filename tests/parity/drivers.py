"""How a person does a case in Slack, and in Teams: the requests each platform sends, over HTTP.

Dialog requests carry their route both as `verb` and under the older `action` / `step` keys, so the
driver works whichever the Teams surface reads.

Each driver returns everything the person was shown as text (answers, forms, refusals, cards), so the
test can look for the same words on both platforms.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.emulators import teams_activities as ta
from tests.parity.spec import Case
from tests.slack.conftest import form, wait_until
from tests.teams.people import Person, fill, find_action, texts
from workflows import interactions

TYPED = {c.name for c in interactions.COMMANDS if not interactions.asks_first(c.name)} | {"help"}


def shown(node: Any) -> str:
    """Every visible text in a JSON answer (texts, titles, values, labels, alt texts, a modal's field errors)."""
    errors = list(node.get("errors", {}).values()) if isinstance(node, dict) else []
    return "\n".join([texts(json.loads(json.dumps(node).replace('"alt_text":', '"altText":'))), *errors])


def as_seen_in_slack(text: str) -> str:
    """mrkdwn as a person reads it: a link shows its label (or its address), escapes show their characters."""
    text = re.sub(r"<(https?://[^|>]+)(?:\|([^>]*))?>", lambda m: m.group(2) or m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class SlackDriver:
    platform = "slack"
    USERS = {"sam": "U0SUCCESS", "olu": "U0SUCCESS2", "mia": "U0MARKET", "sid": "U0SALES", "nobody": "U0NOBODY"}

    def __init__(self, world):
        self.world = world
        self.emu = world.slack_api

    def act(self, case: Case, item: int | None) -> str:
        return as_seen_in_slack(self._act(case, item))

    def _act(self, case: Case, item: int | None) -> str:
        user = self.USERS[case.who]
        with self.world.slack() as slack:
            if case.action in TYPED:
                text = f"{case.action} {case.values.get('text', '')}".strip()
                assert slack.slash_command("/advocacy", text, user_id=user).status_code == 200
                answers = wait_until(lambda: self.emu.calls("response_url:advocacy"), what="the answer")
                return shown([c.args for c in answers])
            opened = len(self.emu.calls("views.open"))
            answer = f"response_url:{case.action}"
            if case.action == "win":
                assert slack.slash_command("/win", user_id=user).status_code == 200
            elif case.action in interactions.INTERACTIONS and interactions.get(case.action).help:  # typed, with a form
                assert slack.slash_command("/advocacy", case.action, user_id=user).status_code == 200
                answer = "response_url:advocacy"
            else:
                assert slack.block_action(user, case.action, value=str(item), channel_id="C0CHAN").status_code == 200
            answered = wait_until(lambda: self.emu.calls("views.open")[opened:] or self.emu.calls(answer),
                                  what="a form or an answer")
            if answered[0].method != "views.open":
                return shown([c.args for c in answered])
            view = self.emu.view(answered[0].response["view"]["id"])
            if not case.values:
                return shown(view)
            typed = {k: v for k, v in case.values.items() if k != "account_name"}
            if "account_name" in case.values:
                typed["account"] = f"new:{case.values['account_name']}"
            response = slack.view_submission(user, view["callback_id"], form(view, **typed), view=view,
                                             view_id=view["id"]).json()
            seen = shown(response)
            if "Working on it" in seen:
                seen += shown([c.args for c in wait_until(lambda: self.emu.calls("views.update"), 10)])
            return seen + shown([c.args for c in self.emu.calls("chat.postEphemeral")])


class TeamsDriver:
    platform = "teams"

    def __init__(self, world, people: dict[str, Person]):
        self.world = world
        self.people = people

    def act(self, case: Case, item: int | None) -> str:
        person = self.people[case.who]
        url, user, connector = person.url, person.user, self.world.connector
        if case.action in TYPED:
            before = len(connector.activities(ta.PERSONAL_CONVERSATION_ID))
            person.say(f"{case.action} {case.values.get('text', '')}".strip(), personal=True)
            replies = wait_until(lambda: connector.activities(ta.PERSONAL_CONVERSATION_ID)[before:], 10,
                                 "the reply")
            return shown(replies)
        data = {"id": str(item)} if item is not None else {}
        if not interactions.asks_first(case.action):
            answer = person.post(ta.card_action(case.action, data, url, reply_to_id="1", personal=True, user=user))
            assert answer.status_code == 200, answer.text
            return shown(answer.json())
        opened = person.post(ta.task_fetch({**data, "verb": case.action}, url, reply_to_id="1", personal=True,
                                           user=user))
        seen = shown(opened.json())
        if not case.values or opened.json()["task"]["type"] != "continue":
            return seen
        dialog = opened.json()["task"]["value"]["card"]["content"]
        if not dialog.get("actions"):  # refused when the form was asked for
            return seen
        action, inputs = find_action(dialog, dialog["actions"][0]["title"])
        submitted = person.post(ta.task_submit(fill(action, inputs, case.values), url, personal=True, user=user))
        return seen + "\n" + shown(submitted.json())
