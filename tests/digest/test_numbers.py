"""Digest numbers against a hand-computed fixture, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_CONFIG, clean
from tests.digest import world
from workflows.config import parse_config
from workflows.core import Core
from workflows.digest import build_digest, close_rate, digest_card, nps_score
from workflows.periods import parse_period


@pytest.fixture(scope="module")
def world_core(migrated_engine):
    """The fixture program, built once per engine for the read-only tests of this module."""
    clean(migrated_engine)
    ids = world.build(migrated_engine)
    yield Core(migrated_engine, parse_config(TEST_CONFIG), "test-secret", clock=lambda: world.NOW), ids
    clean(migrated_engine)


@pytest.fixture(scope="module")
def october(world_core):
    core, ids = world_core
    return build_digest(core, parse_period("2026-10", core.config.tz)), ids


def test_funnel_counts_each_step_in_the_period_with_london_month_edges(october):
    d, _ = october
    a, b = d.activity, d.previous_activity
    assert (a.wins, a.nominations, a.asks_sent, a.responses, a.approved, a.published) == (5, 4, 4, 2, 2, 1)
    assert (b.wins, b.nominations, b.asks_sent, b.responses, b.approved, b.published) == (2, 2, 1, 1, 1, 0)


def test_cycle_times_are_median_and_interpolated_90th_percentile_in_days(october):
    c = october[0].cycles
    assert c.win_to_ask.count == 4
    assert c.win_to_ask.median == pytest.approx(3.0, abs=1e-4)  # 1, 2, 4, 40 days
    assert c.win_to_ask.p90 == pytest.approx(29.2, abs=1e-4)  # 4 + 0.7 × 36
    assert (c.ask_to_response.median, c.ask_to_response.p90) == pytest.approx((1.5, 1.9), abs=1e-4)
    assert (c.review.median, c.review.p90) == pytest.approx((3.0, 3.8), abs=1e-4)
    assert (c.win_to_published.count, c.win_to_published.median) == (1, pytest.approx(6.0, abs=1e-4))
    previous = october[0].previous_cycles
    assert previous.win_to_ask.count == 0 and previous.win_to_ask.median is None  # the September ask has no win
    assert previous.ask_to_response.median == pytest.approx(5.0, abs=1e-4)


def test_nps_for_the_period_and_six_month_trend(october):
    d, _ = october
    assert (d.nps.responses, d.nps.promoters, d.nps.detractors) == (6, 3, 2)
    assert nps_score(d.nps) == pytest.approx(100 / 6)
    trend = [(p.key, nps_score(n)) for p, n in d.nps_trend]
    assert trend == [("2026-05", -100), ("2026-06", None), ("2026-07", 100), ("2026-08", None),
                     ("2026-09", 0), ("2026-10", pytest.approx(100 / 6))]


def test_reviews_count_rated_stories_and_confirmed_site_reviews_once_per_ask(october):
    a, b = october[0].activity, october[0].previous_activity
    # stories rated 5 and 4; site reviews rated 3, unrated, 5 (the G2 review of the story rated 5 is not counted twice)
    assert (a.reviews, a.rated, a.rating_sum) == (5, 4, 17)
    assert (b.reviews, b.rated, b.rating_sum) == (2, 2, 7)  # a story rated 3, a G2 review rated 4 on 30 Sep BST


def test_referrals_made_converted_and_their_revenue(october):
    a, b = october[0].activity, october[0].previous_activity
    assert (a.referrals_made, a.referrals_converted, a.referral_revenue, b.referrals_made) == (2, 1, 40000, 1)


def test_deal_outcomes_with_and_without_proof(october):
    d = october[0].deals
    assert (d.won, d.lost, d.withdrawn, d.closed, d.won_amount) == (4, 3, 2, 9, 200000)
    assert (d.proof_won, d.proof_lost, d.proof_withdrawn, d.revenue) == (2, 1, 1, 150000)  # O1 120k + O3 30k
    assert close_rate(d.proof_won, d.proof_lost) == pytest.approx(2 / 3)
    assert close_rate(d.won, d.lost) == pytest.approx(4 / 7)
    assert d.cycle_with_proof.median == pytest.approx((80 + 20.5625) / 2, abs=1e-4)
    assert d.cycle_without_proof.median == pytest.approx((10 + 122.5625) / 2, abs=1e-4)
    # pipeline: opportunities where proof was used in October, at the deal's amount (O1 120k, O2 50k)
    assert (d.opportunities, d.pipeline) == (2, 170000)
    before = october[0].previous_deals
    assert (before.won, before.proof_won, before.revenue, before.opportunities, before.pipeline) == (1, 0, 0, 2, 100000)


def test_usage_and_clicks_by_channel(october):
    d = october[0]
    assert (d.activity.deal_uses, d.activity.deal_stories) == (3, 2)
    assert d.placements == {"website": 1, "sales_deck": 1}
    assert d.clicks == {"website": 3, "sales_deck": 2}  # 23:59 UTC on 31 Oct is October; midnight is November


def test_people_thanked_coverage_and_stuck_items(october):
    d, ids = october
    assert [(p.name, p.count) for p in d.advocates] == [("Dana Lee at Acme", 2), ("Beta", 2), ("Delta", 1)]
    assert [(p.name, p.count) for p in d.flaggers] == [("Ann", 3), ("Bo", 1), ("Cy", 1)]
    segments = {s.value: (s.accounts, s.advocates) for s in d.coverage["segment"]}
    assert segments == {"smb": (2, 2), "enterprise": (1, 1), "mid-market": (1, 0)}
    assert d.stuck["nomination"][0] == 1 and d.stuck["nomination"][1][0].item_id == ids["n6"]
    assert d.stuck["ask"][0] == 1 and d.stuck["ask"][1][0].item_id == ids["k7"]
    assert d.stuck["review"][0] == 1 and d.stuck["review"][1][0].account == "Delta"


def test_stuck_owners_are_shown_by_name_where_the_digest_is_delivered(october):
    card = digest_card(october[0])
    [stuck] = [text for text in card.body if text.startswith("Stuck for more than")]
    assert "owner U0OWNER" in stuck and card.body_people == ["U0OWNER"] and "U0OWNER" in card.people()
    named = card.named({"U0OWNER": "Olive Owner", "U0OWNE": "Not a whole key"})
    [shown] = [text for text in named.body if text.startswith("Stuck for more than")]
    assert "owner Olive Owner" in shown and "U0OWNER" not in shown and "Not a whole key" not in shown
    assert card.named({}).body == card.body  # nobody known: the keys stay


def test_quarter_adds_up_its_months(world_core):
    core = world_core[0]
    q3 = build_digest(core, parse_period("2026-Q3", core.config.tz), now=world.NOW)
    q4 = build_digest(core, parse_period("2026-Q4", core.config.tz), now=world.NOW)
    assert (q3.activity.wins, q4.activity.wins) == (2, 6)  # Q4 so far includes the November win
    assert q4.previous_activity.wins == 2
    assert [p.key for p, _ in q4.nps_trend] == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert (q3.nps.responses, nps_score(q3.nps)) == (3, pytest.approx(100 / 3))  # 10 (Jul), 9 and 3 (Sep)


def test_an_empty_period_has_zeros_and_no_percentiles(world_core):
    core = world_core[0]
    d = build_digest(core, parse_period("2025-01", core.config.tz), now=world.NOW)
    assert d.activity.wins == 0 and d.deals.pipeline == 0 and d.deals.cycle_with_proof.median is None
    assert d.quiet and d.clicks == {}
    assert d.cycles.review.median is None and d.nps.responses == 0 and nps_score(d.nps) is None
    assert d.placements == {} and d.advocates == [] and d.flaggers == []
    # coverage counts proof approved before the period ended: none yet in January 2025
    assert all(s.advocates == 0 for s in d.coverage["segment"])
