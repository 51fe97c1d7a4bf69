"""Referral links per advocate, their conversion into revenue, and the thank-you prompt after publishing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from storage import models as m
from tests.conftest import MIA, NOBODY, SAM, SID
from tests.core.helpers import flag, outbox, rows, to_review
from tests.intake.conftest import csrf_of
from workflows import referrals, stories
from workflows.errors import Conflict, NotAllowed, NotFound
from workflows.states import PlacementChannel, ReferralState

ROOT = Path(__file__).resolve().parents[2]


def test_each_advocate_gets_one_short_code(ctx):
    flag(ctx.core)
    first = referrals.referral_link(ctx.core, SAM, "DANA@acme.test")
    again = referrals.referral_link(ctx.core, MIA, "dana@acme.test")
    assert first.code == again.code and len(first.code) == 8
    assert first.url == f"https://advocacy.example.com/r/{first.code}"
    with pytest.raises(NotAllowed):
        referrals.referral_link(ctx.core, NOBODY, "dana@acme.test")
    with pytest.raises(NotFound):
        referrals.referral_link(ctx.core, SAM, "nobody@acme.test")


def test_referral_form_records_a_referral_and_tells_the_owner(web, ctx, engine):
    flag(ctx.core)
    code = referrals.referral_link(ctx.core, SAM, "dana@acme.test").code
    page = web.get(f"/r/{code}")
    assert page.status_code == 200 and "Introduced by Dana at Acme Corp" in page.text
    assert web.post(f"/r/{code}", data={"company": "Beta Ltd", "contact_name": "Lee"}).status_code == 403
    bad = web.post(f"/r/{code}", data={"company": "", "contact_name": "Lee <b>Park</b>",
                                       "contact_email": "nope", "csrf": csrf_of(page.text)})
    assert bad.status_code == 400
    assert 'id="f-company-error"' in bad.text and "This is required." in bad.text
    assert "Enter an email address" in bad.text and 'value="Lee &lt;b&gt;Park&lt;/b&gt;"' in bad.text
    assert rows(engine, m.Referral) == []
    done = web.post(f"/r/{code}", data={"company": "Beta Ltd", "contact_name": "Lee Park",
                                        "contact_email": "lee@beta.test", "csrf": csrf_of(page.text)})
    assert done.status_code == 303 and "Thank you" in web.get(done.headers["location"]).text
    [referral] = rows(engine, m.Referral)
    assert (referral.state, referral.referred_company, referral.referred_contact, referral.code) == (
        ReferralState.MADE, "Beta Ltd", "Lee Park <lee@beta.test>", code)
    [dm] = [e for e in outbox(engine) if e["card"]["title"] == "Referral from Acme Corp: Beta Ltd"]
    assert dm["op"] == "dm" and dm["person"] == "U0SUCCESS"
    assert web.get("/r/unknown1").status_code == 404


def test_converted_referrals_count_as_revenue_influenced(ctx, clock):
    flag(ctx.core)
    code = referrals.referral_link(ctx.core, SAM, "dana@acme.test").code
    made = referrals.record_referral(ctx.core, code, referrals.ReferralForm(company="Beta Ltd", contact_name="Lee"))
    with pytest.raises(NotAllowed):
        referrals.mark_converted(ctx.core, NOBODY, made.id, 5000)
    assert "converted: 25,000" in referrals.mark_converted(ctx.core, SID, made.id, 25000)
    with pytest.raises(Conflict, match="Already converted"):
        referrals.mark_converted(ctx.core, SID, made.id, 1)
    start = clock() - timedelta(days=1)
    totals = referrals.referral_totals(ctx.core, start, clock() + timedelta(days=1))
    assert (totals.made, totals.converted, totals.revenue) == (1, 1, 25000)


def test_published_story_prompts_the_owner_to_log_a_thank_you(ctx, engine):
    submitted, _ = to_review(ctx.core)
    stories.approve(ctx.core, MIA, submitted.story.id)
    stories.publish(ctx.core, MIA, submitted.story.id, PlacementChannel.WEBSITE, "https://example.com/acme")
    [dm] = [e for e in outbox(engine) if e["card"]["title"] == "Acme Corp's story is live"]
    assert dm["person"] == "U0SUCCESS"
    assert [(b["label"], b["action"], b["value"]) for b in dm["card"]["buttons"]] == [
        ("Log a thank-you", "recognition.log", str(submitted.story.id))]


def test_cli_prints_the_referral_link_and_records_the_conversion(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ADVOCACY_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    from bot.server import build_context
    from bot.settings import Settings

    core = build_context(Settings()).core
    flag(core, actor=SAM)
    shown = runner.invoke(app, ["referral", "link", "dana@acme.test", "--as", "sam@example.com"])
    assert shown.exit_code == 0, shown.output
    assert "Dana Lee (Acme Corp): http://localhost:3000/r/" in shown.output
    code = shown.output.strip().rsplit("/", 1)[1]
    made = referrals.record_referral(core, code, referrals.ReferralForm(company="Beta Ltd", contact_name="Lee"))
    refused = runner.invoke(app, ["referral", "convert", str(made.id), "--amount", "100", "--as", "U0NOBODY"])
    assert refused.exit_code == 1 and "Only people with the sales or marketing or leadership role" in refused.output
    done = runner.invoke(app, ["referral", "convert", str(made.id), "--amount", "12000", "--as", "U0MARKETNG"])
    assert done.exit_code == 0 and "converted: 12,000" in done.output
    core.engine.dispose()
