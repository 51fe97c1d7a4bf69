"""Outbox delivery: order per lane, retries that lose nothing, parked refusals, exclusive lanes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.delivery import OutboxWorker, PermanentError, RetryableError
from storage import models as m
from storage import outbox
from tests.conftest import MIA
from tests.core.helpers import flag, rows, to_review
from workflows import stories
from workflows.states import OutboxState


class RecordingSender:
    """A platform stand-in that records deliveries and fails on request."""

    platform = "slack"

    def __init__(self):
        self.delivered: list[tuple[str, str, str]] = []
        self.failures: list[Exception] = []
        self.counter = 0

    def _maybe_fail(self):
        if self.failures:
            raise self.failures.pop(0)

    async def post(self, channel, card, key="", unsure=False):
        self._maybe_fail()
        self.counter += 1
        self.delivered.append(("post", channel, card.title))
        return f"ts-{self.counter}"

    async def update(self, channel, message_id, card):
        self._maybe_fail()
        self.delivered.append(("update", f"{channel}/{message_id}", card.note))

    async def dm(self, person, card):
        self._maybe_fail()
        self.delivered.append(("dm", person, card.title))


@pytest.fixture
def sender():
    return RecordingSender()


@pytest.fixture
def worker(core, sender):
    return OutboxWorker(core.engine, {"slack": sender}, core.clock)


async def test_delivers_in_order_and_updates_land_on_the_posted_card(core, sender, worker):
    submitted, _ = to_review(core)
    stories.approve(core, MIA, submitted.story.id)
    while await worker.run_once():
        pass
    kinds = [(k, where) for k, where, _ in sender.delivered]
    review_post = kinds.index(("post", "C0APPR"))
    posted_ts = f"ts-{[k for k, _ in kinds[:review_post + 1]].count('post')}"
    assert ("update", f"C0APPR/{posted_ts}") in kinds[review_post:]
    assert all(r.state == OutboxState.DELIVERED for r in rows(core.engine, m.OutboxMessage))


async def test_retryable_failure_delays_the_lane_and_loses_nothing(core, sender, worker, clock):
    flag(core)
    sender.failures = [RetryableError("ratelimited", retry_after=30)]
    await worker.run_once()
    wins_lane = [r for r in rows(core.engine, m.OutboxMessage) if r.lane == "slack:C0WINS"]
    assert wins_lane[0].state == OutboxState.PENDING and wins_lane[0].attempts == 1
    assert "ratelimited" in wins_lane[0].last_error
    assert await worker.run_once() == 0  # not due yet
    clock.advance(seconds=31)
    await worker.run_once()
    assert [d[1] for d in sender.delivered].count("C0WINS") == 1
    assert all(r.state == OutboxState.DELIVERED for r in rows(core.engine, m.OutboxMessage))


async def test_failure_keeps_later_messages_of_the_lane_behind_it(core, sender, worker, clock):
    flag(core, account="First")
    flag(core, account="Second")
    sender.failures = [RetryableError("timeout")]
    await worker.run_once()
    clock.advance(minutes=5)
    while await worker.run_once():
        pass
    wins_posts = [title for kind, where, title in sender.delivered if where == "C0WINS"]
    assert wins_posts == ["Customer win: Dana Lee, CFO at First", "Customer win: Dana Lee, CFO at Second"]


async def test_permanent_refusal_parks_the_message_and_the_lane_moves_on(core, sender, worker):
    flag(core, account="First")
    flag(core, account="Second")
    sender.failures = [PermanentError("channel_not_found")]
    await worker.run_once()
    states = [(r.lane, r.state) for r in rows(core.engine, m.OutboxMessage) if r.lane == "slack:C0WINS"]
    assert states == [("slack:C0WINS", OutboxState.DEAD), ("slack:C0WINS", OutboxState.DELIVERED)]


def test_a_leased_lane_is_not_claimed_twice_until_the_lease_runs_out(core, clock):
    flag(core)
    first = outbox.claim(core.engine, clock())
    assert {jobs[0].lane for jobs in first} == {"slack:C0WINS", "slack:C0NOMS"}
    assert outbox.claim(core.engine, clock()) == []
    later = outbox.claim(core.engine, clock() + outbox.LEASE + timedelta(seconds=1))
    assert [j.id for jobs in later for j in jobs] == [j.id for jobs in first for j in jobs]


async def test_messages_for_a_platform_without_a_sender_wait(core, clock):
    flag(core)
    worker = OutboxWorker(core.engine, {}, core.clock)
    assert await worker.run_once() == 0
    assert all(r.state == OutboxState.PENDING and r.lease_until is None for r in rows(core.engine, m.OutboxMessage))
