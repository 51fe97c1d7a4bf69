"""Button clicks on cards, ephemeral messages, modals and the Home tab.

Every listener acknowledges first. Buttons that need a form open it right away (the
trigger id lives 3 s); the others run the core command and tell the person the result.
Cards in channels are refreshed by the core's update effects through the outbox.
"""

from __future__ import annotations

import asyncio

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import BotContext
from bot.slack import modals
from bot.slack.listeners.common import (actor_of, fetch_message, item_id, message_ref, message_text, origin,
                                        permalink, run)
from bot.slack.listeners.home import confirm
from bot.slack.middleware import listen
from bot.slack.render import METADATA_TYPE, READ_ALL, action_pattern
from workflows import asks, lookups, references, stories
from workflows.gating import review_gating_note
from workflows.states import AskType

WIN_FROM_MESSAGE = "win.from_message"


def _metadata_text(message: dict) -> tuple[str, str] | None:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    if metadata.get("event_type") != METADATA_TYPE or "text" not in payload:
        return None
    return str(payload.get("title") or ""), str(payload["text"])


def register(app: AsyncApp, ctx: BotContext) -> None:
    core = ctx.core

    def on(action: str):
        return listen(app.action(action_pattern(action)))

    async def decide(command, ack, body, action, context, client) -> None:
        await ack()
        text = (await run(command, core, actor_of(context), item_id(action.get("value")))).message
        await confirm(client, core, context, body, text)

    @on("review.approve")
    async def approve(ack, body: dict, action: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        await decide(stories.approve, ack, body, action, context, client)

    @on("review.reject")
    async def reject(ack, body: dict, action: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        await decide(stories.reject, ack, body, action, context, client)

    @on("nomination.dismiss")
    async def dismiss(ack, body: dict, action: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        await decide(asks.dismiss, ack, body, action, context, client)

    @on("reference.approve")
    async def approve_reference(ack, body: dict, action: dict, context: AsyncBoltContext,
                                client: AsyncWebClient) -> None:
        await decide(references.approve_reference, ack, body, action, context, client)

    @on("reference.decline")
    async def decline_reference(ack, body: dict, action: dict, context: AsyncBoltContext,
                                client: AsyncWebClient) -> None:
        await decide(references.decline_reference, ack, body, action, context, client)

    @on(modals.REFERENCE_OUTCOME)
    async def reference_outcome(ack, body: dict, action: dict, client: AsyncWebClient) -> None:
        await ack()
        request = item_id(action.get("value"))
        await client.views_open(trigger_id=body["trigger_id"], view=modals.reference_outcome(request, origin(body)))

    @on(modals.CLOSE_LOOP)
    async def resolve_feedback(ack, body: dict, action: dict, client: AsyncWebClient) -> None:
        await ack()
        item = item_id(action.get("value"))
        await client.views_open(trigger_id=body["trigger_id"], view=modals.close_loop(item, origin(body)))

    @on("review.changes")
    async def changes(ack, body: dict, action: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        await ack()
        story_id = item_id(action.get("value"))
        story = await run(lookups.story_for_marketing, core, actor_of(context), story_id, "review stories")
        await client.views_open(trigger_id=body["trigger_id"], view=modals.changes(story_id, story, origin(body)))

    @on("story.publish")
    async def publish(ack, body: dict, action: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        await ack()
        story_id = item_id(action.get("value"))
        story = await run(lookups.story_for_marketing, core, actor_of(context), story_id, "publish stories")
        await client.views_open(trigger_id=body["trigger_id"], view=modals.publish(story_id, story, origin(body)))

    @on("nomination.ask")
    async def ask(ack, body: dict, action: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        await ack()
        nomination_id = item_id(action.get("value"))
        account = await run(lookups.nomination_to_act_on, core, actor_of(context), nomination_id)
        notes = [note for kind in AskType if (note := review_gating_note(kind, core.config))]
        await client.views_open(trigger_id=body["trigger_id"],
                                view=modals.ask(nomination_id, account, origin(body), notes))

    @on("nomination.snooze")
    async def snooze(ack, body: dict, action: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        await ack()
        nomination_id = item_id(action.get("value"))
        await run(lookups.nomination_to_act_on, core, actor_of(context), nomination_id)
        until = asks.default_snooze_day(core.now(), core.config.tz)
        await client.views_open(trigger_id=body["trigger_id"], view=modals.snooze(nomination_id, until, origin(body)))

    @on(modals.MARK_SENT)
    async def mark_sent(ack, body: dict, action: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        await ack()
        ask_id = item_id(action.get("value"))
        text = (await run(asks.mark_sent, core, actor_of(context), ask_id)).message
        view = body.get("view") or {}
        if view.get("type") == "modal":
            await client.views_update(view_id=view["id"], hash=view.get("hash"),
                                      view=modals.ask_result(ask_id, modals.ask_text(view), sent_note=text))
        else:
            await confirm(client, core, context, body, text)

    @on(modals.DEAL)
    async def use_in_deal(ack, body: dict, action: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        await ack()
        story_id = item_id(action.get("value"))
        story = await run(lookups.story_label, core, story_id)
        await client.views_open(trigger_id=body["trigger_id"], view=modals.deal(story_id, story, origin(body)))

    @on(modals.RECOGNITION)
    async def log_thanks(ack, body: dict, action: dict, client: AsyncWebClient) -> None:
        await ack()
        story_id = item_id(action.get("value"))
        await client.views_open(trigger_id=body["trigger_id"], view=modals.recognition(story_id, origin(body)))

    @on(WIN_FROM_MESSAGE)
    async def win_from_message(ack, body: dict, action: dict, client: AsyncWebClient) -> None:
        await ack()
        channel, ts = message_ref(action.get("value"))
        text, link = await asyncio.gather(message_text(client, channel, ts), permalink(client, channel, ts))
        await client.views_open(trigger_id=body["trigger_id"], view=modals.win(text, link, source="reaction"))

    @on(READ_ALL)
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

    @on("link.open")
    async def link_opened(ack) -> None:
        await ack()  # link buttons open in the browser; Slack still reports the click
