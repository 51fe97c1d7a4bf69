"""Shared checks: loading items, ownership, and guarded transitions with a clear loser message."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from sqlmodel import SQLModel

from workflows.actors import Actor, is_owner, require_role, roles_of
from workflows.core import Unit
from workflows.errors import Conflict, NotAllowed, NotFound
from workflows.states import FLOWS, Role
from workflows.text import stamp

T = TypeVar("T", bound=SQLModel)


def load(unit: Unit, model: type[T], item_id: int, what: str, typed: bool = False) -> T:
    """The item, or NotFound; `typed` when a person typed the id (it may never have existed), not a button."""
    item = unit.repo.get(model, item_id)
    if item is None:
        raise NotFound(f"No {what} {item_id}." if typed else f"That {what} no longer exists.")
    return item


def require_account_owner(unit: Unit, actor: Actor, owner: str, doing: str) -> None:
    """Success managers act on their own accounts (or any, when configured); admins on all."""
    config = unit.core.config
    require_role(actor, config, Role.SUCCESS, doing=doing)
    if Role.ADMIN in roles_of(actor, config) or config.permissions.success_acts_on_any_account:
        return
    if not is_owner(actor, owner):
        whose = f" ({owner})" if "@" in owner else ("" if owner else " (unassigned)")  # ids mean nothing to people
        raise NotAllowed(f"Only the account owner{whose} can {doing}.")


def transition(unit: Unit, item: SQLModel, entity: str, allowed_from: tuple[StrEnum, ...], to: StrEnum,
               actor: Actor, action: str, values: dict | None = None, **detail) -> None:
    """Apply one guarded state change or raise Conflict describing who got there first.

    The state machine in workflows/states.py decides: of `allowed_from`, only the states its table lets
    move to `to` are accepted.
    """
    flow = FLOWS[entity]
    allowed_from = tuple(state for state in allowed_from if to in flow.get(state, ()))
    if not allowed_from:
        raise ValueError(f"no {entity} may move to {to} from the states given")
    current = item.state
    changed = unit.repo.guarded_update(type(item), item.id, {"state": allowed_from}, {"state": to, **(values or {})})
    if not changed:
        unit.repo.session.refresh(item)
        raise Conflict(already_message(unit, entity, item))
    unit.audit(entity, item.id, action, actor.key, from_state=current.value, to_state=to.value,
               by_name=actor.display, **detail)


def already_message(unit: Unit, entity: str, item: SQLModel) -> str:
    """'Already approved by Ana on 3 Nov 2026 14:05 GMT.' from the audit trail."""
    trail = unit.repo.audit_trail(entity, item.id)
    last = next((a for a in reversed(trail) if a.to_state == item.state.value), None)
    what = item.state.value.replace("_", " ")
    if last is None:
        return f"This {entity} is already {what}."
    who = last.detail.get("by_name") or last.actor
    return f"Already {what} by {who} on {stamp(last.at, unit.core.config.tz)}."
