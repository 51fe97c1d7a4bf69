"""Periods: parsing, bounds in the configured timezone across DST, and stepping."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from workflows.errors import InvalidInput
from workflows.periods import containing, last_complete, parse_period

LONDON = ZoneInfo("Europe/London")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_month_bounds_are_local_midnights_across_the_autumn_clock_change():
    october = parse_period("2026-10", LONDON)
    assert (october.start_utc, october.end_utc) == (utc(2026, 9, 30, 23), utc(2026, 11, 1, 0))
    assert (october.end_utc - october.start_utc).total_seconds() == (31 * 24 + 1) * 3600
    assert october.label == "October 2026" and october.key == "2026-10"


def test_month_bounds_across_the_spring_clock_change():
    march = parse_period("2026-03", LONDON)
    assert (march.start_utc, march.end_utc) == (utc(2026, 3, 1, 0), utc(2026, 3, 31, 23))
    assert containing(utc(2026, 3, 31, 23, 30), LONDON).key == "2026-04"
    assert containing(utc(2026, 3, 31, 22, 59), LONDON).key == "2026-03"


def test_quarters_and_other_zones():
    q3 = parse_period("2026-q3", LONDON)
    assert (q3.key, q3.label, q3.start_utc, q3.end_utc) == ("2026-Q3", "Q3 2026", utc(2026, 6, 30, 23),
                                                           utc(2026, 9, 30, 23))
    tokyo = parse_period("2026-Q1", ZoneInfo("Asia/Tokyo"))
    assert tokyo.start_utc == utc(2025, 12, 31, 15)
    assert containing(utc(2026, 12, 31, 23, 30), ZoneInfo("America/New_York"), "quarterly").key == "2026-Q4"


def test_stepping_wraps_years():
    assert parse_period("2026-01", LONDON).previous().key == "2025-12"
    assert parse_period("2026-Q1", LONDON).previous().key == "2025-Q4"
    assert parse_period("2026-12", LONDON).next().key == "2027-01"
    assert [p.key for p in parse_period("2026-02", LONDON).trend(3)] == ["2025-12", "2026-01", "2026-02"]
    assert last_complete(utc(2026, 11, 1, 0, 30), LONDON).key == "2026-10"
    assert last_complete(utc(2026, 10, 31, 23, 59), LONDON, "quarterly").key == "2026-Q3"


@pytest.mark.parametrize("text", ["", "2026-13", "2026-0", "2026-Q5", "October", "26-10", "2026/10"])
def test_bad_periods_say_what_to_type(text):
    with pytest.raises(InvalidInput) as err:
        parse_period(text, LONDON)
    assert "2026-10" in err.value.message and "2026-Q3" in err.value.message
