"""The digest card reads well as text, stays inside chat limits, and carries a valid chart."""

from __future__ import annotations

import base64
import math
import struct

from sqlmodel import Session, select

from bot.charts import digest_chart, draw
from storage import models as m
from tests.digest import world
from workflows.digest import build_digest, digest_card, digest_text
from workflows.periods import parse_period

PNG = b"\x89PNG\r\n\x1a\n"


def assert_within_chat_limits(card):
    blocks = 1 + len(card.body) + (1 if card.facts else 0) + (1 if card.buttons else 0) + 2  # title, note, image
    assert blocks <= 50
    assert len(card.facts) <= 10
    assert all(len(text) <= 3000 for text in card.body)
    assert all(len(f.label) + len(f.value) <= 2000 for f in card.facts)
    assert len(card.buttons) <= 5 and all(len(b.label) <= 75 for b in card.buttons)


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG) and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def test_card_states_the_numbers_and_the_change(core, engine):
    world.build(engine)
    card = digest_card(build_digest(core, parse_period("2026-10", core.config.tz), now=world.NOW))
    assert card.title == "Advocacy digest: October 2026"
    facts = {f.label: f.value for f in card.facts}
    assert facts["Wins flagged"] == "5 (up 3)"
    assert facts["NPS"] == "+17 (up 17)"
    assert facts["Reviews"] == "5, average 4.3 of 5 (up 3)"  # 17 / 4 = 4.25, half away from zero
    assert facts["Referrals"] == "2 made (up 1), 1 converted, 40,000 revenue"
    assert facts["Revenue influenced"] == "150,000 won with proof (up 150,000)"
    assert facts["Close rate"] == "67% with proof, 57% all deals"
    assert facts["Pipeline influenced"] == "170,000 in 2 opportunities (up 70,000)"
    text = digest_text(card)
    assert ("Funnel: Wins flagged 5 → nominations 4 (80%) → asks sent 4 (100%) → responses 2 (50%) → "
            "approved 2 (100%) → published 1 (50%).") in text
    assert "win → ask 3.0 / 29 days; ask → response 1.5 / 1.9 days; review 3.0 / 3.8 days" in text
    assert "Trend: May -100, Jun –, Jul +100, Aug –, Sep +0, Oct +17." in text
    assert ("Deals closed: 9 (4 won, 3 lost, 2 withdrawn); with proof 4 (2 won, 1 lost, 1 withdrawn); "
            "median sales cycle of won deals 50 days with proof, 66 without.") in text
    assert ("Usage and clicks by channel: Website 1 new, 3 clicks; Sales deck 1 new, 2 clicks; "
            "sales 2 stories used 3 times in deals.") in text
    assert "Most wins flagged by Ann (3), Bo (1), Cy (1)." in text
    assert "Under-represented: mid-market (segment), healthcare (industry)." in text
    assert "Stuck for more than 14 days: 1 nomination, 1 ask, 1 review." in text
    assert [(b.label, b.action) for b in card.buttons] == [("Ask Gamma", "nomination.ask")]
    assert_within_chat_limits(card)


def test_a_period_without_activity_is_one_line_and_no_chart(core):
    card = digest_card(build_digest(core, parse_period("2026-10", core.config.tz)))
    assert (card.title, card.body, card.facts, card.image) == ("Advocacy digest: October 2026",
                                                               ["No advocacy activity in October."], [], None)
    quarter = digest_card(build_digest(core, parse_period("2026-Q3", core.config.tz)))
    assert quarter.body == ["No advocacy activity in Q3 2026."]


def test_a_quiet_funnel_with_answers_still_reads(core, engine):
    with Session(engine) as s:
        account = m.Account(name="Acme", name_key="acme")
        s.add(account)
        s.flush()
        # 9 promoters, 10 detractors, 21 passives: NPS -2.5, shown as -3 (half away from zero, not to even)
        for i, score in enumerate([10] * 9 + [3] * 10 + [7] * 21):
            s.add(m.NpsResponse(account_id=account.id, score=score, responded_at=world.at("2026-10-15 10:00")))
        s.commit()
    d = build_digest(core, parse_period("2026-10", core.config.tz), now=world.NOW)
    card = digest_card(d)
    text = digest_text(card)
    assert {f.label: f.value for f in card.facts}["NPS"] == "-3"
    assert "NPS -3: 23% promoters, 25% detractors, 40 answers" in text  # 22.5% → 23%
    assert "asks sent 0 (–)" in text and "Deals: none closed this period." in text
    assert_within_chat_limits(card)


def test_long_names_are_cut_to_fit(core, engine):
    world.build(engine)
    with Session(engine) as s:
        for account in s.exec(select(m.Account)):
            account.name = "N" * 200
            account.segment = "S" * 64
            s.add(account)
        s.commit()
    card = digest_card(build_digest(core, parse_period("2026-10", core.config.tz), now=world.NOW))
    assert_within_chat_limits(card)


def test_chart_is_a_png_with_alt_text(core, engine):
    world.build(engine)
    image = digest_chart(build_digest(core, parse_period("2026-10", core.config.tz), now=world.NOW))
    width, height = png_size(base64.b64decode(image.png_base64))
    assert (width, height) == (900, 340)
    assert image.alt.startswith("Bar chart of the advocacy funnel for October 2026: wins flagged 5, nominations 4")
    assert "Oct +17" in image.alt and image.filename == "advocacy-digest-2026-10.png"


def test_empty_database(core):
    d = build_digest(core, parse_period("2026-10", core.config.tz))
    assert d.activity.wins == 0 and d.coverage["segment"] == [] and d.stuck["review"] == (0, [])


def test_nps_line_stops_at_months_without_answers_and_labels_carry_the_year(core, engine):
    world.build(engine)
    figure = draw(build_digest(core, parse_period("2026-10", core.config.tz), now=world.NOW))
    funnel, nps = figure.axes
    ys = list(nps.lines[0].get_ydata())
    assert ys[0] == -100 and math.isnan(ys[1]) and ys[2] == 100 and math.isnan(ys[3]) and ys[4] == 0
    assert [t.get_text() for t in nps.get_xticklabels()] == ["May", "Jun", "Jul", "Aug", "Sep", "Oct"]
    spanning = draw(build_digest(core, parse_period("2027-02", core.config.tz), now=world.NOW))
    assert [t.get_text() for t in spanning.axes[1].get_xticklabels()] == [
        "Sep 2026", "Oct", "Nov", "Dec", "Jan 2027", "Feb"]
    quarters = draw(build_digest(core, parse_period("2026-Q4", core.config.tz), now=world.NOW))
    assert [t.get_text() for t in quarters.axes[1].get_xticklabels()] == [
        "Q3 2025", "Q4", "Q1 2026", "Q2", "Q3", "Q4"]


def test_an_empty_funnel_draws_from_zero_with_whole_numbers(core, engine):
    with Session(engine) as s:
        account = m.Account(name="Acme", name_key="acme")
        s.add(account)
        s.flush()
        s.add(m.NpsResponse(account_id=account.id, score=10, responded_at=world.at("2026-10-15 10:00")))
        s.commit()
    funnel = draw(build_digest(core, parse_period("2026-10", core.config.tz), now=world.NOW)).axes[0]
    low, high = funnel.get_xlim()
    assert low == 0 and high >= 1
    assert all(float(t).is_integer() and t >= 0 for t in funnel.get_xticks() if low <= t <= high)
