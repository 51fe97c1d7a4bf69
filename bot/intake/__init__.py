"""The customer-facing web pages served by the bot: intake, consent and referral links."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from bot.context import BotContext
from bot.intake.routes import STATIC, router


def mount(app: FastAPI, ctx: BotContext) -> None:
    app.include_router(router(ctx))
    app.mount("/static/intake", StaticFiles(directory=STATIC), name="intake-static")
    ctx.surfaces["intake"] = f"on: {ctx.core.links.public_url}/intake/<token>, /consent/<token>, /r/<code>"
