"""The digest card reads well as text, stays inside chat limits, and carries a valid chart."""

from __future__ import annotations

import base64
import struct

from sqlmodel import Session, select

from bot.charts import digest_chart
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
    assert facts["Reviews"] == "2, average 4.5 of 5 (up 1)"
    assert facts["Pipeline influenced"] == "250,000 (up 230,000)"
    assert facts["Revenue influenced"] == "200,000 won (up 200,000)"
    text = digest_text(card)
    assert ("Funnel: Wins flagged 5 → nominations 4 (80%) → asks sent 4 (100%) → responses 2 (50%) → "
            "approved 2 (100%) → published 1 (50%).") in text
    assert "win → ask 3.0 / 29 days; ask → response 1.5 / 1.9 days; review 3.0 / 3.8 days" in text
    assert "Trend: May -100, Jun –, Jul +100, Aug –, Sep +0, Oct +17." in text
    assert "Placements: Sales deck 1, Website 1." in text
    assert "Most wins flagged by Ann (3), Bo (1), Cy (1)." in text
    assert "Under-represented: mid-market (segment), healthcare (industry)." in text
    assert "Stuck for more than 14 days: 1 nomination, 1 ask, 1 review." in text
    assert [(b.label, b.action) for b in card.buttons] == [("Ask Gamma", "nomination.ask")]
    assert_within_chat_limits(card)


def test_empty_period_card_is_readable(core):
    card = digest_card(build_digest(core, parse_period("2026-10", core.config.tz)))
    text = digest_text(card)
    assert "No NPS answers this period." in text and "no account has an approved story yet" in text
    assert "Nothing stuck" in text and "asks sent 0 (–)" in text
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
