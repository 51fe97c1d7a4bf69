"""Races and atomicity: a double click applies once; a failure mid-command leaves nothing behind."""

from __future__ import annotations

import threading

import pytest

from storage import models as m
from tests.conftest import MIA, SAM
from tests.core.helpers import flag, rows, to_review
from workflows import asks, stories, wins
from workflows.actors import Actor
from workflows.core import Core
from workflows.errors import Conflict


def race(n: int, action) -> tuple[list, list]:
    """Run `action(i)` in n threads released together; returns (results, conflicts)."""
    barrier = threading.Barrier(n)
    results, conflicts, errors = [], [], []

    def run(i):
        barrier.wait()
        try:
            results.append(action(i))
        except Conflict as exc:
            conflicts.append(exc.message)
        except Exception as exc:  # surfaced below so the test names it
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results, conflicts


def test_racing_approvals_apply_exactly_once(core, engine):
    submitted, _ = to_review(core)
    marketers = [Actor(platform="slack", user_id="U0MARKET", name=f"Marketer {i}") for i in range(4)]
    results, conflicts = race(4, lambda i: stories.approve(core, marketers[i], submitted.story.id))
    assert len(results) == 1 and len(conflicts) == 3
    assert all(c.startswith("Already approved by Marketer") for c in conflicts)
    assert len(rows(engine, m.ReviewDecision)) == 1
    updates = [r for r in rows(engine, m.OutboxMessage) if r.effect["op"] == "update"
               and r.effect["ref_key"] == f"story:{submitted.story.id}"]
    assert len(updates) == 1


def test_racing_ask_clicks_draft_one_ask(core, engine):
    nom = flag(core).nomination
    results, conflicts = race(3, lambda i: asks.draft_ask(core, SAM, nom.id, asks.AskType.SHORT_QUOTE))
    assert len(results) == 1 and len(conflicts) == 2
    assert len(rows(engine, m.Ask)) == 1


def test_racing_retries_of_one_event_record_one_win(core, engine):
    form = wins.parse_win_form({"account_name": "Acme", "story": "Saved time"})
    results, conflicts = race(4, lambda i: wins.flag_win(core, SAM, form, event_key="Ev-race"))
    assert len(results) == 1 and len(conflicts) == 3
    assert len(rows(engine, m.Win)) == 1


class ExplodingScorer:
    def score(self, *args):
        raise RuntimeError("scorer unavailable")


def test_failure_mid_command_leaves_neither_change_nor_outbox(engine, config, clock):
    broken = Core(engine, config, secret="s", clock=clock, scorer=ExplodingScorer())
    with pytest.raises(RuntimeError):
        flag(broken)
    for model in (m.Account, m.Win, m.Nomination, m.OutboxMessage, m.AuditEvent):
        assert rows(engine, model) == [], model.__name__


def test_outbox_rows_are_written_with_the_change(core, engine):
    submitted, _ = to_review(core)
    before = len(rows(engine, m.OutboxMessage))
    stories.approve(core, MIA, submitted.story.id)
    new = rows(engine, m.OutboxMessage)[before:]
    assert [(r.effect["op"], r.lane) for r in new] == [("update", "slack:C0APPR"), ("dm", "slack:dm:U0SUCCESS")]


def test_two_people_naming_the_same_new_account_at_once_share_it(core, engine):
    results, conflicts = race(4, lambda i: flag(core, account="Brand New Co", story=f"win {i}",
                                                contact_name="", contact_email=""))
    assert len(results) == 4 and not conflicts
    assert [a.name for a in rows(engine, m.Account)] == ["Brand New Co"]
    assert len(rows(engine, m.Win)) == 4
    assert len([a for a in rows(engine, m.AuditEvent) if a.entity == "account" and a.action == "created"]) == 1


def test_a_read_only_unit_refuses_to_write_and_the_next_unit_may(core: Core):
    with pytest.raises(Exception, match="(?i)read.?only"):
        with core.unit(read_only=True) as unit:
            unit.repo.add(m.Account(name="Acme Corp", name_key="acme corp"))
    with core.unit() as unit:
        unit.repo.add(m.Account(name="Acme Corp", name_key="acme corp"))
    with core.unit(read_only=True) as unit:
        assert [a.name for a in unit.repo.search_accounts("acme", 5)] == ["Acme Corp"]
