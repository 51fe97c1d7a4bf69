"""Each nudge fires once, at its threshold, on both engines, even with several replicas running."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta

import pytest

from storage import models as m
from tests.conftest import MIA, SAM
from tests.core.helpers import flag, outbox, rows, to_review, token_of
from workflows import asks, stories
from workflows.config import parse_config
from workflows.core import Core
from workflows.links import BadLink
from workflows.nudges import run_nudges
from workflows.states import AskState, AskType, NominationState, PlacementChannel, PlacementState
from tests.conftest import TEST_CONFIG


def sent(engine, title_start: str, op: str | None = None) -> list[dict]:
    return [e for e in outbox(engine) if e["card"]["title"].startswith(title_start) and (op is None or e["op"] == op)]


def fired(core, name: str) -> int:
    return run_nudges(core)[name]


def test_untouched_nomination_reminds_the_owner_once_after_7_days(core, engine, clock):
    flag(core)
    clock.advance(days=6, hours=23)
    assert fired(core, "nomination_untouched") == 0
    clock.advance(hours=1)
    assert fired(core, "nomination_untouched") == 1
    [dm] = sent(engine, "Nomination waiting: Acme Corp")
    assert dm["op"] == "dm" and dm["person"] == "U0SUCCESS"
    assert [b["action"] for b in dm["card"]["buttons"]] == ["nomination.ask", "nomination.dismiss", "nomination.snooze"]
    clock.advance(days=30)
    assert fired(core, "nomination_untouched") == 0 and len(sent(engine, "Nomination waiting")) == 1


def test_unanswered_ask_gets_one_reminder_after_5_days_and_expires_after_21(core, engine, clock):
    nomination = flag(core).nomination
    draft = asks.draft_ask(core, SAM, nomination.id, AskType.SHORT_QUOTE)
    asks.mark_sent(core, SAM, draft.ask.id)
    clock.advance(days=4, hours=23)
    assert run_nudges(core)["ask_reminder"] == 0
    clock.advance(hours=1)
    assert run_nudges(core)["ask_reminder"] == 1
    [reminder] = sent(engine, "No answer yet from Acme Corp")
    assert reminder["person"] == "U0SUCCESS" and draft.link in reminder["card"]["body"][1]
    clock.advance(days=10)
    assert run_nudges(core) == dict.fromkeys(run_nudges(core), 0)
    clock.advance(days=6)  # 21 days after sending
    assert fired(core, "ask_expired") == 1
    assert rows(engine, m.Ask)[0].state == AskState.EXPIRED
    assert len(sent(engine, "Acme Corp did not answer the short quote ask", "dm")) == 1
    card_updates = [e for e in outbox(engine) if e["op"] == "update" and e["ref_key"] == f"nomination:{nomination.id}"]
    assert "expired" in card_updates[-1]["card"]["note"]
    assert fired(core, "ask_expired") == 0 and len(sent(engine, "No answer yet")) == 1
    with pytest.raises(BadLink, match="expired"):
        stories.view_intake(core, token_of(draft.link))


def test_pending_review_reminds_marketing_once_after_3_days(core, engine, clock):
    to_review(core)
    clock.advance(days=2, hours=23)
    assert fired(core, "review_pending") == 0
    clock.advance(hours=1)
    assert fired(core, "review_pending") == 1
    [post] = sent(engine, "Waiting for review: Acme Corp's short quote")
    assert (post["op"], post["channel"]) == ("post", "C0APPR")
    clock.advance(days=3)
    assert fired(core, "review_pending") == 0


def test_reviewed_story_is_not_nudged(core, engine, clock):
    submitted, _ = to_review(core)
    stories.approve(core, MIA, submitted.story.id)
    clock.advance(days=5)
    assert fired(core, "review_pending") == 0


def test_expiring_consent_tells_the_owner_30_days_ahead_then_lapsed_consent_retires_placements(core, engine, clock):
    submitted, _ = to_review(core, expires_on=date(2026, 12, 20))
    stories.approve(core, MIA, submitted.story.id)
    stories.publish(core, MIA, submitted.story.id, PlacementChannel.WEBSITE, "https://example.com/acme")
    clock.advance(days=9)  # 19 Nov: 31 days before the end
    assert fired(core, "consent_expiring") == 0
    clock.advance(days=1)
    assert fired(core, "consent_expiring") == 1
    [dm] = sent(engine, "Consent for Acme Corp's story ends on 20 Dec 2026")
    assert dm["person"] == "U0SUCCESS"
    clock.advance(days=30)  # 20 Dec: the last day of consent
    assert run_nudges(core)["consent_lapsed"] == 0
    assert rows(engine, m.Placement)[0].state == PlacementState.LIVE
    clock.advance(days=1)
    assert fired(core, "consent_lapsed") == 1
    placement = rows(engine, m.Placement)[0]
    assert placement.state == PlacementState.RETIRED and placement.retire_reason == "consent expired"
    [post] = sent(engine, "Consent ended: Acme Corp")
    assert post["channel"] == "C0APPR" and "https://example.com/acme" in post["card"]["body"]
    assert run_nudges(core) == dict.fromkeys(run_nudges(core), 0)
    assert len(sent(engine, "Consent for Acme Corp")) == 1


def test_snoozed_nomination_comes_back_when_its_date_passes(core, engine, clock):
    nomination = flag(core).nomination
    asks.snooze(core, SAM, nomination.id)  # until 09:00 local time, 14 days on
    ends = datetime.combine((clock() + timedelta(days=14)).astimezone(core.config.tz).date(), time(9),
                            tzinfo=core.config.tz)
    clock.advance(seconds=(ends - clock()).total_seconds() - 60)
    assert fired(core, "snooze_ended") == 0
    clock.advance(minutes=1)
    assert fired(core, "snooze_ended") == 1
    assert rows(engine, m.Nomination)[0].state == NominationState.PROPOSED
    updates = [e for e in outbox(engine) if e["op"] == "update" and e["ref_key"] == f"nomination:{nomination.id}"]
    assert updates[-1]["card"]["note"] == "Back from snooze" and updates[-1]["card"]["buttons"]
    assert fired(core, "snooze_ended") == 0
    asks.snooze(core, SAM, nomination.id)  # a second snooze ends once too
    clock.advance(days=14)
    assert fired(core, "snooze_ended") == 1


def test_thresholds_come_from_app_yaml(engine, clock):
    config = parse_config({**TEST_CONFIG, "nudges": {"review_pending_days": 1, "nomination_untouched_days": 2}})
    core = Core(engine, config, secret="test-secret", clock=clock)
    to_review(core)
    clock.advance(days=1)
    assert fired(core, "review_pending") == 1
    clock.advance(days=1)
    assert fired(core, "nomination_untouched") == 0  # accepted when the ask was drafted
    flag(core, account="Beta Ltd")
    clock.advance(days=2)
    assert fired(core, "nomination_untouched") == 1


def test_replicas_running_at_once_send_each_nudge_once(engine, config, clock):
    replicas = [Core(engine, config, secret="test-secret", clock=clock) for _ in range(4)]
    to_review(replicas[0])
    flag(replicas[0], account="Beta Ltd")
    clock.advance(days=8)
    results, errors = [], []

    def run(core):
        try:
            results.append(run_nudges(core))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(core,)) for core in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r["review_pending"] for r in results) == 1 and sum(r["nomination_untouched"] for r in results) == 1
    assert len(sent(engine, "Waiting for review")) == 1 and len(sent(engine, "Nomination waiting")) == 1
    assert len(rows(engine, m.NudgeSent)) == 2
