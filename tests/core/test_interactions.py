"""The interaction table: the forms, defaults, input errors and refusals every shell shows."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from storage import models as m
from tests.conftest import MIA, NOBODY, SAM, SID, TEST_CONFIG
from tests.core.helpers import flag, rows, to_review
from workflows import interactions as ix
from workflows.config import parse_config
from workflows.core import Core
from workflows.errors import InvalidInput, NotAllowed
from workflows.states import AskType, NominationState


def test_a_capped_kind_of_ask_is_not_offered_and_says_why(engine, clock):
    config = parse_config({**TEST_CONFIG, "fatigue": {"per_quarter": {"reference_call": 0}}})
    core = Core(engine, config, secret="s", clock=clock)
    form = ix.form_for(core, SAM, "nomination.ask", flag(core).nomination.id)
    [kinds] = [f for f in form.fields if f.name == "ask_type"]
    offered = [value for value, _ in kinds.choices]
    assert "reference_call" not in offered and "short_quote" in offered and kinds.value == "short_quote"
    assert any("reference call ask(s) this quarter" in note for note in form.notes)


def test_the_snooze_form_defaults_to_two_weeks_and_ends_at_nine_local_time(core, engine, clock):
    nomination = flag(core).nomination
    form = ix.form_for(core, SAM, "nomination.snooze", nomination.id)
    [until] = form.fields
    assert (until.kind, until.value) == ("date", "2026-11-24")
    outcome = ix.dispatch(core, SAM, "nomination.snooze", {"id": str(nomination.id), "until": "2026-12-01"})
    assert outcome.message == "Snoozed until 1 Dec."
    [stored] = rows(engine, m.Nomination)
    assert stored.state == NominationState.SNOOZED
    assert stored.snoozed_until == datetime.combine(date(2026, 12, 1), time(9), tzinfo=core.config.tz)
    assert outcome.card(f"nomination:{nomination.id}").note == "Snoozed until 1 Dec by Sam Success"


@pytest.mark.parametrize("name, raw, field, message", [
    ("nomination.ask", {"ask_type": "magic"}, "ask_type", "Choose the kind of ask."),
    ("nomination.snooze", {"until": "next week"}, "until", "Pick a date."),
    ("proof.use", {"opportunity_id": "OPP-1"}, "amount", "Enter the amount."),
    ("proof.use", {"opportunity_id": "OPP-1", "amount": "lots"}, "amount", "Enter the amount as a number."),
    ("review.changes", {"reason": "   "}, "reason", "Say what should change, so the owner can act on it."),
    ("story.publish", {"url": "https://example.com"}, "channel", "Choose where the story goes live."),
    ("closeloop.resolve", {"note": "x" * 1001}, "note",
     "Keep the note under 1000 characters."),
    ("proof.use", {"opportunity_id": "x" * 65, "amount": "1"}, "opportunity_id",
     "Keep the opportunity id under 64 characters."),
])
def test_form_errors_name_the_field_at_fault(core, name, raw, field, message):
    entry = ix.get(name)
    with pytest.raises(InvalidInput) as error:
        ix.parse(entry, {"id": "1", **raw})
    assert (error.value.field, error.value.message) == (field, message)


def test_the_role_is_checked_before_the_input(core):
    with pytest.raises(NotAllowed) as error:
        ix.dispatch(core, NOBODY, "proof.use", {"id": "1", "amount": "lots"})
    assert error.value.message.startswith("Only people with the sales or marketing or leadership role")


def test_a_button_without_an_item_is_stale(core):
    with pytest.raises(InvalidInput) as error:
        ix.dispatch(core, MIA, "review.approve", {"id": "not-a-number"})
    assert error.value.message == ix.STALE


def test_typed_commands_and_help_come_from_the_table():
    assert ix.command("digest 2026-Q3") == ("digest", "2026-Q3")
    assert ix.command("  Proof fintech onboarding") == ("proof", "fintech onboarding")
    assert ix.command("") == ("help", "")
    assert ix.command("dance now") == ("", "dance")
    assert ix.command("review.approve 3") == ("", "review.approve")
    assert [c.name for c in ix.COMMANDS] == ["win", "proof", "queue", "digest", "reference", "campaign", "placements"]


def test_queue_buttons_come_from_the_table(core):
    first = flag(core).nomination
    from workflows.queue import my_queue
    [item] = my_queue(core, SAM).sections["Nominations"]
    assert [(b.label, b.action, b.value) for b in ix.queue_buttons(item)] == [
        ("Ask", "nomination.ask", str(first.id)), ("Not now", "nomination.dismiss", str(first.id)),
        ("Snooze", "nomination.snooze", str(first.id))]


def test_the_digest_takes_a_period_and_draws_the_chart(core):
    drawn = []
    core.chart = lambda digest: drawn.append(digest.period.key) or None
    shown = ix.dispatch(core, SAM, "digest", {"text": "2026-10"})
    assert drawn == ["2026-10"] and shown.card.title == shown.message and "October 2026" in shown.message
    with pytest.raises(InvalidInput):
        ix.dispatch(core, SAM, "digest", {"text": "someday"})


def test_commands_waiting_for_a_surface_are_reachable_through_the_table(core, engine):
    submitted, _ = to_review(core)
    ix.dispatch(core, MIA, "review.changes", {"id": str(submitted.story.id), "reason": "Add the numbers"})
    outcome = ix.dispatch(core, SAM, "story.resubmit", {"id": str(submitted.story.id), "metrics": "5 days to 2"})
    assert outcome.message == "Revised and sent back to marketing for review."
    assert rows(engine, m.Story)[0].metrics == "5 days to 2"
    sent = ix.dispatch(core, SAM, "campaign", {"ask_type": AskType.STAR_REVIEW.value})
    assert sent.message.startswith("Review campaign 1:")
    with pytest.raises(NotAllowed):
        ix.dispatch(core, SID, "campaign", {"ask_type": "star_review"})


def test_a_seller_closes_a_deal_through_the_table(core, engine):
    form = ix.form_for(core, SID, "deal.close", None)
    assert [f.name for f in form.fields] == ["outcome", "amount", "closed_on"]
    assert [value for value, _ in form.fields[0].choices] == ["won", "lost", "withdrawn"]
    with core.unit() as unit:  # the CRM sent the opportunity
        unit.repo.add(m.Deal(opportunity_id="O-7", created_at=unit.now, updated_at=unit.now))
    outcome = ix.dispatch(core, SID, "deal.close", {"id": "O-7", "outcome": "won", "amount": "1200",
                                                    "closed_on": "2026-11-09"})
    assert outcome.message == "Recorded: opportunity O-7 won, 1,200 on 9 Nov."
    [deal] = rows(engine, m.Deal)
    assert (deal.opportunity_id, deal.outcome.value, deal.amount) == ("O-7", "won", 1200)
