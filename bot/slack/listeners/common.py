"""Small helpers the listeners share."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from slack_bolt.context.async_context import AsyncBoltContext

from bot import ackfirst
from workflows.actors import Actor
from workflows.errors import NotFound

log = logging.getLogger(__name__)

PERMALINK_TIMEOUT = 1.5  # the trigger id expires 3 s after the click: never wait longer than this
ACK_DEADLINE = 2.0  # answer Slack within this long after the request arrived (Slack allows 3 s, network included)


# Core commands run on a few threads of their own: more would contend for the GIL with the
# event loop that acknowledges requests, and slow every acknowledgement down.
CORE_THREADS = min(4, os.cpu_count() or 2)
_core = ThreadPoolExecutor(max_workers=CORE_THREADS, thread_name_prefix="slack-core")


async def run_now(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a (synchronous) core function off the event loop at once (a form to open: the trigger id expires)."""
    return await asyncio.get_running_loop().run_in_executor(_core, functools.partial(fn, *args, **kwargs))


async def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a core command off the event loop once the requests still waiting for their answer have it."""
    await ackfirst.later()
    return await run_now(fn, *args, **kwargs)


def time_left(context: AsyncBoltContext) -> float:
    """Seconds left before the request must be acknowledged."""
    received = context.get("received_at")
    spent = time.monotonic() - received if received is not None else 0.0
    return max(0.1, ACK_DEADLINE - spent)


async def actor_of(context: AsyncBoltContext) -> Actor:
    """Who is acting, looked up (cached) when first asked for: after the acknowledgement."""
    if "actor" not in context:
        directory = context.get("directory")
        user_id = context.user_id or ""
        context["actor"] = (await directory.actor(context.client, user_id) if directory is not None and user_id
                            else Actor(platform="slack", user_id=user_id))
    return context["actor"]


def from_home(body: dict) -> bool:
    return (body.get("view") or {}).get("type") == "home"


def origin(body: dict) -> dict:
    """Where an action happened, kept in a modal's private_metadata to reply there after submission."""
    if from_home(body):
        return {"home": True}
    channel = ((body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")
               or body.get("channel_id"))  # a slash command's body names its channel flat
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
    except Exception as exc:  # the form still opens, without the link
        log.info("no permalink for %s/%s: %s", channel, ts, type(exc).__name__)
        return ""


async def fetch_message(client, channel: str, ts: str, with_metadata: bool = False) -> dict | None:
    """One message (needs channels:history), or None when it cannot be read quickly."""
    try:
        response = await asyncio.wait_for(client.conversations_history(
            channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1, include_all_metadata=with_metadata),
            PERMALINK_TIMEOUT)
    except Exception as exc:  # the caller carries on without the message
        log.info("could not read message %s/%s: %s", channel, ts, type(exc).__name__)
        return None
    return next((m for m in response.get("messages") or [] if m.get("ts") == ts), None)


async def message_text(client, channel: str, ts: str) -> str:
    found = await fetch_message(client, channel, ts)
    return unescape(found.get("text") or "") if found else ""
