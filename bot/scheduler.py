"""Periodic jobs: the leadership digests, and any job another part registers with `register_job`.

Every replica runs its own APScheduler (AsyncIOScheduler, in-memory job store); shared job stores run
jobs twice. Work happens once because each job claims it in the database (a unique DigestRun row for a
digest period). A catch-up job, at start and every few minutes, posts a digest that fell due while
no replica was running.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Callable
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from fastapi import FastAPI

from bot import metrics
from bot.charts import digest_chart
from bot.context import BotContext
from workflows import digest
from workflows.core import Core
from workflows.periods import KINDS, containing

log = logging.getLogger(__name__)

CATCH_UP_EVERY = timedelta(minutes=10)
MAX_LATE = 6 * 3600  # a job that missed its time by up to this many seconds still runs

When = str | timedelta | float | int | BaseTrigger


def make_trigger(when: When, tz: ZoneInfo) -> BaseTrigger:
    """A 5-field crontab string (in the program timezone), an interval (timedelta or seconds), or a trigger."""
    if isinstance(when, BaseTrigger):
        return when
    if isinstance(when, str):
        try:
            return CronTrigger.from_crontab(when, timezone=tz)
        except ValueError as exc:
            raise ValueError(f"invalid cron expression {when!r}: {exc}") from None
    seconds = when.total_seconds() if isinstance(when, timedelta) else float(when)
    if seconds <= 0:
        raise ValueError("an interval must be positive")
    return IntervalTrigger(seconds=seconds, timezone=tz)


@dataclass
class Job:
    name: str
    trigger: BaseTrigger
    func: Callable[[], Any]  # sync functions run in a thread, coroutine functions on the loop
    run_at_start: bool = False


@dataclass
class Schedule:
    """The jobs of one process; `run` is the background task the server starts."""

    tz: ZoneInfo
    jobs: list[Job] = field(default_factory=list)
    scheduler: AsyncIOScheduler | None = None

    def add(self, name: str, when: When, func: Callable[[], Any], run_at_start: bool = False) -> Job:
        if any(job.name == name for job in self.jobs):
            raise ValueError(f"a job named {name!r} is already scheduled")
        job = Job(name, make_trigger(when, self.tz), func, run_at_start)
        self.jobs.append(job)
        return job

    async def run(self) -> None:
        scheduler = AsyncIOScheduler(timezone=self.tz, job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": MAX_LATE})
        now = datetime.now(self.tz)
        for job in self.jobs:
            extra = {"next_run_time": now} if job.run_at_start else {}
            scheduler.add_job(job.func, job.trigger, id=job.name, name=job.name, **extra)
        scheduler.start()
        self.scheduler = scheduler
        log.info("scheduler started with %d job(s): %s", len(self.jobs), ", ".join(j.name for j in self.jobs))
        try:
            await asyncio.Event().wait()
        finally:
            scheduler.shutdown(wait=False)
            self.scheduler = None


def schedule_of(ctx: BotContext) -> Schedule:
    """This server's schedule, started with the server unless SCHEDULER=false."""
    if ctx.schedule is None:
        ctx.schedule = Schedule(ctx.core.config.tz)
        if ctx.settings.scheduler:
            ctx.background.append(ctx.schedule.run)
    return ctx.schedule


def register_job(ctx: BotContext, name: str, when: When, func: Callable[[], Any], run_at_start: bool = False) -> Job:
    """Run `func` (no arguments) on a cron string or an interval in every replica.

    Make the work idempotent in the database (claim it with a unique row) so that several replicas
    running the same job do it once. With SCHEDULER=false the job is registered but never runs.
    """
    return schedule_of(ctx).add(name, when, func, run_at_start)


# --- digests -------------------------------------------------------------------------------------

def last_fire(trigger: BaseTrigger, now: datetime, since: datetime) -> datetime | None:
    """The trigger's last fire time in [since, now], or None."""
    last, candidate = None, trigger.get_next_fire_time(None, since)
    while candidate is not None and candidate <= now:
        last, candidate = candidate, trigger.get_next_fire_time(candidate, candidate + timedelta(seconds=1))
    return last


def _posted(result: digest.Posted | None) -> None:
    if result is not None:
        metrics.DIGEST_RUNS.labels(result.period.kind).inc()
        log.info("posted the %s digest (%d outbox message(s))", result.period.key, result.outbox_rows)


def run_digest(core: Core, kind: str) -> None:
    """The cron job: post the period that just ended."""
    tz = core.config.tz
    _posted(digest.post_due(core, digest.due_period(kind, core.now(), tz), digest_chart))


def catch_up(core: Core, triggers: dict[str, BaseTrigger]) -> None:
    """Post each kind's most recently due digest if no replica has posted it (e.g. all were down)."""
    now, tz = core.now(), core.config.tz
    for kind, trigger in triggers.items():
        fired = last_fire(trigger, now, containing(now, tz, kind).previous().start)
        if fired is not None:
            _posted(digest.post_due(core, digest.due_period(kind, fired, tz), digest_chart))


def mount(_app: FastAPI, ctx: BotContext) -> None:
    """Schedule the monthly and quarterly digests and the catch-up tick."""
    config = ctx.core.config
    if not ctx.settings.scheduler:
        ctx.surfaces["scheduler"] = "off: SCHEDULER=false"
        return
    if not config.platforms_for("digest"):
        ctx.surfaces["scheduler"] = "on: no digest channel configured, so no digests"
        return
    crons = {kind: getattr(config.digest, kind) for kind in KINDS}
    triggers = {}
    for kind, cron in crons.items():
        triggers[kind] = register_job(ctx, f"digest.{kind}", cron, partial(run_digest, ctx.core, kind)).trigger
    register_job(ctx, "digest.catch-up", CATCH_UP_EVERY, partial(catch_up, ctx.core, triggers), run_at_start=True)
    ctx.surfaces["scheduler"] = (f"on: digests monthly '{crons['monthly']}', quarterly '{crons['quarterly']}' "
                                 f"({config.timezone})")
