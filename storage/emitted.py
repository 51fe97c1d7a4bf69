"""Reading back the chat effects a command just wrote, so a surface can show the clicker the same card."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from storage import models as m
from storage.db import transaction


def last_id(engine: Engine) -> int:
    """The newest outbox row id (0 when empty): take it before running a command."""
    with transaction(engine) as session:
        return session.exec(select(func.max(m.OutboxMessage.id))).one() or 0


def card_since(engine: Engine, after_id: int, ref_key: str) -> dict | None:
    """The newest card emitted after `after_id` for `ref_key` (any platform; cards are neutral)."""
    with transaction(engine) as session:
        rows = session.exec(select(m.OutboxMessage.effect).where(m.OutboxMessage.id > after_id)
                            .order_by(col(m.OutboxMessage.id).desc())).all()
    return next((effect["card"] for effect in rows if effect.get("ref_key") == ref_key), None)
