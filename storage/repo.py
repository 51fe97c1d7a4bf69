"""Queries and guarded writes the workflows use; SQL stays in this package."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable, TypeVar

from sqlalchemy import String, and_, cast, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col, select

from storage import models as m
from storage.vocabulary import AskState, NominationState, PlacementState, StoryState

T = TypeVar("T", bound=SQLModel)

_OPEN_ASKS = (AskState.DRAFTED, AskState.SENT)


def allows(channels_column, channel: str):
    """The JSON list of consented channels holds `channel` (the same test on SQLite and PostgreSQL)."""
    return cast(channels_column, String).like(f'%"{channel}"%')


def _insert(session: Session, table):
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


class Repo:
    """One transaction's view of the store."""

    def __init__(self, session: Session):
        self.session = session

    # generic -----------------------------------------------------------------
    def get(self, model: type[T], item_id: int | None) -> T | None:
        return self.session.get(model, item_id) if item_id is not None else None

    def any_of(self, model: type[T]) -> bool:
        """Whether the table holds a row at all."""
        return self.session.exec(select(model.id).limit(1)).first() is not None

    def add(self, obj: T) -> T:
        self.session.add(obj)
        self.session.flush()
        return obj

    def guarded_update(self, model: type[T], item_id: int, expect: dict[str, Any], values: dict[str, Any]) -> bool:
        """UPDATE … WHERE id = :id AND <expect>; True if this call applied it.

        `expect` maps a column to a value, a tuple of allowed values, or None (IS NULL).
        """
        conds = [model.id == item_id]
        for name, wanted in expect.items():
            column = getattr(model, name)
            if wanted is None:
                conds.append(column.is_(None))
            elif isinstance(wanted, (tuple, list, set, frozenset)):
                conds.append(column.in_(list(wanted)))
            else:
                conds.append(column == wanted)
        result = self.session.execute(
            update(model).where(and_(*conds)).values(**values).execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            obj = self.session.get(model, item_id)
            if obj is not None:
                self.session.refresh(obj)
            return True
        return False

    def claim_once(self, model: type[T], values: dict[str, Any], keys: list[str]) -> int | None:
        """Insert a row unless one with the same unique keys exists; the new id, or None."""
        stmt = _insert(self.session, model.__table__).values(**values)
        stmt = stmt.on_conflict_do_nothing(index_elements=keys).returning(model.__table__.c.id)
        return self.session.execute(stmt).scalar()

    def claim_event(self, source: str, event_id: str, now: datetime) -> bool:
        """Record an inbound event id; False if it was seen before (a retry or another replica)."""
        new_id = self.claim_once(m.ProcessedEvent, {"source": source, "event_id": event_id, "received_at": now},
                                 ["source", "event_id"])
        return new_id is not None

    def audit(self, entity: str, entity_id: int, action: str, actor: str, now: datetime,
              from_state: str = "", to_state: str = "", **detail: Any) -> None:
        self.session.add(m.AuditEvent(entity=entity, entity_id=entity_id, action=action, actor=actor, at=now,
                                      from_state=str(from_state or ""), to_state=str(to_state or ""),
                                      detail=detail))

    def enqueue(self, platform: str, lane: str, effect: dict, now: datetime) -> None:
        self.session.add(m.OutboxMessage(platform=platform, lane=lane, effect=effect, created_at=now,
                                         next_attempt_at=now))

    # accounts and contacts ---------------------------------------------------
    def account_names(self, ids: Iterable[int]) -> dict[int, str]:
        """Account names by id, in one query."""
        wanted = list(set(ids))
        if not wanted:
            return {}
        return dict(self.session.exec(select(m.Account.id, m.Account.name).where(col(m.Account.id).in_(wanted))).all())

    def account_by_name(self, name: str) -> m.Account | None:
        return self.session.exec(select(m.Account).where(m.Account.name_key == name.strip().casefold())).first()

    def account_by_crm(self, crm_id: str) -> m.Account | None:
        return self.session.exec(select(m.Account).where(m.Account.crm_id == crm_id)).first()

    def all_account_names(self) -> list[tuple[int, str]]:
        """(id, name) of every account, by name."""
        return [tuple(row) for row in self.session.exec(
            select(m.Account.id, m.Account.name).order_by(m.Account.name_key)).all()]

    def search_accounts(self, text: str, limit: int = 20) -> list[m.Account]:
        pattern = f"%{text.strip().casefold()}%"
        stmt = select(m.Account).where(col(m.Account.name_key).like(pattern)).order_by(m.Account.name_key)
        return list(self.session.exec(stmt.limit(limit)))

    def find_contact(self, account_id: int, email: str = "", name: str = "") -> m.Contact | None:
        stmt = select(m.Contact).where(m.Contact.account_id == account_id)
        if email:
            stmt = stmt.where(func.lower(m.Contact.email) == email.lower())
        elif name:
            stmt = stmt.where(func.lower(m.Contact.name) == name.strip().lower())
        else:
            return None
        return self.session.exec(stmt).first()

    def contacts_of(self, account_id: int) -> list[m.Contact]:
        return list(self.session.exec(select(m.Contact).where(m.Contact.account_id == account_id)))

    # signals -----------------------------------------------------------------
    def latest_nps(self, account_id: int, contact_id: int | None = None, limit: int = 2) -> list[m.NpsResponse]:
        stmt = select(m.NpsResponse).where(m.NpsResponse.account_id == account_id)
        if contact_id is not None:
            stmt = stmt.where(or_(m.NpsResponse.contact_id == contact_id, m.NpsResponse.contact_id.is_(None)))
        stmt = stmt.order_by(col(m.NpsResponse.responded_at).desc(), col(m.NpsResponse.id).desc()).limit(limit)
        return list(self.session.exec(stmt))

    def open_asks(self, account_id: int) -> list[m.Ask]:
        stmt = select(m.Ask).where(m.Ask.account_id == account_id, col(m.Ask.state).in_(_OPEN_ASKS))
        return list(self.session.exec(stmt))

    def last_ask_to(self, contact_id: int) -> m.Ask | None:
        """The contact's latest ask (a decline counts from the day they said no)."""
        stmt = select(m.Ask).where(m.Ask.contact_id == contact_id, col(m.Ask.state) != AskState.DRAFTED)
        latest = func.coalesce(m.Ask.declined_at, m.Ask.created_at)
        return self.session.exec(stmt.order_by(latest.desc()).limit(1)).first()

    def count_asks(self, account_id: int, ask_type: str, start: datetime, end: datetime) -> int:
        stmt = select(func.count()).select_from(m.Ask).where(
            m.Ask.account_id == account_id, m.Ask.ask_type == ask_type,
            m.Ask.created_at >= start, m.Ask.created_at < end, col(m.Ask.state) != AskState.DRAFTED)
        return self.session.exec(stmt).one()

    def recent_asks(self, account_id: int, limit: int = 3) -> list[m.Ask]:
        stmt = select(m.Ask).where(m.Ask.account_id == account_id).order_by(col(m.Ask.created_at).desc())
        return list(self.session.exec(stmt.limit(limit)))

    def open_nomination(self, account_id: int) -> m.Nomination | None:
        stmt = select(m.Nomination).where(
            m.Nomination.account_id == account_id,
            col(m.Nomination.state).in_([NominationState.PROPOSED, NominationState.SNOOZED]))
        return self.session.exec(stmt.limit(1)).first()

    # stories, consent, placements --------------------------------------------
    def story_for_ask(self, ask_id: int) -> m.Story | None:
        return self.session.exec(select(m.Story).where(m.Story.ask_id == ask_id)).first()

    def consent_for(self, story_id: int) -> m.Consent | None:
        return self.session.exec(select(m.Consent).where(m.Consent.story_id == story_id)).first()

    def consent_by_token(self, token: str) -> m.Consent | None:
        return self.session.exec(select(m.Consent).where(m.Consent.view_token == token)).first()

    def last_decision(self, story_id: int) -> m.ReviewDecision | None:
        stmt = select(m.ReviewDecision).where(m.ReviewDecision.story_id == story_id)
        return self.session.exec(stmt.order_by(col(m.ReviewDecision.id).desc()).limit(1)).first()

    def placements(self, story_id: int, live_only: bool = False) -> list[m.Placement]:
        stmt = select(m.Placement).where(m.Placement.story_id == story_id)
        if live_only:
            stmt = stmt.where(m.Placement.state == PlacementState.LIVE)
        return list(self.session.exec(stmt.order_by(m.Placement.id)))

    def deal_usages(self, story_id: int) -> list[m.DealUsage]:
        stmt = select(m.DealUsage).where(m.DealUsage.story_id == story_id)
        return list(self.session.exec(stmt.order_by(m.DealUsage.id)))

    def deal_usage(self, story_id: int, opportunity_id: str) -> m.DealUsage | None:
        stmt = select(m.DealUsage).where(m.DealUsage.story_id == story_id,
                                         m.DealUsage.opportunity_id == opportunity_id)
        return self.session.exec(stmt).first()

    def proof_candidates(self, today: date, words: Iterable[str] = (), channel: str = "",
                         limit: int = 500) -> list[tuple[m.Story, m.Account, m.Consent]]:
        """Approved or published stories whose consent is in force (and allows `channel`, when given) and that
        mention any of the words, newest first."""
        stmt = (
            select(m.Story, m.Account, m.Consent)
            .join(m.Account, m.Account.id == m.Story.account_id)
            .join(m.Consent, m.Consent.story_id == m.Story.id)
            .where(col(m.Story.state).in_([StoryState.APPROVED, StoryState.PUBLISHED]),
                   m.Consent.withdrawn_at.is_(None),
                   or_(m.Consent.expires_on.is_(None), m.Consent.expires_on >= today))
        )
        if channel:
            stmt = stmt.where(allows(m.Consent.channels, channel))
        searched = (m.Account.name, m.Account.industry, m.Account.segment, m.Account.region, m.Story.title,
                    m.Story.body, m.Story.result, m.Story.metrics, m.Story.change, m.Story.ask_type)
        words = list(words)
        if words:
            stmt = stmt.where(or_(*(col(c).ilike(f"%{w}%") for w in words for c in searched)))
        stmt = stmt.order_by(col(m.Story.approved_at).desc(), col(m.Story.id).desc()).limit(limit)
        return list(self.session.exec(stmt))

    # queues ------------------------------------------------------------------
    def nominations_owned(self, owners: Iterable[str] | None, limit: int = 20) -> list[m.Nomination]:
        stmt = select(m.Nomination).where(
            col(m.Nomination.state).in_([NominationState.PROPOSED, NominationState.SNOOZED]))
        if owners is not None:
            stmt = stmt.where(col(m.Nomination.owner).in_(list(owners)))
        return list(self.session.exec(stmt.order_by(col(m.Nomination.score).desc()).limit(limit)))

    def asks_owned(self, owners: Iterable[str], limit: int = 20) -> list[m.Ask]:
        stmt = select(m.Ask).where(col(m.Ask.state).in_(_OPEN_ASKS),
                                   col(m.Ask.owner).in_(list(owners)))
        return list(self.session.exec(stmt.order_by(m.Ask.created_at).limit(limit)))

    def stories_in(self, states: Iterable[StoryState], limit: int = 20,
                   owners: Iterable[str] | None = None) -> list[m.Story]:
        stmt = select(m.Story).where(col(m.Story.state).in_(list(states)))
        if owners is not None:
            stmt = stmt.where(col(m.Story.owner).in_(list(owners)))
        return list(self.session.exec(stmt.order_by(m.Story.created_at).limit(limit)))

    def wins_by(self, flagger_ids: Iterable[str], limit: int = 10) -> list[m.Win]:
        stmt = select(m.Win).where(col(m.Win.flagged_by).in_(list(flagger_ids)))
        return list(self.session.exec(stmt.order_by(col(m.Win.created_at).desc(), col(m.Win.id).desc()).limit(limit)))

    def audit_trail(self, entity: str, entity_id: int) -> list[m.AuditEvent]:
        stmt = select(m.AuditEvent).where(m.AuditEvent.entity == entity, m.AuditEvent.entity_id == entity_id)
        return list(self.session.exec(stmt.order_by(m.AuditEvent.id)))
