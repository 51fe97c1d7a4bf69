"""The score in words: each signal's points, missing signals, ties, and the same numbers in bulk and per account."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from storage import models as m
from storage import signals as sq
from storage.signals import Signals
from tests.conftest import TEST_CONFIG
from workflows import scoring
from workflows.config import ConfigError, parse_config

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)


@pytest.fixture
def profile(config):
    return scoring.Profile(config)


def sig(**values) -> Signals:
    return Signals(values.pop("account_id", 1), **values)


def test_reasons_read_like_a_success_manager_would_say_them(profile):
    s = sig(segment="enterprise", nps=10, nps_at=datetime(2026, 11, 3, 9, tzinfo=UTC), nps_prev=7,
            usage_percentile=91, time_to_value_days=14, open_escalations=0,
            win_at=NOW - timedelta(days=4), win_value=2, win_unit="h/week saved", win_outcome="time_saved")
    score = scoring.explain(s, profile, NOW)
    assert score.reasons[:3] == ["won 2 h/week saved 4 days ago", "NPS 10 on 3 Nov", "usage top 9%"]
    assert set(score.reasons[3:]) == {"no open escalations", "NPS up from 7", "value reached in 14 days",
                                      "fits the ideal customer profile (enterprise)"}
    assert score.missing == []
    # win 4/90 faded: 4 * (1 - 4/90); nps 3; trend 1 (up 3); usage 2 * .91; ttv 1; fit 1; support 1.5
    assert score.value == pytest.approx(4 * (1 - 4 / 90) + 3 + 1 + 1.82 + 1 + 1 + 1.5, abs=1e-3)
    assert score.max_value == 13.5  # turnaround (2) never adds to NPS (3)


def test_missing_signals_score_nothing_and_are_named(profile):
    score = scoring.explain(sig(), profile, NOW)
    assert score.value == 0 and score.reasons == []
    assert score.card_reasons() == ["no data on NPS, usage, support"]


@pytest.mark.parametrize("answer, points", [(10, 3.0), (9, 2.4), (8, 0.9), (7, 0.9), (6, 0.0), (0, 0.0)])
def test_nps_bands(profile, answer, points):
    assert scoring.points(sig(nps=answer, nps_at=NOW), profile, NOW) == pytest.approx(points)


@pytest.mark.parametrize("prev, trend", [(10, 0.0), (9, 1 / 3), (8, 2 / 3), (4, 1.0)])
def test_trend_grows_with_the_rise_and_never_penalises(profile, prev, trend):
    parts = {}
    scoring.points(sig(nps=10, nps_at=NOW, nps_prev=prev), profile, NOW, parts)
    assert parts["nps_trend"] == pytest.approx(trend)


@pytest.mark.parametrize("days, share", [(14, 1.0), (7, 1.0), (67, 0.5), (120, 0.0), (400, 0.0)])
def test_time_to_value_is_linear_between_two_weeks_and_four_months(profile, days, share):
    parts = {}
    scoring.points(sig(time_to_value_days=days), profile, NOW, parts)
    assert parts["time_to_value"] == pytest.approx(share)


@pytest.mark.parametrize("age, share", [(0, 1.0), (45, 0.5), (90, 0.0), (200, 0.0)])
def test_win_fades_over_ninety_days(profile, age, share):
    parts = {}
    scoring.points(sig(win_at=NOW - timedelta(days=age), win_outcome="other"), profile, NOW, parts)
    assert parts["win_recency"] == pytest.approx(4 * share)


def test_an_open_escalation_costs_the_support_points(profile):
    assert scoring.points(sig(open_escalations=1), profile, NOW) == 0
    assert scoring.points(sig(open_escalations=0), profile, NOW) == 1.5


def test_fit_is_the_share_of_profile_keys_matched():
    config = parse_config({"scoring": {"ideal_customer_profile": {"segments": ["Enterprise"],
                                                                  "industries": ["fintech", "saas"]}}})
    profile = scoring.Profile(config)
    assert scoring.points(sig(segment="enterprise", industry="retail"), profile, NOW) == 0.5
    assert scoring.points(sig(segment="enterprise", industry="SaaS"), profile, NOW) == 1.0
    assert scoring.explain(sig(segment="enterprise"), profile, NOW).reasons == [
        "fits the ideal customer profile (enterprise)"]


def test_ties_go_to_the_fresher_answer_then_the_older_account(profile):
    a = sig(account_id=3, nps=10, nps_at=NOW - timedelta(days=9))
    b = sig(account_id=2, nps=10, nps_at=NOW - timedelta(days=1))
    c = sig(account_id=1, nps=10, nps_at=NOW - timedelta(days=9))
    ranked = sorted(zip(scoring.values([a, b, c], profile, NOW), [a, b, c]),
                    key=lambda vs: scoring.rank_key(vs[1], vs[0]))
    assert [s.account_id for _, s in ranked] == [2, 1, 3]


def test_bulk_scores_equal_the_explained_ones(profile):
    rng = random.Random(4)
    maybe = lambda value: value if rng.random() < 0.8 else None  # noqa: E731
    many = [sig(account_id=i, segment=rng.choice(["enterprise", "smb"]), nps=maybe(rng.randint(0, 10)),
                nps_at=NOW, nps_prev=maybe(rng.randint(0, 10)), usage_percentile=maybe(rng.uniform(0, 100)),
                time_to_value_days=maybe(rng.randint(0, 200)), open_escalations=maybe(rng.randint(0, 2)),
                win_at=maybe(NOW - timedelta(days=rng.randint(0, 120))), win_outcome="other")
            for i in range(500)]
    assert scoring.values(many, profile, NOW) == [scoring.explain(s, profile, NOW).value for s in many]


@pytest.mark.parametrize("scoring_yaml, message", [
    ({"weights": {"nps": 1, "happiness": 2}}, "unknown signal(s) happiness"),
    ({"weights": {"nps": -1}}, "must not be negative"),
    ({"ideal_customer_profile": {"sizes": ["big"]}}, "unknown key(s) sizes"),
    ({"fairness_weight": -1}, "scoring.fairness_weight"),
])
def test_scoring_config_errors_name_the_problem(scoring_yaml, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_config({**TEST_CONFIG, "scoring": scoring_yaml})


def test_load_signals_reads_each_accounts_latest_rows(core, engine):
    with core.unit() as unit:
        repo = unit.repo
        a = repo.add(m.Account(name="A", name_key="a", segment="enterprise", created_at=NOW))
        b = repo.add(m.Account(name="B", name_key="b", created_at=NOW))
        dana = repo.add(m.Contact(account_id=a.id, name="Dana", email="d@a.test", created_at=NOW))
        lee = repo.add(m.Contact(account_id=a.id, name="Lee", email="l@a.test", created_at=NOW))
        for who, score, days in ((dana, 6, 40), (dana, 9, 10), (lee, 3, 2)):
            repo.add(m.NpsResponse(account_id=a.id, contact_id=who.id, score=score,
                                   responded_at=NOW - timedelta(days=days)))
        for day, pct in ((1, 50.0), (20, 80.0), (10, 70.0)):
            repo.add(m.UsageSnapshot(account_id=a.id, measured_on=datetime(2026, 10, day).date(),
                                     usage_percentile=pct, time_to_value_days=day))
        repo.add(m.SupportSnapshot(account_id=a.id, measured_on=datetime(2026, 10, 1).date(), open_escalations=2))
        repo.add(m.SupportSnapshot(account_id=a.id, measured_on=datetime(2026, 11, 1).date(), open_escalations=0))
        ids = (a.id, b.id, dana.id)
    with core.unit() as unit:
        found = sq.load_signals(unit.repo)
        for_dana = sq.load_signals(unit.repo, [ids[0]], contact_id=ids[2])[ids[0]]
    first = found[ids[0]]
    assert (first.nps, first.nps_prev, first.usage_percentile, first.time_to_value_days, first.open_escalations) \
        == (3, 9, 80.0, 20, 0)
    assert found[ids[1]] == Signals(ids[1])
    assert (for_dana.nps, for_dana.nps_prev, for_dana.contact_id) == (9, 6, ids[2])
    assert for_dana.nps_at == NOW - timedelta(days=10)  # aware UTC on both engines
