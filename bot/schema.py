"""The command line and the schema: a command that only reads needs it at this version's revision and creates
nothing; one that loads data brings it up to date first and says so. Neither touches a newer schema."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from storage.migrate import HEAD, applied, upgrade

RUN_MIGRATE = "run `advocacy-bot migrate` (or `serve`)"


class SchemaProblem(Exception):
    """The database's schema does not fit this command; the message says what to do."""


def _revision(engine: Engine) -> str:
    """The newest revision applied ("" before the first), refusing one this version does not know."""
    found = max(applied(engine), default="")
    if found > HEAD:
        raise SchemaProblem(f"this database was migrated by a newer advocacy-bot (revision {found}; this one knows "
                            f"up to {HEAD}); upgrade advocacy-bot")
    return found


def require_current(engine: Engine) -> None:
    """Refuse a database whose schema is missing or older, without creating anything (not even a SQLite file)."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        raise SchemaProblem(f"there is no database at {url.database} yet; {RUN_MIGRATE}")
    found = _revision(engine)
    if not found:
        raise SchemaProblem(f"this database has no advocacy tables yet; {RUN_MIGRATE}")
    if found != HEAD:
        raise SchemaProblem(f"this database's schema is at revision {found} and this version needs {HEAD}, "
                            f"so a migration is due; {RUN_MIGRATE}")


def bring_up_to_date(engine: Engine) -> str:
    """Apply the migrations that are due; what was done, in one line ("" when nothing was due)."""
    found = _revision(engine)
    if found == HEAD:
        return ""
    upgrade(engine)
    where = engine.url.render_as_string(hide_password=True)
    return f"Created the advocacy tables in {where}." if not found else \
        f"Migrated {where} from revision {found} to {HEAD}."
