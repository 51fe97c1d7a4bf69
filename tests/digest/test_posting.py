"""Posting a digest: once per period whoever tries, re-posts on request, an outbox row with the chart."""

from __future__ import annotations

import asyncio
import base64
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.charts import digest_chart
from bot.context import BotContext
from bot.scheduler import catch_up, last_fire, make_trigger, mount, register_job, run_digest, schedule_of
from bot.settings import Settings
from storage import models as m
from tests.conftest import TEST_CONFIG
from tests.core.helpers import rows
from tests.digest import world
from tests.digest.test_card import png_size
from workflows.config import parse_config
from workflows.core import Core
from workflows.digest import FIRST_STARTED, first_started, post_digest
from workflows.effects import Card
from workflows.errors import Conflict, InvalidInput
from workflows.periods import parse_period


def digest_rows(engine):
    return [r for r in rows(engine, m.OutboxMessage) if r.effect["purpose"] == "digest"]


def started(core, when: datetime = datetime(2026, 6, 1, tzinfo=UTC)) -> None:
    """The bot was first started long before the periods these tests post."""
    with core.unit() as unit:
        unit.repo.add(m.ProgramFact(key=FIRST_STARTED, at=when))


def test_post_claims_the_period_and_queues_the_card_with_its_chart(core, engine):
    world.build(engine)
    october = parse_period("2026-10", core.config.tz)
    posted = post_digest(core, october, "cli:test", digest_chart)
    assert (posted.run_key, posted.outbox_rows) == ("2026-10", 1)
    [run] = rows(engine, m.DigestRun)
    assert (run.kind, run.period, run.requested_by) == ("monthly", "2026-10", "cli:test")
    [row] = digest_rows(engine)
    assert (row.platform, row.lane, row.effect["op"], row.effect["channel"]) == ("slack", "slack:C0LEAD", "post",
                                                                               "C0LEAD")
    card = Card.from_dict(row.effect["card"])
    assert card.title == "Advocacy digest: October 2026"
    assert card.image is not None and "wins flagged 5" in card.image.alt
    assert png_size(base64.b64decode(card.image.png_base64)) == (900, 340)
    assert rows(engine, m.AuditEvent, m.AuditEvent.entity == "digest")[0].action == "posted"


def test_second_post_is_refused_and_again_posts_exactly_once_more(core, engine):
    october = parse_period("2026-10", core.config.tz)
    post_digest(core, october, "scheduler")
    with pytest.raises(Conflict) as err:
        post_digest(core, october, "cli:test")
    assert "already posted on 10 Nov 2026 10:00 GMT" in err.value.message and "--again" in err.value.message
    assert post_digest(core, october, "cli:test", again=True).run_key == "2026-10#2"
    assert post_digest(core, october, "cli:test", again=True).run_key == "2026-10#3"
    assert len(digest_rows(engine)) == 3
    assert [r.period for r in rows(engine, m.DigestRun)] == ["2026-10", "2026-10#2", "2026-10#3"]


def test_without_a_digest_channel_nothing_is_claimed(engine, clock):
    config = parse_config({**TEST_CONFIG, "channels": {"slack": {"wins": "C0WINS"}}})
    core = Core(engine, config, "s", clock=clock)
    with pytest.raises(InvalidInput) as err:
        post_digest(core, parse_period("2026-10", config.tz))
    assert "channels.<platform>.digest" in err.value.message
    assert rows(engine, m.DigestRun) == []


def test_racing_posters_post_once_and_racing_reposts_each_post_once(core, engine):
    october = parse_period("2026-10", core.config.tz)
    outcomes: list[str] = []

    def attempt(again: bool):
        try:
            outcomes.append(post_digest(core, october, "racer", again=again).run_key)
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(False,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["2026-10", "refused", "refused", "refused"]
    outcomes.clear()
    threads = [threading.Thread(target=attempt, args=(True,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["2026-10#2", "2026-10#3", "2026-10#4"]
    assert len(digest_rows(engine)) == 4


def test_cron_run_posts_the_month_that_just_ended(core, engine, clock):
    started(core)
    clock.current = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    run_digest(core, "monthly")
    run_digest(core, "monthly")  # a second replica firing at the same time
    run_digest(core, "quarterly")
    assert sorted((r.kind, r.period) for r in rows(engine, m.DigestRun)) == [("monthly", "2026-10"),
                                                                            ("quarterly", "2026-Q3")]
    assert len(digest_rows(engine)) == 2


def test_catch_up_posts_only_what_was_due(core, engine, clock):
    started(core)
    triggers = {"monthly": make_trigger("0 9 1 * *", core.config.tz)}
    clock.current = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)  # before 09:00 on the 1st: September was due
    catch_up(core, triggers)
    assert [r.period for r in rows(engine, m.DigestRun)] == ["2026-09"]
    catch_up(core, triggers)
    clock.current = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)  # down on the 1st: October is posted late
    catch_up(core, triggers)
    catch_up(core, triggers)
    assert [r.period for r in rows(engine, m.DigestRun)] == ["2026-09", "2026-10"]
    assert len(digest_rows(engine)) == 2


def test_cron_runs_in_the_configured_timezone_across_dst():
    london = ZoneInfo("Europe/London")
    trigger = make_trigger("0 9 1 * *", london)
    since = datetime(2026, 9, 1, tzinfo=UTC)
    assert last_fire(trigger, datetime(2026, 10, 15, tzinfo=UTC), since) == datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    assert last_fire(trigger, datetime(2026, 11, 15, tzinfo=UTC), since) == datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    assert last_fire(trigger, datetime(2026, 9, 1, 7, tzinfo=UTC), since) is None
    with pytest.raises(ValueError, match="invalid cron expression"):
        make_trigger("0 25 1 * *", london)


def _ctx(core, **settings) -> BotContext:
    return BotContext(settings=Settings(_env_file=None, **settings), core=core)


def test_scheduler_off_registers_nothing_to_run(core):
    ctx = _ctx(core, scheduler=False)
    mount(None, ctx)
    register_job(ctx, "other.sweep", 60, lambda: None)
    assert ctx.surfaces["scheduler"] == "off: SCHEDULER=false" and ctx.background == []


async def test_scheduler_runs_registered_jobs_and_the_digest_catch_up(core, engine):
    started(core)
    ctx = _ctx(core)
    mount(None, ctx)
    ticks = []
    register_job(ctx, "test.tick", timedelta(seconds=0.05), lambda: ticks.append(1))
    with pytest.raises(ValueError, match="already scheduled"):
        register_job(ctx, "test.tick", 1, lambda: None)
    assert ctx.surfaces["scheduler"].startswith("on: digests monthly '0 9 1 * *'")
    assert [j.name for j in schedule_of(ctx).jobs] == ["digest.monthly", "digest.quarterly", "digest.catch-up",
                                                       "test.tick"]
    [run] = ctx.background
    task = asyncio.create_task(run())
    for _ in range(100):
        await asyncio.sleep(0.05)
        if len(ticks) >= 3 and len(rows(engine, m.DigestRun)) == 2:
            break
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert len(ticks) >= 3
    # the fixture clock says 10 Nov 2026: the catch-up at start posted October and Q3
    assert sorted(r.period for r in rows(engine, m.DigestRun)) == ["2026-10", "2026-Q3"]


def test_first_start_on_an_empty_database_posts_no_old_periods(core, engine, clock):
    """Started on 10 Nov: October and Q3 ended before, so nothing is posted; November is, as one line."""
    triggers = {kind: make_trigger(cron, core.config.tz) for kind, cron in (("monthly", "0 9 1 * *"),
                                                                            ("quarterly", "0 9 1 1,4,7,10 *"))}
    catch_up(core, triggers)
    run_digest(core, "monthly")
    assert rows(engine, m.DigestRun) == [] and digest_rows(engine) == []
    assert first_started(core) == datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
    clock.current = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    catch_up(core, triggers)
    assert [r.period for r in rows(engine, m.DigestRun)] == ["2026-11"]
    [row] = digest_rows(engine)
    card = Card.from_dict(row.effect["card"])
    assert card.body == ["No advocacy activity in November."] and card.image is None
