"""Button clicks on cards, ephemeral messages, modals and the Home tab.

Every listener acknowledges first. A button of the interaction table opens its form right away
(the trigger id lives 3 s) or runs its command and tells the person the outcome. Cards in
channels are refreshed by the core's update effects through the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import re

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import BotContext
from bot.slack import modals
from bot.slack.listeners.common import (actor_of, fetch_message, message_ref, message_text, origin, permalink, run,
                                        run_now)
from bot.slack.listeners.home import confirm
from bot.slack.middleware import explain
from bot.slack.render import METADATA_TYPE, READ_ALL, action_pattern
from workflows import interactions
from workflows.errors import DomainError

log = logging.getLogger(__name__)

WIN_FROM_MESSAGE = "win.from_message"
BUTTONS = re.compile(rf"^({'|'.join(re.escape(i.name) for i in interactions.TABLE if i.label)})(#\d+)?$")


def _metadata_text(message: dict) -> tuple[str, str] | None:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    if metadata.get("event_type") != METADATA_TYPE or "text" not in payload:
        return None
    return str(payload.get("title") or ""), str(payload["text"])


def register(app: AsyncApp, ctx: BotContext) -> None:
    core = ctx.core

    @app.action(BUTTONS)
    async def clicked(ack, body: dict, action: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        """A button of the interaction table: open its form, or run it and say what it did."""
        await ack()
        name = action["action_id"].split("#")[0]
        value, actor, view = action.get("value"), await actor_of(context), body.get("view") or {}
        try:
            if interactions.asks_first(name):
                form = await run_now(interactions.form_for, core, actor, name, value)
                await client.views_open(trigger_id=body["trigger_id"], view=modals.form_view(form, origin(body)))
                return
            outcome = await run(interactions.dispatch, core, actor, name, {"id": value})
        except DomainError as refused:
            await confirm(client, core, context, body, explain(refused, body, context))
            return
        if name == modals.MARK_SENT and view.get("type") == "modal":  # the drafted ask's own modal
            await client.views_update(view_id=view["id"], hash=view.get("hash"),
                                      view=modals.ask_result(int(value), modals.ask_text(view),
                                                             sent_note=outcome.message))
        else:
            await confirm(client, core, context, body, outcome.message)

    @app.action(action_pattern(WIN_FROM_MESSAGE))
    async def win_from_message(ack, body: dict, action: dict, client: AsyncWebClient) -> None:
        await ack()
        channel, ts = message_ref(action.get("value"))
        text, link = await asyncio.gather(message_text(client, channel, ts), permalink(client, channel, ts))
        await client.views_open(trigger_id=body["trigger_id"], view=modals.win(text, link, source="reaction"))

    @app.action(action_pattern(READ_ALL))
    async def read_all(ack, body: dict, client: AsyncWebClient) -> None:
        await ack()
        message = body.get("message") or {}
        found = _metadata_text(message)
        if found is None and message.get("ts"):  # payloads may leave metadata out: read the message
            channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
            found = _metadata_text(await fetch_message(client, channel, message["ts"], with_metadata=True) or {})
        if found is None:
            title, text = "", "The full text of this message is no longer available."
        else:
            title, text = found
        await client.views_open(trigger_id=body["trigger_id"], view=modals.read_all(title, text))

    @app.action(action_pattern("link.open"))
    async def link_opened(ack) -> None:
        await ack()  # link buttons open in the browser; Slack still reports the click
