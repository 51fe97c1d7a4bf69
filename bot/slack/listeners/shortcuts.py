"""The message shortcut "Flag as customer win"."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import BotContext
from bot.slack import modals
from bot.slack.listeners.common import permalink, unescape

FLAG_MESSAGE = "win.flag_message"  # callback_id in manifest.yaml


def register(app: AsyncApp, ctx: BotContext) -> None:
    @app.shortcut(FLAG_MESSAGE)
    async def flag_message(ack, body: dict, client: AsyncWebClient) -> None:
        """Open the win modal prefilled with the message's text and permalink."""
        await ack()
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id", "")
        ts = body.get("message_ts") or message.get("ts", "")
        link = await permalink(client, channel, ts) if channel and ts else ""
        view = modals.win(story=unescape(message.get("text") or ""), link=link, source="shortcut")
        await client.views_open(trigger_id=body["trigger_id"], view=view)
