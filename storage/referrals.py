"""Queries for referral codes and referrals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import select

from storage import models as m
from storage.repo import Repo
from storage.vocabulary import ReferralState


def code_of(repo: Repo, contact_id: int) -> m.ReferralCode | None:
    return repo.session.exec(select(m.ReferralCode).where(m.ReferralCode.contact_id == contact_id)).first()


def by_code(repo: Repo, code: str) -> m.ReferralCode | None:
    return repo.session.exec(select(m.ReferralCode).where(m.ReferralCode.code == code)).first()


def contact_by_email(repo: Repo, email: str) -> m.Contact | None:
    stmt = select(m.Contact).where(func.lower(m.Contact.email) == email.strip().lower()).order_by(m.Contact.id)
    return repo.session.exec(stmt).first()


def totals(repo: Repo, start: datetime, end: datetime) -> tuple[int, int, float]:
    """(referrals made, referrals converted, converted amount) in [start, end)."""
    made = repo.session.exec(select(func.count()).select_from(m.Referral).where(
        m.Referral.created_at >= start, m.Referral.created_at < end)).one()
    converted, amount = repo.session.exec(select(func.count(), func.coalesce(func.sum(m.Referral.amount), 0)).where(
        m.Referral.state == ReferralState.CONVERTED, m.Referral.converted_at >= start,
        m.Referral.converted_at < end)).one()
    return made, converted, float(amount)
