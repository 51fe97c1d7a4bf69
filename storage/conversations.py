"""Teams conversations the bot can post to: stored on install, refreshed from every inbound activity."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from storage import models as m
from storage import outbox
from storage.db import transaction
from storage.repo import Repo


@dataclass(frozen=True)
class Seen:
    """A conversation as an inbound activity describes it."""

    conversation_id: str
    service_url: str
    tenant_id: str = ""
    team_id: str = ""
    channel_id: str = ""
    user_id: str = ""
    conversation_type: str = ""


def remember(engine: Engine, seen: Seen, now: datetime) -> bool:
    """Insert or refresh the conversation; also move every conversation of the tenant to the new
    service URL (Teams may change it). True when the conversation was not known before: posts that
    waited for somewhere to post from are then retried at once."""
    values = asdict(seen)
    with transaction(engine) as session:
        repo = Repo(session)
        new_id = repo.claim_once(m.Conversation, {**values, "updated_at": now}, ["conversation_id"])
        if new_id is None:
            changes = {k: v for k, v in values.items() if v and k != "conversation_id"}
            session.execute(update(m.Conversation).where(m.Conversation.conversation_id == seen.conversation_id)
                            .values(**changes, updated_at=now))
        if seen.tenant_id:
            session.execute(update(m.Conversation)
                            .where(m.Conversation.tenant_id == seen.tenant_id,
                                   m.Conversation.service_url != seen.service_url)
                            .values(service_url=seen.service_url, updated_at=now))
        if new_id is not None:
            outbox.wake(session, "teams", now)
    return new_id is not None


def for_channel(engine: Engine, channel_id: str, tenant_id: str = "") -> m.Conversation | None:
    """The stored conversation for a Teams channel, else any team conversation (for its service URL)."""
    with transaction(engine) as session:
        return _exact(session, channel_id) or _any(session, tenant_id)


def stored_channel(engine: Engine, channel_id: str) -> m.Conversation | None:
    """The conversation stored for this Teams channel (the app was installed in its team), if any."""
    with transaction(engine, read_only=True) as session:
        return _exact(session, channel_id)


def _exact(session, channel_id: str) -> m.Conversation | None:
    return session.exec(select(m.Conversation).where(
        (m.Conversation.channel_id == channel_id) | (m.Conversation.conversation_id == channel_id))).first()


def personal(engine: Engine, user_id: str) -> m.Conversation | None:
    """The 1:1 chat with a user (by Entra object id), if the bot has one."""
    with transaction(engine) as session:
        stmt = select(m.Conversation).where(m.Conversation.user_id == user_id,
                                            m.Conversation.conversation_type == "personal")
        return session.exec(stmt.order_by(col(m.Conversation.updated_at).desc())).first()


def any_conversation(engine: Engine, tenant_id: str = "", team_only: bool = False) -> m.Conversation | None:
    """Some conversation of the tenant (newest first): where to find the service URL or a roster."""
    with transaction(engine) as session:
        return _any(session, tenant_id, team_only)


def _any(session, tenant_id: str, team_only: bool = False) -> m.Conversation | None:
    stmt = select(m.Conversation)
    if tenant_id:
        stmt = stmt.where(m.Conversation.tenant_id == tenant_id)
    if team_only:
        stmt = stmt.where(m.Conversation.team_id != "")
    return session.exec(stmt.order_by(col(m.Conversation.updated_at).desc())).first()
