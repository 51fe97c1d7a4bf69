"""`advocacy-bot digest preview` and `digest send` as a person runs them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from bot.cli import app
from storage import models as m
from storage.db import make_engine
from storage.migrate import upgrade
from tests.core.helpers import rows
from tests.digest.test_card import png_size
from workflows.periods import containing

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ADVOCACY_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    upgrade(make_engine(f"sqlite:///{tmp_path / 'cli.db'}"))  # a preview reads a migrated database only
    return tmp_path


def test_preview_prints_the_digest_and_writes_the_chart(env):
    result = runner.invoke(app, ["digest", "preview", "--period", "2025-Q3", "--chart", str(env / "chart.png")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Advocacy digest: Q3 2025\n")
    assert "No advocacy activity in Q3 2025." in result.output
    assert png_size((env / "chart.png").read_bytes()) == (900, 340)


def test_preview_defaults_to_this_month_so_far(env):
    result = runner.invoke(app, ["digest", "preview"])
    this_month = containing(datetime.now(UTC), ZoneInfo("Europe/London"))
    assert result.exit_code == 0 and f"Advocacy digest: {this_month.label} so far" in result.output


def test_bad_period_is_explained(env):
    result = runner.invoke(app, ["digest", "preview", "--period", "2025-13"])
    assert result.exit_code == 2 and "use a month like 2026-10 or a quarter like 2026-Q3" in result.output


def test_send_posts_once_refuses_a_repeat_and_again_posts_once_more(env):
    first = runner.invoke(app, ["digest", "send", "--period", "2025-10"])
    assert first.exit_code == 0, first.output
    assert "Queued the October 2025 digest for slack C0123LEAD (1 message(s), run 2025-10)" in first.output
    assert "Note: SLACK_BOT_TOKEN is not set here: only a `serve` that has it delivers the slack post." \
        in first.output  # this environment could not deliver it
    repeat = runner.invoke(app, ["digest", "send", "--period", "2025-10"])
    assert repeat.exit_code == 1 and "The October 2025 digest was already posted on" in repeat.output
    again = runner.invoke(app, ["digest", "send", "--period", "2025-10", "--again"],
                          env={"SLACK_BOT_TOKEN": "xoxb-1-test"})
    assert again.exit_code == 0 and "run 2025-10#2" in again.output and "Note:" not in again.output
    engine = make_engine(f"sqlite:///{env / 'cli.db'}")
    assert [r.period for r in rows(engine, m.DigestRun)] == ["2025-10", "2025-10#2"]
    posts = [r for r in rows(engine, m.OutboxMessage) if r.effect["purpose"] == "digest"]
    # nothing happened in October 2025: one line, no chart of zeros
    assert len(posts) == 2 and all(p.effect["card"]["body"] == ["No advocacy activity in October."] and
                                   not p.effect["card"].get("image") for p in posts)


def test_send_refuses_a_period_that_is_not_over(env):
    this_month = containing(datetime.now(UTC), ZoneInfo("Europe/London"))
    result = runner.invoke(app, ["digest", "send", "--period", this_month.key])
    assert result.exit_code == 1 and "is not over yet" in result.output
