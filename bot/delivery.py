"""Delivers outbox rows through the platform senders, with retries that never lose a message."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Awaitable, Callable, Protocol

from sqlalchemy.engine import Engine

from bot import metrics
from storage import outbox
from workflows.effects import Card, Effect

log = logging.getLogger(__name__)


class RetryableError(Exception):
    """The platform is busy or failing (429, 5xx, timeout): try again later."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(Exception):
    """The platform refused for good (unknown channel, bot not in channel): park the message."""


class Sender(Protocol):
    """What a platform adapter provides to deliver cards."""

    platform: str

    async def post(self, channel: str, card: Card, key: str = "", unsure: bool = False) -> str:
        """Post a card; returns the new message's id (Slack ts, Teams activity id).

        `key` names the outbox message: a platform that can look it up after an ambiguous
        failure (a timeout, or `unsure`: a crashed worker held it) uses it to avoid posting it twice.
        """

    async def update(self, channel: str, message_id: str, card: Card) -> None: ...

    async def dm(self, person: str, card: Card) -> None: ...

    async def names(self, people: set[str]) -> dict[str, str]:
        """Display names the platform knows for these person keys (ids or emails); unknown ones are left out."""


def backoff(attempts: int, retry_after: float | None) -> float:
    return retry_after if retry_after else min(300.0, 2.0 ** min(attempts, 9))


class OutboxWorker:
    """Claims due lanes and delivers each lane's messages in order."""

    def __init__(self, engine: Engine, senders: dict[str, Sender], clock: Callable,
                 lease: timedelta = outbox.LEASE, turn: Callable[[], Awaitable[None]] | None = None):
        self.engine = engine
        self.senders = senders
        self.clock = clock
        self.lease = lease
        self.turn = turn  # waits while chat requests wait for their acknowledgement

    async def run_once(self) -> int:
        """Deliver what is due now; returns how many messages were delivered."""
        lanes = await asyncio.to_thread(outbox.claim, self.engine, self.clock(), lease=self.lease)
        results = await asyncio.gather(*(self._lane(jobs) for jobs in lanes))
        depth, age = await asyncio.to_thread(outbox.stats, self.engine, self.clock())
        metrics.OUTBOX_DEPTH.set(depth)
        metrics.OUTBOX_AGE.set(age)
        return sum(results)

    async def last_round(self, timeout: float) -> None:
        """Stopping: deliver what is due, for `timeout` seconds at most (the rest goes out at the next start)."""
        try:
            await asyncio.wait_for(self.run_once(), max(timeout, 0.1))
        except asyncio.TimeoutError:
            log.warning("stopped before the outbox was delivered; the rest goes out at the next start")
        except Exception as exc:
            log.warning("the outbox's last round failed (%s); the rest goes out at the next start",
                        type(exc).__name__)

    async def run_forever(self, poll_seconds: float) -> None:
        while True:
            try:
                if self.turn is not None:
                    await self.turn()
                if not await self.run_once():
                    await asyncio.sleep(poll_seconds)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox round failed")
                await asyncio.sleep(poll_seconds)

    async def _lane(self, jobs: list[outbox.Job]) -> int:
        done = 0
        for index, job in enumerate(jobs):
            sender = self.senders.get(job.platform)
            if sender is None:
                await asyncio.to_thread(outbox.release_jobs, self.engine, jobs[index:])
                return done
            try:
                ref = await self._deliver(sender, job)
            except PermanentError as exc:
                log.error("outbox message %s refused by %s: %s", job.id, job.platform, exc)
                metrics.DELIVERIES.labels(job.platform, "refused").inc()
                await asyncio.to_thread(outbox.give_up, self.engine, job, str(exc), self.clock())
                continue
            except Exception as exc:  # 429, 5xx, timeouts, connection errors: retry later
                retry_after = getattr(exc, "retry_after", None)
                delay = backoff(job.attempts, retry_after)
                log.warning("outbox message %s to %s failed (%s); retrying in %.0fs",
                            job.id, job.lane, exc, delay)
                metrics.DELIVERIES.labels(job.platform, "retry").inc()
                at = self.clock() + timedelta(seconds=delay)
                await asyncio.to_thread(outbox.retry_later, self.engine, jobs[index:], str(exc), at)
                return done
            metrics.DELIVERIES.labels(job.platform, "delivered").inc()
            await asyncio.to_thread(outbox.delivered, self.engine, job, self.clock(), ref)
            done += 1
        return done

    async def _deliver(self, sender: Sender, job: outbox.Job) -> tuple[str, str, str] | None:
        effect = Effect.from_dict(job.effect)
        channel = job.effect.get("channel", "")
        if effect.card.people() and hasattr(sender, "names"):
            effect.card = effect.card.named(await sender.names(effect.card.people()))
        if effect.op == "post":
            message_id = await sender.post(channel, effect.card, key=f"outbox:{job.id}", unsure=job.unsure)
            return (effect.ref_key, channel, message_id) if effect.ref_key else None
        if effect.op == "update":
            ref = await asyncio.to_thread(outbox.chat_ref, self.engine, job.platform, effect.ref_key)
            if ref is None:
                log.warning("no posted card for %s on %s; nothing to update", effect.ref_key, job.platform)
                return None
            await sender.update(ref.channel, ref.message_id, effect.card)
            return None
        await sender.dm(effect.person, effect.card)
        return None
