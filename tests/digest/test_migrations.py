"""The migration history has one head, and the migrated schema matches the tables the code declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlmodel import SQLModel

from storage.migrate import HEAD, MIGRATIONS, _config, applied, upgrade


def test_there_is_exactly_one_head_and_the_start_up_check_knows_it():
    script = ScriptDirectory.from_config(_config(None))
    assert script.get_heads() == [script.get_current_head()], f"several heads: {script.get_heads()}"
    assert HEAD == script.get_current_head()  # a server starting on an up-to-date database skips Alembic


def test_an_older_database_is_upgraded_at_start(migrated_engine):
    from alembic import command

    with migrated_engine.begin() as connection:
        command.downgrade(_config(connection), "0005")
    assert applied(migrated_engine) == {"0005"}
    upgrade(migrated_engine)
    assert applied(migrated_engine) == {HEAD}


def test_the_migrated_database_matches_the_models(migrated_engine):
    with migrated_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []
    tables = set(inspect(migrated_engine).get_table_names())
    assert {"deal", "placementclick", "sitereview", "reviewcampaign", "programfact"} <= tables
    assert MIGRATIONS.exists()
