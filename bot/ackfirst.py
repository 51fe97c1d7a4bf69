"""Acknowledgements first: the work that follows an acknowledgement waits while chat requests wait.

Slack wants every request answered within 3 seconds and a busy workspace sends bursts. A chat
request counts as waiting from its arrival until its answer is sent. Work that can wait (a command
run after its acknowledgement, a response_url answer, an outbox delivery) takes its turn once no
request has been waiting for QUIET seconds, or after HOLD seconds at most, so a burst is
acknowledged at the pace of an app that does nothing else and its work follows at once.

The gate of the request being handled is in a context variable, which the tasks a request starts
inherit; code running outside a chat request has no gate and never waits.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from typing import Callable

QUIET = 0.02  # no request waiting for this long: the burst is over
HOLD = 1.0  # work never waits longer than this (a trigger id lives 3 s)


class AckFirst:
    """Counts the chat requests waiting for their answer; `turn()` waits until none is."""

    def __init__(self, quiet: float = QUIET, hold: float = HOLD):
        self.quiet, self.hold = quiet, hold
        self.waiting = 0
        self._last_answer = 0.0
        self._turns: list[asyncio.Future] = []
        self._check: asyncio.TimerHandle | None = None

    def arrived(self) -> Callable[[], None]:
        """Count a request as waiting; the returned function marks it answered (once)."""
        self.waiting += 1
        answered = False

        def answer() -> None:
            nonlocal answered
            if answered:
                return
            answered = True
            self.waiting -= 1
            self._last_answer = time.monotonic()
            if self.waiting == 0 and self._turns:
                self._schedule(self.quiet)
        return answer

    def idle(self) -> bool:
        return self.waiting == 0 and time.monotonic() - self._last_answer >= self.quiet

    async def turn(self) -> None:
        """Wait until no request is waiting for its answer (at most `hold` seconds)."""
        if self.idle():
            return
        loop = asyncio.get_running_loop()
        turn = loop.create_future()
        self._turns.append(turn)
        loop.call_later(self.hold, _release, turn)
        if self.waiting == 0:
            self._schedule(self.quiet)
        await turn

    def _schedule(self, delay: float) -> None:
        if self._check is None:
            self._check = asyncio.get_running_loop().call_later(delay, self._release_if_idle)

    def _release_if_idle(self) -> None:
        self._check = None
        if self.waiting:
            return  # the last answer schedules the next look
        left = self.quiet - (time.monotonic() - self._last_answer)
        if left > 0:
            self._schedule(left)
            return
        turns, self._turns = self._turns, []
        for turn in turns:
            _release(turn)


def _release(turn: asyncio.Future) -> None:
    if not turn.done():
        turn.set_result(None)


current: contextvars.ContextVar[AckFirst | None] = contextvars.ContextVar("ack_first", default=None)


async def later() -> None:
    """Wait for the turn of work that follows an acknowledgement (no wait outside a chat request)."""
    gate = current.get()
    if gate is not None:
        await gate.turn()
