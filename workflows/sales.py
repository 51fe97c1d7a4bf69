"""Proof for sales: finding consented stories, recording their use in deals, and thanking advocates."""

from __future__ import annotations

import re
from dataclasses import dataclass

from storage import models as m
from workflows.actors import Actor, require_role
from workflows.core import Core
from workflows.errors import Conflict, InvalidInput
from workflows.guards import load
from workflows.states import RecognitionKind, Role, StoryState, label

DISCLOSURE = "for your time, not your opinion"


@dataclass
class Proof:
    story: m.Story
    account: m.Account
    consent: m.Consent
    score: int

    @property
    def headline(self) -> str:
        return self.story.title or self.story.result or self.story.body[:120]


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.casefold()) if len(w) > 1}


def find_proof(core: Core, query: str, limit: int = 5) -> list[Proof]:
    """Approved or published stories with consent in force, best match on customer, industry, segment, outcome."""
    wanted = _words(query)
    with core.unit(read_only=True) as unit:
        today = unit.now.astimezone(core.config.tz).date()
        rows = unit.repo.proof_candidates(today, sorted(wanted))
    found = []
    for story, account, consent in rows:
        strong = _words(" ".join((account.name, account.industry, account.segment, account.region,
                                  label(story.ask_type))))
        weak = _words(" ".join((story.title, story.body, story.result, story.metrics, story.change)))
        score = 3 * len(wanted & strong) + len(wanted & weak)
        if score or not wanted:
            published = 1 if story.state == StoryState.PUBLISHED else 0
            found.append(Proof(story, account, consent, score * 2 + published))
    found.sort(key=lambda p: (-p.score, -(p.story.approved_at.timestamp() if p.story.approved_at else 0)))
    return found[:limit]


def record_deal_usage(core: Core, actor: Actor, story_id: int, opportunity_id: str, amount: float,
                      stage: str = "") -> str:
    require_role(actor, core.config, Role.SALES, Role.MARKETING, Role.LEADERSHIP, doing="record story use in deals")
    opportunity_id = opportunity_id.strip()
    if not opportunity_id or len(opportunity_id) > 64:
        raise InvalidInput("Enter the opportunity id (up to 64 characters).", field="opportunity_id")
    if amount < 0 or amount > 1e12:
        raise InvalidInput("Enter the amount as a positive number.", field="amount")
    with core.unit() as unit:
        story = load(unit, m.Story, story_id, "story")
        if story.state not in (StoryState.APPROVED, StoryState.PUBLISHED):
            raise Conflict("This story is no longer available for sales use.")
        if unit.repo.deal_usage(story.id, opportunity_id):
            raise Conflict(f"Already recorded for opportunity {opportunity_id}.")
        usage = unit.repo.add(m.DealUsage(story_id=story.id, opportunity_id=opportunity_id, amount=amount,
                                          stage=stage.strip()[:64], recorded_by=actor.key, recorded_at=unit.now))
        unit.audit("deal_usage", usage.id, "recorded", actor.key, opportunity_id=opportunity_id, amount=amount)
    return f"Recorded: story used in opportunity {opportunity_id} ({amount:,.0f})."


def recognise(core: Core, actor: Actor, story_id: int, kind: RecognitionKind, value: float = 0,
              note: str = "") -> str:
    """Log a thank-you to the advocate, always disclosed as being for their time."""
    require_role(actor, core.config, Role.SUCCESS, Role.MARKETING, doing="record recognition")
    if value < 0:
        raise InvalidInput("Value cannot be negative.", field="value")
    with core.unit() as unit:
        story = load(unit, m.Story, story_id, "story")
        rec = unit.repo.add(m.Recognition(account_id=story.account_id, contact_id=story.contact_id,
                                          story_id=story.id, kind=kind, value=value, note=note.strip()[:1000],
                                          disclosure=DISCLOSURE, given_by=actor.key, given_at=unit.now))
        unit.audit("recognition", rec.id, "given", actor.key, kind=kind.value, value=value)
    return f"Thank-you recorded ({label(kind).lower()}, {DISCLOSURE})."
