"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, a fake clock, and a core."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from storage.db import make_engine
from storage.migrate import upgrade
from workflows.actors import Actor
from workflows.config import parse_config
from workflows.core import Core

PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_reachable() -> bool:
    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
        return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session")
def pg_url():
    """A fresh PostgreSQL database for this test run, dropped afterwards."""
    if not _pg_reachable():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI but {PG_ADMIN_URL} is not reachable")
        pytest.skip("PostgreSQL not reachable; set TEST_DATABASE_URL")
    name = f"advocacy_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def db_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'advocacy.db'}"
    return request.getfixturevalue("pg_url")


_ENGINES: dict[str, object] = {}


def engine_for(url: str):
    """A migrated engine per database URL, shared by the whole run."""
    if url not in _ENGINES:
        engine = make_engine(url)
        upgrade(engine)
        _ENGINES[url] = engine
    return _ENGINES[url]


@pytest.fixture(scope="session", autouse=True)
def _dispose_engines():
    yield
    for engine in _ENGINES.values():
        engine.dispose()


@pytest.fixture(scope="module")
def migrated_engine(db_url):
    """Module-scoped, so a folder or module that overrides `db_url` gets its own database's engine."""
    return engine_for(db_url)


def clean(engine) -> None:
    """Empty every table, ids starting at 1 again (on PostgreSQL, DELETE and restarting the sequences is
    several times faster than TRUNCATE for a test's few rows)."""
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))
        if engine.dialect.name == "postgresql":
            for (sequence,) in conn.execute(text("SELECT schemaname || '.' || sequencename FROM pg_sequences "
                                                 "WHERE schemaname = current_schema()")).all():
                conn.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))


@pytest.fixture
def engine(migrated_engine):
    clean(migrated_engine)
    return migrated_engine


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@pytest.fixture
def clock():
    return FakeClock(datetime(2026, 11, 10, 10, 0, tzinfo=UTC))


TEST_CONFIG = {
    "timezone": "Europe/London",
    "public_url": "https://advocacy.example.com",
    "channels": {"slack": {"wins": "C0WINS", "nominations": "C0NOMS", "approvals": "C0APPR", "digest": "C0LEAD"}},
    "roles": {
        "success": ["U0SUCCESS", "sam@example.com", "U0SUCCESS2"],
        "marketing": ["U0MARKET", "@marketing"],
        "sales": ["U0SALES"],
        "leadership": ["U0LEAD"],
        "admin": ["U0ADMIN"],
    },
    "scoring": {"ideal_customer_profile": {"segments": ["enterprise"]}},
}


@pytest.fixture
def config():
    return parse_config(TEST_CONFIG)


@pytest.fixture
def core(engine, config, clock):
    return Core(engine, config, secret="test-secret", clock=clock)


SAM = Actor(platform="slack", user_id="U0SUCCESS", email="sam@example.com", name="Sam Success")
MIA = Actor(platform="slack", user_id="U0MARKET", name="Mia Marketing")
SID = Actor(platform="slack", user_id="U0SALES", name="Sid Sales")
NOBODY = Actor(platform="slack", user_id="U0NOBODY", name="Nora Nobody")
OTHER_SUCCESS = Actor(platform="slack", user_id="U0SUCCESS2", name="Olu Other")
