"""Small helpers the listeners share."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Callable

from slack_bolt.context.async_context import AsyncBoltContext

from workflows.actors import Actor
from workflows.errors import NotFound

PERMALINK_TIMEOUT = 1.5  # the trigger id expires 3 s after the click: never wait longer than this


async def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a (synchronous) core command off the event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)


def actor_of(context: AsyncBoltContext) -> Actor:
    return context.get("actor") or Actor(platform="slack", user_id=context.user_id or "")


def item_id(value: Any) -> int:
    """The item id a button carries."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound("This button no longer points at anything. Open the latest message instead.") from None


def from_home(body: dict) -> bool:
    return (body.get("view") or {}).get("type") == "home"


def origin(body: dict) -> dict:
    """Where an action happened, kept in a modal's private_metadata to reply there after submission."""
    if from_home(body):
        return {"home": True}
    channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")
    return {"channel": channel} if channel else {}


def unescape(text: str) -> str:
    """Slack message text → what the person typed (Slack escapes &, < and >)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def message_ref(value: str) -> tuple[str, str]:
    """(channel, ts) from a button value written by `message_value`."""
    try:
        data = json.loads(value)
        return str(data["c"]), str(data["ts"])
    except (TypeError, ValueError, KeyError):
        raise NotFound("That message can no longer be found.") from None


def message_value(channel: str, ts: str) -> str:
    return json.dumps({"c": channel, "ts": ts})


async def permalink(client, channel: str, ts: str) -> str:
    """The message's permalink, or "" when Slack does not answer quickly."""
    try:
        response = await asyncio.wait_for(client.chat_getPermalink(channel=channel, message_ts=ts),
                                          PERMALINK_TIMEOUT)
        return response.get("permalink") or ""
    except Exception:
        return ""


async def fetch_message(client, channel: str, ts: str, with_metadata: bool = False) -> dict | None:
    """One message (needs channels:history), or None when it cannot be read quickly."""
    try:
        response = await asyncio.wait_for(client.conversations_history(
            channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1, include_all_metadata=with_metadata),
            PERMALINK_TIMEOUT)
    except Exception:
        return None
    return next((m for m in response.get("messages") or [] if m.get("ts") == ts), None)


async def message_text(client, channel: str, ts: str) -> str:
    found = await fetch_message(client, channel, ts)
    return unescape(found.get("text") or "") if found else ""
