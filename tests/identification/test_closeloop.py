"""Close-the-loop items: reminders once per threshold, and resolving them."""

from __future__ import annotations

import pytest

from storage import models as m
from tests.conftest import SAM
from tests.core.helpers import outbox, rows
from tests.identification.helpers import customer
from workflows import closeloop
from workflows.errors import Conflict, InvalidInput


def open_item(core, engine) -> int:
    customer(core, "Acme", nps=4, days_ago=0)
    with core.unit() as unit:
        return closeloop.on_nps(unit, unit.repo.get(m.NpsResponse, rows(engine, m.NpsResponse)[0].id)).id


def reminders(engine) -> list[str]:
    return [e["card"]["title"] for e in outbox(engine) if e["card"]["title"].startswith("Reminder")]


def test_owner_is_reminded_once_per_threshold(core, engine, clock):
    open_item(core, engine)
    clock.advance(days=2, hours=23)
    assert closeloop.nudge(core) == 0
    clock.advance(hours=1)
    assert closeloop.nudge(core) == 1 and closeloop.nudge(core) == 0
    clock.advance(days=4)
    assert closeloop.nudge(core) == 1
    clock.advance(days=30)
    assert closeloop.nudge(core) == 1 and closeloop.nudge(core) == 0
    assert reminders(engine) == ["Reminder: Acme's feedback has waited 3 days",
                                 "Reminder: Acme's feedback has waited 7 days",
                                 "Reminder: Acme's feedback has waited 37 days"]


def test_an_item_past_every_threshold_gets_one_reminder_and_resolved_items_none(core, engine, clock):
    item = open_item(core, engine)
    clock.advance(days=20)
    assert closeloop.nudge(core) == 1 and len(rows(engine, m.NudgeSent)) == 3
    with pytest.raises(InvalidInput, match="Say what you fixed"):
        closeloop.resolve_close_loop(core, SAM, item, "  ")
    assert "turnaround story" in closeloop.resolve_close_loop(core, SAM, item, "Fixed exports").message
    with pytest.raises(Conflict, match="Already resolved by Sam Success"):
        closeloop.resolve_close_loop(core, SAM, item, "Again")
    clock.advance(days=30)
    assert closeloop.nudge(core, after_days=(3, 7, 14, 30)) == 0
