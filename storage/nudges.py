"""Queries behind the nudges: items past a threshold that were not nudged for it yet."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, exists, func, literal, or_
from sqlmodel import col, select

from storage import models as m
from storage.repo import Repo
from storage.vocabulary import AskState, NominationState, StoryState

BATCH = 500


def _not_nudged(model, kind: str, threshold: str):
    """No NudgeSent row for this item and threshold yet."""
    return ~exists().where(m.NudgeSent.item_kind == kind, m.NudgeSent.item_id == model.id,
                           m.NudgeSent.threshold == threshold)


def claim(repo: Repo, kind: str, item_id: int, threshold: str, now: datetime) -> bool:
    """Claim the nudge for this item and threshold; False when another run or replica already did."""
    values = {"item_kind": kind, "item_id": item_id, "threshold": threshold, "sent_at": now}
    return repo.claim_once(m.NudgeSent, values, ["item_kind", "item_id", "threshold"]) is not None


def untouched_nominations(repo: Repo, before: datetime, threshold: str) -> list[int]:
    stmt = select(m.Nomination.id).where(m.Nomination.state == NominationState.PROPOSED,
                                         m.Nomination.created_at <= before,
                                         _not_nudged(m.Nomination, "nomination", threshold))
    return list(repo.session.exec(stmt.order_by(m.Nomination.id).limit(BATCH)))


def snoozes_ended(repo: Repo, now: datetime) -> list[int]:
    stmt = select(m.Nomination.id).where(m.Nomination.state == NominationState.SNOOZED,
                                         m.Nomination.snoozed_until <= now)
    return list(repo.session.exec(stmt.order_by(m.Nomination.id).limit(BATCH)))


def asks_unanswered(repo: Repo, sent_before: datetime, threshold: str) -> list[int]:
    stmt = select(m.Ask.id).where(m.Ask.state == AskState.SENT, m.Ask.sent_at <= sent_before,
                                  _not_nudged(m.Ask, "ask", threshold))
    return list(repo.session.exec(stmt.order_by(m.Ask.id).limit(BATCH)))


def asks_to_expire(repo: Repo, now: datetime, sent_before: datetime) -> list[int]:
    """Sent asks past their expiry (or sent before `sent_before` when no expiry was recorded)."""
    due = or_(m.Ask.expires_at <= now, and_(m.Ask.expires_at.is_(None), m.Ask.sent_at <= sent_before))
    stmt = select(m.Ask.id).where(m.Ask.state == AskState.SENT, due)
    return list(repo.session.exec(stmt.order_by(m.Ask.id).limit(BATCH)))


def reviews_pending(repo: Repo, submitted_before: datetime, threshold: str) -> list[int]:
    stmt = select(m.Story.id).where(m.Story.state == StoryState.IN_REVIEW, m.Story.submitted_at <= submitted_before,
                                    _not_nudged(m.Story, "story", threshold))
    return list(repo.session.exec(stmt.order_by(m.Story.id).limit(BATCH)))


def consents_expiring(repo: Repo, today: date, until: date, threshold: str) -> list[int]:
    """Consents in force on usable stories that end between today and `until`."""
    stmt = (select(m.Consent.id).join(m.Story, m.Story.id == m.Consent.story_id)
            .where(m.Consent.withdrawn_at.is_(None), m.Consent.expires_on >= today, m.Consent.expires_on <= until,
                   col(m.Story.state).in_([StoryState.APPROVED, StoryState.PUBLISHED]),
                   _not_nudged(m.Consent, "consent", threshold)))
    return list(repo.session.exec(stmt.order_by(m.Consent.id).limit(BATCH)))


LAPSED = "consent_lapsed"


def stories_with_lapsed_consent(repo: Repo, today: date) -> list[int]:
    """Stories still in use (approved, published, placed) whose consent ended before today, not yet followed up."""
    stmt = (select(m.Story.id).join(m.Consent, m.Consent.story_id == m.Story.id)
            .where(m.Consent.expires_on < today, m.Consent.withdrawn_at.is_(None),
                   col(m.Story.state).in_([StoryState.APPROVED, StoryState.PUBLISHED]),
                   _not_nudged(m.Story, "story", LAPSED)))
    return list(repo.session.exec(stmt.order_by(m.Story.id).limit(BATCH)))


def final_threshold(kind: str, nonce: str) -> str:
    """One reminder (or renewal) per approval link."""
    return f"{kind}:{nonce[:16]}"


def finals_waiting(repo: Repo, issued_before: datetime, kind: str) -> list[int]:
    """Stories waiting for the customer whose current approval link was made before `issued_before` and that
    were not nudged for `kind` on that link yet."""
    threshold = literal(f"{kind}:") + func.substr(m.Story.final_nonce, 1, 16)
    nudged = exists().where(m.NudgeSent.item_kind == "final", m.NudgeSent.item_id == m.Story.id,
                            m.NudgeSent.threshold == threshold)
    stmt = select(m.Story.id).where(m.Story.state == StoryState.AWAITING_CUSTOMER,
                                    m.Story.final_issued_at <= issued_before, ~nudged)
    return list(repo.session.exec(stmt.order_by(m.Story.id).limit(BATCH)))
