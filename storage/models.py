"""SQLModel tables of the advocacy program."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import JSONType, UTCDateTime, enum_column, utcnow
from storage import vocabulary as s


def _ts(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _created() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))


def _enum(enum_cls, default, index: bool = True) -> Any:
    return Field(default=default, sa_column=Column(enum_column(enum_cls), nullable=False, index=index))


def _json(default_factory=dict) -> Any:
    return Field(default_factory=default_factory, sa_column=Column(JSONType, nullable=False))


def _text() -> Any:
    return Field(default="", sa_column=Column(Text, nullable=False))


class Account(SQLModel, table=True):
    """A customer company."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200, unique=True)  # case-folded name for lookups
    segment: str = Field(default="", max_length=64, index=True)
    industry: str = Field(default="", max_length=64, index=True)
    region: str = Field(default="", max_length=64, index=True)
    owner: str = Field(default="", max_length=200, index=True)  # success manager: email or platform id
    crm_id: str | None = Field(default=None, max_length=64, unique=True)
    opted_out: bool = False
    created_at: datetime = _created()


class Contact(SQLModel, table=True):
    """A person at a customer account."""

    __table_args__ = (UniqueConstraint("account_id", "email"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    name: str = Field(max_length=200)
    title: str = Field(default="", max_length=200)
    role: str = Field(default="", max_length=64)
    email: str | None = Field(default=None, max_length=254)
    opted_out: bool = False
    created_at: datetime = _created()


class NpsResponse(SQLModel, table=True):
    """One NPS survey answer."""

    __table_args__ = (Index("ix_nps_account_time", "account_id", "responded_at"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    score: int = Field(ge=0, le=10)
    comment: str = _text()
    responded_at: datetime = _created()
    external_id: str | None = Field(default=None, max_length=128, unique=True)


class UsageSnapshot(SQLModel, table=True):
    """Product usage of an account at a date."""

    __table_args__ = (UniqueConstraint("account_id", "measured_on"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    measured_on: date
    active_users: int = 0
    usage_percentile: float = Field(default=0, ge=0, le=100)
    time_to_value_days: int | None = None


class SupportSnapshot(SQLModel, table=True):
    """Support health of an account at a date."""

    __table_args__ = (UniqueConstraint("account_id", "measured_on"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    measured_on: date
    open_tickets: int = 0
    open_escalations: int = 0
    csat: float | None = None


class Win(SQLModel, table=True):
    """A customer outcome flagged by someone in chat."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    outcome_type: s.OutcomeType = _enum(s.OutcomeType, s.OutcomeType.OTHER, index=False)
    metric_value: float | None = None
    metric_unit: str = Field(default="", max_length=64)
    story: str = _text()
    source: s.WinSource = _enum(s.WinSource, s.WinSource.COMMAND, index=False)
    source_link: str = Field(default="", max_length=1000)
    flagged_by: str = Field(max_length=200, index=True)
    flagged_by_name: str = Field(default="", max_length=200)
    created_at: datetime = _created()


class Nomination(SQLModel, table=True):
    """A proposal to ask a customer to advocate."""

    __table_args__ = (Index("ix_nomination_state_created", "state", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    win_id: int | None = Field(default=None, foreign_key="win.id", index=True)
    score: float = 0
    max_score: float = 1
    reasons: list[str] = _json(list)
    alternatives: list[str] = _json(list)
    state: s.NominationState = _enum(s.NominationState, s.NominationState.PROPOSED, index=False)
    owner: str = Field(default="", max_length=200, index=True)
    snoozed_until: datetime | None = _ts()
    decided_by: str = Field(default="", max_length=200)
    decided_at: datetime | None = _ts()
    created_at: datetime = _created()


class Ask(SQLModel, table=True):
    """A request to a customer contact to advocate in a specific way."""

    __table_args__ = (Index("ix_ask_state_created", "state", "created_at"),
                      Index("ix_ask_state_sent", "state", "sent_at"))
    id: int | None = Field(default=None, primary_key=True)
    nomination_id: int | None = Field(default=None, foreign_key="nomination.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    ask_type: s.AskType = _enum(s.AskType, s.AskType.SHORT_QUOTE)
    text: str = _text()
    state: s.AskState = _enum(s.AskState, s.AskState.DRAFTED, index=False)
    owner: str = Field(default="", max_length=200, index=True)
    created_by: str = Field(default="", max_length=200)
    token_nonce: str = Field(max_length=64, unique=True)
    campaign_id: int | None = Field(default=None, foreign_key="reviewcampaign.id", index=True)
    sent_at: datetime | None = _ts(index=True)
    responded_at: datetime | None = _ts(index=True)
    declined_at: datetime | None = _ts(index=True)
    decline_reason: str = Field(default="", max_length=500)
    expires_at: datetime | None = _ts()
    created_at: datetime = _created()


class Story(SQLModel, table=True):
    """The customer's own words and results, on its way to publication."""

    __table_args__ = (Index("ix_story_state_created", "state", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    ask_id: int | None = Field(default=None, foreign_key="ask.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    win_id: int | None = Field(default=None, foreign_key="win.id")
    ask_type: s.AskType = _enum(s.AskType, s.AskType.SHORT_QUOTE, index=False)
    title: str = Field(default="", max_length=200)
    body: str = _text()
    goal: str = _text()
    change: str = _text()
    result: str = _text()
    metrics: str = Field(default="", max_length=500)
    rating: int | None = Field(default=None, ge=1, le=5)
    preferred_time: str = Field(default="", max_length=200)
    call_at: datetime | None = _ts()  # the call time the customer proposed
    state: s.StoryState = _enum(s.StoryState, s.StoryState.IN_REVIEW, index=False)
    owner: str = Field(default="", max_length=200, index=True)
    submitted_at: datetime | None = _ts()
    written_up_at: datetime | None = _ts()  # a call's notes, written up by the owner
    revision: int = 0  # times the owner revised it after review
    revision_note: str = Field(default="", max_length=500)  # what the last revision changed
    final_nonce: str | None = Field(default=None, max_length=64, unique=True)  # the customer's approval link
    awaiting_since: datetime | None = _ts()  # waiting for the customer since
    final_issued_at: datetime | None = _ts()  # when the customer's current approval link was made
    final_sent_at: datetime | None = _ts()  # the owner sent the customer the approval link
    customer_approved_at: datetime | None = _ts()
    customer_note: str = _text()  # the customer's words when they last asked for changes
    approved_at: datetime | None = _ts(index=True)
    published_at: datetime | None = _ts(index=True)
    created_at: datetime = _created()


class Consent(SQLModel, table=True):
    """What the customer allows to be published, where, and until when."""

    id: int | None = Field(default=None, primary_key=True)
    story_id: int = Field(foreign_key="story.id", unique=True)
    scope: list[str] = _json(list)
    channels: list[str] = _json(list)
    expires_on: date | None = None
    review_before_publish: bool = False
    signer_name: str = Field(default="", max_length=200)
    signer_email: str = Field(default="", max_length=254)
    view_token: str = Field(max_length=64, unique=True)
    granted_at: datetime = _created()
    withdrawn_at: datetime | None = _ts()


class ReviewDecision(SQLModel, table=True):
    """Marketing's decision on a story."""

    id: int | None = Field(default=None, primary_key=True)
    story_id: int = Field(foreign_key="story.id", index=True)
    decision: s.Decision = _enum(s.Decision, s.Decision.APPROVED, index=False)
    reason: str = _text()
    decided_by: str = Field(max_length=200)
    decided_by_name: str = Field(default="", max_length=200)
    decided_at: datetime = _created()


class Placement(SQLModel, table=True):
    """Where a published story is used; `code` is its short link <public_url>/p/<code>."""

    id: int | None = Field(default=None, primary_key=True)
    code: str | None = Field(default=None, max_length=16, unique=True, index=True)
    story_id: int = Field(foreign_key="story.id", index=True)
    channel: s.PlacementChannel = _enum(s.PlacementChannel, s.PlacementChannel.WEBSITE)
    url: str = Field(max_length=1000)
    tracked_url: str = Field(max_length=2000)
    state: s.PlacementState = _enum(s.PlacementState, s.PlacementState.LIVE)
    published_by: str = Field(max_length=200)
    published_at: datetime = _created()
    retired_at: datetime | None = _ts()
    retire_reason: str = Field(default="", max_length=200)


class DealUsage(SQLModel, table=True):
    """A story used in a sales opportunity."""

    __table_args__ = (UniqueConstraint("story_id", "opportunity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    story_id: int = Field(foreign_key="story.id", index=True)
    opportunity_id: str = Field(max_length=64, index=True)
    amount: float = Field(default=0, ge=0)
    stage: str = Field(default="", max_length=64)
    won: bool = False
    recorded_by: str = Field(max_length=200)
    recorded_at: datetime = _created()
    consent_ended_at: datetime | None = _ts()  # the story's consent was withdrawn or expired: no longer counted


class Deal(SQLModel, table=True):
    """A sales opportunity and its outcome, from a seller in chat, a CRM webhook or a CSV backfill."""

    __table_args__ = (Index("ix_deal_outcome_closed", "outcome", "closed_at"),)
    id: int | None = Field(default=None, primary_key=True)
    opportunity_id: str = Field(max_length=64, unique=True)  # the CRM's id, as in DealUsage
    name: str = Field(default="", max_length=200)
    owner: str = Field(default="", max_length=200, index=True)  # the seller: email or chat user id
    stage: str = Field(default="", max_length=64)  # the CRM's own stage name
    outcome: s.DealOutcome = _enum(s.DealOutcome, s.DealOutcome.OPEN, index=False)
    amount: float = Field(default=0, ge=0)
    opened_at: datetime | None = _ts()
    closed_at: datetime | None = _ts(index=True)
    updated_by: str = Field(default="", max_length=200)
    updated_at: datetime = _created()
    created_at: datetime = _created()


class PlacementClick(SQLModel, table=True):
    """One counted visit through a placement's short link: when, and nothing about who."""

    __table_args__ = (Index("ix_placementclick_time_placement", "clicked_at", "placement_id"),)
    id: int | None = Field(default=None, primary_key=True)
    placement_id: int = Field(foreign_key="placement.id", index=True)
    clicked_at: datetime = _ts(nullable=False)


class ReviewCampaign(SQLModel, table=True):
    """A round of review invitations sent to a sample of customers whatever their score."""

    id: int | None = Field(default=None, primary_key=True)
    ask_type: s.AskType = _enum(s.AskType, s.AskType.STAR_REVIEW, index=False)
    segment: str = Field(default="", max_length=64)
    industry: str = Field(default="", max_length=64)
    region: str = Field(default="", max_length=64)
    incentive: str = Field(default="", max_length=200)
    disclosure: str = Field(default="", max_length=300)
    invited: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    unscored: int = 0
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = _created()


class SiteReview(SQLModel, table=True):
    """A review the customer says they posted on a review site, with its address."""

    id: int | None = Field(default=None, primary_key=True)
    ask_id: int | None = Field(default=None, foreign_key="ask.id", index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    site: s.ReviewSite = _enum(s.ReviewSite, s.ReviewSite.G2, index=False)
    url: str = Field(max_length=1000, unique=True)
    rating: int | None = Field(default=None, ge=1, le=5)
    confirmed_at: datetime = _created()


class ProgramFact(SQLModel, table=True):
    """A fact about the installation recorded once, such as when the bot was first started."""

    key: str = Field(max_length=64, primary_key=True)
    value: str = Field(default="", max_length=200)
    at: datetime = _created()


class Recognition(SQLModel, table=True):
    """A thank-you to an advocate, for their time and not their opinion."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    story_id: int | None = Field(default=None, foreign_key="story.id")
    kind: s.RecognitionKind = _enum(s.RecognitionKind, s.RecognitionKind.THANK_YOU_NOTE, index=False)
    value: float = Field(default=0, ge=0)
    note: str = _text()
    disclosure: str = Field(max_length=200)
    given_by: str = Field(max_length=200)
    given_at: datetime = _created()


class Referral(SQLModel, table=True):
    """A new prospect introduced by an advocate."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    code: str = Field(max_length=32, index=True)
    referred_company: str = Field(max_length=200)
    referred_contact: str = Field(default="", max_length=300)  # the prospect's name and email
    state: s.ReferralState = _enum(s.ReferralState, s.ReferralState.MADE, index=False)
    amount: float = Field(default=0, ge=0)
    created_at: datetime = _created()
    converted_at: datetime | None = _ts(index=True)


class ReferralCode(SQLModel, table=True):
    """An advocate's personal referral code, used in their link <public_url>/r/<code>."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    contact_id: int = Field(foreign_key="contact.id", unique=True)
    code: str = Field(max_length=32, unique=True)
    created_by: str = Field(default="", max_length=200)
    created_at: datetime = _created()


class ReferenceRequest(SQLModel, table=True):
    """A seller's request for a customer reference."""

    id: int | None = Field(default=None, primary_key=True)
    requested_by: str = Field(max_length=200)
    criteria: str = Field(max_length=500)
    opportunity_id: str = Field(default="", max_length=64)
    account_id: int | None = Field(default=None, foreign_key="account.id")
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    state: s.ReferenceState = _enum(s.ReferenceState, s.ReferenceState.OPEN)
    decided_by: str = Field(default="", max_length=200)
    created_at: datetime = _created()
    decided_at: datetime | None = _ts()


class CloseLoopItem(SQLModel, table=True):
    """A detractor's answer that the owner must listen to, fix and follow up."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    nps_response_id: int = Field(foreign_key="npsresponse.id", unique=True)
    owner: str = Field(default="", max_length=200, index=True)
    state: s.CloseLoopState = _enum(s.CloseLoopState, s.CloseLoopState.OPEN)
    note: str = _text()
    created_at: datetime = _created()
    resolved_at: datetime | None = _ts()


class DigestRun(SQLModel, table=True):
    """A digest period claimed once per kind and period, whichever replica gets there first."""

    __table_args__ = (UniqueConstraint("kind", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    period: str = Field(max_length=16)
    requested_by: str = Field(default="scheduler", max_length=200)
    created_at: datetime = _created()


class NudgeSent(SQLModel, table=True):
    """One reminder per item and threshold."""

    __table_args__ = (UniqueConstraint("item_kind", "item_id", "threshold"),)
    id: int | None = Field(default=None, primary_key=True)
    item_kind: str = Field(max_length=32)
    item_id: int
    threshold: str = Field(max_length=32)
    sent_at: datetime = _created()


class OutboxMessage(SQLModel, table=True):
    """A chat effect waiting to be delivered, written with the change that caused it."""

    __table_args__ = (Index("ix_outbox_pending", "state", "lane", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    lane: str = Field(max_length=300)  # platform + destination: delivery order is kept per lane
    effect: dict = _json(dict)
    state: s.OutboxState = _enum(s.OutboxState, s.OutboxState.PENDING, index=False)
    attempts: int = 0
    next_attempt_at: datetime = _created()
    lease_until: datetime | None = _ts()
    leased_by: str = Field(default="", max_length=32)
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = _created()
    delivered_at: datetime | None = _ts()


class ProcessedEvent(SQLModel, table=True):
    """An inbound event id seen once, so retries and other replicas skip it."""

    __table_args__ = (UniqueConstraint("source", "event_id"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32)
    event_id: str = Field(max_length=200)
    received_at: datetime = _created()


class AuditEvent(SQLModel, table=True):
    """Who changed what, when, from which state to which."""

    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=32)
    entity_id: int
    action: str = Field(max_length=64)
    from_state: str = Field(default="", max_length=32)
    to_state: str = Field(default="", max_length=32)
    actor: str = Field(max_length=200)
    detail: dict = _json(dict)
    at: datetime = _created()


class ChatRef(SQLModel, table=True):
    """Where a card was posted, so it can be updated later (Slack ts, Teams activity id)."""

    __table_args__ = (UniqueConstraint("platform", "ref_key"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    ref_key: str = Field(max_length=64)
    channel: str = Field(max_length=300)
    message_id: str = Field(max_length=200)
    created_at: datetime = _created()


class Conversation(SQLModel, table=True):
    """A Teams conversation the bot is installed in, for proactive posts."""

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(sa_column=Column(String(300), unique=True, nullable=False))
    service_url: str = Field(max_length=500)
    tenant_id: str = Field(default="", max_length=64)
    team_id: str = Field(default="", max_length=300)
    channel_id: str = Field(default="", max_length=300)
    user_id: str = Field(default="", max_length=200)  # set for a 1:1 chat: the user's AAD object id
    conversation_type: str = Field(default="", max_length=32)
    updated_at: datetime = _created()
