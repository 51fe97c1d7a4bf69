"""Figures a leader reads agree with each other: changes match the figures shown, shares round as people
round, and a deal use counts in every period that ended before its consent did."""

from __future__ import annotations

from datetime import UTC, datetime

from storage import models as m
from workflows.digest import build_digest, digest_card
from workflows.periods import parse_period
from workflows.states import DealOutcome


def _facts(core, period: str) -> dict[str, str]:
    return {f.label: f.value for f in digest_card(build_digest(core, parse_period(period, core.config.tz))).facts}


def _at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 12, tzinfo=UTC)


def test_a_change_is_the_difference_between_the_figures_shown(core):
    with core.unit() as unit:
        account = unit.repo.add(m.Account(name="Acme", name_key="acme"))
        for month, scores in ((9, [10, 8, 8, 8, 8, 8, 8]), (10, [10, 8, 8, 8, 8, 8])):  # NPS 14.3, then 16.7
            for score in scores:
                unit.repo.add(m.NpsResponse(account_id=account.id, score=score, responded_at=_at(month, 5)))
    assert _facts(core, "2026-10")["NPS"] == "+17 (up 3)"  # +14 before, as the September digest said


def test_a_close_rate_rounds_half_up_from_its_decimal_digits(core):
    with core.unit() as unit:
        for i in range(40):  # 23 won of 40 decided: 57.5%
            unit.repo.add(m.Deal(opportunity_id=f"O-{i}", outcome=DealOutcome.WON if i < 23 else DealOutcome.LOST,
                                 closed_at=_at(10, 9), created_at=_at(9, 1), updated_at=_at(10, 9)))
    assert _facts(core, "2026-10")["Close rate"] == "– with proof, 58% all deals"


def test_a_deal_use_counts_in_the_periods_that_ended_before_its_consent_did(core):
    with core.unit() as unit:
        account = unit.repo.add(m.Account(name="Acme", name_key="acme"))
        story = unit.repo.add(m.Story(account_id=account.id, state="approved"))
        unit.repo.add(m.DealUsage(story_id=story.id, opportunity_id="P1", amount=1000, recorded_by="U0SALES",
                                  recorded_at=_at(9, 20), consent_ended_at=_at(10, 10)))  # after September ended
        unit.repo.add(m.DealUsage(story_id=story.id, opportunity_id="P2", amount=500, recorded_by="U0SALES",
                                  recorded_at=_at(10, 5), consent_ended_at=_at(10, 20)))  # within October
    assert _facts(core, "2026-09")["Pipeline influenced"].startswith("1,000 in 1 opportunity")
    assert _facts(core, "2026-10")["Pipeline influenced"].startswith("0 in 0 opportunities (down 1,000)")


def test_a_deal_closed_after_its_story_consent_ended_is_not_counted_as_influenced(core):
    with core.unit() as unit:
        account = unit.repo.add(m.Account(name="Acme", name_key="acme"))
        story = unit.repo.add(m.Story(account_id=account.id, state="withdrawn"))
        unit.repo.add(m.DealUsage(story_id=story.id, opportunity_id="P1", amount=1000, recorded_by="U0SALES",
                                  recorded_at=_at(8, 20), consent_ended_at=_at(9, 10)))
        unit.repo.add(m.Deal(opportunity_id="P1", outcome=DealOutcome.WON, amount=1000, closed_at=_at(10, 10),
                             created_at=_at(8, 1), updated_at=_at(10, 10)))
    facts = _facts(core, "2026-10")  # the seller was told the deal no longer counts as influenced
    assert facts["Revenue influenced"].startswith("0 won with proof")
    assert facts["Close rate"] == "– with proof, 100% all deals"
