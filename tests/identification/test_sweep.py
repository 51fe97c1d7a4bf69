"""The periodic sweep: promoters nobody asked recently, never a second open nomination, snoozes brought back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import models as m
from tests.conftest import SAM
from tests.core.helpers import flag, outbox, rows
from tests.core.test_concurrency import race
from tests.identification.helpers import asked, customer, publish_story
from workflows import asks, fairness, identification, queue


def nominated(engine) -> list[str]:
    names = {a.id: a.name for a in rows(engine, m.Account)}
    return [names[n.account_id] for n in rows(engine, m.Nomination)]


def test_sweep_nominates_promoters_without_a_recent_ask_once(core, engine, clock):
    customer(core, "Promoter", nps=10)
    customer(core, "Nine", nps=9)
    customer(core, "Passive", nps=8)
    customer(core, "Detractor", nps=5)
    customer(core, "Silent", nps=None)
    customer(core, "Opted Out", nps=10, opted_out=True)
    recent, _ = customer(core, "Asked Lately", nps=10)
    asked(core, recent, None, clock() - timedelta(days=29))
    old, _ = customer(core, "Asked Long Ago", nps=10)
    asked(core, old, None, clock() - timedelta(days=31))
    flag(core, account="Promoter Already Nominated")
    report = identification.sweep(core)
    assert report.message == "Sweep: 3 nominated from 3 candidate(s)."
    assert sorted(nominated(engine)) == ["Asked Long Ago", "Nine", "Promoter", "Promoter Already Nominated"]
    card = [e["card"] for e in outbox(engine) if e["purpose"] == "nominations"][-1]
    assert card["title"] == "Advocate nomination: Nine Lead at Nine"
    again = identification.sweep(core)
    assert again.nominated == [] and len(rows(engine, m.Nomination)) == 4


def test_dismissed_accounts_rest_for_the_cooldown(core, engine, clock):
    customer(core, "Acme", nps=10)
    first = identification.sweep(core).nominated[0]
    asks.dismiss(core, SAM, first)
    clock.advance(days=29)
    assert identification.sweep(core).nominated == []
    clock.advance(days=2)
    assert len(identification.sweep(core).nominated) == 1


def test_sweep_limit_keeps_the_best(core, engine):
    customer(core, "Good", nps=9)
    customer(core, "Best", nps=10)
    report = identification.sweep(core, limit=1)
    assert report.candidates == 2 and nominated(engine) == ["Best"]


def test_concurrent_sweeps_never_duplicate_an_open_nomination(core, engine):
    for i in range(4):
        customer(core, f"Acme {i}", nps=10)
    results, _ = race(3, lambda i: identification.sweep(core))
    assert sorted(len(r.nominated) for r in results) == [0, 0, 4]
    assert len({n.account_id for n in rows(engine, m.Nomination)}) == len(rows(engine, m.Nomination)) == 4


def test_under_represented_customers_come_forward(core, engine, clock):
    for i in range(3):
        acc, person = customer(core, f"Fin {i}", nps=None, industry="fintech", region="EMEA")
        publish_story(core, acc, person, clock() - timedelta(days=20))
    customer(core, "Fintech Promoter", nps=10, industry="fintech", region="EMEA", segment="enterprise")
    customer(core, "Health Promoter", nps=10, industry="healthcare", region="APAC", segment="smb")
    with core.unit(read_only=True) as unit:
        cover = fairness.recent(unit.repo, core.config, clock())
    assert cover.gap("industry", "healthcare") == 1.0 and cover.gap("industry", "fintech") == 0.0
    assert identification.sweep(core, limit=1).nominated and nominated(engine) == ["Health Promoter"]
    identification.sweep(core)
    mine = queue.my_queue(core, SAM).sections["Nominations"]
    assert [item.title for item in mine] == ["Health Promoter", "Fintech Promoter"]  # 3.0 x 1.5 beats 4.0


def test_fairness_off_keeps_the_score_order(core, engine, clock):
    core.config.scoring.fairness_weight = 0
    acc, person = customer(core, "Fin", nps=None)
    publish_story(core, acc, person, clock() - timedelta(days=20))
    customer(core, "Fintech Promoter", nps=10)
    customer(core, "Health Promoter", nps=10, industry="healthcare", region="APAC", segment="smb")
    identification.sweep(core, limit=1)
    assert nominated(engine) == ["Fintech Promoter"]


def test_coverage_of_a_period_for_the_digest(core, engine, clock):
    fin, fin_lead = customer(core, "Fin", nps=None, role="finance")
    customer(core, "Care", nps=None, industry="healthcare", region="NA", role="it")
    customer(core, "Shop", nps=None, industry="retail", region="NA")
    publish_story(core, fin, fin_lead, datetime(2026, 9, 30, 23, 30, tzinfo=UTC))  # 1 Oct 00:30 BST: in Q4
    publish_story(core, fin, fin_lead, datetime(2026, 9, 30, 22, 30, tzinfo=UTC))  # 30 Sep 23:30 BST: Q3
    cover = fairness.coverage(core, "2026-Q4")
    assert cover.stories == 1
    industry = {row.value: (row.stories, round(row.base_share, 2), round(row.gap, 2))
                for row in cover.dimensions["industry"]}
    assert industry == {"fintech": (1, 0.33, 0.0), "healthcare": (0, 0.33, 1.0), "retail": (0, 0.33, 1.0)}
    assert cover.lines(3) == ["region NA: 0 of 1 stories (67% of accounts)",  # the widest gap first
                              "role it: 0 of 1 stories (50% of contacts)",
                              "industry healthcare: 0 of 1 stories (33% of accounts)"]
    assert fairness.coverage(core, "2026-Q3").stories == 1
