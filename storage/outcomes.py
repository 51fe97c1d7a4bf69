"""Queries for what advocacy earns: deals and their outcomes, placement short links and clicks, site reviews,
and facts recorded once about the installation."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage import models as m
from storage.repo import _insert
from storage.vocabulary import DealOutcome, PlacementState


def deal(session: Session, opportunity_id: str) -> m.Deal | None:
    return session.scalars(select(m.Deal).where(m.Deal.opportunity_id == opportunity_id)).first()


def known_opportunity(session: Session, opportunity_id: str) -> bool:
    """Whether the CRM sent this opportunity or a story was used in it."""
    return any(session.scalars(select(model.id).where(model.opportunity_id == opportunity_id).limit(1)).first()
               for model in (m.Deal, m.DealUsage))


def open_deals(session: Session, people: Iterable[str], limit: int = 10) -> list[tuple[str, str, float, int]]:
    """Opportunities a person recorded proof for, or owns, that are not closed yet, newest first:
    (opportunity id, name, amount, stories used)."""
    people = list(people)
    used = (select(m.DealUsage.opportunity_id.label("opp"), func.count().label("stories"),
                   func.max(m.DealUsage.amount).label("amount"), func.max(m.DealUsage.recorded_at).label("at"))
            .group_by(m.DealUsage.opportunity_id).subquery())
    stmt = (select(used.c.opp, func.coalesce(m.Deal.name, ""), func.coalesce(m.Deal.amount, used.c.amount),
                   used.c.stories)
            .outerjoin(m.Deal, m.Deal.opportunity_id == used.c.opp)
            .where(or_(m.Deal.id.is_(None), m.Deal.outcome == DealOutcome.OPEN),
                   or_(m.Deal.owner.in_(people),
                       used.c.opp.in_(select(m.DealUsage.opportunity_id).where(m.DealUsage.recorded_by.in_(people)))))
            .order_by(used.c.at.desc()).limit(limit))
    return [(opp, name, float(amount or 0), int(n)) for opp, name, amount, n in session.execute(stmt)]


def placement_by_code(session: Session, code: str) -> m.Placement | None:
    return session.scalars(select(m.Placement).where(m.Placement.code == code)).first()


def clicks_per_placement(session: Session, story_id: int | None = None) -> list[tuple[m.Placement, str, int]]:
    """Live and retired placements with their account's name and click counts, most clicked first."""
    counted = (select(m.PlacementClick.placement_id, func.count().label("n"))
               .group_by(m.PlacementClick.placement_id).subquery())
    stmt = (select(m.Placement, m.Account.name, func.coalesce(counted.c.n, 0))
            .join(m.Story, m.Story.id == m.Placement.story_id)
            .join(m.Account, m.Account.id == m.Story.account_id)
            .outerjoin(counted, counted.c.placement_id == m.Placement.id)
            .order_by(func.coalesce(counted.c.n, 0).desc(), m.Placement.id))
    if story_id is not None:
        stmt = stmt.where(m.Placement.story_id == story_id)
    return [(placement, account, int(n)) for placement, account, n in session.execute(stmt)]


def count_click(session: Session, code: str, now: datetime) -> str | None:
    """Record one click on a live placement's short link; its tagged URL, or None when there is no such link."""
    placement = placement_by_code(session, code)
    if placement is None or placement.state != PlacementState.LIVE:
        return None
    session.add(m.PlacementClick(placement_id=placement.id, clicked_at=now))
    return placement.tracked_url


def live_placement_url(session: Session, code: str) -> str | None:
    placement = placement_by_code(session, code)
    return placement.tracked_url if placement is not None and placement.state == PlacementState.LIVE else None


def site_review_by_url(session: Session, url: str) -> m.SiteReview | None:
    return session.scalars(select(m.SiteReview).where(m.SiteReview.url == url)).first()


def site_reviews_for_ask(session: Session, ask_id: int) -> list[m.SiteReview]:
    return list(session.scalars(select(m.SiteReview).where(m.SiteReview.ask_id == ask_id).order_by(m.SiteReview.id)))


def fact(session: Session, key: str) -> m.ProgramFact | None:
    return session.get(m.ProgramFact, key)


def record_fact_once(session: Session, key: str, value: str, now: datetime) -> None:
    """Store a fact unless it is already known (the first writer wins, on every replica)."""
    stmt = _insert(session, m.ProgramFact.__table__).values(key=key, value=value, at=now)
    session.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))
