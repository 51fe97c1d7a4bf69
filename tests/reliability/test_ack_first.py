"""The gate that lets acknowledgements go first: work waits while a chat request waits for its answer."""

from __future__ import annotations

import asyncio
import time

from bot import ackfirst
from bot.ackfirst import AckFirst


def test_work_goes_at_once_when_no_request_waits():
    async def scenario():
        started = time.monotonic()
        await AckFirst().turn()
        return time.monotonic() - started

    assert asyncio.run(scenario()) < 0.01


def test_work_waits_until_the_waiting_requests_are_answered_and_the_burst_is_over():
    async def scenario():
        gate = AckFirst(quiet=0.05, hold=5)
        first, second = gate.arrived(), gate.arrived()
        events: list[str] = []

        async def work():
            await gate.turn()
            events.append("work")

        task = asyncio.ensure_future(work())
        await asyncio.sleep(0.05)
        first()
        await asyncio.sleep(0.1)
        events.append("second answered")
        second()
        answered = time.monotonic()
        await task
        return events, time.monotonic() - answered

    events, after = asyncio.run(scenario())
    assert events == ["second answered", "work"]
    assert 0.04 <= after < 1  # a quiet moment after the last answer, not the hold


def test_work_waits_no_longer_than_the_hold():
    async def scenario():
        gate = AckFirst(quiet=0.01, hold=0.2)
        gate.arrived()  # never answered
        started = time.monotonic()
        await gate.turn()
        return time.monotonic() - started

    assert 0.19 <= asyncio.run(scenario()) < 1


def test_outside_a_chat_request_nothing_waits():
    async def scenario():
        gate = AckFirst(hold=5)
        gate.arrived()  # a request of another task: this one has no gate of its own
        started = time.monotonic()
        await ackfirst.later()
        return time.monotonic() - started

    assert asyncio.run(scenario()) < 0.01
