"""How Slack joins the server: off without secrets, HTTP with a signing secret, Socket Mode with an app token."""

from __future__ import annotations

import logging

import httpx

from bot.server import build_context, create_app
from tests.conftest import TEST_CONFIG
from tests.emulators.server import run_asgi
from tests.emulators.slack_api import SlackEmulator
from tests.slack.conftest import settings
from workflows.config import parse_config


def test_slack_is_off_without_its_secrets(tmp_path):
    with SlackEmulator() as emu:
        ctx = build_context(settings(emu, f"sqlite:///{tmp_path / 'off.db'}", slack_bot_token=""),
                            parse_config(TEST_CONFIG))
        app = create_app(ctx)
    assert ctx.surfaces["slack"] == "off: SLACK_BOT_TOKEN is missing (SLACK_SIGNING_SECRET is set)"
    assert "slack" not in ctx.senders and "/slack/events" not in {getattr(r, "path", "") for r in app.routes}
    with SlackEmulator() as emu:
        ctx = build_context(settings(emu, f"sqlite:///{tmp_path / 'off.db'}", slack_signing_secret=""),
                            parse_config(TEST_CONFIG))
        create_app(ctx)
    assert ctx.surfaces["slack"].startswith("off: SLACK_SIGNING_SECRET is missing (SLACK_BOT_TOKEN is set)")
    with SlackEmulator() as emu:
        ctx = build_context(settings(emu, f"sqlite:///{tmp_path / 'off.db'}", slack_signing_secret="",
                                     slack_bot_token=""), parse_config(TEST_CONFIG))
        create_app(ctx)
    assert ctx.surfaces["slack"] == "off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN)"


def test_socket_mode_connects_out_through_slack_api_url_and_serves_no_route(tmp_path):
    with SlackEmulator() as emu:
        ctx = build_context(settings(emu, f"sqlite:///{tmp_path / 'socket.db'}", slack_signing_secret="",
                                     slack_app_token="xapp-1-A0APP-test"), parse_config(TEST_CONFIG))
        app = create_app(ctx)
        assert ctx.surfaces["slack"] == "on: Socket Mode" and "slack" in ctx.senders
        with run_asgi(app) as url:
            assert httpx.post(f"{url}/slack/events", content=b"{}").status_code in (404, 405)
            opened = emu.wait_for("apps.connections.open")[0]
    assert opened.headers["authorization"] == "Bearer xapp-1-A0APP-test"


def test_a_token_in_the_environment_raises_no_warning_at_start(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")  # how operators set it; Bolt reads it too
    with SlackEmulator() as emu, caplog.at_level(logging.INFO):
        ctx = build_context(settings(emu, f"sqlite:///{tmp_path / 'env.db'}"), parse_config(TEST_CONFIG))
        create_app(ctx)
    assert ctx.surfaces["slack"].startswith("on")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], [r.getMessage() for r in caplog.records]
