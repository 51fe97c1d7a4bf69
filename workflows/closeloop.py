"""Detractors: an NPS answer of 0-6 never produces an ask; it opens a close-the-loop item for the account owner."""

from __future__ import annotations

from datetime import timedelta

from storage import models as m
from storage import signals as sq
from workflows import cards
from workflows.actors import Actor
from workflows.core import Core, Unit
from workflows.effects import Button, Effect
from workflows.errors import InvalidInput
from workflows.guards import load, require_account_owner, transition
from workflows.outcome import Outcome
from workflows.scoring import DETRACTOR_MAX
from workflows.states import CloseLoopState
from workflows.text import clip, day_label

RECENT_DAYS = 90  # older answers (history in an import) do not open items
NUDGE_AFTER_DAYS = (3, 7, 14)
STEPS = ("Listen: call them and hear the whole story.", "Fix: agree what will change and by when.",
         "Follow up: tell them what you changed.", "Share the win: when it is solved, say so here (Resolve).")


def _card(item: m.CloseLoopItem, account: m.Account, contact: m.Contact | None, response: m.NpsResponse,
          unit: Unit, title: str) -> cards.Card:
    who = f"{contact.name} at {account.name}" if contact else account.name
    lines = [f"{who} answered {response.score} on {day_label(response.responded_at, unit.core.config.tz)}."]
    if response.comment:
        lines.append(f"They said: {clip(response.comment, 500)}")
    lines += [f"{n}. {step}" for n, step in enumerate(STEPS, 1)]
    return cards.notice(title, *lines, buttons=[Button("Resolve", "closeloop.resolve", str(item.id), "primary")])


def on_nps(unit: Unit, response: m.NpsResponse) -> m.CloseLoopItem | None:
    """Open a close-the-loop item for a new detractor answer (once per answer) and tell the owner.

    Only the latest answer of that contact (or account) counts, and only if it is recent.
    """
    if response.score > DETRACTOR_MAX or unit.now - response.responded_at > timedelta(days=RECENT_DAYS):
        return None
    latest = unit.repo.latest_nps(response.account_id, response.contact_id, limit=1)
    if latest and latest[0].id != response.id:
        return None
    account = unit.repo.get(m.Account, response.account_id)
    item_id = unit.repo.claim_once(m.CloseLoopItem, {
        "account_id": account.id, "contact_id": response.contact_id, "nps_response_id": response.id,
        "owner": account.owner, "state": CloseLoopState.OPEN, "note": "", "created_at": unit.now},
        ["nps_response_id"])
    if item_id is None:
        return None
    item = unit.repo.get(m.CloseLoopItem, item_id)
    unit.audit("close_loop", item.id, "opened", "system", to_state=CloseLoopState.OPEN.value, score=response.score)
    contact = unit.repo.get(m.Contact, response.contact_id)
    unit.emit(Effect("dm", _card(item, account, contact, response, unit, f"Close the loop: {account.name} "
                                 f"answered NPS {response.score}"), person=account.owner))
    return item


def nudge(core: Core, after_days: tuple[int, ...] = NUDGE_AFTER_DAYS) -> int:
    """Remind owners of open items older than each threshold, once per item and threshold; returns reminders sent.

    The scheduler calls this daily. An item past several thresholds at once gets one reminder.
    """
    sent = 0
    with core.unit() as unit:
        oldest = unit.now - timedelta(days=min(after_days))
        for item in sq.open_close_loops(unit.repo, oldest):
            age = (unit.now - item.created_at).days
            claimed = [days for days in sorted(after_days) if age >= days and unit.repo.claim_once(
                m.NudgeSent, {"item_kind": "close_loop", "item_id": item.id, "threshold": f"{days}d",
                              "sent_at": unit.now}, ["item_kind", "item_id", "threshold"])]
            if not claimed:
                continue
            account = unit.repo.get(m.Account, item.account_id)
            response = unit.repo.get(m.NpsResponse, item.nps_response_id)
            contact = unit.repo.get(m.Contact, item.contact_id)
            unit.emit(Effect("dm", _card(item, account, contact, response, unit,
                                         f"Reminder: {account.name}'s feedback has waited {age} days"),
                             person=item.owner))
            sent += 1
    return sent


def resolve_close_loop(core: Core, actor: Actor, item_id: int, note: str) -> Outcome:
    """The owner closed the loop: what was fixed. The customer may later be nominated as a turnaround story."""
    note = note.strip()
    if not note:
        raise InvalidInput("Say what you fixed or agreed with the customer.", field="note")
    if len(note) > 1000:
        raise InvalidInput("Keep the note under 1000 characters.", field="note")
    with core.unit() as unit:
        item = load(unit, m.CloseLoopItem, item_id, "close-the-loop item")
        require_account_owner(unit, actor, item.owner, "resolve this feedback")
        transition(unit, item, "close_loop", (CloseLoopState.OPEN,), CloseLoopState.RESOLVED, actor, "resolved",
                   {"note": note, "resolved_at": unit.now})
        account = unit.repo.get(m.Account, item.account_id)
    return Outcome.of(unit, f"Resolved. {account.name} can be nominated as a turnaround story once they are ready.")
