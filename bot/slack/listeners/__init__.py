"""Bolt listeners, grouped by kind; each module has `register(app, ctx)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.context import BotContext
from bot.slack.listeners import actions, commands, events, home, shortcuts, views


def register_all(app: AsyncApp, ctx: BotContext) -> None:
    for group in (commands, shortcuts, actions, views, events, home):
        group.register(app, ctx)
