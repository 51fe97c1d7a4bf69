"""Review campaigns invite a random sample whatever their score, with the incentive disclosed in every invitation."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from storage import models as m
from tests.conftest import MIA
from tests.core.helpers import outbox, rows
from tests.digest.test_cli import ROOT, env  # noqa: F401
from tests.identification.helpers import customer
from workflows import gating
from workflows import interactions as ix
from workflows.actors import Actor
from workflows.errors import InvalidInput, NotAllowed
from workflows.states import AskState, AskType

runner = CliRunner()
SCORES = [10, 9, 10, 9, 8, 7, 8, 3, 5, None]  # 4 promoters, 3 passives, 2 detractors, 1 without an answer


def test_the_sample_keeps_each_nps_group_in_proportion_and_discloses_the_incentive(core, engine):
    for i, score in enumerate(SCORES):
        customer(core, f"Account {i}", nps=score)
    sent = gating.send_review_campaign(core, MIA, sample=5, incentive="a $25 gift card", seed=3)
    # quotas 2, 1.5, 1, 0.5: the largest remainders go first, ties by name
    assert sent.groups == {"promoters": 2, "passives": 2, "detractors": 1, "unscored": 0}
    assert len(sent.invitations) == 5 and sent.message.startswith("Review campaign 1: 5 invitation(s)")
    for invitation in sent.invitations:
        assert invitation.text.endswith("We offer a thank-you for your time, whatever you write. "
                                        "The thank-you is a $25 gift card.")
        assert invitation.link in invitation.text
    asks = rows(engine, m.Ask)
    assert {(a.state, a.campaign_id, a.ask_type) for a in asks} == {(AskState.SENT, 1, AskType.STAR_REVIEW)}
    [campaign] = rows(engine, m.ReviewCampaign)
    assert (campaign.invited, campaign.promoters, campaign.passives, campaign.detractors) == (5, 2, 2, 1)
    assert campaign.disclosure.endswith("The thank-you is a $25 gift card.")


def test_everyone_is_invited_when_the_sample_is_bigger_than_the_audience(core, engine):
    for i, score in enumerate(SCORES):
        customer(core, f"Account {i}", nps=score)
    sent = gating.send_review_campaign(core, MIA, sample=50)
    assert sent.groups == {"promoters": 4, "passives": 3, "detractors": 2, "unscored": 1}


def test_only_public_review_kinds_and_only_success_or_marketing(core, engine):
    customer(core, "Acme", nps=10)
    with pytest.raises(InvalidInput, match="not a public review kind"):
        gating.send_review_campaign(core, MIA, AskType.CASE_STUDY)
    with pytest.raises(NotAllowed):
        gating.send_review_campaign(core, Actor(platform="slack", user_id="U0SALES"))
    assert rows(engine, m.Ask) == [] and rows(engine, m.ReviewCampaign) == []


def test_marketing_sends_a_review_campaign_from_chat_and_owners_get_the_invitations(core, engine):
    for i, score in enumerate(SCORES):
        customer(core, f"Account {i}", nps=score, owner="U0SUCCESS" if i % 2 else "sam@example.com")
    form = ix.form_for(core, MIA, "campaign")
    assert [(f.name, f.value) for f in form.fields][:3] == [("ask_type", "star_review"), ("sample", "50"),
                                                            ("incentive", "")]
    with pytest.raises(NotAllowed, match="plan ask campaigns"):
        ix.dispatch(core, Actor(platform="slack", user_id="U0SALES"), "campaign", {"sample": "4"})
    assert rows(engine, m.Ask) == []

    sent = ix.dispatch(core, MIA, "campaign", {"sample": "4", "incentive": "a $25 gift card"})
    assert sent.message.startswith("Review campaign 1: 4 invitation(s) (")
    assert ("Every invitation ends with: “We offer a thank-you for your time, whatever you write. The thank-you is "
            "a $25 gift card.”") in sent.message
    asks = rows(engine, m.Ask)
    assert len(asks) == 4 and {a.state for a in asks} == {AskState.SENT}
    told = [e for e in outbox(engine) if e["op"] == "dm"]
    assert {e["person"] for e in told} == {a.owner for a in asks}
    texts = [text for e in told for text in e["card"]["body"]]
    assert len(texts) == 4 and all(any(t.endswith(ask.text) for t in texts) for ask in asks)
    assert all("/intake/" in ask.text for ask in asks)


def test_the_command_plans_then_sends_and_writes_the_invitations(env):  # noqa: F811
    for kind in ("accounts", "contacts"):
        assert runner.invoke(app, ["import", kind, str(ROOT / "samples" / f"{kind}.csv")]).exit_code == 0
    plan = runner.invoke(app, ["review-campaign", "--as", "sam@example.com"])
    assert plan.exit_code == 0 and "Star review campaign:" in plan.output and "Add --send" in plan.output
    # what --send would refuse is refused in the plan already, and a file asked for is never silently skipped
    case_study = runner.invoke(app, ["review-campaign", "--as", "sam@example.com", "--kind", "case_study"])
    assert case_study.exit_code == 2 and "Case study is not a public review kind" in case_study.output
    planned_out = runner.invoke(app, ["review-campaign", "--as", "sam@example.com", "--out", str(env / "x.csv")])
    assert planned_out.exit_code == 2 and "add --send" in planned_out.output and not (env / "x.csv").exists()
    no_file = runner.invoke(app, ["review-campaign", "--as", "sam@example.com", "--send"])
    assert no_file.exit_code == 2 and "--out" in no_file.output
    out = Path(env) / "invitations.csv"
    sent = runner.invoke(app, ["review-campaign", "--as", "sam@example.com", "--send", "--sample", "3",
                               "--incentive", "a donation to charity", "--out", str(out)])
    assert sent.exit_code == 0, sent.output
    invitations = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(invitations) == 3 and all("The thank-you is a donation to charity." in i["text"] for i in invitations)
    # no win behind a campaign's ask: app.yaml's review text reads without the outcome in brackets
    assert all(", thank you for the results your team reached. Would you share an honest review" in i["text"]
               for i in invitations)
    assert all(i["link"].startswith("http://localhost:3000/intake/") for i in invitations)


def test_the_deal_command_records_an_outcome_once(env):  # noqa: F811
    typo = runner.invoke(app, ["deal", "OPP-1O04", "won", "--amount", "1", "--as", "U0MARKETNG"])
    assert typo.exit_code == 1 and "I know no opportunity OPP-1O04. Check the id" in typo.output
    assert runner.invoke(app, ["import", "opportunities", str(ROOT / "samples" / "opportunities.csv")]).exit_code == 0
    won = runner.invoke(app, ["deal", "OPP-1004", "won", "--amount", "42000", "--date", "2026-01-02", "--as", "U0MARKETNG"])
    assert won.exit_code == 0 and "Recorded: opportunity OPP-1004 won, 42,000 on 2 Jan" in won.output
    again = runner.invoke(app, ["deal", "OPP-1004", "lost", "--amount", "0", "--as", "U0MARKETNG"])
    assert again.exit_code == 1 and "already marked won" in again.output
    nobody = runner.invoke(app, ["deal", "OPP-8", "won", "--amount", "1", "--as", "U0NOBODY"])
    assert nobody.exit_code == 1 and "role" in nobody.output
