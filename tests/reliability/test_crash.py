"""The bot process killed (SIGKILL) mid-flow and restarted: nothing lost, nothing half-applied, nothing twice."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import yaml
from sqlmodel import Session, select

from storage import models as m
from storage.db import make_engine
from tests.conftest import TEST_CONFIG
from tests.emulators.slack_requests import SlackRequester
from tests.reliability.replicas import emulator
from tests.slack.conftest import NOMS, SECRET, TOKEN, WINS, blocks_text, form, opened_view, wait_until
from workflows.states import OutboxState

LEASE_SECONDS = 4


@pytest.fixture
def emu():
    emu = emulator()
    yield emu
    emu.stop()


@pytest.fixture
def env(tmp_path, emu):
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump(TEST_CONFIG))
    values = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "ADVOCACY_CONFIG": str(config),
              "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": emu.base_url,
              "ADVOCACY_SECRET": "test-link-secret", "SCHEDULER": "false", "OUTBOX_POLL_SECONDS": "0.1",
              "OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS), "LOG_LEVEL": "WARNING"}
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "DATABASE_", "ADVOCACY_"))}
    return {**keep, **values}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def bot_process(env: dict, log: Path):
    """`python -m bot serve` on a free port; yields (url, process) once /healthz answers."""
    port = free_port()
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
                                env=env, cwd=log.parent, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.1)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def test_killed_while_posting_then_restarted_loses_nothing_and_posts_nothing_twice(env, emu, tmp_path):
    log = tmp_path / "bot.log"
    engine = make_engine(env["DATABASE_URL"])
    typed = [dict(account=f"new:Crash {i}", story=f"Story before the crash {i}") for i in range(2)]
    # Slack takes 2.5 s to answer the first two posts (it posts them all the same, before the lease runs out).
    emu.delay_next("chat.postMessage", 2.5, count=2)
    with bot_process(env, log) as (url, proc), SlackRequester(f"{url}/slack/events", SECRET, emulator=emu) as slack:
        views = []
        for count in (1, 2):
            slack.slash_command("/win", user_id="U0SUCCESS")
            views.append(opened_view(emu, count))
        # One after the other, each recorded before the next is sent, so the wins are announced in this order.
        answers = [emu.submitted(lambda view=view, values=values: slack.view_submission(
            "U0SUCCESS", view["callback_id"], form(view, **values), view=view, view_id=view["id"]), view["id"]).json()
            for view, values in zip(views, typed)]
        assert [a["response_action"] for a in answers] == ["update", "update"]
        assert all("errors" not in a for a in answers)

        def in_flight():
            with Session(engine) as session:
                return session.exec(select(m.OutboxMessage).where(m.OutboxMessage.lane == f"slack:{WINS}",
                                                                  m.OutboxMessage.lease_until.is_not(None))).first()
        wait_until(in_flight, what="the first win's post to be taken by the outbox")
        time.sleep(0.3)  # the post has reached Slack, which is slow to answer
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    with Session(engine) as session:
        wins = session.exec(select(m.Win)).all()
        celebrations = [r for r in session.exec(select(m.OutboxMessage)).all() if r.lane == f"slack:{WINS}"]
    assert len(wins) == 2 and len(celebrations) == 2  # each win committed with its outbox rows
    assert len(emu.messages(WINS)) < 2, "the crash came before every post was made"

    with bot_process(env, log) as (url, _), SlackRequester(f"{url}/slack/events", SECRET, emulator=emu) as slack:
        view = views[0]
        again = emu.submitted(lambda: slack.view_submission("U0SUCCESS", view["callback_id"], form(view, **typed[0]),
                                                            view=view, view_id=view["id"]), view["id"]).json()
        assert "already recorded" in str(again.get("errors"))

        def drained():
            with Session(engine) as session:
                return not session.exec(select(m.OutboxMessage).where(
                    m.OutboxMessage.state == OutboxState.PENDING)).first()
        wait_until(lambda: drained() and len(emu.messages(WINS)) >= 2 and len(emu.messages(NOMS)) >= 2,
                   timeout=20, what="the posts pending at the crash to be delivered after the restart")
        time.sleep(0.5)
    assert [blocks_text(msg["blocks"]).split("\n")[1] for msg in emu.messages(WINS)] == \
        [values["story"] for values in typed]
    assert len(emu.messages(NOMS)) == 2
    assert emu.calls("conversations.history"), "posts a crashed worker held are looked up before re-posting"
    with Session(engine) as session:
        assert len(session.exec(select(m.Win)).all()) == 2
    engine.dispose()
