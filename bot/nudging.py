"""Runs the nudges (workflows/nudges.py) every hour, and once at start, on the shared schedule."""

from __future__ import annotations

import logging
from datetime import timedelta

from fastapi import FastAPI

from bot.context import BotContext
from bot.scheduler import register_job
from workflows.core import Core
from workflows.nudges import run_nudges

log = logging.getLogger(__name__)

EVERY = timedelta(hours=1)


def nudge(core: Core) -> dict[str, int]:
    counts = run_nudges(core)
    if any(counts.values()):
        log.info("nudges sent: %s", ", ".join(f"{k} {v}" for k, v in counts.items() if v))
    return counts


def mount(_app: FastAPI, ctx: BotContext) -> None:
    register_job(ctx, "nudges", EVERY, lambda: nudge(ctx.core), run_at_start=True)
    ctx.surfaces["nudges"] = "on: every hour" if ctx.settings.scheduler else "off: SCHEDULER=false"
