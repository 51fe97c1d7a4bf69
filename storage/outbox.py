"""Outbox queue: claim lanes, record deliveries and retries, and remember where cards landed.

Delivery order is kept per lane (a platform plus destination): a worker owns a lane by
leasing its oldest pending row with a guarded update, so replicas never deliver one
lane's messages in parallel or twice, and a crashed worker's lease simply runs out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from storage import models as m
from storage.db import transaction
from storage.repo import Repo
from storage.vocabulary import OutboxState

LEASE = timedelta(seconds=60)


@dataclass
class Job:
    id: int
    platform: str
    lane: str
    effect: dict
    attempts: int
    unsure: bool = False  # a worker held it and stopped without an outcome (a crash): it may have been sent


def claim(engine: Engine, now: datetime, max_lanes: int = 20, per_lane: int = 20,
          lease: timedelta = LEASE) -> list[list[Job]]:
    """Lease up to `max_lanes` lanes that are due for `lease`; each lane's jobs come back in order."""
    worker = uuid.uuid4().hex
    until = now + lease
    free = or_(m.OutboxMessage.lease_until.is_(None), m.OutboxMessage.lease_until < now)
    with transaction(engine) as session:
        heads = (
            select(m.OutboxMessage.lane, func.min(m.OutboxMessage.id).label("head"))
            .where(m.OutboxMessage.state == OutboxState.PENDING)
            .group_by(m.OutboxMessage.lane)
            .subquery()
        )
        due = session.exec(
            select(m.OutboxMessage.id, m.OutboxMessage.lease_until)
            .join(heads, heads.c.head == m.OutboxMessage.id)
            .where(m.OutboxMessage.next_attempt_at <= now, free)
            .order_by(m.OutboxMessage.id)
            .limit(max_lanes)
        ).all()
        if not due:
            return []
        abandoned = {head_id for head_id, lease in due if lease is not None}
        # The guarded update decides which lanes are ours when workers race for the same heads.
        won = session.execute(
            update(m.OutboxMessage)
            .where(col(m.OutboxMessage.id).in_([head_id for head_id, _ in due]), m.OutboxMessage.state == OutboxState.PENDING, free)
            .values(lease_until=until, leased_by=worker)
            .returning(m.OutboxMessage.id, m.OutboxMessage.lane)
        ).all()
        if not won:
            return []
        head_of = {lane: head_id for head_id, lane in won}
        ranked = (
            select(m.OutboxMessage.id, m.OutboxMessage.platform, m.OutboxMessage.lane, m.OutboxMessage.effect,
                   m.OutboxMessage.attempts, m.OutboxMessage.lease_until,
                   func.row_number().over(partition_by=m.OutboxMessage.lane, order_by=m.OutboxMessage.id).label("rn"))
            .where(col(m.OutboxMessage.lane).in_(list(head_of)), m.OutboxMessage.state == OutboxState.PENDING,
                   m.OutboxMessage.id >= min(head_of.values()), or_(m.OutboxMessage.leased_by == worker, free))
            .subquery()
        )
        rows = session.execute(select(ranked).where(ranked.c.rn <= per_lane).order_by(ranked.c.lane, ranked.c.id)).all()
        lanes: dict[str, list[Job]] = {lane: [] for lane in head_of}
        for row in rows:
            if row.id >= head_of[row.lane]:
                unsure = row.id in abandoned or (row.id != head_of[row.lane] and row.lease_until is not None)
                lanes[row.lane].append(Job(row.id, row.platform, row.lane, row.effect, row.attempts, unsure))
        ids = [job.id for jobs in lanes.values() for job in jobs]
        session.execute(update(m.OutboxMessage).where(col(m.OutboxMessage.id).in_(ids))
                        .values(lease_until=until, leased_by=worker))
    return [lanes[lane] for _, lane in sorted(won)]


def delivered(engine: Engine, job: Job, now: datetime, ref: tuple[str, str, str] | None = None) -> None:
    """Mark a job delivered; `ref` = (ref_key, channel, message_id) remembers where a card landed."""
    with transaction(engine) as session:
        session.execute(update(m.OutboxMessage).where(m.OutboxMessage.id == job.id)
                        .values(state=OutboxState.DELIVERED, delivered_at=now, lease_until=None,
                                attempts=job.attempts + 1))
        if ref:
            save_chat_ref(Repo(session), job.platform, *ref, now=now)


def retry_later(engine: Engine, jobs: list[Job], error: str, at: datetime) -> None:
    """The first job failed: count the attempt and release the lane until `at`."""
    with transaction(engine) as session:
        session.execute(update(m.OutboxMessage).where(m.OutboxMessage.id == jobs[0].id)
                        .values(attempts=jobs[0].attempts + 1, last_error=error[:500], next_attempt_at=at,
                                lease_until=None))
        release(session, jobs[1:])


def give_up(engine: Engine, job: Job, error: str, now: datetime) -> None:
    """A permanent failure (e.g. the channel does not exist): park the job so the lane moves on."""
    with transaction(engine) as session:
        session.execute(update(m.OutboxMessage).where(m.OutboxMessage.id == job.id)
                        .values(state=OutboxState.DEAD, attempts=job.attempts + 1, last_error=error[:500],
                                lease_until=None, delivered_at=now))


def release(session, jobs: list[Job]) -> None:
    if jobs:
        session.execute(update(m.OutboxMessage).where(col(m.OutboxMessage.id).in_([j.id for j in jobs]))
                        .values(lease_until=None))


def release_jobs(engine: Engine, jobs: list[Job]) -> None:
    with transaction(engine) as session:
        release(session, jobs)


def save_chat_ref(repo: Repo, platform: str, ref_key: str, channel: str, message_id: str, now: datetime) -> None:
    """Point a card's ref key at its latest message (a re-posted card replaces the old pointer)."""
    existing = repo.session.exec(select(m.ChatRef).where(m.ChatRef.platform == platform,
                                                         m.ChatRef.ref_key == ref_key)).first()
    if existing:
        existing.channel, existing.message_id, existing.created_at = channel, message_id, now
        repo.session.add(existing)
    else:
        repo.add(m.ChatRef(platform=platform, ref_key=ref_key, channel=channel, message_id=message_id,
                           created_at=now))


def chat_ref(engine: Engine, platform: str, ref_key: str) -> m.ChatRef | None:
    with transaction(engine, read_only=True) as session:
        return session.exec(select(m.ChatRef).where(m.ChatRef.platform == platform,
                                                    m.ChatRef.ref_key == ref_key)).first()


def wake(session, platform: str, now: datetime) -> int:
    """Make a platform's waiting messages due now (the app was just installed somewhere it could not post)."""
    return session.execute(update(m.OutboxMessage)
                           .where(m.OutboxMessage.platform == platform, m.OutboxMessage.state == OutboxState.PENDING,
                                  m.OutboxMessage.next_attempt_at > now)
                           .values(next_attempt_at=now)).rowcount


def stats(engine: Engine, now: datetime) -> tuple[int, float]:
    """(pending count, age in seconds of the oldest pending message)."""
    with transaction(engine, read_only=True) as session:
        count, oldest = session.exec(
            select(func.count(), func.min(m.OutboxMessage.created_at))
            .where(m.OutboxMessage.state == OutboxState.PENDING)).one()
    return count, max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def discard_pending(engine: Engine, reason: str, now: datetime) -> int:
    """Park every pending message (used after loading demo data, which must not reach real channels)."""
    with transaction(engine) as session:
        return session.execute(update(m.OutboxMessage).where(m.OutboxMessage.state == OutboxState.PENDING)
                               .values(state=OutboxState.DEAD, last_error=reason, delivered_at=now)).rowcount
