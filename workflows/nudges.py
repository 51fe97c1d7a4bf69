"""Reminders the scheduler runs: each fires once per item and threshold, whichever replica gets there first.

Every nudge claims a NudgeSent row (item kind, item id, threshold) in the same transaction as its
state change and outbox rows, so a second run or another replica finds the claim and does nothing.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Callable

from storage import models as m
from storage import nudges as q
from workflows import cards
from workflows.actors import SYSTEM
from workflows.asks import refresh_nomination_card
from workflows.core import Core, Unit
from workflows.effects import Button, Effect
from workflows.errors import Conflict
from workflows.guards import transition
from workflows.states import AskState, NominationState, StoryState, label
from workflows.consent_end import consent_ended
from workflows.final import renew_link, tell_owner, waiting_note
from workflows.text import day_label


def _each(core: Core, ids: list[int], apply: Callable[[Unit, int], bool]) -> int:
    """Apply a nudge to each item in its own transaction; count the ones this run sent."""
    sent = 0
    for item_id in ids:
        try:
            with core.unit() as unit:
                sent += bool(apply(unit, item_id))
        except Conflict:
            continue  # another replica changed the item first
    return sent


def _days(unit: Unit, moment) -> str:
    return day_label(moment, unit.core.config.tz)


def snooze_ended(core: Core) -> int:
    """Snoozed nominations whose date passed go back to proposed, and their card says so."""
    def apply(unit: Unit, nom_id: int) -> bool:
        nom = unit.repo.get(m.Nomination, nom_id)
        if nom.state != NominationState.SNOOZED or nom.snoozed_until is None or nom.snoozed_until > unit.now:
            return False
        if not q.claim(unit.repo, "nomination", nom.id, f"snooze:{int(nom.snoozed_until.timestamp())}", unit.now):
            return False
        transition(unit, nom, "nomination", (NominationState.SNOOZED,), NominationState.PROPOSED, SYSTEM,
                   "unsnoozed", {"snoozed_until": None})
        refresh_nomination_card(unit, nom, "Back from snooze")
        return True

    with core.unit(read_only=True) as unit:
        ids = q.snoozes_ended(unit.repo, unit.now)
    return _each(core, ids, apply)


def nomination_untouched(core: Core) -> int:
    days = core.config.nudges.nomination_untouched_days

    def apply(unit: Unit, nom_id: int) -> bool:
        nom = unit.repo.get(m.Nomination, nom_id)
        if nom.state != NominationState.PROPOSED or not q.claim(unit.repo, "nomination", nom.id, "untouched",
                                                                 unit.now):
            return False
        account = unit.repo.get(m.Account, nom.account_id)
        value = str(nom.id)
        card = cards.notice(f"Nomination waiting: {account.name}",
                            f"Proposed on {_days(unit, nom.created_at)} and not acted on for {days} days. "
                            "Ask, snooze or set it aside.",
                            buttons=[Button("Ask", "nomination.ask", value, "primary"),
                                     Button("Not now", "nomination.dismiss", value),
                                     Button("Snooze", "nomination.snooze", value)])
        tell_owner(unit, nom.owner, card, "nominations")
        return True

    with core.unit(read_only=True) as unit:
        ids = q.untouched_nominations(unit.repo, unit.now - timedelta(days=days), "untouched")
    return _each(core, ids, apply)


def ask_expired(core: Core) -> int:
    """Sent asks past their expiry become expired; the nomination card and the owner are told."""
    days = core.config.nudges.ask_expire_days

    def apply(unit: Unit, ask_id: int) -> bool:
        ask = unit.repo.get(m.Ask, ask_id)
        if ask.state != AskState.SENT or not q.claim(unit.repo, "ask", ask.id, "expired", unit.now):
            return False
        transition(unit, ask, "ask", (AskState.SENT,), AskState.EXPIRED, SYSTEM, "expired")
        account = unit.repo.get(m.Account, ask.account_id)
        what = label(ask.ask_type).lower()
        nom = unit.repo.get(m.Nomination, ask.nomination_id)
        if nom:
            refresh_nomination_card(unit, nom, f"{label(ask.ask_type)} ask expired without an answer")
        tell_owner(unit, ask.owner, cards.notice(
            f"{account.name} did not answer the {what} ask",
            f"Sent on {_days(unit, ask.sent_at)}, it has now expired and its link no longer works. "
            "Flag a new win when the time is right to ask again."), "nominations")
        return True

    with core.unit(read_only=True) as unit:
        ids = q.asks_to_expire(unit.repo, unit.now, unit.now - timedelta(days=days))
    return _each(core, ids, apply)


def ask_reminder(core: Core) -> int:
    days = core.config.nudges.ask_reminder_days

    def apply(unit: Unit, ask_id: int) -> bool:
        ask = unit.repo.get(m.Ask, ask_id)
        if ask.state != AskState.SENT or not q.claim(unit.repo, "ask", ask.id, "reminder", unit.now):
            return False
        account = unit.repo.get(m.Account, ask.account_id)
        link = unit.core.links.intake_url(ask.id, ask.token_nonce, ask.created_at)
        until = f" It expires on {_days(unit, ask.expires_at)}." if ask.expires_at else ""
        tell_owner(unit, ask.owner, cards.notice(
            f"No answer yet from {account.name}",
            f"You sent the {label(ask.ask_type).lower()} ask on {_days(unit, ask.sent_at)}. "
            f"One friendly follow-up often helps.{until}", f"Their link: {link}"), "nominations")
        return True

    with core.unit(read_only=True) as unit:
        ids = q.asks_unanswered(unit.repo, unit.now - timedelta(days=days), "reminder")
    return _each(core, ids, apply)


def review_pending(core: Core) -> int:
    days = core.config.nudges.review_pending_days

    def apply(unit: Unit, story_id: int) -> bool:
        story = unit.repo.get(m.Story, story_id)
        if not q.claim(unit.repo, "story", story.id, "review_pending", unit.now):
            return False
        account = unit.repo.get(m.Account, story.account_id)
        unit.emit(Effect("post", cards.notice(
            f"Waiting for review: {account.name}'s {label(story.ask_type).lower()}",
            f"Submitted on {_days(unit, story.submitted_at)}, {days}+ days ago. "
            "The customer is waiting to hear back: approve, request changes or reject it on its card."),
            purpose="approvals"))
        return True

    with core.unit(read_only=True) as unit:
        ids = q.reviews_pending(unit.repo, unit.now - timedelta(days=days), "review_pending")
    return _each(core, ids, apply)


def consent_expiring(core: Core) -> int:
    days = core.config.nudges.consent_expiring_days

    def apply(unit: Unit, consent_id: int) -> bool:
        consent = unit.repo.get(m.Consent, consent_id)
        if consent.withdrawn_at or not q.claim(unit.repo, "consent", consent.id, "expiring", unit.now):
            return False
        story = unit.repo.get(m.Story, consent.story_id)
        account = unit.repo.get(m.Account, story.account_id)
        tell_owner(unit, story.owner, cards.notice(
            f"Consent for {account.name}'s story ends on {consent.expires_on:%d %b %Y}",
            "Ask the customer whether they will extend it; otherwise every placement is retired when it ends."),
            "approvals")
        return True

    with core.unit(read_only=True) as unit:
        today = unit.now.astimezone(core.config.tz).date()
        ids = q.consents_expiring(unit.repo, today, today + timedelta(days=days), "expiring")
    return _each(core, ids, apply)


def consent_lapsed(core: Core) -> int:
    """Consent that ended is followed exactly like a withdrawal: placements retired, deals no longer counted,
    the owner and sellers told, and marketing told where to take the story down."""
    def apply(unit: Unit, story_id: int) -> bool:
        story = unit.repo.get(m.Story, story_id)
        consent = unit.repo.consent_for(story.id)
        if not q.claim(unit.repo, "story", story.id, q.LAPSED, unit.now):
            return False
        ended = datetime.combine(consent.expires_on + timedelta(days=1), time(), tzinfo=core.config.tz)
        retired = consent_ended(unit, story, "consent expired", ended)
        if retired:
            account = unit.repo.get(m.Account, story.account_id)
            unit.emit(Effect("post", cards.notice(
                f"Consent ended: {account.name}",
                f"Consent ended on {consent.expires_on:%d %b %Y}. Take the story down from these places:",
                *[p.url for p in retired]), purpose="approvals"))
        return True

    with core.unit(read_only=True) as unit:
        ids = q.stories_with_lapsed_consent(unit.repo, unit.now.astimezone(core.config.tz).date())
    return _each(core, ids, apply)


def customer_waiting(core: Core) -> int:
    """A final version the customer has not approved: the owner is reminded after the ask reminder's days."""
    days = core.config.nudges.ask_reminder_days

    def apply(unit: Unit, story_id: int) -> bool:
        story = unit.repo.get(m.Story, story_id)
        if story.state != StoryState.AWAITING_CUSTOMER or not story.final_nonce or \
                not q.claim(unit.repo, "final", story.id, q.final_threshold("reminder", story.final_nonce), unit.now):
            return False
        account = unit.repo.get(m.Account, story.account_id)
        link = unit.core.links.final_url(story.id, story.final_nonce, story.final_issued_at)
        tell_owner(unit, story.owner, cards.notice(
            f"{account.name} has not approved the final version yet", waiting_note(unit, story),
            "One friendly follow-up often helps.", f"Their link: {link}"), "approvals")
        return True

    with core.unit() as unit:
        ids = q.finals_waiting(unit.repo, unit.now - timedelta(days=days), "reminder")
    return _each(core, ids, apply)


def final_link_expired(core: Core) -> int:
    """An approval link that expired unanswered is replaced, and the owner gets the new one to send."""
    def apply(unit: Unit, story_id: int) -> bool:
        story = unit.repo.get(m.Story, story_id)
        if story.state != StoryState.AWAITING_CUSTOMER or not story.final_nonce or \
                not q.claim(unit.repo, "final", story.id, q.final_threshold("expired", story.final_nonce), unit.now):
            return False
        renew_link(unit, story)
        return True

    with core.unit() as unit:
        ids = q.finals_waiting(unit.repo, unit.now - timedelta(seconds=core.links.valid_seconds), "expired")
    return _each(core, ids, apply)


RULES: dict[str, Callable[[Core], int]] = {
    "snooze_ended": snooze_ended,
    "ask_expired": ask_expired,
    "ask_reminder": ask_reminder,
    "nomination_untouched": nomination_untouched,
    "review_pending": review_pending,
    "consent_lapsed": consent_lapsed,
    "consent_expiring": consent_expiring,
    "final_link_expired": final_link_expired,
    "customer_waiting": customer_waiting,
}


def run_nudges(core: Core) -> dict[str, int]:
    """Run every nudge rule once; how many items each one acted on."""
    return {name: rule(core) for name, rule in RULES.items()}
