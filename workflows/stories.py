"""The customer's story and consent, marketing's review, and publishing."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from storage import models as m
from workflows import calls, cards, final
from workflows.actors import Actor, is_owner, require_role, roles_of
from workflows.asks import record_decline
from workflows.consent_end import consent_ended
from workflows.core import Core, Unit
from workflows.effects import Button, Effect
from workflows.errors import Conflict, InvalidInput, NotAllowed
from workflows.final import review_card as _review_card
from workflows.guards import load, transition
from workflows.links import BadLink
from workflows.outcome import Outcome
from workflows.states import (PLACEMENT_NEEDS_CONSENT, STORY_FLOW, USABLE_STORY, AskState, AskType,
                              ConsentChannel, ConsentScope, Decision, PlacementChannel, PlacementState, Role,
                              StoryState, label, sources)
from workflows.utm import short_code, short_link, tracked_url

TEXT_MAX = 3000


class ConsentForm(BaseModel):
    scope: list[ConsentScope] = Field(default_factory=list)
    channels: list[ConsentChannel] = Field(default_factory=list)
    expires_on: date | None = None
    review_before_publish: bool = False
    signer_name: str = Field(..., min_length=1, max_length=200)
    signer_email: str = Field("", max_length=254)


class StoryForm(BaseModel):
    """What the customer submits on the intake page."""

    model_config = ConfigDict(str_strip_whitespace=True)

    title: str = Field("", max_length=200)
    body: str = Field("", max_length=TEXT_MAX)
    goal: str = Field("", max_length=TEXT_MAX)
    change: str = Field("", max_length=TEXT_MAX)
    result: str = Field("", max_length=TEXT_MAX)
    metrics: str = Field("", max_length=500)
    rating: int | None = Field(None, ge=1, le=5)
    preferred_time: str = Field("", max_length=200)
    call_at: datetime | None = None  # a proposed call time, aware
    consent: ConsentForm


@dataclass
class Submitted:
    story: m.Story
    consent: m.Consent
    consent_url: str


_CLOSED_LINK = {
    AskState.RESPONDED: "This link was already used. Thank you, we have your answer.",
    AskState.DECLINED: "This request was declined, so there is nothing more to do. Thank you for letting us know.",
    AskState.EXPIRED: "This link has expired. Ask your contact at the company for a new one.",
}


def open_ask(unit: Unit, token: str) -> m.Ask:
    """The ask an intake token opens, or BadLink (tampered, expired or already answered)."""
    ask_id, nonce = unit.core.links.read_intake(token, unit.now)
    ask = unit.repo.get(m.Ask, ask_id)
    if ask is None or ask.token_nonce != nonce:
        raise BadLink("This link is not valid. Check that it was copied in full.")
    if ask.state not in (AskState.DRAFTED, AskState.SENT):
        raise BadLink(_CLOSED_LINK[ask.state])
    return ask


def responded(unit: Unit, ask: m.Ask, customer: Actor) -> None:
    """The customer answered through their link (a drafted ask was sent by hand: it counts as sent now)."""
    if ask.state == AskState.DRAFTED:
        transition(unit, ask, "ask", (AskState.DRAFTED,), AskState.SENT, customer, "sent", {"sent_at": unit.now})
    transition(unit, ask, "ask", (AskState.SENT,), AskState.RESPONDED, customer, "responded",
               {"responded_at": unit.now})


@dataclass
class IntakeView:
    ask: m.Ask
    account: m.Account
    contact: m.Contact | None
    disclosure: str  # the incentive disclosure: the campaign's own (naming its thank-you), else the program's


def view_intake(core: Core, token: str) -> IntakeView:
    """What the intake page shows for a token; changes nothing."""
    with core.unit(read_only=True) as unit:
        ask = open_ask(unit, token)
        campaign = unit.repo.get(m.ReviewCampaign, ask.campaign_id)
        disclosure = (campaign.disclosure if campaign and campaign.disclosure
                      else core.config.review_gating.incentive_disclosure)
        return IntakeView(ask, unit.repo.get(m.Account, ask.account_id), unit.repo.get(m.Contact, ask.contact_id),
                          disclosure)


def answers_key(form: StoryForm) -> str:
    """A digest of what was submitted, to recognise the same form sent twice."""
    return hashlib.sha256(form.model_dump_json().encode()).hexdigest()[:32]


def submit_story(core: Core, token: str, form: StoryForm, sender: str = "") -> Submitted:
    """The customer's submission: the ask becomes responded, the story goes to review with its consent.

    `sender` is an opaque key for the browser that sent it, so that browser can be shown its answer again.
    """
    customer = Actor(platform="web", user_id="customer", name=form.consent.signer_name)
    has_story = any((form.body, form.goal, form.change, form.result, form.rating))
    if not has_story and not form.preferred_time:
        raise InvalidInput("Please tell us a little about your results before sending.", field="body")
    with core.unit() as unit:
        ask = open_ask(unit, token)
        responded(unit, ask, customer)
        nom = unit.repo.get(m.Nomination, ask.nomination_id)
        is_call = calls.is_call(ask.ask_type, has_story, form.preferred_time)
        story = unit.repo.add(m.Story(
            ask_id=ask.id, account_id=ask.account_id, contact_id=ask.contact_id, win_id=nom.win_id if nom else None,
            ask_type=ask.ask_type, owner=ask.owner, submitted_at=unit.now, created_at=unit.now,
            state=StoryState.CALL_PENDING if is_call else StoryState.IN_REVIEW,
            **form.model_dump(exclude={"consent"})))
        consent = unit.repo.add(m.Consent(
            story_id=story.id, view_token=secrets.token_urlsafe(24), granted_at=unit.now,
            **form.consent.model_dump(mode="json", exclude={"expires_on"}),
            expires_on=form.consent.expires_on))
        unit.audit("story", story.id, "submitted", customer.key, to_state=story.state.value, sender=sender,
                   answers=answers_key(form))
        unit.audit("consent", consent.id, "granted", customer.key, scope=consent.scope, channels=consent.channels)
        if is_call:
            calls.call_task(unit, story)
            return Submitted(story, consent, core.links.consent_url(consent.view_token))
        unit.emit(Effect("post", _review_card(unit, story), purpose="approvals", ref_key=f"story:{story.id}"))
        if calls.wants_call_too(ask.ask_type, has_story, form.preferred_time):
            calls.call_task(unit, story, write_up=False)  # the page promised an invitation
        account = unit.repo.get(m.Account, story.account_id)
        unit.emit(Effect("dm", cards.notice(f"{account.name} answered your {label(ask.ask_type).lower()} ask",
                                            "Their story is with marketing for review."), person=ask.owner))
    return Submitted(story, consent, core.links.consent_url(consent.view_token))


@dataclass
class Earlier:
    """A submission a browser already made through a link, and the digest of its answers."""

    submitted: Submitted
    answers: str


def sent_before(core: Core, token: str, sender: str) -> Earlier | None:
    """What the browser `sender` already submitted through this intake link (a double tap, Back), else None."""
    if not sender:
        return None
    with core.unit(read_only=True) as unit:
        try:
            ask_id, nonce = core.links.read_intake(token, unit.now)
        except BadLink:
            return None
        ask = unit.repo.get(m.Ask, ask_id)
        story = unit.repo.story_for_ask(ask_id) if ask and ask.token_nonce == nonce else None
        submitted = next((event for event in unit.repo.audit_trail("story", story.id)
                          if event.action == "submitted" and event.detail.get("sender") == sender), None) \
            if story else None
        if submitted is None:
            return None
        consent = unit.repo.consent_for(story.id)
        return Earlier(Submitted(story, consent, core.links.consent_url(consent.view_token)),
                       submitted.detail.get("answers", ""))


def decline_ask(core: Core, token: str, reason: str = "") -> m.Ask:
    """The customer says no thanks on their intake page."""
    if len(reason) > 500:
        raise InvalidInput("Keep it under 500 characters.", field="reason")
    with core.unit() as unit:
        ask = open_ask(unit, token)
        record_decline(unit, ask, Actor(platform="web", user_id="customer", name="the customer"), reason)
    return ask


def _decide(core: Core, actor: Actor, story_id: int, decision: Decision, to: StoryState, verb: str,
            message: str, reason: str = "") -> Outcome:
    require_role(actor, core.config, Role.MARKETING, doing="review stories")
    with core.unit() as unit:
        story = load(unit, m.Story, story_id, "story")
        customer_approves = to == StoryState.APPROVED and final.wanted(story, unit.repo.consent_for(story.id))
        if customer_approves:
            to = StoryState.AWAITING_CUSTOMER
        transition(unit, story, "story", (StoryState.IN_REVIEW,), to, actor, decision.value,
                   {"approved_at": unit.now} if to == StoryState.APPROVED else None, reason=reason)
        unit.repo.add(m.ReviewDecision(story_id=story.id, decision=decision, reason=reason, decided_by=actor.key,
                                       decided_by_name=actor.display, decided_at=unit.now))
        note = cards.decision_note(verb, actor.display, unit.now, core.config.tz, reason)
        if customer_approves:
            final.await_customer(unit, story, actor)
            note = f"{note}. {final.waiting_note(unit, story)}"
        unit.emit(Effect("update", _review_card(unit, story, note), purpose="approvals", ref_key=f"story:{story.id}"))
        account = unit.repo.get(m.Account, story.account_id)
        revise = [Button("Revise", REVISE, str(story.id), "primary")] if to == StoryState.CHANGES_REQUESTED else []
        if not customer_approves:
            unit.emit(Effect("dm", cards.notice(f"Story from {account.name}: {verb.lower()}", note, buttons=revise),
                             person=story.owner))
        else:
            message = ("Approved. The customer asked to see the final version first: the owner has a link to send "
                       "them, and you can publish once they approve.")
    return Outcome.of(unit, message)


def approve(core: Core, actor: Actor, story_id: int) -> Outcome:
    return _decide(core, actor, story_id, Decision.APPROVED, StoryState.APPROVED, "Approved",
                   "Approved. Publish it when it goes live.")


def request_changes(core: Core, actor: Actor, story_id: int, reason: str) -> Outcome:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Say what should change, so the owner can act on it.", field="reason")
    if len(reason) > 1000:
        raise InvalidInput("Keep the reason under 1000 characters.", field="reason")
    return _decide(core, actor, story_id, Decision.CHANGES_REQUESTED, StoryState.CHANGES_REQUESTED,
                   "Changes requested", "Changes requested. The owner has been told why.", reason)


def reject(core: Core, actor: Actor, story_id: int, reason: str = "") -> Outcome:
    return _decide(core, actor, story_id, Decision.REJECTED, StoryState.REJECTED, "Rejected", "Rejected.",
                   reason.strip()[:1000])


REVISE = "story.resubmit"
EDITABLE = {"title": "the headline", "body": "the story", "goal": "the goal", "change": "what changed",
            "result": "the result", "metrics": "the numbers"}


class StoryEdit(BaseModel):
    """The owner's revision of a story marketing sent back (the form starts with the story as it is)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    title: str = Field("", max_length=200)
    body: str = Field("", max_length=TEXT_MAX)
    goal: str = Field("", max_length=TEXT_MAX)
    change: str = Field("", max_length=TEXT_MAX)
    result: str = Field("", max_length=TEXT_MAX)
    metrics: str = Field("", max_length=500)


def _require_story_owner(core: Core, actor: Actor, story: m.Story) -> None:
    if not is_owner(actor, story.owner) and Role.ADMIN not in roles_of(actor, core.config):
        raise NotAllowed("Only the story's owner can edit it.")


def revision_form(core: Core, actor: Actor, story_id: int) -> tuple[StoryEdit, str]:
    """The story as it stands, to prefill the revision form, and the reason it came back."""
    with core.unit(read_only=True) as unit:
        story = load(unit, m.Story, story_id, "story")
        _require_story_owner(core, actor, story)
        if story.state != StoryState.CHANGES_REQUESTED:
            raise Conflict(f"Only stories sent back for changes can be revised; this one is "
                           f"{label(story.state).lower()}.")
        decision = unit.repo.last_decision(story.id)
        return (StoryEdit.model_validate({k: getattr(story, k) for k in EDITABLE}),
                decision.reason if decision else "")


def resubmit(core: Core, actor: Actor, story_id: int, edit: StoryEdit) -> Outcome:
    """The owner revises a story marketing sent back; it returns to review marked as revised, with what changed."""
    with core.unit() as unit:
        story = load(unit, m.Story, story_id, "story")
        _require_story_owner(core, actor, story)
        values = {k: v for k, v in edit.model_dump().items() if v}
        changed = [EDITABLE[k] for k, v in values.items() if v != getattr(story, k)]
        if not changed:
            raise InvalidInput("Nothing was changed. Edit the story as marketing asked, then send it.", field="body")
        what = f"Revised by {actor.display}: changed {', '.join(changed)}"
        transition(unit, story, "story", (StoryState.CHANGES_REQUESTED,), StoryState.IN_REVIEW, actor,
                   "resubmitted", {**values, "revision": story.revision + 1, "revision_note": what[:500]},
                   changed=changed)
        unit.emit(Effect("post", _review_card(unit, story, what), purpose="approvals", ref_key=f"story:{story.id}"))
    return Outcome.of(unit, "Revised and sent back to marketing for review.")


def consent_allows(consent: m.Consent | None, channel: PlacementChannel, today: date) -> str | None:
    """Why the consent does not allow this placement, or None when it does."""
    if consent is None:
        return "the customer has not given consent"
    if consent.withdrawn_at:
        return "the customer withdrew consent"
    if consent.expires_on and consent.expires_on < today:
        return f"consent expired on {consent.expires_on:%d %b %Y}"
    needed = PLACEMENT_NEEDS_CONSENT[channel]
    if needed.value not in consent.channels:
        return f"the customer did not allow {needed.value.replace('_', ' ')}"
    return None


@dataclass(kw_only=True)
class Published(Outcome):
    placement: m.Placement
    tracked_url: str
    short_link: str  # <public_url>/p/<code>: share this one, so visits are counted


NOT_PUBLISHED = {  # answers about people to talk to, not words to show
    AskType.REFERENCE_CALL: "A reference call answer is not published: the customer agreed to speak with companies "
                            "weighing the same decision (sellers find them with the reference command).",
    AskType.REFERRAL: "A referral is not published: it names a team to contact, not words to show.",
}


def publish(core: Core, actor: Actor, story_id: int, channel: PlacementChannel, url: str) -> Published:
    """Record where an approved story goes live; needs approval AND consent for that channel."""
    require_role(actor, core.config, Role.MARKETING, doing="publish stories")
    url = url.strip()
    if not url.startswith(("https://", "http://")) or len(url) > 1000 or " " in url:
        raise InvalidInput("Enter the full address of the page, starting with https://", field="url")
    with core.unit() as unit:
        story = load(unit, m.Story, story_id, "story")
        if story.ask_type in NOT_PUBLISHED:
            raise Conflict(NOT_PUBLISHED[story.ask_type])
        if waiting := final.publish_refusal(unit, story):
            raise Conflict(waiting)
        if story.state not in USABLE_STORY:
            raise Conflict(f"Only approved stories can be published; this one is {label(story.state).lower()}.")
        today = unit.now.astimezone(core.config.tz).date()
        refusal = consent_allows(unit.repo.consent_for(story.id), channel, today)
        if refusal:
            raise NotAllowed(f"Cannot publish on {label(channel).lower()}: {refusal}.")
        account = unit.repo.get(m.Account, story.account_id)
        link = tracked_url(url, story, account, channel)
        placement = unit.repo.add(m.Placement(story_id=story.id, channel=channel, url=url, tracked_url=link,
                                              code=short_code(), published_by=actor.key, published_at=unit.now))
        short = short_link(core.config.public_url, placement.code)
        unit.audit("placement", placement.id, "published", actor.key, to_state=PlacementState.LIVE.value, url=url)
        if story.state == StoryState.APPROVED:
            transition(unit, story, "story", (StoryState.APPROVED,), StoryState.PUBLISHED, actor, "published",
                       {"published_at": unit.now})
        note = f"Published on {label(channel).lower()} by {actor.display}: {url}"
        unit.emit(Effect("update", _review_card(unit, story, note), purpose="approvals", ref_key=f"story:{story.id}"))
        unit.emit(Effect("post", cards.notice(f"Published: {account.name}'s story", story.title or story.body[:200],
                                              f"Live on {label(channel).lower()}: {short}"), purpose="wins",
                         ref_key=f"announcement:{placement.id}"))
        unit.emit(Effect("dm", cards.notice(f"{account.name}'s story is live",
                                            "Thank the advocate for their time (not their opinion).", link,
                                            buttons=[Button("Log a thank-you", "recognition.log", str(story.id))]),
                         person=story.owner))
    return Published.of(unit, f"Published. Share {short} so visits are counted; it opens {link}", placement=placement,
                        tracked_url=link, short_link=short)


@dataclass
class ConsentView:
    consent: m.Consent
    story: m.Story
    account: m.Account
    placements: list[m.Placement]


def view_consent(core: Core, view_token: str) -> ConsentView:
    """What the customer agreed to and where the story is used; changes nothing."""
    with core.unit(read_only=True) as unit:
        consent = unit.repo.consent_by_token(view_token)
        if consent is None:
            raise BadLink("This consent link is not valid. Check that it was copied in full.")
        story = unit.repo.get(m.Story, consent.story_id)
        return ConsentView(consent, story, unit.repo.get(m.Account, story.account_id),
                           unit.repo.placements(story.id))


def withdraw_consent(core: Core, view_token: str) -> m.Consent:
    """The customer withdraws consent: the story is withdrawn and everyone who relies on it is told."""
    with core.unit() as unit:
        consent = unit.repo.consent_by_token(view_token)
        if consent is None:
            raise BadLink("This consent link is not valid.")
        if not unit.repo.guarded_update(m.Consent, consent.id, {"withdrawn_at": None}, {"withdrawn_at": unit.now}):
            raise Conflict("Consent was already withdrawn.")
        unit.audit("consent", consent.id, "withdrawn", "customer")
        story = unit.repo.get(m.Story, consent.story_id)
        customer = Actor(platform="web", user_id="customer", name=consent.signer_name or "the customer")
        if story.state in sources(STORY_FLOW, StoryState.WITHDRAWN):
            transition(unit, story, "story", (story.state,), StoryState.WITHDRAWN, customer, "withdrawn")
        retired = consent_ended(unit, story, "consent withdrawn", unit.now)
        account = unit.repo.get(m.Account, story.account_id)
        urls = [p.url for p in retired]
        unit.emit(Effect("post", cards.notice(
            f"Consent withdrawn: {account.name}",
            "The customer withdrew consent. Take the story down from these places:" if urls else
            "The customer withdrew consent. The story was not published anywhere yet.",
            *urls), purpose="approvals"))
    return consent
