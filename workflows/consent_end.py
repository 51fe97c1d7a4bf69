"""When a story's consent ends (withdrawn, or expired), everyone who relies on the story hears it.

Placements are retired, deals that used the story stop counting as influenced from that day, the
owner and every seller who used it are told which accounts and deals it concerns, and the wins
announcement and the review card say so. Everything is in the audit log.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from storage import models as m
from workflows import cards
from workflows.core import Unit
from workflows.effects import Card, Effect
from workflows.final import review_card, tell_owner
from workflows.states import PlacementState
from workflows.text import day_label


def retire_placements(unit: Unit, story: m.Story, reason: str) -> list[m.Placement]:
    retired = []
    for placement in unit.repo.placements(story.id, live_only=True):
        if unit.repo.guarded_update(m.Placement, placement.id, {"state": PlacementState.LIVE},
                                    {"state": PlacementState.RETIRED, "retired_at": unit.now,
                                     "retire_reason": reason}):
            unit.audit("placement", placement.id, "retired", "system", from_state="live", to_state="retired",
                       reason=reason)
            retired.append(placement)
    return retired


def _stop_counting(unit: Unit, story: m.Story, why: str) -> list[m.DealUsage]:
    """Deals that used the story no longer count as influenced from today."""
    stopped = []
    for usage in unit.repo.deal_usages(story.id):
        if unit.repo.guarded_update(m.DealUsage, usage.id, {"consent_ended_at": None},
                                    {"consent_ended_at": unit.now}):
            unit.audit("deal_usage", usage.id, "consent_ended", "system", reason=why,
                       opportunity_id=usage.opportunity_id)
            stopped.append(usage)
    return stopped


def consent_ended(unit: Unit, story: m.Story, why: str, since: datetime) -> list[m.Placement]:
    """Apply the end of consent (`why`: "consent withdrawn" or "consent expired") everywhere; the retired placements."""
    tz = unit.core.config.tz
    account = unit.repo.get(m.Account, story.account_id)
    retired = retire_placements(unit, story, why)
    stopped = _stop_counting(unit, story, why)
    day = day_label(since, tz)
    headline = f"{account.name}'s story: {why}"
    for placement in unit.repo.placements(story.id):
        unit.emit(Effect("update", Card(title=f"Published: {headline}", body=[f"{why.capitalize()} on {day}. Taken down from "
                                                             f"{placement.url}."],
                                        note=f"{why.capitalize()} on {day}"),
                         purpose="wins", ref_key=f"announcement:{placement.id}"))
    unit.emit(Effect("update", review_card(unit, story, f"{why.capitalize()} on {day}"), purpose="approvals",
                     ref_key=f"story:{story.id}"))
    by_seller: dict[str, list[str]] = defaultdict(list)
    for usage in stopped:
        by_seller[usage.recorded_by].append(usage.opportunity_id)
    deals_line = (f"It was used in {len(stopped)} deal(s): " + ", ".join(u.opportunity_id for u in stopped) +
                  ". They no longer count as influenced by it.") if stopped else ""
    places = [f"Taken down from: {', '.join(p.url for p in retired)}"] if retired else []
    tell_owner(unit, story.owner, cards.notice(headline, f"{why.capitalize()} on {day}. Stop using the story.",
                                               *places, deals_line), "approvals")
    for seller, deals in by_seller.items():
        if seller and seller != story.owner:
            unit.emit(Effect("dm", cards.notice(
                f"Stop using {account.name}'s story",
                f"{why.capitalize()} on {day} for the {account.name} story you used in "
                f"{'deal' if len(deals) == 1 else 'deals'} {', '.join(deals)}.",
                "Remove it from decks and proposals for these prospects; the deals no longer count as "
                "influenced by it."), person=seller))
    unit.audit("story", story.id, "consent_ended_told", "system", reason=why,
               owner=story.owner, sellers=sorted(s for s in by_seller if s), deals=[u.opportunity_id for u in stopped])
    return retired
