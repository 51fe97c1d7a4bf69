"""The scheduled routines: what each server runs, and what one run of them does."""

from __future__ import annotations

from bot import routines
from bot.context import BotContext
from bot.settings import Settings
from tests.core.helpers import outbox, rows
from tests.identification.helpers import customer
from tests.identification.test_closeloop import open_item
from storage import models as m
from workflows.config import parse_config
from tests.conftest import TEST_CONFIG


def _ctx(core, **config) -> BotContext:
    core.config = parse_config({**TEST_CONFIG, **config})
    return BotContext(settings=Settings(scheduler=True), core=core)


def test_every_server_schedules_reminders_and_the_sweep_and_the_crm_push_when_configured(core):
    plain = _ctx(core)
    routines.mount(None, plain)
    assert [job.name for job in plain.schedule.jobs] == ["nudges", "sweep"]
    with_crm = _ctx(core, crm_callback_url="https://crm.example.com/advocates")
    routines.mount(None, with_crm)
    assert [job.name for job in with_crm.schedule.jobs] == ["nudges", "sweep", "crm-push"]
    assert "CRM push every 15 minutes" in with_crm.surfaces["routines"]


def test_one_reminder_run_covers_close_the_loop_items(core, engine, clock):
    open_item(core, engine)
    clock.advance(days=3, hours=1)
    counts = routines.nudge(core)
    assert counts["close_the_loop"] == 1
    assert any(e["card"]["title"] == "Reminder: Acme's feedback has waited 3 days" for e in outbox(engine))


def test_the_sweep_nominates_a_promoter_nobody_asked(core, engine):
    customer(core, "Promoter Co", nps=10, days_ago=2)
    routines.sweep(core)
    assert [n.account_id for n in rows(engine, m.Nomination)] == [rows(engine, m.Account)[0].id]
