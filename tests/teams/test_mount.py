"""How the Teams surface comes up: authenticated with all three secrets, anonymous (local only) with none."""

from __future__ import annotations

import logging

from fastapi.testclient import TestClient
from pydantic import SecretStr

import pytest

from bot.context import BotContext
from bot.server import create_app
from bot.settings import Settings
from storage.db import make_engine
from storage.migrate import upgrade
from tests.conftest import TEST_CONFIG
from tests.emulators import teams_activities as ta
from workflows.config import parse_config
from workflows.core import Core

APP_ID = "6f1c0c2e-8d3b-4b52-9a55-3c3a2b1d0e7f"


@pytest.fixture
def engine(tmp_path):
    """Start-up does not depend on the database engine: SQLite only."""
    engine = make_engine(f"sqlite:///{tmp_path / 'mount.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def _app(engine, teams_config, **secrets):
    settings = Settings(_env_file=None, scheduler=False, **{"teams_app_id": "", "teams_tenant_id": "", **secrets})
    ctx = BotContext(settings=settings, core=Core(engine, teams_config, secret="s"))
    return ctx, TestClient(create_app(ctx))


def test_without_teams_credentials_or_channels_teams_comes_up_on_its_first_request(engine):
    ctx, client = _app(engine, parse_config(TEST_CONFIG))  # Slack channels only
    assert ctx.surfaces["teams"].startswith("loads on the first request") and "teams" not in ctx.senders
    response = client.post("/api/messages", json=ta.message("help", "http://127.0.0.1:9/"))  # from "testclient"
    assert response.status_code == 403
    assert ctx.surfaces["teams"].startswith("on: ANONYMOUS local mode") and "teams" in ctx.senders


def test_anonymous_mode_warns_and_refuses_other_machines(engine, teams_config, caplog):
    with caplog.at_level(logging.WARNING, logger="bot.teams.surface"):
        ctx, client = _app(engine, teams_config)
    assert ctx.surfaces["teams"].startswith("on: ANONYMOUS local mode")
    assert any("ANONYMOUS" in r.getMessage() for r in caplog.records)
    assert "teams" in ctx.senders
    response = client.post("/api/messages", json=ta.message("help", "http://127.0.0.1:9/"))  # from "testclient"
    assert response.status_code == 403
    assert "only accepts requests from this machine" in response.json()["error"]


def test_all_three_secrets_turn_on_authentication(engine, teams_config):
    ctx, client = _app(engine, teams_config, teams_app_id=APP_ID, teams_app_password=SecretStr("pw"),
                       teams_tenant_id=ta.TENANT_ID)
    assert ctx.surfaces["teams"] == f"on: /api/messages, single-tenant app {APP_ID} (tenant {ta.TENANT_ID})"
    assert client.post("/api/messages", json=ta.message("help", "https://smba.trafficmanager.net/emea/")
                       ).status_code == 401


def test_some_secrets_missing_turns_teams_off_with_the_reason(engine, teams_config, caplog):
    with caplog.at_level(logging.ERROR, logger="bot.teams.surface"):
        ctx, client = _app(engine, teams_config, teams_app_id=APP_ID)
    assert ctx.surfaces["teams"] == "off: Teams app_id, app_password and tenant_id must be set together"
    assert "teams" not in ctx.senders
    assert client.post("/api/messages", json={}).status_code in (404, 405)
    assert "pw" not in caplog.text
