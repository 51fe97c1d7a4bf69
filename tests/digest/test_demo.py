"""demo-data: a year of history, so last month's digest, the queues and the chart look like a running program."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from storage import models as m
from workflows.demo import load_demo
from workflows.digest import build_digest, digest_card, digest_text
from workflows.periods import containing
from workflows.states import AskState, NominationState


def test_the_demo_last_month_has_figures_and_real_cycle_times_and_nothing_is_posted(core, engine):
    counts = load_demo(core, accounts=120, months=12)
    assert counts["accounts"] == 120 and counts["wins"] >= 100
    assert all(counts.get(k, 0) > 0 for k in ("declined", "withdrawn", "deals won", "deals lost", "referrals",
                                              "site reviews", "expired"))
    last_month = containing(core.now(), core.config.tz).previous()
    d = build_digest(core, last_month)
    a = d.activity
    assert min(a.wins, a.nominations, a.asks_sent, a.responses, a.approved, d.nps.responses) > 0
    assert d.deals.closed > 0 and d.deals.won > 0 and sum(d.clicks.values()) > 0
    assert d.cycles.win_to_ask.median > 0.5 and d.cycles.ask_to_response.median > 0.5
    assert d.cycles.review.median > 0.1
    assert d.deals.cycle_without_proof.median > 20
    assert [n.responses > 0 for _, n in d.nps_trend] == [True] * 6
    assert not d.quiet and "No advocacy activity" not in digest_text(digest_card(d))
    with Session(engine) as session:
        first_win = session.exec(select(func.min(m.Win.created_at))).one()
        assert (core.now() - first_win).days > 300  # a year of history, not everything within seconds of now
        assert session.exec(select(func.count()).select_from(m.OutboxMessage)).one() == 0
        open_nominations = session.exec(select(func.count()).select_from(m.Nomination)
                                        .where(m.Nomination.state == NominationState.PROPOSED)).one()
        waiting = session.exec(select(func.count()).select_from(m.Ask).where(m.Ask.state == AskState.SENT)).one()
    assert open_nominations > 0 and waiting > 0  # the queues have work in them
