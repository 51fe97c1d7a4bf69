"""Acknowledgements first: the work that follows an acknowledgement waits while chat requests wait.

Slack wants every request answered within 3 seconds and a busy workspace sends bursts. A chat
request counts as waiting from its arrival until its answer is sent. Work that can wait (a command
run after its acknowledgement, a response_url answer, an outbox delivery) takes its turn once no
request has been waiting for QUIET seconds, or after HOLD seconds at most, so a burst is
acknowledged at the pace of an app that does nothing else and its work follows at once.

The gate of the request being handled is in a context variable, which the tasks a request starts
inherit; code running outside a chat request has no gate and never waits. When the server stops,
the gate lets every waiting piece of work go at once and the server waits for them (`drain`): what
a person was told is under way is done, not cancelled.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from typing import Callable

QUIET = 0.02  # no request waiting for this long: the burst is over
HOLD = 1.0  # work never waits longer than this (a trigger id lives 3 s)

log = logging.getLogger(__name__)


class AckFirst:
    """Counts the chat requests waiting for their answer; `turn()` waits until none is."""

    def __init__(self, quiet: float = QUIET, hold: float = HOLD):
        self.quiet, self.hold = quiet, hold
        self.waiting = 0
        self._last_answer = 0.0
        self._turns: dict[asyncio.Future, None] = {}  # in the order they asked
        self._check: asyncio.TimerHandle | None = None
        self._closing = False
        self.working: set[asyncio.Task] = set()  # the work that followed an acknowledgement, until done

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
        if self._closing or self.idle():
            return
        loop = asyncio.get_running_loop()
        turn = loop.create_future()
        self._turns[turn] = None
        loop.call_later(self.hold, self._expire, turn)
        if self.waiting == 0:
            self._schedule(self.quiet)
        await turn

    async def after_answer(self) -> None:
        """`turn()` for work that follows an acknowledgement, which the server then waits for when stopping."""
        task = asyncio.current_task()
        if task is not None and task not in self.working:
            self.working.add(task)
            task.add_done_callback(self.working.discard)
        await self.turn()

    async def drain(self, timeout: float) -> None:
        """Stopping: let all work go now and wait (at most `timeout` seconds) for what followed an answer."""
        self._closing = True
        for turn in list(self._turns):
            self._expire(turn)
        await asyncio.sleep(0)  # work started just before this call reaches its turn and is counted
        busy = self.working - {asyncio.current_task()}
        if busy:
            _, left = await asyncio.wait(busy, timeout=timeout)
            if left:
                log.warning("stopping with %d piece(s) of work after an answer unfinished", len(left))

    def _expire(self, turn: asyncio.Future) -> None:
        self._turns.pop(turn, None)
        _release(turn)

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
        turns, self._turns = self._turns, {}
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
        await gate.after_answer()
