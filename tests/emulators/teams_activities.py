"""Builders for the Activity JSON Teams really posts to /api/messages, and a sync requester.

Shapes follow captured Teams traffic, including the nulls Teams sends in message-action payloads.
Every builder takes ``service_url`` (point it at a :class:`FakeBotConnector`) and ``personal=True``
for a 1:1 chat instead of a team channel.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import httpx

TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
TEAM_ID = "19:team-general@thread.tacv2"
CHANNEL_ID = "19:advocacy-channel@thread.tacv2"
BOT_ID = "28:00000000-0000-0000-0000-00000000b0b0"
BOT_NAME = "Advocacy"
USER = {"id": "29:1user-alex", "name": "Alex Advocate", "aadObjectId": "aad-alex-0001"}
PERSONAL_CONVERSATION_ID = "a:1personal-chat-alex"

_ids = itertools.count(1_700_000_000_000)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _base(kind: str, service_url: str, *, personal: bool = False, user: dict | None = None,
          thread_id: str | None = None) -> dict[str, Any]:
    activity_id = str(next(_ids))
    sender = dict(user or USER)
    if personal:
        conversation = {"conversationType": "personal", "tenantId": TENANT_ID, "id": PERSONAL_CONVERSATION_ID}
        channel_data = {"tenant": {"id": TENANT_ID}}
    else:
        conversation = {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT_ID,
            "id": f"{CHANNEL_ID};messageid={thread_id or activity_id}",
        }
        channel_data = {
            "teamsChannelId": CHANNEL_ID,
            "teamsTeamId": TEAM_ID,
            "channel": {"id": CHANNEL_ID},
            "team": {"id": TEAM_ID},
            "tenant": {"id": TENANT_ID},
        }
    return {
        "type": kind,
        "id": activity_id,
        "timestamp": _now(),
        "localTimestamp": _now(),
        "localTimezone": "Europe/London",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": sender,
        "conversation": conversation,
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "entities": [{"locale": "en-GB", "country": "GB", "platform": "Web", "timezone": "Europe/London",
                      "type": "clientInfo"}],
        "channelData": channel_data,
        "locale": "en-GB",
    }


def message(text: str, service_url: str, *, personal: bool = False, mention_bot: bool | None = None,
            user: dict | None = None) -> dict:
    """A user's message; in a channel the bot is @mentioned unless ``mention_bot=False``."""
    activity = _base("message", service_url, personal=personal, user=user)
    mention_bot = not personal if mention_bot is None else mention_bot
    mention = f"<at>{BOT_NAME}</at>"
    activity["text"] = f"{mention} {text}" if mention_bot else text
    activity["textFormat"] = "plain"
    activity["attachments"] = [{"contentType": "text/html", "content": f"<p>{activity['text']}</p>"}]
    if mention_bot:
        activity["entities"].insert(0, {
            "type": "mention", "text": mention, "mentioned": {"id": BOT_ID, "name": BOT_NAME},
        })
    return activity


def card_submit(data: dict, service_url: str, *, reply_to_id: str, personal: bool = False,
                user: dict | None = None) -> dict:
    """Action.Submit on a card the bot posted: a message with ``value`` and no text."""
    activity = _base("message", service_url, personal=personal, user=user)
    activity.update(replyToId=reply_to_id, value=data)
    activity["channelData"]["source"] = {"name": "message"}
    return activity


def card_action(verb: str, data: dict, service_url: str, *, reply_to_id: str, personal: bool = False,
                user: dict | None = None) -> dict:
    """Action.Execute (Universal Actions) click: ``adaptiveCard/action`` invoke."""
    activity = _base("invoke", service_url, personal=personal, user=user)
    activity.update(
        name="adaptiveCard/action",
        replyToId=reply_to_id,
        value={"action": {"type": "Action.Execute", "title": verb.title(), "verb": verb, "data": data},
               "trigger": "manual"},
    )
    activity["channelData"]["source"] = {"name": "message"}
    activity["channelData"]["legacy"] = {"replyToId": reply_to_id}
    return activity


def _message_payload(message_text: str, author: dict, message_id: str) -> dict:
    return {
        "id": message_id,
        "replyToId": None,
        "messageType": "message",
        "createdDateTime": _now(),
        "lastModifiedDateTime": None,
        "deleted": False,
        "subject": None,
        "summary": None,
        "importance": "normal",
        "locale": "en-us",
        "linkToMessage": f"https://teams.microsoft.com/l/message/{CHANNEL_ID}/{message_id}",
        "from": {
            "user": {"id": author["aadObjectId"], "displayName": author["name"], "userIdentityType": "aadUser"},
            "application": None,
            "device": None,
            "conversation": None,
        },
        "body": {"contentType": "html", "content": f"<p>{message_text}</p>"},
        "attachmentLayout": None,
        "attachments": [],
        "mentions": [],
        "reactions": [],
        "policyViolation": None,
    }


def _message_action(name: str, command_id: str, message_text: str, service_url: str, personal: bool,
                    user: dict | None, author: dict | None) -> dict:
    activity = _base("invoke", service_url, personal=personal, user=user)
    message_id = str(next(_ids))
    activity["name"] = name
    activity["value"] = {
        "commandId": command_id,
        "commandContext": "message",
        "requestId": f"req-{message_id}",
        "messagePayload": _message_payload(message_text, author or activity["from"], message_id),
        "context": {"theme": "default"},
    }
    activity["channelData"]["source"] = {"name": "compose"}
    return activity


def message_action_fetch(command_id: str, message_text: str, service_url: str, *, personal: bool = False,
                         user: dict | None = None, author: dict | None = None) -> dict:
    """Message action from the "..." menu: ``composeExtension/fetchTask``."""
    return _message_action("composeExtension/fetchTask", command_id, message_text, service_url, personal,
                           user, author)


def message_action_submit(command_id: str, data: dict, message_text: str, service_url: str, *,
                          personal: bool = False, user: dict | None = None, author: dict | None = None) -> dict:
    """Submit of the message-action dialog: ``composeExtension/submitAction`` with ``data``."""
    activity = _message_action("composeExtension/submitAction", command_id, message_text, service_url,
                               personal, user, author)
    activity["value"]["data"] = data
    return activity


def task_fetch(data: dict, service_url: str, *, reply_to_id: str, personal: bool = False,
               user: dict | None = None) -> dict:
    """Card button with ``msteams: {type: "task/fetch"}``: ``task/fetch`` invoke."""
    activity = _base("invoke", service_url, personal=personal, user=user)
    activity.update(
        name="task/fetch",
        replyToId=reply_to_id,
        value={"type": "task/fetch", "data": {**data, "msteams": {"type": "task/fetch"}},
               "context": {"theme": "default"}, "tabContext": None},
    )
    return activity


def task_submit(data: dict, service_url: str, *, personal: bool = False, user: dict | None = None) -> dict:
    """Submit of a dialog opened by ``task/fetch``: ``task/submit`` invoke."""
    activity = _base("invoke", service_url, personal=personal, user=user)
    activity.update(name="task/submit", value={"data": data, "context": {"theme": "default"}})
    return activity


def installation_update(service_url: str, *, action: str = "add", personal: bool = False) -> dict:
    """App installed in a team (or personal scope); Teams sends it alongside conversationUpdate."""
    activity = _base("installationUpdate", service_url, personal=personal)
    activity["action"] = action
    if not personal:
        activity["conversation"]["id"] = CHANNEL_ID
        activity["channelData"]["settings"] = {"selectedChannel": {"id": CHANNEL_ID}}
        activity["channelData"]["source"] = {"name": "message"}
    return activity


def members_added(service_url: str, *, member_ids: list[str] | None = None, personal: bool = False) -> dict:
    """``conversationUpdate`` with ``membersAdded`` (the bot by default)."""
    activity = _base("conversationUpdate", service_url, personal=personal)
    activity["membersAdded"] = [{"id": member_id} for member_id in (member_ids or [BOT_ID])]
    if not personal:
        activity["conversation"]["id"] = CHANNEL_ID
        activity["channelData"]["eventType"] = "teamMemberAdded"
    return activity


class TeamsRequester:
    """Posts activities to ``{url}/api/messages`` like the Teams service does (sync)."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 10):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout)

    def post(self, activity: dict) -> httpx.Response:
        return self._client.post("/api/messages", json=activity)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> TeamsRequester:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
