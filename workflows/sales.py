"""Proof for sales: finding consented stories, recording their use in deals, and thanking advocates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from storage import models as m
from storage import outcomes as oq
from workflows.actors import Actor, require_role
from workflows.config import Deals as DealsConfig
from workflows.core import Core, Unit
from workflows.errors import Conflict, InvalidInput, NotFound
from workflows.guards import load
from workflows.outcome import Outcome
from workflows.states import (DEAL_CLOSINGS, DEAL_CLOSINGS_TEXT, USABLE_STORY, ConsentChannel, DealOutcome, PlacementChannel, RecognitionKind, Role,
                              StoryState, label)
from workflows.stories import consent_allows
from workflows.text import day_label

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
    """Approved or published stories whose consent in force covers sales use, best match on customer, industry,
    segment, outcome."""
    wanted = _words(query)
    with core.unit(read_only=True) as unit:
        today = unit.now.astimezone(core.config.tz).date()
        rows = unit.repo.proof_candidates(today, sorted(wanted), channel=ConsentChannel.SALES)
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


def hold_sales_consent(unit: Unit, story: m.Story) -> None:
    """Refuse unless the story's consent covers sales use today, and hold its consent row until this unit ends,
    so a withdrawal arriving meanwhile waits and then finds this deal to tell its seller about."""
    consent = unit.repo.consent_for(story.id)
    today = unit.now.astimezone(unit.core.config.tz).date()
    refusal = consent_allows(consent, PlacementChannel.SALES_DECK, today)
    if refusal is None and not unit.repo.guarded_update(m.Consent, consent.id, {"withdrawn_at": None},
                                                        {"withdrawn_at": None}):
        refusal = "the customer withdrew consent"
    if refusal:
        raise Conflict(f"This story cannot be used in deals: {refusal}.")


def record_deal_usage(core: Core, actor: Actor, story_id: int, opportunity_id: str, amount: float,
                      stage: str = "") -> Outcome:
    require_role(actor, core.config, Role.SALES, Role.MARKETING, Role.LEADERSHIP, doing="record story use in deals")
    opportunity_id = opportunity_id.strip()
    if not opportunity_id or len(opportunity_id) > 64:
        raise InvalidInput("Enter the opportunity id (up to 64 characters).", field="opportunity_id")
    if amount < 0 or amount > 1e12:
        raise InvalidInput("Enter the amount as a positive number.", field="amount")
    with core.unit() as unit:
        story = load(unit, m.Story, story_id, "story")
        hold_sales_consent(unit, story)
        if story.state not in USABLE_STORY:
            raise Conflict("This story is no longer available for sales use.")
        if unit.repo.deal_usage(story.id, opportunity_id):
            raise Conflict(f"Already recorded for opportunity {opportunity_id}.")
        deal = oq.deal(unit.repo.session, opportunity_id)
        if deal is not None and deal.outcome != DealOutcome.OPEN:  # it would change figures already reported
            raise Conflict(f"Opportunity {opportunity_id} is already marked {deal.outcome.value}; a story used "
                           "after the close did not influence it.")
        usage = unit.repo.add(m.DealUsage(story_id=story.id, opportunity_id=opportunity_id, amount=amount,
                                          stage=stage.strip()[:64], recorded_by=actor.key, recorded_at=unit.now))
        unit.audit("deal_usage", usage.id, "recorded", actor.key, opportunity_id=opportunity_id, amount=amount)
    return Outcome.of(unit, f"Recorded: story used in opportunity {opportunity_id} ({amount:,.0f}).")


def recognise(core: Core, actor: Actor, story_id: int, kind: RecognitionKind, value: float = 0,
              note: str = "") -> Outcome:
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
    return Outcome.of(unit, f"Thank-you recorded ({label(kind).lower()}, {DISCLOSURE}).")


# deal outcomes ---------------------------------------------------------------------------------

class OpportunityRow(BaseModel):
    """One opportunity as a CRM knows it: `import opportunities` columns, and the webhook body.

    The CRM's own field names are accepted too (HubSpot `dealstage`, Salesforce `StageName`, …): see docs/digest.md.
    """

    model_config = ConfigDict(str_strip_whitespace=True, populate_by_name=True, extra="forbid")

    opportunity_id: str = Field(..., min_length=1, max_length=64,
                                validation_alias=AliasChoices("opportunity_id", "objectId", "dealId", "Id"))
    stage: str = Field("", max_length=64, validation_alias=AliasChoices("stage", "dealstage", "StageName"))
    outcome: DealOutcome | None = None  # overrides the stage mapping
    amount: float | None = Field(None, ge=0, le=1e12, validation_alias=AliasChoices("amount", "Amount"))
    close_date: datetime | None = Field(None, validation_alias=AliasChoices("close_date", "closedate", "CloseDate"))
    created_date: datetime | None = Field(None, validation_alias=AliasChoices("created_date", "createdate",
                                                                              "CreatedDate"))
    name: str = Field("", max_length=200, validation_alias=AliasChoices("name", "dealname", "Name"))
    owner: str = Field("", max_length=200, validation_alias=AliasChoices("owner", "owner_email", "OwnerEmail"))

    @field_validator("opportunity_id", mode="before")
    @classmethod
    def _text_id(cls, value):
        return str(value) if isinstance(value, int) else value


class OpportunityEvent(OpportunityRow):
    """POST /webhooks/opportunities: a stage change, with the sender's delivery id (a repeat is a no-op)."""

    model_config = ConfigDict(extra="ignore")  # CRMs send many more fields than these

    delivery_id: str = Field(..., min_length=1, max_length=200,
                             validation_alias=AliasChoices("delivery_id", "eventId", "event_id"))

    @field_validator("delivery_id", mode="before")
    @classmethod
    def _text_delivery(cls, value):
        return str(value) if isinstance(value, int) else value


def outcome_of(row: OpportunityRow, deals: DealsConfig) -> DealOutcome:
    """The explicit outcome, else the one the CRM stage name stands for (open when it closes nothing)."""
    if row.outcome is not None:
        return row.outcome
    stage = row.stage.casefold()
    for outcome, stages in ((DealOutcome.WON, deals.won_stages), (DealOutcome.LOST, deals.lost_stages),
                            (DealOutcome.WITHDRAWN, deals.withdrawn_stages)):
        if stage in {s.casefold() for s in stages}:
            return outcome
    return DealOutcome.OPEN


def _local(moment: datetime | None, unit: Unit, what: str) -> datetime | None:
    """A timestamp made aware (a date alone is midnight in the program timezone), not in the future."""
    if moment is None:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=unit.core.config.tz)
    if moment > unit.now + timedelta(days=1):
        raise InvalidInput(f"{what} is in the future", field=what)
    if moment.year < 2000:
        raise InvalidInput(f"{what} is before 2000", field=what)
    return moment


def upsert_opportunity(unit: Unit, row: OpportunityRow, source: str) -> tuple[m.Deal, str]:
    """Create or update a deal from CRM data: the CRM is the record, so its stage always wins."""
    outcome = outcome_of(row, unit.core.config.deals)
    closed_at = _local(row.close_date, unit, "close_date")
    opened_at = _local(row.created_date, unit, "created_date")
    created = unit.repo.claim_once(m.Deal, {"opportunity_id": row.opportunity_id, "created_at": unit.now,
                                            "updated_at": unit.now, "opened_at": opened_at, "outcome": DealOutcome.OPEN},
                                   ["opportunity_id"]) is not None
    deal = oq.deal(unit.repo.session, row.opportunity_id)
    values: dict = {"outcome": outcome, "stage": row.stage or deal.stage}
    if outcome == DealOutcome.OPEN:
        values["closed_at"] = None
    else:
        values["closed_at"] = closed_at or deal.closed_at or unit.now
    for name, value in (("amount", row.amount), ("opened_at", opened_at), ("name", row.name), ("owner", row.owner)):
        if value not in (None, ""):
            values[name] = value
    changed = {k: v for k, v in values.items() if getattr(deal, k) != v}
    if not changed and not created:
        return deal, "unchanged"
    for key, value in changed.items():
        setattr(deal, key, value)
    deal.updated_by, deal.updated_at = source[:200], unit.now
    unit.repo.add(deal)
    unit.audit("deal", deal.id, "created" if created else "updated", source, to_state=deal.outcome.value,
               fields=sorted(changed))
    return deal, "created" if created else "updated"


def receive_opportunity(core: Core, event: OpportunityEvent) -> dict:
    """A CRM pushed a stage change: apply it once per delivery id."""
    with core.unit() as unit:
        if not unit.repo.claim_event("webhook:opportunities", event.delivery_id, unit.now):
            return {"status": "duplicate"}
        deal, change = upsert_opportunity(unit, event, "webhook")
        return {"status": "processed", "deal_id": deal.id, "outcome": deal.outcome.value, "change": change}



def close_deal(core: Core, actor: Actor, opportunity_id: str, outcome: DealOutcome, amount: float,
               closed_on: date) -> Outcome:
    """A seller marks a deal won, lost or withdrawn, with the final amount and the close date."""
    require_role(actor, core.config, Role.SALES, Role.MARKETING, Role.LEADERSHIP, doing="record deal outcomes")
    opportunity_id = opportunity_id.strip()
    if not opportunity_id or len(opportunity_id) > 64:
        raise InvalidInput("Enter the opportunity id (up to 64 characters).", field="opportunity_id")
    if outcome not in DEAL_CLOSINGS:
        raise InvalidInput(f"Choose {DEAL_CLOSINGS_TEXT}.", field="outcome")
    if amount < 0 or amount > 1e12:
        raise InvalidInput("Enter the final amount as a positive number.", field="amount")
    with core.unit() as unit:
        tz = core.config.tz
        if closed_on > unit.now.astimezone(tz).date() or closed_on.year < 2000:
            raise InvalidInput("Enter the date the deal closed (today or earlier).", field="closed_on")
        closed_at = datetime.combine(closed_on, time(12), tzinfo=tz)
        if not oq.known_opportunity(unit.repo.session, opportunity_id):  # a mistyped id would add a deal to the figures
            raise NotFound(f"I know no opportunity {opportunity_id}. Check the id: an opportunity is known once a "
                           "story is used in it (Use in a deal) or the CRM sends it.")
        unit.repo.claim_once(m.Deal, {"opportunity_id": opportunity_id, "created_at": unit.now,
                                      "updated_at": unit.now, "owner": actor.key, "outcome": DealOutcome.OPEN},
                             ["opportunity_id"])
        deal = oq.deal(unit.repo.session, opportunity_id)
        if not unit.repo.guarded_update(m.Deal, deal.id, {"outcome": DealOutcome.OPEN}, {
                "outcome": outcome, "amount": amount, "closed_at": closed_at, "stage": outcome.value,
                "updated_by": actor.key, "updated_at": unit.now}):
            unit.repo.session.refresh(deal)
            raise Conflict(f"Opportunity {opportunity_id} is already marked {deal.outcome.value} "
                           f"({day_label(deal.closed_at, tz) if deal.closed_at else 'no date'}).")
        unit.audit("deal", deal.id, "closed", actor.key, from_state=DealOutcome.OPEN.value, to_state=outcome.value,
                   amount=amount)
    return Outcome.of(unit, f"Recorded: opportunity {opportunity_id} {outcome.value}, {amount:,.0f} "
                            f"on {day_label(closed_at, tz)}.")


@dataclass
class OpenDeal:
    opportunity_id: str
    name: str
    amount: float
    stories: int


def open_deals(core: Core, actor: Actor, limit: int = 10) -> list[OpenDeal]:
    """The seller's deals that used proof and have no outcome yet: for their Home tab, queue and /proof cards."""
    with core.unit(read_only=True) as unit:
        rows = oq.open_deals(unit.repo.session, actor.record_keys(), limit)
    return [OpenDeal(*row) for row in rows]
