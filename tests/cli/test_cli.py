"""The command line as a new user runs it: check-config, migrate, demo-data, serve."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from bot.cli import app
from bot.cli_data import IMPORT_KINDS
from storage import models as m
from storage.db import make_engine
from workflows import imports

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_check_config_accepts_the_shipped_app_yaml(env):
    result = runner.invoke(app, ["check-config"])
    assert result.exit_code == 0, result.output
    assert "slack: channels for wins, nominations, approvals, digest" in result.output
    assert "teams: no channels set, so the bot posts nothing there" in result.output


@pytest.mark.parametrize("yaml_text, message", [
    ("timezone: Mars/Olympus\n", "timezone: Value error, unknown timezone 'Mars/Olympus'"),
    ("roles:\n  wizards: [U1]\n", "roles.wizards: not a known key (Input should be 'success'"),
    ("channels:\n  discord: {wins: x}\n", "unknown platform(s) ['discord']"),
    ("nudges:\n  ask_reminder_days: -1\n", "nudges.ask_reminder_days: Input should be greater than or equal to 1"),
    ("ask_templates:\n  star_review: 'Hi {name}'\n", "star_review: unknown placeholder 'name'"),
    ("digest: [\n", "not valid YAML"),
])
def test_invalid_config_names_the_key_path(env, yaml_text, message):
    path = env / "bad.yaml"
    path.write_text(yaml_text)
    result = runner.invoke(app, ["check-config", str(path)])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_migrate_then_demo_data_fills_queues(env):
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    result = runner.invoke(app, ["demo-data", "--accounts", "40"])
    assert result.exit_code == 0, result.output
    assert "40 accounts" in result.output
    engine = make_engine(os.environ["DATABASE_URL"])
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(m.Win)).one() > 5
        assert session.exec(select(func.count()).select_from(m.Story)).one() > 0
        pending = session.exec(select(func.count()).select_from(m.OutboxMessage)
                               .where(m.OutboxMessage.state == "pending")).one()
    assert pending == 0  # demo data never reaches real channels


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(port: int, **env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, **env})


def _wait_healthy(proc: subprocess.Popen, port: int) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
        except httpx.TransportError:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read()
            time.sleep(0.2)


def _collections(metrics: str) -> float:
    """How many times the garbage collector's youngest generation ran, from /metrics."""
    line = next(line for line in metrics.splitlines() if line.startswith('python_gc_collections_total{generation="0"}'))
    return float(line.split()[-1])


def _stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    return proc.communicate(timeout=10)[0]


def test_serve_starts_without_chat_credentials_and_answers_health(env):
    port = _free_port()
    proc = _start(port)
    try:
        health = _wait_healthy(proc, port)
        assert health.status_code == 200 and health.json()["database"] == "ok"
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        assert "advocacy_outbox_pending" in metrics
        # The garbage collector, paused while the bot loads, runs again once it serves.
        # How soon it runs depends on what each request leaves behind, so ask in rounds.
        before = _collections(metrics)
        after = before
        with httpx.Client() as client:
            for _ in range(20):
                for _ in range(300):
                    client.get(f"http://127.0.0.1:{port}/healthz")
                after = _collections(client.get(f"http://127.0.0.1:{port}/metrics").text)
                if after > before:
                    break
        assert after > before
        assert (env / "cli.scheduler.lock").exists()  # the schedule is claimed while it runs
    finally:
        output = _stop(proc)
    assert f"Listening on http://127.0.0.1:{port}" in output
    assert "ADVOCACY_SECRET is not set" in output
    assert not (env / "cli.scheduler.lock").exists()  # and let go, leaving no file behind, when it stops


def test_second_scheduling_process_on_one_sqlite_file_is_refused(env):
    first_port = _free_port()
    first = _start(first_port)
    try:
        _wait_healthy(first, first_port)
        second = _start(_free_port())
        output = second.communicate(timeout=30)[0]
        assert second.returncode == 3
        assert "SQLite serves a single replica" in " ".join(output.split())
        third_port = _free_port()
        third = _start(third_port, SCHEDULER="false")
        try:
            assert _wait_healthy(third, third_port).status_code == 200
        finally:
            _stop(third)
    finally:
        _stop(first)


def test_help_and_server_start_load_no_heavy_library_they_do_not_need():
    """--help loads no database layer; the server loads charts, MSAL and the Teams SDK only when first used."""
    probe = ("import sys, {module}; heavy = ('sqlalchemy', 'matplotlib', 'msal', 'PIL', 'microsoft_agents'); "
             "print(' '.join(sorted(m for m in heavy if m in sys.modules)))")
    loaded = {module: subprocess.run([sys.executable, "-c", probe.format(module=module)], cwd=ROOT, check=True,
                                     capture_output=True, text=True).stdout.split()
              for module in ("bot.cli", "bot.server")}
    assert loaded == {"bot.cli": [], "bot.server": ["sqlalchemy"]}
