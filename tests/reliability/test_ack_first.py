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


def test_work_let_go_by_the_hold_is_not_kept_while_requests_keep_overlapping():
    async def scenario():
        gate = AckFirst(quiet=0.02, hold=0.001)
        answer = gate.arrived()
        for _ in range(500):  # one request always waiting; each piece of work goes when the hold ends
            following = gate.arrived()
            answer()
            answer = following
            await gate.turn()
        return len(gate._turns)

    assert asyncio.run(scenario()) == 0


def test_stopping_lets_waiting_work_go_and_waits_for_it():
    async def scenario():
        gate = AckFirst(quiet=0.05, hold=30)
        ackfirst.current.set(gate)
        gate.arrived()  # never answered: only stopping lets the work go
        done: list[str] = []

        async def work():
            await ackfirst.later()
            await asyncio.sleep(0.05)
            done.append("work")

        task = asyncio.ensure_future(work())
        await asyncio.sleep(0.01)
        started = time.monotonic()
        await gate.drain(timeout=5)
        await gate.turn()  # and work asked for afterwards goes at once
        return done, time.monotonic() - started, task.done()

    done, took, finished = asyncio.run(scenario())
    assert done == ["work"] and finished and took < 1
