"""The program's periodic work on the shared schedule: reminders, the advocate sweep and the CRM push.

Each job is safe to run in every replica: reminders are claimed once per item and threshold, the
sweep never creates a second open nomination, and the CRM push remembers what the CRM accepted.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from fastapi import FastAPI

from bot.context import BotContext
from bot.crm import push_advocates
from bot.scheduler import register_job
from workflows import closeloop, identification
from workflows.core import Core
from workflows.nudges import run_nudges

log = logging.getLogger(__name__)

NUDGES_EVERY = timedelta(hours=1)
SWEEP_CRON = "0 8 * * 1-5"  # weekdays at 08:00 in the program timezone
CRM_PUSH_EVERY = timedelta(minutes=15)


def nudge(core: Core) -> dict[str, int]:
    counts = run_nudges(core)
    counts["close_the_loop"] = closeloop.nudge(core)
    if any(counts.values()):
        log.info("nudges sent: %s", ", ".join(f"{k} {v}" for k, v in counts.items() if v))
    return counts


def sweep(core: Core) -> None:
    log.info("advocate sweep: %s", identification.sweep(core).message)


def push_crm(ctx: BotContext) -> None:
    sent = push_advocates(ctx.core, ctx.core.config.crm_callback_url, ctx.settings.webhook_secret.get_secret_value())
    if sent:
        log.info("CRM push: %s advocate(s) sent", sent)


def mount(_app: FastAPI, ctx: BotContext) -> None:
    register_job(ctx, "nudges", NUDGES_EVERY, lambda: nudge(ctx.core), run_at_start=True)
    register_job(ctx, "sweep", SWEEP_CRON, lambda: sweep(ctx.core))
    jobs = "reminders every hour, advocate sweep on weekdays at 08:00"
    if ctx.core.config.crm_callback_url:
        register_job(ctx, "crm-push", CRM_PUSH_EVERY, lambda: push_crm(ctx))
        jobs += ", CRM push every 15 minutes"
    ctx.surfaces["routines"] = f"on: {jobs}" if ctx.settings.scheduler else "off: SCHEDULER=false"
