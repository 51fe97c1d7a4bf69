"""Customer references from Slack: /advocacy reference, the owner's approval, the seller's outcome; and the review
gating note in the ask modal."""

from __future__ import annotations

from datetime import timedelta

from storage import models as m
from tests.emulators.slack_requests import find_button
from tests.identification.helpers import customer, publish_story
from tests.slack.conftest import (NOMS, blocks_text, ephemeral_texts, flag_win, message_titled, opened_view,
                                  submit, wait_until)
from workflows.gating import review_gating_note
from workflows.states import AskState, AskType, ReferenceState

CRITERIA = "fintech, enterprise, EMEA, for opp 123"


def _advocate(bot) -> None:
    """Acme: a fintech enterprise customer in EMEA owned by U0SUCCESS, with a published story (consent)."""
    core = bot.ctx.core
    account, contact = customer(core, "Acme", owner="U0SUCCESS")
    publish_story(core, account, contact, core.now() - timedelta(days=60))


def test_seller_requests_owner_approves_and_seller_records_the_outcome(slack, emu, bot):
    _advocate(bot)
    slack.slash_command("/advocacy", f"reference {CRITERIA}", user_id="U0SALES")
    [answer] = wait_until(lambda: ephemeral_texts(emu, "advocacy"), what="the answer to /advocacy reference")
    assert answer == "Asked the account owner, by direct message, to approve Acme Lead at Acme: enterprise, fintech, EMEA."
    [request] = bot.rows(m.ReferenceRequest)
    assert (request.requested_by, request.opportunity_id, request.state) == ("U0SALES", "123", ReferenceState.OPEN)

    # The owner gets a direct message with Approve and Decline.
    owner_dm = emu.dm_channel("U0SUCCESS")
    card = message_titled(emu, owner_dm, "Reference request: Acme Lead at Acme")
    assert "Sid Sales asks for a reference (opportunity 123)" in blocks_text(card["blocks"])

    # Someone else clicking Approve is refused and nothing changes.
    slack.block_action("U0NOBODY", find_button(card["blocks"], "Approve")["action_id"], message=card,
                       channel_id=owner_dm)
    [refusal] = wait_until(lambda: ephemeral_texts(emu, "reference.approve"), what="the refusal")
    assert refusal.startswith("Only people with the success role can approve this reference")
    assert bot.rows(m.ReferenceRequest)[0].state == ReferenceState.OPEN and not bot.rows(m.Ask)

    # The owner approves: the seller hears who, with a button to record the outcome.
    slack.block_action("U0SUCCESS", find_button(card["blocks"], "Approve")["action_id"], message=card,
                       channel_id=owner_dm)
    seller_dm = emu.dm_channel("U0SALES")
    approved = message_titled(emu, seller_dm, "Reference approved: Acme")
    assert "lead@acme.test" in blocks_text(approved["blocks"])
    assert bot.rows(m.ReferenceRequest)[0].state == ReferenceState.APPROVED

    slack.block_action("U0SALES", find_button(approved["blocks"], "Record outcome")["action_id"], message=approved,
                       channel_id=seller_dm)
    modal = opened_view(emu, callback_id="reference.complete")
    done = submit(slack, emu, "U0SALES", modal, outcome="Great call: the CFO & team signed off.").json()
    assert "Outcome recorded" in blocks_text(done["view"]["blocks"])
    assert bot.rows(m.ReferenceRequest)[0].state == ReferenceState.COMPLETED
    assert bot.rows(m.Ask)[0].state == AskState.RESPONDED
    told = message_titled(emu, owner_dm, "Reference call done: Acme")
    assert "Great call: the CFO &amp; team signed off." in blocks_text(told["blocks"])


def test_an_empty_outcome_stays_in_the_modal_with_the_reason(slack, emu, bot):
    _advocate(bot)
    slack.slash_command("/advocacy", f"reference {CRITERIA}", user_id="U0SALES")
    card = message_titled(emu, emu.dm_channel("U0SUCCESS"), "Reference request")
    slack.block_action("U0SUCCESS", "reference.approve", message=card, channel_id=emu.dm_channel("U0SUCCESS"))
    approved = message_titled(emu, emu.dm_channel("U0SALES"), "Reference approved")
    slack.block_action("U0SALES", "reference.complete", message=approved, channel_id=emu.dm_channel("U0SALES"))
    modal = opened_view(emu, callback_id="reference.complete")
    answer = submit(slack, emu, "U0SALES", modal, outcome="   ").json()
    assert answer == {"response_action": "errors", "errors": {"outcome": "Say how the call went in up to 500 "
                                                                         "characters."}}
    assert bot.rows(m.ReferenceRequest)[0].state == ReferenceState.APPROVED


def test_a_person_without_a_role_cannot_request_a_reference(slack, emu, bot):
    _advocate(bot)
    slack.slash_command("/advocacy", f"reference {CRITERIA}", user_id="U0NOBODY")
    [refusal] = wait_until(lambda: ephemeral_texts(emu, "advocacy"), what="the refusal")
    assert "role" in refusal and "request customer references" in refusal
    assert not bot.rows(m.ReferenceRequest)
    assert not emu.messages(emu.dm_channel("U0SUCCESS"))


def test_help_mentions_references(slack, emu, bot):
    slack.slash_command("/advocacy", "help", user_id="U0SALES")
    [text] = wait_until(lambda: ephemeral_texts(emu, "advocacy"), what="the help")
    assert "/advocacy reference &lt;criteria&gt;" in text


def test_ask_modal_explains_review_gating(slack, emu, bot):
    flag_win(slack, emu)
    card = message_titled(emu, NOMS, "Advocate nomination")
    slack.block_action("U0SUCCESS", find_button(card["blocks"], "Ask")["action_id"], message=card, channel_id=NOMS)
    modal = opened_view(emu, callback_id="nomination.ask")
    note = review_gating_note(AskType.STAR_REVIEW, bot.ctx.core.config)
    assert note and "not only promoters" in note
    assert note in blocks_text(modal["blocks"])
    assert "We offer a thank-you for your time" in blocks_text(modal["blocks"])
