"""The whole bot served over HTTP with Teams in anonymous mode, a fake Bot Connector, and people."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from bot.charts import digest_chart
from bot.context import BotContext
from bot.server import create_app
from bot.settings import Settings
from tests.conftest import TEST_CONFIG
from tests.emulators import teams_activities as ta
from tests.emulators.server import run_asgi
from tests.emulators.teams_connector import Call, FakeBotConnector
from tests.teams.people import Person
from workflows.config import parse_config
from workflows.core import Core

WINS, NOMS, APPROVALS, DIGEST = (f"19:{name}@thread.tacv2" for name in ("wins", "noms", "approvals", "lead"))
SAM_AAD = "a1b2c3d4-0000-4000-8000-00000000005a"
MIA_AAD = "a1b2c3d4-0000-4000-8000-0000000000a1"
SID_AAD = "a1b2c3d4-0000-4000-8000-000000000051"
NOBODY_AAD = "a1b2c3d4-0000-4000-8000-0000000000ff"
PEOPLE = {  # name: (Teams id, Entra object id, roster email)
    "sam": ("29:1sam", SAM_AAD, "sam@example.com"),
    "mia": ("29:1mia", MIA_AAD, "mia@example.com"),
    "sid": ("29:1sid", SID_AAD, "sid@example.com"),
    "nobody": ("29:1nobody", NOBODY_AAD, "nobody@example.com"),
}
TEAMS_CONFIG = {
    **TEST_CONFIG,
    "channels": {"teams": {"wins": WINS, "nominations": NOMS, "approvals": APPROVALS, "digest": DIGEST}},
    # Sam and Sid by Entra object id, Mia by the email the roster gives for her; tests.core.helpers
    # act as the Slack SAM, known by email
    "roles": {"success": [SAM_AAD, "sam@example.com"], "marketing": ["mia@example.com"], "sales": [SID_AAD], "leadership": [],
              "admin": []},
}


@pytest.fixture(scope="session")
def db_url(request, tmp_path_factory):
    """SQLite for the Teams tests; the walkthrough also runs on PostgreSQL (parametrize db_url indirectly)."""
    if getattr(request, "param", "sqlite") == "postgres":
        return request.getfixturevalue("pg_url")
    return f"sqlite:///{tmp_path_factory.mktemp('teams-db') / 'advocacy.db'}"


@pytest.fixture(scope="session")
def bot_connector():
    with FakeBotConnector() as connector:
        yield connector


@dataclass
class Teams:
    ctx: BotContext
    connector: FakeBotConnector
    people: dict[str, Person]

    @property
    def core(self) -> Core:
        return self.ctx.core

    def __getattr__(self, name: str) -> Person:
        try:
            return self.people[name]
        except KeyError:
            raise AttributeError(name) from None

    def install(self, service_url: str | None = None) -> None:
        """Add the app to the team (Teams sends installationUpdate, then conversationUpdate)."""
        url = service_url or self.connector.service_url
        requester = self.sam.requester
        assert requester.post(ta.installation_update(url)).status_code == 202
        assert requester.post(ta.members_added(url)).status_code == 202

    def posts(self, conversation_id: str, count: int = 1, timeout: float = 10) -> list[dict]:
        """Wait until `count` activities were posted to a conversation; returns them (updates applied)."""
        self.connector.wait_for(lambda c: c.kind in ("send", "reply") and c.status == 201
                                and c.conversation_id == conversation_id, count=count, timeout=timeout)
        return self.connector.activities(conversation_id)

    def updates(self, conversation_id: str, count: int = 1, timeout: float = 10) -> list[Call]:
        return self.connector.wait_for(lambda c: c.kind == "update" and c.status == 200
                                       and c.conversation_id == conversation_id, count=count, timeout=timeout)


@pytest.fixture
def teams_config():
    return parse_config(TEAMS_CONFIG)


@contextmanager
def serving(engine, bot_connector: FakeBotConnector, config) -> Iterator[Teams]:
    """The bot serving Teams, and the test people talking to it, until the block ends (the server stops)."""
    bot_connector.reset()
    for name, (teams_id, aad, email) in PEOPLE.items():
        bot_connector.add_user(teams_id, name.title(), aad, email=email, tenant_id=ta.TENANT_ID)
    settings = Settings(_env_file=None, teams_app_id="", teams_tenant_id="", scheduler=False,
                        outbox_poll_seconds=0.05)
    ctx = BotContext(settings=settings, core=Core(engine, config, secret="test-secret", chart=digest_chart))
    with run_asgi(create_app(ctx)) as url, ta.TeamsRequester(url) as requester:
        people = {name: Person(name.title(), teams_id, aad, email, requester, bot_connector)
                  for name, (teams_id, aad, email) in PEOPLE.items()}
        yield Teams(ctx, bot_connector, people)


@pytest.fixture
def teams(engine, bot_connector, teams_config):
    with serving(engine, bot_connector, teams_config) as world:
        yield world
