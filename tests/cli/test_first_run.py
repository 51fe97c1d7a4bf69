"""What a new operator following the README meets: a mistake or a repeat is one clear line and an exit code,
never a stack trace, and changes nothing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid

import psycopg
import pytest
from sqlalchemy import inspect
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from bot.cli import app
from storage import models as m
from storage.db import make_engine
from storage.migrate import HEAD, upgrade
from tests.conftest import PG_ADMIN_URL, _pg_reachable

runner = CliRunner()


def _run(*command: str):
    result = runner.invoke(app, list(command))
    return result.exit_code, " ".join(result.output.split())


def _count(model) -> int:
    with Session(make_engine(os.environ["DATABASE_URL"])) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_demo_data_run_again_says_it_is_loaded_and_changes_nothing(env):
    assert _run("demo-data", "--accounts", "3")[0] == 0
    wins = _count(m.Win)
    assert _run("demo-data", "--accounts", "3") == (0, "Demo data is already loaded; nothing changed. For a fresh "
                                                       "sample, set DATABASE_URL to a new database (e.g. "
                                                       "sqlite:///./demo.db).")
    assert (_count(m.Account), _count(m.Win)) == (3, wins)


def test_demo_data_is_not_mixed_into_real_accounts(env):
    (env / "accounts.csv").write_text("crm_id,name\nA-1,Acme\n")
    assert _run("import", "accounts", "accounts.csv")[0] == 0
    code, output = _run("demo-data", "--accounts", "3")
    assert code == 1 and output.startswith("This database already holds accounts"), output
    assert _count(m.Account) == 1


def test_a_file_that_is_not_utf8_is_refused_by_line_and_nothing_is_imported(env):
    assert _run("migrate")[0] == 0
    (env / "excel.csv").write_bytes("crm_id,name\r\nA-1,Acme\r\nA-2,Café Müller\r\n".encode("cp1252"))
    assert _run("import", "accounts", "excel.csv") == (
        2, 'excel.csv: line 3 is not UTF-8 text, so nothing was imported; save the file as UTF-8 (in Excel: Save As, '
           '"CSV UTF-8 (Comma delimited)") and import it again.')
    assert _count(m.Account) == 0


def test_utf8_with_a_byte_order_mark_and_crlf_is_imported(env):
    (env / "excel.csv").write_bytes("\ufeffcrm_id,name\r\nA-1,Acme\r\nA-2,Café Müller\r\n".encode("utf-8"))
    code, output = _run("import", "accounts", "excel.csv")
    assert code == 0 and "excel.csv: accounts: 2 created" in output, output
    with Session(make_engine(os.environ["DATABASE_URL"])) as session:
        assert session.exec(select(m.Account.name).where(m.Account.crm_id == "A-2")).one() == "Café Müller"


def test_serve_on_a_port_in_use_says_so_and_starts_nothing(env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert (result.stdout + result.stderr).strip() == f"port {port} is in use; pick another with --port"
    assert not (env / "cli.db").exists()  # no migration, no schedule, nothing


def test_serve_refuses_a_port_out_of_range(env):
    code, output = _run("serve", "--port", "70000")
    assert code == 2 and "Invalid value for '--port'" in output and "65535" in output, output


@pytest.fixture(params=["sqlite", "postgres"])
def new_database(request, env, monkeypatch):
    """DATABASE_URL naming a database with nothing in it."""
    if request.param == "sqlite":
        yield os.environ["DATABASE_URL"]
        return
    if not _pg_reachable():
        pytest.skip("PostgreSQL not reachable; set TEST_DATABASE_URL")
    name = f"advocacy_cli_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


READING = [["placements"], ["digest", "preview"], ["export", "advocates", "-"], ["export", "metrics", "--period",
                                                                                "2026-10"]]


@pytest.mark.parametrize("command", READING)
def test_a_command_that_only_reads_refuses_a_database_without_tables_and_creates_none(new_database, command):
    engine = make_engine(new_database)
    if new_database.startswith("sqlite"):
        assert _run(*command) == (2, f"there is no database at {engine.url.database} yet; run `advocacy-bot "
                                     "migrate` (or `serve`)")
        upgrade(engine, "0001")  # the first migration's tables are there, not the newest
        expected = (f"this database's schema is at revision 0001 and this version needs {HEAD}, so a migration is "
                    "due; run `advocacy-bot migrate` (or `serve`)")
    else:
        expected = "this database has no advocacy tables yet; run `advocacy-bot migrate` (or `serve`)"
    tables = set(inspect(engine).get_table_names())
    assert _run(*command) == (2, expected)
    assert set(inspect(engine).get_table_names()) == tables
    engine.dispose()


def test_migrate_says_which_revisions_it_applied(new_database):
    engine = make_engine(new_database)
    where = engine.url.render_as_string(hide_password=True)
    upgrade(engine, "0005")
    engine.dispose()
    assert _run("migrate") == (0, f"Migrated {where} from revision 0005 to {HEAD}. Database is up to date: {where}")


def test_import_into_a_new_database_creates_the_tables_and_says_so(new_database):
    where = make_engine(new_database).url.render_as_string(hide_password=True)
    with open("accounts.csv", "w") as stream:
        stream.write("crm_id,name\nA-1,Acme\n")
    assert _run("import", "accounts", "accounts.csv") == (
        0, f"Created the advocacy tables in {where}. accounts.csv: accounts: 1 created, 0 updated, 0 unchanged.")
    assert _count(m.Account) == 1


def test_deal_help_lists_only_the_outcomes_it_accepts(env):
    code, output = _run("deal", "--help")
    assert code == 0 and "<won|lost|withdrawn>" in output and "open" not in output, output
    code, output = _run("deal", "OPP-1", "open", "--amount", "5", "--as", "U0MARKETNG")
    assert code == 2 and "'open' is not one of 'won'," in output, output
    code, output = _run("deal", "OPP-1", "won", "--amount", "5", "--as", "U0MARKETNG")
    assert code == 1 and "I know no opportunity OPP-1." in output, output  # an accepted outcome, an unknown id


def test_nothing_found_says_which_story_or_referral_is_missing(env):
    assert _run("demo-data", "--accounts", "8")[0] == 0
    with Session(make_engine(os.environ["DATABASE_URL"])) as session:
        placed = set(session.exec(select(m.Placement.story_id)).all())
        unplaced = session.exec(select(m.Story.id).where(m.Story.id.not_in(placed))).first()
    assert placed and unplaced
    assert _run("placements", "--story", "99999") == (1, "No story 99999.")
    assert _run("placements", "--story", str(unplaced)) == (0, f"Story {unplaced} has no placements yet.")
    assert _run("referral", "convert", "9999", "--amount", "5", "--as", "U0MARKETNG") == (1, "No referral 9999.")


def test_a_digest_of_a_month_that_has_not_started_is_refused(env):
    assert _run("migrate")[0] == 0
    code, output = _run("digest", "preview", "--period", "2099-01")
    assert code == 2 and output.startswith("January 2099 has not started yet; give "), output


def test_a_long_message_stays_one_line_when_the_output_goes_to_a_file(env):
    """Rich wraps at 80 columns when it cannot see a terminal; logs and files get whole lines."""
    assert _run("demo-data", "--accounts", "3")[0] == 0
    again = subprocess.run([sys.executable, "-m", "bot", "demo-data", "--accounts", "3"], capture_output=True,
                           text=True, timeout=60, env=os.environ.copy())
    assert again.returncode == 0 and again.stdout.strip().startswith("Demo data is already loaded; nothing changed.")
    assert len(again.stdout.strip().splitlines()) == 1 and len(again.stdout) > 100, again.stdout
