"""Bolt listeners, grouped by kind; each module has `register(app, ctx)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.context import BotContext
from bot.slack.listeners import actions, commands, events, home, shortcuts, views


def register_all(app: AsyncApp, ctx: BotContext) -> None:
    """Bolt tries the listeners in this order, running each one's matcher until one matches: the most
    frequent requests (events, App Home, buttons) come first."""
    for group in (events, home, actions, views, commands, shortcuts):
        group.register(app, ctx)
