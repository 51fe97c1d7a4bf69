"""Signed requests with Slack's real payload shapes, sent to a bot's ``/slack/events`` URL."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
from typing import Any, Iterator
from urllib.parse import urlencode

import httpx

TEAM = {"id": "T0TEAM", "domain": "t0team"}
APP_ID = "A0APP"
FORM = "application/x-www-form-urlencoded"


def signature(signing_secret: str, timestamp: str, body: bytes) -> str:
    """Slack's ``X-Slack-Signature`` for ``body`` sent at ``timestamp``."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def buttons(blocks: list[dict]) -> Iterator[dict]:
    """Buttons in section accessories and actions blocks, each with its ``block_id`` added."""
    for block in blocks or []:
        elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory")]
        for element in elements:
            if isinstance(element, dict) and element.get("type") == "button":
                yield {**element, "block_id": block.get("block_id")}


def find_button(blocks: list[dict], text_or_action_id: str) -> dict:
    """The button whose ``action_id`` or label is ``text_or_action_id``; AssertionError if absent."""
    found = list(buttons(blocks))
    for button in found:
        if text_or_action_id in (button.get("action_id"), button.get("text", {}).get("text")):
            return button
    labels = [(b.get("action_id"), b.get("text", {}).get("text")) for b in found]
    raise AssertionError(f"no button {text_or_action_id!r}; buttons (action_id, text): {labels}")


def _user(user_id: str) -> dict:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": TEAM["id"]}


class SlackRequester:
    """Sends signed Slack requests to ``url``.

    With ``emulator`` (a ``SlackEmulator``) default ``response_url`` values are recorded
    there as ``response_url:<name>`` (the command without ``/``, the action_id or the
    callback_id); without it they point at a closed local port. ``transport`` lets the
    requests go straight to an app in-process (e.g. ``httpx.WSGITransport``).
    """

    def __init__(self, url: str, signing_secret: str, emulator: Any = None,
                 transport: httpx.BaseTransport | None = None, timeout: float = 10.0) -> None:
        self.url = url
        self.signing_secret = signing_secret
        self.emulator = emulator
        self._client = httpx.Client(transport=transport, timeout=timeout)
        self._seq = itertools.count(1)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SlackRequester:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # building blocks

    def raw(self, body: bytes, headers: dict | None = None, sign: bool = True, timestamp: int | None = None,
            tamper: bool = False) -> httpx.Response:
        """POST ``body``; signed unless ``sign=False``. ``tamper`` changes the body after signing."""
        headers = dict(headers or {})
        if sign:
            stamp = str(int(time.time()) if timestamp is None else timestamp)
            headers["X-Slack-Request-Timestamp"] = stamp
            headers["X-Slack-Signature"] = signature(self.signing_secret, stamp, body)
        if tamper:
            body += b" "
        return self._client.post(self.url, content=body, headers=headers)

    def form(self, fields: dict, headers: dict | None = None) -> httpx.Response:
        return self.raw(urlencode(fields).encode(), {"Content-Type": FORM, **(headers or {})})

    def payload(self, payload: dict) -> httpx.Response:
        """An interactivity request: ``payload=<json>`` form body."""
        return self.form({"payload": json.dumps(payload)})

    def json(self, body: dict, headers: dict | None = None) -> httpx.Response:
        return self.raw(json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})})

    def trigger_id(self) -> str:
        return f"{next(self._seq)}.{int(time.time())}.{secrets.token_hex(16)}"

    def default_response_url(self, name: str, channel: str | None = None, ts: str | None = None) -> str:
        if self.emulator is not None:
            return self.emulator.response_url(name, channel, ts)
        return f"http://127.0.0.1:1/response/{name}"

    # Slack requests

    def slash_command(self, command: str, text: str = "", user_id: str = "U0USER", channel_id: str = "C0CHAN",
                      trigger_id: str | None = None, response_url: str | None = None) -> httpx.Response:
        return self.form({
            "token": "verification-token", "team_id": TEAM["id"], "team_domain": TEAM["domain"],
            "channel_id": channel_id, "channel_name": channel_id.lower(), "user_id": user_id,
            "user_name": user_id.lower(), "command": command, "text": text, "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url or self.default_response_url(command.lstrip("/")),
            "trigger_id": trigger_id or self.trigger_id(),
        })

    def block_action(self, user_id: str, action_id: str, value: str | None = None, message: dict | None = None,
                     channel_id: str | None = None, container: dict | None = None, trigger_id: str | None = None,
                     response_url: str | None = None, view: dict | None = None,
                     block_id: str | None = None) -> httpx.Response:
        """A ``block_actions`` click on a button in ``message`` (in ``channel_id``) or in ``view``.

        ``block_id``, ``value`` and the button text default to those of the button with
        ``action_id`` found in the message's or view's blocks.
        """
        source = (view or message or {}).get("blocks") or []
        button = next((b for b in buttons(source) if b.get("action_id") == action_id), {})
        action = {
            "type": button.get("type", "button"), "action_id": action_id,
            "block_id": block_id or button.get("block_id", "b0"),
            "text": button.get("text", {"type": "plain_text", "text": action_id}),
            "value": value if value is not None else button.get("value"), "action_ts": f"{time.time():.6f}",
        }
        payload: dict[str, Any] = {
            "type": "block_actions", "user": _user(user_id), "api_app_id": APP_ID, "token": "verification-token",
            "trigger_id": trigger_id or self.trigger_id(), "team": TEAM, "enterprise": None,
            "is_enterprise_install": False, "state": {"values": {}}, "actions": [action],
        }
        if view is not None:
            payload["container"] = container or {"type": "view", "view_id": view.get("id")}
            payload["view"] = view
        else:
            ts = (message or {}).get("ts")
            payload["container"] = container or {"type": "message", "message_ts": ts, "channel_id": channel_id,
                                                 "is_ephemeral": False}
            payload["channel"] = {"id": channel_id, "name": (channel_id or "").lower()}
            payload["message"] = message
            payload["response_url"] = response_url or self.default_response_url(action_id, channel_id, ts)
        return self.payload(payload)

    def view_submission(self, user_id: str, callback_id: str, state_values: dict | None = None,
                        private_metadata: str = "", view_id: str = "V0VIEW", view: dict | None = None,
                        trigger_id: str | None = None) -> httpx.Response:
        """A modal submission; ``view`` (e.g. ``emulator.view(view_id)``) supplies the rest of the view."""
        submitted = {
            "id": view_id, "team_id": TEAM["id"], "type": "modal", "blocks": [], "private_metadata": private_metadata,
            "callback_id": callback_id, "hash": f"{time.time():.6f}.x",
            "title": {"type": "plain_text", "text": "Modal"},
            "clear_on_close": False, "notify_on_close": False, "close": None, "submit": None, "previous_view_id": None,
            "root_view_id": view_id, "app_id": APP_ID, "external_id": "", "app_installed_team_id": TEAM["id"],
            "bot_id": "B0BOT", **(view or {}),
        }
        submitted.update(callback_id=callback_id, private_metadata=private_metadata or submitted["private_metadata"],
                         state={"values": state_values or {}})
        return self.payload({
            "type": "view_submission", "team": TEAM, "user": _user(user_id), "api_app_id": APP_ID,
            "token": "verification-token", "trigger_id": trigger_id or self.trigger_id(), "view": submitted,
            "response_urls": [], "is_enterprise_install": False, "enterprise": None,
        })

    def message_shortcut(self, callback_id: str, user_id: str, channel_id: str, message: dict,
                         trigger_id: str | None = None, response_url: str | None = None) -> httpx.Response:
        return self.payload({
            "type": "message_action", "token": "verification-token", "action_ts": f"{time.time():.6f}",
            "team": TEAM, "user": _user(user_id), "channel": {"id": channel_id, "name": channel_id.lower()},
            "is_enterprise_install": False, "enterprise": None, "callback_id": callback_id,
            "trigger_id": trigger_id or self.trigger_id(), "message_ts": message.get("ts"), "message": message,
            "response_url": response_url or self.default_response_url(callback_id),
        })

    def event(self, event: dict, event_id: str | None = None, retry_num: int | None = None,
              retry_reason: str = "http_timeout") -> httpx.Response:
        """An Events API ``event_callback``; ``retry_num`` adds Slack's retry headers."""
        now = int(time.time())
        body = {
            "token": "verification-token", "team_id": TEAM["id"], "api_app_id": APP_ID,
            "event": {"event_ts": event.get("ts", f"{now}.000000"), **event}, "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._seq):08d}{secrets.token_hex(2).upper()}", "event_time": now,
            "authorizations": [{"enterprise_id": None, "team_id": TEAM["id"], "user_id": "U0BOT", "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": False,
        }
        if retry_num is None:
            return self.json(body)
        return self.json(body, {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason})

    def url_verification(self, challenge: str) -> httpx.Response:
        return self.json({"token": "verification-token", "challenge": challenge, "type": "url_verification"})
