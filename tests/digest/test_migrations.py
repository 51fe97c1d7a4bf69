"""The migration history has one head, and the migrated schema matches the tables the code declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlmodel import SQLModel

from storage.migrate import MIGRATIONS, _config


def test_there_is_exactly_one_head():
    script = ScriptDirectory.from_config(_config(None))
    assert script.get_heads() == [script.get_current_head()], f"several heads: {script.get_heads()}"


def test_the_migrated_database_matches_the_models(migrated_engine):
    with migrated_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []
    tables = set(inspect(migrated_engine).get_table_names())
    assert {"deal", "placementclick", "sitereview", "reviewcampaign", "programfact"} <= tables
    assert MIGRATIONS.exists()
