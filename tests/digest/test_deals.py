"""Deal outcomes: the signed CRM webhook (HubSpot- and Salesforce-shaped), the CSV backfill, and sellers in chat."""

from __future__ import annotations

import io
from datetime import date

import pytest

from storage import models as m
from tests.conftest import SAM
from tests.core.helpers import rows
from tests.identification.test_webhooks import post, served
from workflows import imports, sales
from workflows.actors import Actor
from workflows.errors import Conflict, InvalidInput, NotAllowed, NotFound
from workflows.states import DealOutcome

SELLER = Actor(platform="slack", user_id="U0SALES", name="Sol Seller")

HUBSPOT = {"eventId": 4471, "objectId": 9001, "dealname": "Acme renewal", "dealstage": "closedwon",
           "amount": "125000", "closedate": "2026-10-14T00:00:00Z", "createdate": "2026-08-01T09:00:00Z",
           "portalId": 62515}
SALESFORCE = {"delivery_id": "sf-0001", "Id": "0065g00000XyZAB", "Name": "Beta expansion", "StageName": "Closed Lost",
              "Amount": 40000, "CloseDate": "2026-10-20", "CreatedDate": "2026-09-01T10:00:00.000+0000",
              "IsClosed": True, "IsWon": False, "attributes": {"type": "Opportunity"}}


def test_hubspot_and_salesforce_shaped_stage_changes_are_recorded_once(core, engine):
    with served(core) as (client, ctx):
        assert "/webhooks/opportunities" in ctx.surfaces["webhooks"]
        won = post(client, "/webhooks/opportunities", HUBSPOT, core)
        assert won.status_code == 200, won.text
        assert won.json() == {"status": "processed", "deal_id": 1, "outcome": "won", "change": "created"}
        assert post(client, "/webhooks/opportunities", HUBSPOT, core).json() == {"status": "duplicate"}
        lost = post(client, "/webhooks/opportunities", SALESFORCE, core)
        assert lost.json()["outcome"] == "lost"
    deals = {d.opportunity_id: d for d in rows(engine, m.Deal)}
    acme, beta = deals["9001"], deals["0065g00000XyZAB"]
    assert (acme.outcome, acme.amount, acme.name, acme.stage) == (DealOutcome.WON, 125000, "Acme renewal", "closedwon")
    assert acme.closed_at.isoformat() == "2026-10-14T00:00:00+00:00"
    assert acme.opened_at.isoformat() == "2026-08-01T09:00:00+00:00"
    # a date alone is midnight in the program timezone (London, BST in October)
    assert beta.closed_at.isoformat() == "2026-10-19T23:00:00+00:00"
    assert beta.outcome == DealOutcome.LOST


def test_a_later_stage_change_reopens_or_closes_the_same_deal(core, engine):
    with served(core) as (client, _):
        post(client, "/webhooks/opportunities", {**HUBSPOT, "dealstage": "contractsent", "closedate": None}, core)
        assert rows(engine, m.Deal)[0].outcome == DealOutcome.OPEN
        response = post(client, "/webhooks/opportunities", {**HUBSPOT, "eventId": 4472}, core)
        assert response.json()["change"] == "updated"
    assert [(d.outcome, d.closed_at is not None) for d in rows(engine, m.Deal)] == [(DealOutcome.WON, True)]


def test_unsigned_or_malformed_stage_changes_are_refused_and_change_nothing(core, engine):
    with served(core) as (client, _):
        assert post(client, "/webhooks/opportunities", HUBSPOT, core, secret="wrong").status_code == 401
        missing = post(client, "/webhooks/opportunities", {"eventId": 1, "dealstage": "closedwon"}, core)
        assert missing.status_code == 422 and "opportunity_id: is required" in missing.json()["error"]
        future = post(client, "/webhooks/opportunities", {**HUBSPOT, "closedate": "2027-06-01"}, core)
        assert future.status_code == 422 and "close_date is in the future" in future.json()["error"]
        negative = post(client, "/webhooks/opportunities", {**HUBSPOT, "eventId": 9, "amount": -5}, core)
        assert negative.status_code == 422
    assert rows(engine, m.Deal) == []


def test_csv_backfill_is_idempotent_and_reports_bad_rows(core, engine):
    text = ("opportunity_id,name,stage,amount,close_date,created_date,owner\n"
            "O-1,Acme,Closed Won,100000,2026-10-10,2026-07-01,U0SALES\n"
            "O-2,Beta,Negotiation,50000,,2026-09-01,U0SALES\n"
            "O-3,Gamma,Closed - No Decision,20000,2026-10-02,2026-08-01,\n"
            "O-4,Delta,Closed Lost,abc,2026-10-02,,\n")
    first = imports.import_csv(core, "opportunities", io.StringIO(text))
    assert (first.created, first.errors) == (3, [(5, "amount: Input should be a valid number, unable to parse "
                                                     "string as a number")])
    again = imports.import_csv(core, "opportunities", io.StringIO(text))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    outcomes = {d.opportunity_id: d.outcome for d in rows(engine, m.Deal)}
    assert outcomes == {"O-1": DealOutcome.WON, "O-2": DealOutcome.OPEN, "O-3": DealOutcome.WITHDRAWN}


def test_the_sample_file_imports_cleanly(core):
    with open("samples/opportunities.csv", encoding="utf-8") as stream:
        report = imports.import_csv(core, "opportunities", stream)
    assert report.errors == [] and report.created >= 5


def _used(core, opportunity_id: str, by: str = "U0SALES") -> None:
    with core.unit() as unit:
        account = unit.repo.add(m.Account(name=f"A {opportunity_id}", name_key=f"a {opportunity_id}"))
        story = unit.repo.add(m.Story(account_id=account.id, state="approved"))
        unit.repo.add(m.DealUsage(story_id=story.id, opportunity_id=opportunity_id, amount=30000, recorded_by=by,
                                  recorded_at=unit.now))


def test_a_seller_closes_their_open_deal_once(core, engine):
    _used(core, "O-9")
    _used(core, "O-8", by="U0OTHER")
    assert [d.opportunity_id for d in sales.open_deals(core, SELLER)] == ["O-9"]
    message = sales.close_deal(core, SELLER, "O-9", DealOutcome.WON, 42000, date(2026, 11, 9)).message
    assert message == "Recorded: opportunity O-9 won, 42,000 on 9 Nov."
    assert sales.open_deals(core, SELLER) == []
    with pytest.raises(Conflict, match="already marked won"):
        sales.close_deal(core, SELLER, "O-9", DealOutcome.LOST, 0, date(2026, 11, 9))
    deal = rows(engine, m.Deal)[0]
    assert (deal.outcome, deal.amount, deal.closed_at.isoformat()) == (DealOutcome.WON, 42000,
                                                                       "2026-11-09T12:00:00+00:00")


def test_closing_a_deal_needs_a_role_and_a_past_date(core, engine):
    with pytest.raises(NotAllowed):
        sales.close_deal(core, SAM, "O-1", DealOutcome.WON, 1, date(2026, 11, 9))
    with pytest.raises(InvalidInput, match="today or earlier"):
        sales.close_deal(core, SELLER, "O-1", DealOutcome.WON, 1, date(2026, 11, 11))
    with pytest.raises(InvalidInput, match="won, lost or withdrawn"):
        sales.close_deal(core, SELLER, "O-1", DealOutcome.OPEN, 1, date(2026, 11, 9))
    with pytest.raises(NotFound, match="I know no opportunity O-1. Check the id"):  # no story used in it, no CRM row
        sales.close_deal(core, SELLER, "O-1", DealOutcome.WON, 1, date(2026, 11, 9))
    assert rows(engine, m.Deal) == []


def test_hubspot_millisecond_timestamps_are_read_as_such(core, engine):
    with served(core) as (client, _):
        response = post(client, "/webhooks/opportunities", {**HUBSPOT, "closedate": "1760400000000"}, core)
        assert response.status_code == 200, response.text
    assert rows(engine, m.Deal)[0].closed_at.isoformat() == "2025-10-14T00:00:00+00:00"


def test_a_story_used_after_the_deal_closed_is_refused(core, engine):
    from tests.conftest import MIA, SID
    from tests.core.helpers import to_review
    from workflows import stories

    submitted, _ = to_review(core)
    stories.approve(core, MIA, submitted.story.id)
    with core.unit() as unit:  # the CRM already reported it won
        unit.repo.add(m.Deal(opportunity_id="O-5", outcome=DealOutcome.WON, amount=9000, created_at=unit.now,
                             updated_at=unit.now, closed_at=unit.now))
    with pytest.raises(Conflict, match="O-5 is already marked won; a story used after the close"):
        sales.record_deal_usage(core, SID, submitted.story.id, "O-5", 9000)
    assert rows(engine, m.DealUsage) == []
