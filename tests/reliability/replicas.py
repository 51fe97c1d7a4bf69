"""Two bot servers sharing one database, and the duplicate-delivery run used by tests and bench.

Each server is the real app (its own BotContext, outbox worker and connection pool) on its own
port, both pointed at one Slack Web API emulator, like two replicas behind a load balancer.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Iterator

import httpx
from sqlalchemy import func
from sqlmodel import Session, select

from bot.server import build_context, create_app
from storage import models as m
from tests.conftest import TEST_CONFIG
from tests.emulators.server import run_asgi
from tests.emulators.slack_api import SlackEmulator
from tests.emulators.slack_requests import SlackRequester
from tests.slack.conftest import PEOPLE, SECRET, WINS, Bot, blocks_text, form, opened_view, settings
from workflows.config import parse_config
from workflows.states import OutboxState

ACCOUNT = re.compile(r"Replica Account (\d{5})")


def emulator() -> SlackEmulator:
    """A started Slack emulator knowing the test people (stop it when done)."""
    emu = SlackEmulator().start()
    for user_id, (email, name) in PEOPLE.items():
        emu.add_user(user_id, email=email, real_name=name)
    emu.add_usergroup("marketing", ["U0GROUPIE"])
    return emu


@contextmanager
def servers(emu: SlackEmulator, db_url: str, count: int = 2, **extra) -> Iterator[list[Bot]]:
    """`count` bot servers on one database, each with its own context and outbox worker."""
    with ExitStack() as stack:
        bots = []
        for _ in range(count):
            ctx = build_context(settings(emu, db_url, **extra), parse_config(TEST_CONFIG))
            stack.callback(ctx.core.engine.dispose)
            bots.append(Bot(stack.enter_context(run_asgi(create_app(ctx))), ctx))
        yield bots


def pending(bot: Bot) -> int:
    return len(bot.rows(m.OutboxMessage, m.OutboxMessage.state == OutboxState.PENDING))


def drain(bot: Bot, emu: SlackEmulator, timeout: float) -> None:
    """Wait until no outbox message is pending and the emulator has stopped receiving posts."""
    deadline = time.monotonic() + timeout
    seen = -1
    while time.monotonic() < deadline:
        calls = len(emu.calls("chat.postMessage"))
        if not pending(bot) and calls == seen:
            return
        seen = calls
        time.sleep(0.3)
    raise AssertionError(f"outbox still has {pending(bot)} pending messages after {timeout}s")


@dataclass
class Report:
    events: int
    sent: Counter = field(default_factory=Counter)  # "first" / "retry 1".. / per server
    statuses: Counter = field(default_factory=Counter)
    answers: Counter = field(default_factory=Counter)  # recorded / already recorded / working on it / other
    duplicate_wins: int = 0
    lost_wins: int = 0
    duplicate_posts: int = 0
    lost_posts: int = 0
    slowest_answer: float = 0.0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def lines(self) -> list[str]:
        return [
            f"events: {self.events}",
            "requests sent: " + ", ".join(f"{k}={v}" for k, v in sorted(self.sent.items())),
            "HTTP statuses: " + ", ".join(f"{k}={v}" for k, v in sorted(self.statuses.items())),
            "answers: " + ", ".join(f"{k}={v}" for k, v in sorted(self.answers.items())),
            f"duplicate wins found: {self.duplicate_wins}; wins lost: {self.lost_wins}",
            f"duplicate celebration posts: {self.duplicate_posts}; celebration posts lost: {self.lost_posts}",
            f"5xx seen: {self.server_errors}; slowest answer: {self.slowest_answer:.2f}s",
        ]


def _answer(response) -> str:
    if response.status_code != 200:
        return "other"
    body = response.json() if response.content else {}
    if body.get("response_action") == "update":
        shown = blocks_text(body["view"]["blocks"])
        return "recorded" if "Win recorded" in shown else "working on it" if "Working on it" in shown else "other"
    if "already recorded" in " ".join(map(str, (body.get("errors") or {}).values())):
        return "already recorded"
    return "other"


def submit_duplicates(bots: list[Bot], emu: SlackEmulator, events: int, seed: int = 7, threads: int = 16,
                      drain_timeout: float = 60) -> Report:
    """Submit `events` distinct /win modals, each 2–4 times (retry headers 1–3) spread over `bots`.

    Copies of one submission are sent back to back from a pool of threads, so they race on
    different servers. Then the outbox is drained and wins and celebration posts are counted.
    """
    rng = random.Random(seed)
    report = Report(events)
    requesters = {}
    with ExitStack() as stack:
        for index, bot in enumerate(bots):
            for retry in range(4):
                requester = stack.enter_context(SlackRequester(f"{bot.url}/slack/events", SECRET, emulator=emu))
                if retry:
                    requester._client.headers.update({"X-Slack-Retry-Num": str(retry),
                                                      "X-Slack-Retry-Reason": "http_timeout"})
                requesters[index, retry] = requester
        opener = requesters[0, 0]
        before = len(emu.calls("views.open"))
        opener.slash_command("/win", user_id="U0SUCCESS")
        view = opened_view(emu, before + 1)
        deliveries = []
        for event in range(events):
            values = form(view, account=f"new:Replica Account {event:05d}", story=f"Replica story {event:05d}")
            first = rng.randrange(len(bots))
            for copy in range(rng.randint(2, 4)):
                deliveries.append((f"VREPLICA{event:05d}", values, (first + copy) % len(bots), copy))

        def send(delivery):
            view_id, values, server, retry = delivery
            response = requesters[server, retry].view_submission("U0SUCCESS", view["callback_id"], values,
                                                                 view={**view, "id": view_id}, view_id=view_id)
            return delivery, response

        with ThreadPoolExecutor(threads) as pool:
            for (_, _, server, retry), response in pool.map(send, deliveries):
                report.sent["first" if retry == 0 else f"retry {retry}"] += 1
                report.sent[f"to server {server}"] += 1
                report.statuses[response.status_code] += 1
                report.answers[_answer(response)] += 1
                report.slowest_answer = max(report.slowest_answer, response.elapsed.total_seconds())

    drain(bots[0], emu, drain_timeout)
    with Session(bots[0].engine) as session:
        per_story = dict(session.exec(select(m.Win.story, func.count()).group_by(m.Win.story)).all())
    report.duplicate_wins = sum(n - 1 for n in per_story.values())
    report.lost_wins = events - len(per_story)
    posted = Counter(match.group(1) for msg in emu.messages(WINS) if (match := ACCOUNT.search(msg.get("text", ""))))
    report.duplicate_posts = sum(n - 1 for n in posted.values())
    report.lost_posts = events - len(posted)
    return report
