"""The migration history has one head, and the migrated schema matches the tables the code declares."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlmodel import SQLModel

from storage.db import make_engine
from storage.migrate import HEAD, MIGRATIONS, _config, applied, upgrade
from tests.conftest import PG_ADMIN_URL


def test_there_is_exactly_one_head_and_the_start_up_check_knows_it():
    script = ScriptDirectory.from_config(_config(None))
    assert script.get_heads() == [script.get_current_head()], f"several heads: {script.get_heads()}"
    assert HEAD == script.get_current_head()  # a server starting on an up-to-date database skips Alembic


@pytest.fixture
def empty_url(db_url, tmp_path):
    """A database of its own, with nothing in it, on the engine of `db_url`."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"advocacy_empty_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_new_or_older_database_is_brought_up_to_date_at_start(empty_url):
    engine = make_engine(empty_url)
    try:
        assert applied(engine) == set()
        upgrade(engine, "0005")
        assert applied(engine) == {"0005"}
        assert "customer_approved_at" not in {c["name"] for c in inspect(engine).get_columns("story")}
        upgrade(engine)
        assert applied(engine) == {HEAD}
        assert "customer_approved_at" in {c["name"] for c in inspect(engine).get_columns("story")}
    finally:
        engine.dispose()


def test_the_migrated_database_matches_the_models(migrated_engine):
    with migrated_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []
    tables = set(inspect(migrated_engine).get_table_names())
    assert {"deal", "placementclick", "sitereview", "reviewcampaign", "programfact"} <= tables
    assert MIGRATIONS.exists()
