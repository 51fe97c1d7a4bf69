"""The customer approves the final version before it is published, when they asked to.

After marketing approves such a story it waits for the customer: the owner gets a signed,
expiring link with a text ready to send, the customer's page shows exactly what will be
published, and the customer approves it or asks for changes in their own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from storage import models as m
from workflows import cards
from workflows.actors import Actor, is_owner, roles_of
from workflows.core import Core, Unit
from workflows.effects import Button, Card, Effect
from workflows.errors import Conflict, InvalidInput, NotAllowed
from workflows.guards import load, transition
from workflows.links import BadLink, new_nonce
from workflows.outcome import Outcome
from workflows.states import ConsentChannel, ConsentScope, Role, StoryState, label
from workflows.text import day_label, stamp

NOTE_MAX = 2000
MARK_SENT = "final.mark_sent"


def review_card(unit: Unit, story: m.Story, note: str = "") -> Card:
    """The story's review card as marketing sees it in the approvals channel."""
    account = unit.repo.get(m.Account, story.account_id)
    contact = unit.repo.get(m.Contact, story.contact_id)
    return cards.review_card(story, account, contact, unit.repo.consent_for(story.id), unit.core.config.tz, note)


def tell_owner(unit: Unit, owner: str, card: Card, purpose: str) -> None:
    """DM the owner; an unowned item goes to its channel so someone picks it up."""
    if owner:
        unit.emit(Effect("dm", card, person=owner))
    else:
        unit.emit(Effect("post", card, purpose=purpose))


def wanted(story: m.Story, consent: m.Consent | None) -> bool:
    """Does the customer approve the final version? When they asked to, and always for a call's write-up
    (the words are ours, not theirs)."""
    return story.written_up_at is not None or bool(consent and consent.review_before_publish)


def _customer(unit: Unit, story: m.Story) -> str:
    contact = unit.repo.get(m.Contact, story.contact_id)
    consent = unit.repo.consent_for(story.id)
    name = (consent.signer_name if consent and consent.signer_name else "") or (contact.name if contact else "")
    return name or "the customer"


def waiting_note(unit: Unit, story: m.Story) -> str:
    """'Waiting for Dana Lee (the customer) to approve the final version since 3 Nov 2026 14:05 GMT.'"""
    since = stamp(story.awaiting_since, unit.core.config.tz) if story.awaiting_since else "recently"
    sent = "" if story.final_sent_at else " The owner has not marked the link as sent yet."
    return f"Waiting for {_customer(unit, story)} (the customer) to approve the final version since {since}.{sent}"


def _issue_link(unit: Unit, story: m.Story, values: dict) -> str:
    """A new approval link (the previous one stops working)."""
    nonce = new_nonce()
    unit.repo.guarded_update(m.Story, story.id, {"state": StoryState.AWAITING_CUSTOMER},
                             {"final_nonce": nonce, "final_issued_at": unit.now, "final_sent_at": None, **values})
    return unit.core.links.final_url(story.id, nonce, unit.now)


def _owner_card(unit: Unit, story: m.Story, link: str, title: str, intro: str) -> Card:
    contact = unit.repo.get(m.Contact, story.contact_id)
    first = contact.name.split()[0] if contact and contact.name else "there"
    until = day_label(datetime.fromtimestamp(unit.core.links.expiry(unit.now), UTC), unit.core.config.tz)
    text = (f"Hi {first}, thank you again for your story. Here is the final version, exactly as we would "
            f"publish it. Please approve it, or tell us what to change: {link} (the link works until {until}).")
    consent = unit.repo.consent_for(story.id)
    to = (f"send it to {consent.signer_email}, the address they gave for it" if consent and consent.signer_email
          else "send it to your contact")
    return cards.notice(title, intro, f"Copy this text and {to}:", text,
                        buttons=[Button("Mark as sent", MARK_SENT, str(story.id), "primary")])


def await_customer(unit: Unit, story: m.Story, actor: Actor) -> None:
    """Marketing approved a story the customer wants to see: the owner gets the link to send them."""
    link = _issue_link(unit, story, {"awaiting_since": unit.now})
    account = unit.repo.get(m.Account, story.account_id)
    unit.audit("story", story.id, "final_link_issued", actor.key)
    tell_owner(unit, story.owner, _owner_card(
        unit, story, link, f"{account.name}: send the final version for approval",
        f"Marketing ({actor.display}) approved the story. {_customer(unit, story)} asked to see the final "
        "version before it is published, so it waits for their approval."), "approvals")


def renew_link(unit: Unit, story: m.Story) -> None:
    """The approval link expired unanswered: a new one replaces it, and the owner gets it to send."""
    link = _issue_link(unit, story, {})
    account = unit.repo.get(m.Account, story.account_id)
    unit.audit("story", story.id, "final_link_renewed", "system")
    tell_owner(unit, story.owner, _owner_card(
        unit, story, link, f"{account.name}: the approval link expired",
        f"{_customer(unit, story)} did not answer in time and the link no longer works. Here is a new one; "
        "the story still waits for their approval."), "approvals")


def publish_refusal(unit: Unit, story: m.Story) -> str | None:
    """Why publishing must wait for the customer, or None."""
    if story.state == StoryState.AWAITING_CUSTOMER:
        return f"Not yet: {waiting_note(unit, story)} Publish it once they approve."
    return None


def mark_sent(core: Core, actor: Actor, story_id: int) -> Outcome:
    """The owner sent the customer the approval link."""
    with core.unit() as unit:
        story = load(unit, m.Story, story_id, "story")
        if not is_owner(actor, story.owner) and not roles_of(actor, core.config) & {Role.ADMIN, Role.SUCCESS}:
            raise NotAllowed("Only the story's owner can send the customer the final version.")
        if not unit.repo.guarded_update(m.Story, story.id, {"state": StoryState.AWAITING_CUSTOMER,
                                                           "final_sent_at": None}, {"final_sent_at": unit.now}):
            unit.repo.session.refresh(story)
            if story.state != StoryState.AWAITING_CUSTOMER:
                raise Conflict("The customer is no longer waiting on this version: "
                               f"the story is {label(story.state).lower()}.")
            raise Conflict(f"Already marked as sent on {stamp(story.final_sent_at, core.config.tz)}.")
        unit.audit("story", story.id, "final_sent", actor.key, by_name=actor.display)
        unit.emit(Effect("update", review_card(unit, story, waiting_note(unit, story)), purpose="approvals",
                         ref_key=f"story:{story.id}"))
        days = core.config.nudges.ask_reminder_days
    return Outcome.of(unit, f"Marked as sent. If they have not answered in {days} days I will remind you.")


# the customer's page ---------------------------------------------------------------------------

_CLOSED = {
    StoryState.APPROVED: "You approved this version. Thank you! Your consent page shows where it is published.",
    StoryState.PUBLISHED: "You approved this version and it is published. Thank you!",
    StoryState.IN_REVIEW: "Thank you for your changes. We are working on them and will send you the new version.",
    StoryState.CHANGES_REQUESTED: "We are revising your story and will send you the new version.",
    StoryState.WITHDRAWN: "You withdrew your consent, so nothing will be published.",
}
_REPLACED = "This link was replaced by a newer one. Use the latest link your contact sent you."


def open_final(unit: Unit, token: str) -> m.Story:
    """The story a final-version token opens, or BadLink (tampered, expired, replaced or already answered)."""
    story_id, nonce = unit.core.links.read_final(token, unit.now)
    story = unit.repo.get(m.Story, story_id)
    if story is None:
        raise BadLink("This link is not valid. Check that it was copied in full.")
    if story.state == StoryState.AWAITING_CUSTOMER and story.final_nonce == nonce:
        return story
    if story.state == StoryState.AWAITING_CUSTOMER:
        raise BadLink(_REPLACED)
    raise BadLink(_CLOSED.get(story.state, _REPLACED))


@dataclass
class Section:
    heading: str
    text: str


@dataclass
class FinalView:
    """Exactly what will be published, as the customer consented."""

    story: m.Story
    account: m.Account
    consent: m.Consent
    attribution: str  # who the story is attributed to, as consented
    logo: bool
    sections: list[Section]
    left_out: list[str]  # parts that will not be published
    channels: list[str]  # where it will appear (consented channels)


def _attribution(consent: m.Consent, account: m.Account, contact: m.Contact | None) -> str:
    scope = set(consent.scope)
    name = (consent.signer_name or (contact.name if contact else "")) if ConsentScope.NAME in scope else ""
    title = contact.title if contact and ConsentScope.TITLE in scope else ""
    company = account.name if ConsentScope.COMPANY in scope else ""
    person = ", ".join(part for part in (name, title) if part)
    if person and company:
        return f"{person} at {company}"
    return person or company or "Anonymous customer"


def view_final(core: Core, token: str) -> FinalView:
    """What the customer's approval page shows; changes nothing."""
    with core.unit(read_only=True) as unit:
        story = open_final(unit, token)
        account = unit.repo.get(m.Account, story.account_id)
        consent = unit.repo.consent_for(story.id)
        scope = set(consent.scope)
        sections, left_out = [], []
        for heading, text, needs in (("Headline", story.title, None), ("Quote", story.body, ConsentScope.QUOTE),
                                     ("The goal", story.goal, None), ("What changed", story.change, None),
                                     ("The result", story.result, None),
                                     ("The numbers", story.metrics, ConsentScope.METRICS)):
            if not text:
                continue
            if needs and needs.value not in scope:
                left_out.append(f"{heading} (you did not allow it)")
            else:
                sections.append(Section(heading, text))
        channels = [c for c in consent.channels if c in set(ConsentChannel)]
        return FinalView(story, account, consent, _attribution(consent, account, unit.repo.get(m.Contact,
                                                                                               story.contact_id)),
                         ConsentScope.LOGO.value in scope, sections, left_out, channels)


def _customer_actor(unit: Unit, story: m.Story) -> Actor:
    return Actor(platform="web", user_id="customer", name=_customer(unit, story))


def approve(core: Core, token: str) -> m.Story:
    """The customer approves the final version: it is ready to publish, and marketing and the owner hear so."""
    with core.unit() as unit:
        story = open_final(unit, token)
        customer = _customer_actor(unit, story)
        transition(unit, story, "story", (StoryState.AWAITING_CUSTOMER,), StoryState.APPROVED, customer,
                   "customer_approved", {"customer_approved_at": unit.now, "approved_at": unit.now,
                                         "customer_note": ""})
        account = unit.repo.get(m.Account, story.account_id)
        note = f"{customer.display} (the customer) approved the final version on {stamp(unit.now, core.config.tz)}"
        unit.emit(Effect("update", review_card(unit, story, note), purpose="approvals", ref_key=f"story:{story.id}"))
        unit.emit(Effect("post", cards.notice(f"Ready to publish: {account.name}", f"{note}. Publish it on its card."),
                         purpose="approvals"))
        tell_owner(unit, story.owner, cards.notice(f"{account.name} approved the final version",
                                                   "Marketing can publish it now."), "approvals")
    return story


def ask_changes(core: Core, token: str, note: str) -> m.Story:
    """The customer asks for changes in their own words: the story goes back to marketing with the note."""
    note = note.strip()
    if not note:
        raise InvalidInput("Tell us what to change, so we can get it right.", field="note")
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"Keep it under {NOTE_MAX} characters.", field="note")
    with core.unit() as unit:
        story = open_final(unit, token)
        customer = _customer_actor(unit, story)
        transition(unit, story, "story", (StoryState.AWAITING_CUSTOMER,), StoryState.IN_REVIEW, customer,
                   "customer_changes", {"customer_note": note})
        account = unit.repo.get(m.Account, story.account_id)
        heard = f"{customer.display} (the customer) asked for changes on {stamp(unit.now, core.config.tz)}"
        unit.emit(Effect("post", review_card(unit, story, heard), purpose="approvals", ref_key=f"story:{story.id}"))
        tell_owner(unit, story.owner, cards.notice(f"{account.name} asked for changes to the final version",
                                                   f"Their words: {note}",
                                                   "The story is back with marketing for review."), "approvals")
    return story
