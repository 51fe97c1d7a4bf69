"""Bolt listeners, grouped by kind; each module has `register(app, ctx)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.context import BotContext
from bot.slack.listeners import actions, commands, events, home, shortcuts, views


def register_all(app: AsyncApp, ctx: BotContext) -> None:
    """Bolt tries the listeners in this order, running each one's matcher until one matches: the most
    frequent requests (every reaction in the bot's channels, App Home) come first, then the slash
    commands (one listener for all three), buttons, forms and shortcuts."""
    for group in (events, home, commands, actions, views, shortcuts):
        group.register(app, ctx)
