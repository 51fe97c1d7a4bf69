"""`export metrics`: the digest's figures as CSV rows a BI tool can load."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from bot.cli import app
from tests.digest import world
from tests.digest.test_cli import env  # noqa: F401
from workflows import export
from workflows.periods import containing, parse_periods

runner = CliRunner()


def test_a_period_row_holds_every_figure_rounded_half_away_from_zero(core, engine):
    world.build(engine)
    september, october = export.metrics(core, parse_periods("2026-09..2026-10", core.config.tz))
    assert october["period"] == "2026-10" and october["start"] == "2026-10-01T00:00:00+01:00"
    assert october["complete"] == "yes"
    expected = {
        "wins_flagged": 5, "nominations": 4, "asks_sent": 4, "responses": 2, "stories_approved": 2,
        "stories_published": 1, "nps": "17", "nps_answers": 6, "reviews": 5, "average_rating": "4.25",
        "referrals_made": 2, "referrals_converted": 1, "referral_revenue": "40000.00",
        "revenue_influenced": "150000.00", "deals_won": 4, "deals_lost": 3, "deals_withdrawn": 2,
        "deals_won_with_proof": 2, "deals_lost_with_proof": 1, "deals_withdrawn_with_proof": 1,
        "close_rate_with_proof_pct": "66.7", "close_rate_all_pct": "57.1",
        "median_sales_cycle_days_with_proof": "50.3", "median_sales_cycle_days_without_proof": "66.3",
        "pipeline_influenced": "170000.00", "opportunities_with_proof": 2, "stories_used_in_deals": 2,
        "deal_uses": 3, "placements_website": 1, "clicks_website": 3, "placements_sales_deck": 1,
        "clicks_sales_deck": 2, "clicks_social": 0,
    }
    assert {k: october[k] for k in expected} == expected
    assert (september["wins_flagged"], september["nps"], september["close_rate_all_pct"]) == (2, "0", "100.0")
    stream = io.StringIO()
    export.write_metrics_csv([september, october], stream)
    lines = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert [r["period"] for r in lines] == ["2026-09", "2026-10"] and lines[1]["close_rate_all_pct"] == "57.1"


def test_cli_writes_a_range_and_explains_a_bad_one(env):  # noqa: F811
    result = runner.invoke(app, ["export", "metrics", "--period", "2025-Q1..2025-Q3"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["period"] for r in rows] == ["2025-Q1", "2025-Q2", "2025-Q3"]
    assert rows[0]["wins_flagged"] == "0" and rows[0]["nps"] == "" and rows[0]["close_rate_all_pct"] == ""
    backwards = runner.invoke(app, ["export", "metrics", "--period", "2026-10..2026-01"])
    assert backwards.exit_code == 2 and "oldest first" in backwards.output
    mixed = runner.invoke(app, ["export", "metrics", "--period", "2026-01..2026-Q3"])
    assert mixed.exit_code == 2 and "from a month to a month" in mixed.output


def test_the_month_under_way_is_marked_and_one_not_started_is_refused(env):  # noqa: F811
    this_month = containing(datetime.now(UTC), ZoneInfo("Europe/London"))
    result = runner.invoke(app, ["export", "metrics", "--period", this_month.key])
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(io.StringIO(result.output)))
    assert row["complete"] == "no"  # its zeros are so far, not final
    ahead = runner.invoke(app, ["export", "metrics", "--period", f"{this_month.key}..{this_month.next().key}"])
    assert ahead.exit_code == 2 and f"{this_month.next().label} has not started yet" in ahead.output
