"""Advocate statuses out: the CSV export, and the push of changes to the CRM with retries."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from typer.testing import CliRunner

from bot.cli import app as cli_app
from bot.crm import PushRefused, push_advocates
from bot.webhooks import sign
from storage import models as m
from tests.conftest import SAM
from tests.core.helpers import flag, rows
from tests.emulators.server import run_asgi
from tests.identification.helpers import customer, publish_story
from tests.identification.test_imports import SAMPLES
from workflows import asks, closeloop, export
from workflows.states import AskType


@pytest.fixture
def program(core, engine, clock):
    flag(core, account="Acme")  # nominated
    beta = flag(core, account="Beta", contact_email="bo@beta.test", contact_name="Bo")
    asks.draft_ask(core, SAM, beta.nomination.id, AskType.CASE_STUDY)  # asked
    acc, person = customer(core, "Gamma", nps=9, crm_id="G-1")
    publish_story(core, acc, person, clock())  # advocate
    customer(core, "Delta", nps=2, days_ago=1)
    with core.unit() as unit:
        closeloop.on_nps(unit, rows(engine, m.NpsResponse, m.NpsResponse.score == 2)[0])  # close the loop
    customer(core, "Epsilon", nps=10)  # promoter
    customer(core, "Zeta", nps=10, opted_out=True)
    customer(core, "Eta", nps=8)  # passive: not an advocate


def test_export_lists_each_advocate_with_status_and_tags(core, program):
    stream = io.StringIO()
    export.write_csv(export.advocates(core), stream)
    table = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert list(table[0]) == list(export.COLUMNS)
    assert [(r["account_name"], r["status"], r["tags"]) for r in table] == [
        ("Acme", "nominated", ""), ("Beta", "asked", ""), ("Delta", "close_the_loop", "detractor"),
        ("Epsilon", "promoter", "promoter"),
        ("Gamma", "advocate", "consent:references consent:sales consent:website promoter short_quote"),
        ("Zeta", "opted_out", "promoter")]
    gamma = table[4]
    assert (gamma["account_crm_id"], gamma["contact_email"], gamma["status_since"]) == (
        "G-1", "lead@gamma.test", "2026-11-10T10:00:00+00:00")
    assert table[0]["score"] and table[0]["owner"] == "U0SUCCESS"


class FakeCrm:
    """A CRM endpoint that fails the first `failures` calls with `status`, then accepts."""

    def __init__(self, failures: int = 0, status: int = 503):
        self.failures, self.status, self.received = failures, status, []
        self.app = FastAPI()

        @self.app.post("/advocates")
        async def receive(request: Request):
            body = await request.body()
            self.received.append((dict(request.headers), body))
            if len(self.received) <= self.failures:
                return JSONResponse({"error": "busy"}, status_code=self.status)
            return {"ok": True}

    def names(self, index: int = -1) -> list[tuple[str, str]]:
        return [(a["account_name"], a["status"]) for a in json.loads(self.received[index][1])["advocates"]]


def test_push_retries_a_busy_crm_signs_the_body_and_sends_only_changes(core, program):
    crm = FakeCrm(failures=2)
    with run_asgi(crm.app) as url:
        assert push_advocates(core, f"{url}/advocates", secret="s3", max_wait=0.05) == 6
        assert len(crm.received) == 3
        headers, body = crm.received[-1]
        assert headers["x-webhook-signature"] == sign("s3", headers["x-webhook-timestamp"], body)
        assert abs(int(headers["x-webhook-timestamp"]) - time.time()) < 60
        assert json.loads(body)["event"] == "advocates.changed"
        assert push_advocates(core, f"{url}/advocates") == 0 and len(crm.received) == 3
        nomination = rows(core.engine, m.Nomination, m.Nomination.state == "proposed")[0]
        asks.draft_ask(core, SAM, nomination.id, AskType.SHORT_QUOTE)
        assert push_advocates(core, f"{url}/advocates") == 1
    assert crm.names() == [("Acme", "asked")]


def test_a_refusing_crm_is_not_retried_and_nothing_is_marked_sent(core, program):
    crm = FakeCrm(failures=1, status=400)
    with run_asgi(crm.app) as url:
        with pytest.raises(PushRefused, match="HTTP 400"):
            push_advocates(core, f"{url}/advocates", max_wait=0.05)
        assert len(crm.received) == 1
        assert push_advocates(core, f"{url}/advocates") == 6


def test_cli_export_and_push(tmp_path, monkeypatch):
    crm = FakeCrm()
    with run_asgi(crm.app) as url:
        config = (SAMPLES.parent / "app.yaml").read_text() + f"\ncrm_callback_url: {url}/advocates\n"
        config = config.replace('crm_callback_url: ""\n', "")
        (tmp_path / "app.yaml").write_text(config)
        monkeypatch.setenv("ADVOCACY_CONFIG", str(tmp_path / "app.yaml"))
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
        runner = CliRunner()
        for kind in ("accounts", "contacts", "nps"):
            assert runner.invoke(cli_app, ["import", kind, str(SAMPLES / f"{kind}.csv")]).exit_code == 0
        sweep = runner.invoke(cli_app, ["sweep"])
        assert sweep.exit_code == 0 and "Sweep: 2 nominated from 2 candidate(s)." in sweep.output
        result = runner.invoke(cli_app, ["export", "advocates", str(tmp_path / "out.csv")])
        assert result.exit_code == 0 and "3 advocate(s) written" in result.output
        assert "Northwind Bank,dana.lee@northwind.example,Dana Lee,nominated" in (tmp_path / "out.csv").read_text()
        pushed = runner.invoke(cli_app, ["export", "push"])
        assert pushed.exit_code == 0 and "3 changed advocate(s) pushed." in pushed.output
        assert "Nothing changed" in runner.invoke(cli_app, ["export", "push"]).output
