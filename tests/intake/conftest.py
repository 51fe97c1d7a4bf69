"""The real app on a free port, with the test database and clock, and helpers to open intake links."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pytest

from bot.server import build_context, create_app
from bot.settings import Settings
from tests.conftest import SAM, TEST_CONFIG, FakeClock
from tests.core.helpers import flag
from tests.emulators.server import run_asgi
from workflows import asks
from workflows.config import parse_config
from workflows.states import AskType


START = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def served(db_url, migrated_engine):
    """One running app per engine and test module: (context, base URL)."""
    settings = Settings(_env_file=None, database_url=db_url, advocacy_secret="test-secret", scheduler=False)
    ctx = build_context(settings, parse_config(TEST_CONFIG), clock=FakeClock(START))
    with run_asgi(create_app(ctx)) as base_url:
        yield ctx, base_url
    ctx.core.engine.dispose()


@pytest.fixture
def clock(served, engine):
    """The served app's clock, back at the start time, over a clean database."""
    fake = served[0].core.clock
    fake.current = START
    return fake


@pytest.fixture
def ctx(served, clock):
    return served[0]


@pytest.fixture
def site(served, clock):
    return served[1]


@pytest.fixture
def web(site):
    with httpx.Client(base_url=site, follow_redirects=False, timeout=10) as client:
        yield client


def sent_ask(core, ask_type=AskType.SHORT_QUOTE, account="Acme Corp"):
    """Flag a win, draft and send an ask: returns the draft (its link is the customer's)."""
    outcome = flag(core, account=account)
    draft = asks.draft_ask(core, SAM, outcome.nomination.id, ask_type)
    asks.mark_sent(core, SAM, draft.ask.id)
    return draft


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def final_path(engine) -> str:
    """The path of the newest link the owner got for the customer to approve the final version."""
    from tests.core.helpers import outbox

    links = [re.search(r"https://\S+/final/[\w.-]+", line) for effect in outbox(engine)
             for line in effect["card"]["body"]]
    return path_of([found.group(0) for found in links if found][-1])
