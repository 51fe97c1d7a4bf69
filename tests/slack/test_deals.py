"""A seller marks the deals their proof went into won or lost, from the Home tab and from /proof."""

from __future__ import annotations

import json

import pytest

from storage import models as m
from tests.emulators.slack_requests import find_button
from tests.slack.conftest import blocks_text, ephemeral_texts, opened_view, submit, wait_until
from workflows.states import DealOutcome


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def slack_db_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('slack') / 'bot.db'}"
    return request.getfixturevalue("pg_url")


def _used(bot, opportunity_id: str, by: str) -> None:
    """A story used in an opportunity by `by` (the deal has no outcome yet)."""
    with bot.ctx.core.unit() as unit:
        account = unit.repo.add(m.Account(name=f"Acme {opportunity_id}", name_key=f"acme {opportunity_id}"))
        story = unit.repo.add(m.Story(account_id=account.id, state="approved"))
        unit.repo.add(m.DealUsage(story_id=story.id, opportunity_id=opportunity_id, amount=30000, recorded_by=by,
                                  recorded_at=unit.now))


def _home(slack, emu, user: str) -> dict:
    before = len(emu.calls("views.publish"))
    slack.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"})
    wait_until(lambda: len(emu.calls("views.publish")) > before, what="the Home tab")
    return emu.home_view(user)


def test_a_seller_marks_their_open_deal_won_from_the_home_tab(slack, emu, bot):
    _used(bot, "OPP-9", by="U0SALES")
    _used(bot, "OPP-8", by="U0MARKET")
    home = _home(slack, emu, "U0SALES")
    text = blocks_text(home["blocks"])
    assert "Open deals* (1)" in text and "opportunity OPP-9; 30,000; 1 story used" in text and "OPP-8" not in text
    button = find_button(home["blocks"], "Mark won / lost")
    assert (button["action_id"], button["value"]) == ("deal.close", "OPP-9")

    # Someone without a sales role is refused, and nothing is stored.
    slack.block_action("U0SUCCESS", "deal.close", value="OPP-9", message={"blocks": []}, channel_id="C0CHAN")
    wait_until(lambda: ephemeral_texts(emu, "deal.close"), what="the refusal")
    assert "Only people with the" in ephemeral_texts(emu, "deal.close")[0]
    assert "record deal outcomes" in ephemeral_texts(emu, "deal.close")[0]
    assert not emu.calls("views.open") and not bot.rows(m.Deal)

    slack.block_action("U0SALES", "deal.close", view=home)
    modal = opened_view(emu, callback_id="deal.close")
    inputs = {b["block_id"]: b["element"] for b in modal["blocks"] if b["type"] == "input"}
    assert list(inputs) == ["outcome", "amount", "closed_on"]
    today = bot.ctx.core.now().astimezone(bot.ctx.core.config.tz).date()
    # the form starts from the deal's amount so far and today's date
    assert (inputs["amount"].get("initial_value"), inputs["closed_on"].get("initial_date")) == (
        "30000", today.isoformat())
    assert "Opportunity OPP-9: opportunity OPP-9; 30,000; 1 story used" in json.dumps(modal)
    done = submit(slack, emu, "U0SALES", modal, outcome="won", amount="42000", closed_on=today.isoformat()).json()
    assert "Recorded: opportunity OPP-9 won, 42,000" in blocks_text(done["view"]["blocks"])
    deal = bot.rows(m.Deal)
    assert [(d.opportunity_id, d.outcome, d.amount, d.updated_by) for d in deal] == [
        ("OPP-9", DealOutcome.WON, 42000, "U0SALES")]

    # The Home tab is refreshed without it.
    wait_until(lambda: "Open deals* (0)" in blocks_text(emu.home_view("U0SALES")["blocks"]),
               what="the Home tab without the closed deal")


def test_proof_lists_the_sellers_open_deals_with_the_won_or_lost_button(slack, emu, bot):
    _used(bot, "OPP-7", by="U0SALES")
    slack.slash_command("/proof", "nothing matches this", user_id="U0SALES")
    proof = wait_until(lambda: emu.calls("response_url:proof"), what="the /proof answer")[0].args
    assert "Your open deals" in blocks_text(proof["blocks"]) and "OPP-7" in blocks_text(proof["blocks"])
    slack.block_action("U0SALES", "deal.close", message={"blocks": proof["blocks"]}, channel_id="C0CHAN")
    modal = opened_view(emu, callback_id="deal.close")
    today = bot.ctx.core.now().astimezone(bot.ctx.core.config.tz).date()
    done = submit(slack, emu, "U0SALES", modal, outcome="lost", amount="0", closed_on=today.isoformat()).json()
    assert "OPP-7 lost" in blocks_text(done["view"]["blocks"])
    assert [(d.outcome, d.amount) for d in bot.rows(m.Deal)] == [(DealOutcome.LOST, 0)]

    # Marketing, with no deals of its own, sees no deals section.
    slack.slash_command("/proof", "nothing", user_id="U0MARKET")
    answers = wait_until(lambda: len(emu.calls("response_url:proof")) == 2 and emu.calls("response_url:proof"),
                         what="the second answer")
    assert "Your open deals" not in blocks_text(answers[1].args["blocks"])
