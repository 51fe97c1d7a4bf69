"""Nominating after a win: fatigue edges, who else fits, one open nomination per account, turnarounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import models as m
from tests.conftest import OTHER_SUCCESS, SAM
from tests.core.helpers import flag, outbox, rows
from tests.identification.helpers import add_contact, asked, customer
from workflows import asks, closeloop
from workflows.errors import Conflict, NotAllowed
from workflows.states import AskType


def flag_for(core, name: str, **extra):
    return flag(core, account=name, contact_email=f"lead@{name.lower().replace(' ', '')}.test",
                contact_name=f"{name} Lead", **extra)


def test_cooldown_ends_exactly_cooldown_days_after_the_last_ask(core, clock):
    acc, person = customer(core, "Acme")
    asked(core, acc, person, clock() - timedelta(days=30) + timedelta(seconds=1))
    refused = flag_for(core, "Acme")
    assert refused.nomination is None and "Acme Lead was asked on 11 Oct (cooldown 30 days)" in refused.excluded_because
    clock.advance(seconds=1)
    assert flag_for(core, "Acme", story="again").nomination is not None


def test_without_a_contact_the_cooldown_applies_to_the_account(core, clock):
    acc, _ = customer(core, "Acme")
    asked(core, acc, None, clock() - timedelta(days=10))
    outcome = flag(core, account="Acme", contact_name="", contact_email="")
    assert "Acme was asked on 31 Oct" in outcome.excluded_because


@pytest.mark.parametrize("ask_at, now, refused", [
    (datetime(2026, 9, 30, 23, 30, tzinfo=UTC), datetime(2026, 10, 15, tzinfo=UTC), True),   # 00:30 BST, 1 Oct
    (datetime(2026, 9, 30, 22, 30, tzinfo=UTC), datetime(2026, 10, 15, tzinfo=UTC), False),  # 23:30 BST, Q3
    (datetime(2026, 10, 10, tzinfo=UTC), datetime(2026, 12, 31, 23, 59, tzinfo=UTC), True),
    (datetime(2026, 10, 10, tzinfo=UTC), datetime(2027, 1, 1, 0, 0, tzinfo=UTC), False),
])
def test_quarterly_reference_call_cap_uses_quarters_in_the_program_timezone(core, clock, ask_at, now, refused):
    clock.current = now
    acc, _ = customer(core, "Acme")
    asked(core, acc, None, ask_at, ask_type=AskType.REFERENCE_CALL)
    nomination = flag_for(core, "Acme").nomination
    if refused:
        with pytest.raises(Conflict, match="already had 1 reference call ask"):
            asks.draft_ask(core, SAM, nomination.id, AskType.REFERENCE_CALL)
    else:
        assert asks.draft_ask(core, SAM, nomination.id, AskType.REFERENCE_CALL).ask.ask_type == AskType.REFERENCE_CALL


def test_capped_contact_is_not_nominated_and_the_owner_hears_who_else_fits(core, clock, engine):
    acc, person = customer(core, "Acme")
    add_contact(core, acc, "Omar Haddad", title="COO")
    customer(core, "Beta Bank", nps=10)
    customer(core, "Gamma Care", nps=10, industry="healthcare", segment="smb")  # not similar
    asked(core, acc, person, clock() - timedelta(days=5))
    outcome = flag_for(core, "Acme")
    assert outcome.nomination is None
    assert outcome.excluded_because.endswith("Who else fits: Omar Haddad, COO at Acme; Beta Bank (score 4.0, NPS 10)")
    dm = [e for e in outbox(engine) if e["op"] == "dm"]
    assert dm[0]["person"] == "U0SUCCESS" and "Omar Haddad, COO at Acme" in dm[0]["card"]["body"][0]
    assert rows(engine, m.Nomination) == []


def test_nomination_card_says_who_else_fits(core, engine):
    acc, _ = customer(core, "Acme")
    add_contact(core, acc, "Omar Haddad")
    customer(core, "Beta Bank", nps=9)
    customer(core, "Delta Pay", nps=6)  # a detractor never fits
    nomination = flag_for(core, "Acme").nomination
    assert nomination.alternatives == ["Omar Haddad at Acme", "Beta Bank (score 3.4, NPS 9)"]
    card = [e["card"] for e in outbox(engine) if e["purpose"] == "nominations"][0]
    assert {"label": "Also fits", "value": "Omar Haddad at Acme, Beta Bank (score 3.4, NPS 9)", "person": ""} in card["facts"]


def test_a_second_win_refreshes_the_open_nomination(core, engine):
    first = flag_for(core, "Acme").nomination
    second = flag_for(core, "Acme", story="Another win", metric_value=5)
    assert second.nomination.id == first.id
    stored = rows(engine, m.Nomination)
    assert len(stored) == 1 and stored[0].win_id == second.win.id
    update = [e for e in outbox(engine) if e["op"] == "update"][0]
    assert update["ref_key"] == f"nomination:{first.id}" and update["card"]["note"] == "Updated with a new win"


def test_detractor_is_nominated_as_a_turnaround_once_the_loop_is_closed(core, engine):
    acc, person = customer(core, "Acme", nps=3)
    with core.unit() as unit:
        answer = rows(engine, m.NpsResponse)[0]
        item = closeloop.on_nps(unit, unit.repo.get(m.NpsResponse, answer.id))
    assert "close the loop first" in flag_for(core, "Acme").excluded_because
    with pytest.raises(NotAllowed):
        closeloop.resolve_close_loop(core, OTHER_SUCCESS, item.id, "Fixed it")
    closeloop.resolve_close_loop(core, SAM, item.id, "Fixed the export bug and trained the team")
    nomination = flag_for(core, "Acme", story="Back on track").nomination
    assert nomination.reasons[0] == ("turnaround: NPS 3 on 7 Nov, loop closed 10 Nov "
                                     "(Fixed the export bug and trained the team)")
    assert nomination.score >= 2  # the turnaround weight
