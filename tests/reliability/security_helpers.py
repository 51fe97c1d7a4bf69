"""One served bot with every surface on (Slack, Teams, intake, webhooks), its fakes, and row counts.

The module-scoped `world` runs once on SQLite and once on PostgreSQL (fixture `db_url`).

Secrets are set to recognisable values so a test can look for them in logs and answers.
"""

from __future__ import annotations

import io
import json
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import func, text
from sqlmodel import Session, SQLModel, select

from bot.context import BotContext
from bot.logs import setup_logging
from bot.server import build_context, create_app
from bot.settings import Settings
from tests.conftest import TEST_CONFIG
from tests.emulators import teams_activities as ta
from tests.emulators.server import run_asgi
from tests.emulators.slack_api import SlackEmulator
from tests.emulators.slack_requests import SlackRequester
from tests.emulators.teams_connector import FakeBotConnector
from tests.slack.conftest import PEOPLE as SLACK_PEOPLE
from tests.teams.conftest import PEOPLE as TEAMS_PEOPLE, TEAMS_CONFIG
from tests.teams.people import Person
from workflows.config import parse_config

SECRETS = {
    "slack_bot_token": "xoxb-SECRET-bot-token-4f1d",
    "slack_signing_secret": "SECRET-signing-7c2e9a",
    "webhook_secret": "SECRET-webhook-b83d1f",
    "advocacy_secret": "SECRET-advocacy-e5a07c",
    "teams_app_password": "SECRET-teams-password-91c4",
}
CONFIG = {
    **TEST_CONFIG,
    "channels": {"slack": TEST_CONFIG["channels"]["slack"], "teams": TEAMS_CONFIG["channels"]["teams"]},
    "roles": {role: TEST_CONFIG["roles"][role] + TEAMS_CONFIG["roles"][role] for role in TEST_CONFIG["roles"]},
}


def settings(db_url: str, slack_url: str, **extra) -> Settings:
    values = {key: value for key, value in SECRETS.items() if key != "teams_app_password"}
    return Settings(_env_file=None, database_url=db_url, slack_api_url=slack_url, scheduler=False,
                    outbox_poll_seconds=0.05, **{**values, **extra})


def clear(engine, keep: str = "") -> None:
    """Empty every table but `keep`; ids start at 1 again on both engines (as SQLite does by itself)."""
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            if table.name != keep:
                conn.execute(table.delete())
                if engine.dialect.name == "postgresql" and "id" in table.c:
                    conn.execute(text("SELECT setval(pg_get_serial_sequence(:table, 'id'), 1, false)"),
                                 {"table": table.name})


@dataclass
class World:
    url: str
    ctx: BotContext
    slack_api: SlackEmulator
    connector: FakeBotConnector

    @property
    def engine(self):
        return self.ctx.core.engine

    def slack(self, secret: str = SECRETS["slack_signing_secret"]) -> SlackRequester:
        return SlackRequester(f"{self.url}/slack/events", secret, emulator=self.slack_api)

    def person(self, name: str, requester: ta.TeamsRequester) -> Person:
        teams_id, aad, email = TEAMS_PEOPLE[name]
        return Person(name.title(), teams_id, aad, email, requester, self.connector)

    def install_teams(self) -> None:
        """Add the Teams app to the team, and wait until its service URL is stored for proactive posts."""
        with ta.TeamsRequester(self.url) as requester:
            for activity in (ta.installation_update, ta.members_added):
                assert requester.post(activity(self.connector.service_url)).status_code == 202
        deadline = time.monotonic() + 5
        while not counts(self.engine)["conversation"]:
            assert time.monotonic() < deadline, "the Teams installation was not stored"
            time.sleep(0.02)

    def reset(self) -> None:
        """A clean database (the Teams installation kept: the process remembers it) and fakes that saw nothing."""
        clear(self.engine, keep="conversation")
        self.slack_api.reset()
        self.connector.reset()
        for name, (teams_id, aad, email) in TEAMS_PEOPLE.items():
            self.connector.add_user(teams_id, name.title(), aad, email=email, tenant_id=ta.TENANT_ID)


@contextmanager
def serve_world(tmp_path, db_url: str | None = None, **extra):
    """Slack emulator, fake Bot Connector and the bot (on SQLite unless `db_url`), with every secret set."""
    with SlackEmulator() as emu, FakeBotConnector() as connector:
        for user_id, (email, name) in SLACK_PEOPLE.items():
            emu.add_user(user_id, email=email, real_name=name)
        ctx = build_context(settings(db_url or f"sqlite:///{tmp_path / 'bot.db'}", emu.base_url, **extra),
                            parse_config(CONFIG))
        clear(ctx.core.engine)  # rows other tests left in a shared database must not be delivered here
        with run_asgi(create_app(ctx)) as url:
            world = World(url, ctx, emu, connector)
            world.reset()
            yield world
        ctx.core.engine.dispose()


@pytest.fixture(scope="module")
def world(tmp_path_factory, db_url):
    with serve_world(tmp_path_factory.mktemp("reliability"), db_url) as served:
        yield served


@pytest.fixture
def fresh(world):
    """The world over a clean database and fakes that saw nothing."""
    world.reset()
    return world


def counts(engine, *skip: str) -> dict[str, int]:
    """Rows per table (but `skip`), to prove a refused request wrote nothing."""
    with Session(engine) as session:
        return {table.name: session.exec(select(func.count()).select_from(table)).one()
                for table in SQLModel.metadata.sorted_tables if table.name not in skip}


@contextmanager
def captured_logs(secrets: list[str]):
    """Everything logged, formatted exactly as `serve` does (JSON lines, secrets redacted)."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    setup_logging("DEBUG", secrets)
    stream = io.StringIO()
    root.handlers[0].setStream(stream)
    try:
        yield stream
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


def refusal_lines(logs: io.StringIO, request_ids, timeout: float = 3.0) -> dict[str, list[tuple[str, str]]]:
    """(level, message) of each line at INFO or above logged for each request id; none may carry a traceback.

    The server logs a request just after answering it, so this waits (up to `timeout`) for every id's line."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [json.loads(line) for line in logs.getvalue().splitlines()]
        about = {rid: [line for line in lines if line["request_id"] == rid and line["level"] != "DEBUG"]
                 for rid in request_ids}
        if all(about.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    traced = [line for found in about.values() for line in found if "exc_info" in line or "Traceback" in line["message"]]
    assert not traced, traced[:3]
    return {rid: [(line["level"], line["message"]) for line in found] for rid, found in about.items()}
