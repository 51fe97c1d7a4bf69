"""Marketing or success starts a review campaign from Slack: the command opens the form, nothing is sent before it."""

from __future__ import annotations

import json

from storage import models as m
from tests.slack.conftest import blocks_text, opened_view, submit, wait_until


def test_the_campaign_command_opens_its_form_and_sends_only_when_submitted(slack, emu, bot):
    assert slack.slash_command("/advocacy", "campaign", user_id="U0MARKET").status_code == 200
    modal = opened_view(emu, callback_id="campaign")
    assert [b["block_id"] for b in modal["blocks"] if b["type"] == "input"] == [
        "ask_type", "sample", "incentive", "segment", "industry", "region"]
    assert "passives and detractors too" in json.dumps(modal)  # the field's hint
    assert bot.rows(m.ReviewCampaign) == []  # the command alone sends nothing

    done = submit(slack, emu, "U0MARKET", modal, sample="5", incentive="a $25 gift card").json()
    assert "Review campaign 1:" in blocks_text(done["view"]["blocks"])
    assert "The thank-you is a $25 gift card." in blocks_text(done["view"]["blocks"])
    [campaign] = bot.rows(m.ReviewCampaign)
    assert campaign.disclosure.endswith("The thank-you is a $25 gift card.")


def test_the_campaign_command_is_refused_without_the_role(slack, emu, bot):
    assert slack.slash_command("/advocacy", "campaign", user_id="U0SALES").status_code == 200
    answers = wait_until(lambda: emu.calls("response_url:advocacy"), what="the refusal")
    assert "can plan ask campaigns" in answers[0].args["text"]
    assert not emu.calls("views.open") and bot.rows(m.ReviewCampaign) == []
