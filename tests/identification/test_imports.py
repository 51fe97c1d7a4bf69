"""CSV imports: the sample files, idempotent re-imports, bad rows by line number, timezones, the CLI."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from storage import models as m
from tests.core.helpers import outbox, rows
from workflows import imports
from workflows.errors import InvalidInput

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
ORDER = ("accounts", "contacts", "nps", "usage", "support")


def load(core, kind: str, text: str) -> imports.ImportReport:
    return imports.import_csv(core, kind, io.StringIO(text))


def load_samples(core) -> dict[str, imports.ImportReport]:
    return {kind: imports.import_csv(core, kind, (SAMPLES / f"{kind}.csv").open(encoding="utf-8-sig"))
            for kind in ORDER}


def snapshot(engine) -> dict:
    return {model.__name__: [r.model_dump() for r in rows(engine, model)]
            for model in (m.Account, m.Contact, m.NpsResponse, m.UsageSnapshot, m.SupportSnapshot, m.CloseLoopItem)}


def test_sample_files_import_and_reimport_changes_nothing(core, engine):
    first = load_samples(core)
    assert [first[k].summary for k in ORDER] == [
        "accounts: 4 created, 0 updated, 0 unchanged", "contacts: 4 created, 0 updated, 0 unchanged",
        "nps: 4 created, 0 updated, 0 unchanged, 1 close-the-loop item(s) opened",
        "usage: 3 created, 0 updated, 0 unchanged", "support: 3 created, 0 updated, 0 unchanged"]
    before, posts = snapshot(engine), len(outbox(engine))
    again = load_samples(core)
    assert [(r.created, r.updated, r.unchanged) for r in again.values()] == [
        (0, 0, 4), (0, 0, 4), (0, 0, 4), (0, 0, 3), (0, 0, 3)]
    assert snapshot(engine) == before and len(outbox(engine)) == posts
    northwind = [a for a in rows(engine, m.Account) if a.crm_id == "CRM-1001"][0]
    assert (northwind.segment, northwind.owner, northwind.opted_out) == ("enterprise", "sam@example.com", False)
    assert [a.opted_out for a in rows(engine, m.Account) if a.crm_id == "CRM-1004"] == [True]


def test_bad_rows_are_reported_by_line_and_good_rows_imported(core, engine):
    load(core, "accounts", "crm_id,name\nC1,Acme\n")
    report = load(core, "nps", (
        "response_id,account,contact_email,score,responded_at\n"
        "R1,C1,dana@acme.test,10,2026-11-01\n"
        "R2,C9,dana@acme.test,9,2026-11-01\n"
        "R3,C1,not-an-email,9,2026-11-01\n"
        "R4,Acme,,11,2026-11-01\n"
        'R5,C1,,"7",yesterday\n'
        "R1,C1,dana@acme.test,10,2026-11-01\n"
        "R6,C1,,8,2027-02-01\n"
        "R7,C1,,8,2026-11-02,extra\n"
        "R8,acme,,8,2026-11-02\n"))
    assert report.errors == [
        (3, "unknown account 'C9' (import accounts first, by crm_id or name)"),
        (4, "contact_email: is not an email address"),
        (5, "score: Input should be less than or equal to 10"),
        (6, "responded_at: use a date like 2026-11-03 or a time like 2026-11-03T09:30:00Z"),
        (7, "repeats line 2 (same response_id, account, contact_email, responded_at)"),
        (8, "responded_at is in the future"),
        (9, "more cells than columns"),
    ]
    assert report.created == 2 and [r.external_id for r in rows(engine, m.NpsResponse)] == ["R1", "R8"]
    assert rows(engine, m.Contact)[0].email == "dana@acme.test"  # created from the answer


def test_a_wrong_header_refuses_the_whole_file(core, engine):
    with pytest.raises(InvalidInput) as err:
        load(core, "nps", "account,scroe,responded_at\nAcme,9,2026-11-01\n")
    assert err.value.message == ("unknown column(s) scroe; missing column(s) score. Columns for nps: response_id, "
                                 "account, contact_email, contact_name, score, responded_at, comment.")
    with pytest.raises(InvalidInput, match="The file is empty"):
        load(core, "nps", "")
    assert rows(engine, m.NpsResponse) == []


def test_dates_without_a_time_are_midnight_in_the_program_timezone(core, engine):
    load(core, "accounts", "name\nAcme\n")
    load(core, "nps", "account,score,responded_at\nAcme,9,2026-07-01\nAcme,9,2026-11-01T08:00:00-05:00\n")
    assert [r.responded_at for r in rows(engine, m.NpsResponse)] == [
        datetime(2026, 6, 30, 23, 0, tzinfo=UTC), datetime(2026, 11, 1, 13, 0, tzinfo=UTC)]


def test_updates_change_only_the_cells_given(core, engine):
    load(core, "accounts", "crm_id,name,segment,region\nC1,Acme,smb,EMEA\n")
    report = load(core, "accounts", "crm_id,name,segment,region\nC1,Acme Corp,,NA\n")
    assert (report.updated, report.unchanged) == (1, 0)
    account = rows(engine, m.Account)[0]
    assert (account.name, account.name_key, account.segment, account.region) == ("Acme Corp", "acme corp", "smb", "NA")
    clash = load(core, "accounts", "crm_id,name\nC2,Beta\nC2,Acme Corp\n")
    assert clash.errors == [(3, "another account is already named 'Acme Corp'")]


def test_usage_snapshot_is_replaced_for_the_same_day(core, engine):
    load(core, "accounts", "name\nAcme\n")
    load(core, "usage", "account,measured_on,usage_percentile\nAcme,2026-10-31,50\n")
    report = load(core, "usage", "account,measured_on,usage_percentile,time_to_value_days\nAcme,2026-10-31,60,20\n")
    assert report.updated == 1
    assert [(u.usage_percentile, u.time_to_value_days) for u in rows(engine, m.UsageSnapshot)] == [(60, 20)]


def test_only_a_recent_latest_detractor_answer_opens_an_item(core, engine):
    load(core, "accounts", "name,owner\nAcme,U0SUCCESS\n")
    load(core, "nps", "account,contact_email,score,responded_at\n"
                      "Acme,a@acme.test,2,2026-11-08\nAcme,a@acme.test,9,2026-11-09\n"
                      "Acme,b@acme.test,1,2026-01-05\nAcme,c@acme.test,5,2026-11-05\n")
    items = rows(engine, m.CloseLoopItem)
    assert [rows(engine, m.NpsResponse, m.NpsResponse.id == i.nps_response_id)[0].score for i in items] == [5]
    dm = [e for e in outbox(engine) if e["op"] == "dm"]
    assert dm[0]["person"] == "U0SUCCESS" and dm[0]["card"]["title"] == "Close the loop: Acme answered NPS 5"
    assert [b["action"] for b in dm[0]["card"]["buttons"]] == ["closeloop.resolve"]


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVOCACY_CONFIG", str(SAMPLES.parent / "app.yaml"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return tmp_path


def test_cli_import_reports_and_exits_nonzero_on_bad_rows(cli_env):
    runner = CliRunner()
    for kind in ORDER:
        result = runner.invoke(app, ["import", kind, str(SAMPLES / f"{kind}.csv")])
        assert result.exit_code == 0, result.output
    assert "nps.csv: nps: 0 created" not in result.output
    bad = cli_env / "bad.csv"
    bad.write_text("account,measured_on,open_escalations\nCRM-1001,2026-11-30,-1\nCRM-1002,2026-11-30,0\n")
    result = runner.invoke(app, ["import", "support", str(bad)])
    assert result.exit_code == 1
    assert "bad.csv: support: 1 created, 0 updated, 0 unchanged; 1 bad row(s) skipped." in result.output
    assert "line 2: open_escalations: Input should be greater than or equal to 0" in result.output
    result = runner.invoke(app, ["import", "deals", str(bad)])
    assert result.exit_code == 2 and "Unknown kind 'deals'" in result.output
