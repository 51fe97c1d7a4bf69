"""The command line run as a new operator runs it: the shipped app.yaml, a SQLite file, no chat credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "TEAMS_APP_ID", "TEAMS_APP_PASSWORD",
           "TEAMS_TENANT_ID", "ADVOCACY_SECRET", "WEBHOOK_SECRET")


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ADVOCACY_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    return tmp_path
