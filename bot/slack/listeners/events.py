"""Events: the win reaction in the wins channel."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.models.blocks import SectionBlock
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import BotContext
from bot.slack.listeners.actions import WIN_FROM_MESSAGE
from bot.slack.listeners.common import message_value, run
from bot.slack.render import actions, mrkdwn
from workflows.effects import Button
from workflows.lookups import first_delivery


def register(app: AsyncApp, ctx: BotContext) -> None:
    core = ctx.core

    @app.event("reaction_added")
    async def reaction_added(event: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        """The win reaction on a message in the wins channel: ask its poster, once, to flag it."""
        config = core.config
        item = event.get("item") or {}
        channel, ts, poster = item.get("channel"), item.get("ts"), event.get("item_user")
        if (event.get("reaction", "").split("::")[0] != config.win_reaction or item.get("type") != "message"
                or not channel or channel != config.channel("slack", "wins") or not poster
                or poster == context.bot_user_id):
            return
        # One prompt per message: Slack's retries and later reactions on it are ignored.
        if not await run(first_delivery, core, "slack", f"reaction:{channel}:{ts}"):
            return
        text = "Is this message a customer win? Flag it so the team can celebrate it and follow up."
        blocks = [SectionBlock(text=mrkdwn(text)),
                  actions([Button("Flag as a win", WIN_FROM_MESSAGE, message_value(channel, ts), "primary")])]
        await client.chat_postEphemeral(channel=channel, user=poster, text=text, blocks=[b.to_dict() for b in blocks])
