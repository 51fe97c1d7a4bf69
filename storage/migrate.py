"""Apply and create Alembic migrations without an alembic.ini.

A server starting against a database that is already up to date (the usual case) only reads the
applied revision; Alembic is loaded when there is something to do.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0006"  # the newest revision in migrations/versions (a test keeps this true)
# Serialises concurrent upgrades from several replicas starting at once (PostgreSQL).
_PG_LOCK_ID = 0x61647663


def _config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def applied(engine: Engine) -> set[str]:
    """The revisions recorded in the database (none before the first migration); raises when it cannot be reached."""
    with engine.connect() as connection:
        try:
            return {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}
        except DBAPIError:  # no alembic_version table yet
            return set()


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema up to date; safe to call from several processes at once."""
    if revision == "heads" and applied(engine) == {HEAD}:
        return
    from alembic import command

    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_ID})")
        command.upgrade(_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    with engine.begin() as connection:
        command.downgrade(_config(connection), revision)


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new migration from the difference between the tables and the database."""
    from alembic import command

    with engine.begin() as connection:
        command.revision(_config(connection), message=message, autogenerate=True)


def current_tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def is_current(engine: Engine) -> bool:
    """True when the database has every migration applied."""
    return applied(engine) == {HEAD}
