"""What the web server's parts share: settings, the core, platform senders and background tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Awaitable, Callable

from bot.ackfirst import AckFirst
from bot.delivery import Sender
from bot.settings import Settings
from workflows.core import Core

if TYPE_CHECKING:
    from bot.scheduler import Schedule


@dataclass
class BotContext:
    settings: Settings
    core: Core
    senders: dict[str, Sender] = field(default_factory=dict)
    # name -> "on: …" or "off: why", printed by `serve`
    surfaces: dict[str, str] = field(default_factory=dict)
    # coroutines started with the server and cancelled when it stops
    background: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # periodic jobs of this process (bot.scheduler.register_job)
    schedule: Schedule | None = None
    # chat requests waiting for their answer; work that can wait takes its turn after them
    acks: AckFirst = field(default_factory=AckFirst)
