"""The lifecycle's promises in Slack, on SQLite and PostgreSQL: Reject with a reason, Revise after "Request
changes", Mark as sent for the final version, a story call written up, "Customer declined" from the Home tab,
and a withdrawal reaching the seller who used the story."""

from __future__ import annotations

import pytest

from storage import models as m
from tests.conftest import MIA, SAM, SID
from tests.core.helpers import flag, story_form, token_of
from tests.emulators.slack_requests import find_button
from tests.slack.conftest import (APPR, blocks_text, ephemeral_texts, message_titled, opened_view, submit,
                                  wait_until)
from workflows import asks, sales, stories
from workflows.states import AskState, AskType, StoryState

SAM_DM = "DU0SUCCESS"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def slack_db_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('slack') / 'bot.db'}"
    return request.getfixturevalue("pg_url")


def in_review(bot, ask_type=AskType.SHORT_QUOTE, **consent):
    core = bot.ctx.core
    draft = asks.draft_ask(core, SAM, flag(core).nomination.id, ask_type)
    asks.mark_sent(core, SAM, draft.ask.id)
    return draft, stories.submit_story(core, token_of(draft.link), story_form(**consent))


def click(slack, emu, user, message, label, channel):
    slack.block_action(user, find_button(message["blocks"], label)["action_id"], message=message, channel_id=channel)


def test_reject_takes_a_reason_the_owner_sees(slack, emu, bot):
    in_review(bot)
    review = message_titled(emu, APPR, "Story for review: Dana Lee")
    click(slack, emu, "U0MARKET", review, "Reject", APPR)
    modal = opened_view(emu, callback_id="review.reject")
    assert submit(slack, emu, "U0MARKET", modal, reason="Not on brand").json()["response_action"] == "update"
    assert bot.rows(m.Story)[0].state == StoryState.REJECTED
    told = message_titled(emu, SAM_DM, "Story from Acme Corp: rejected")
    assert "Reason: Not on brand" in blocks_text(told["blocks"])


def test_request_changes_then_revise_with_the_form_prefilled(slack, emu, bot):
    in_review(bot)
    review = message_titled(emu, APPR, "Story for review: Dana Lee")
    click(slack, emu, "U0MARKET", review, "Request changes", APPR)
    submit(slack, emu, "U0MARKET", opened_view(emu, callback_id="review.changes"), reason="Add the team size")
    told = message_titled(emu, SAM_DM, "Story from Acme Corp: changes requested")
    assert "Add the team size" in blocks_text(told["blocks"])
    click(slack, emu, "U0NOBODY", told, "Revise", SAM_DM)
    wait_until(lambda: ephemeral_texts(emu, "story.resubmit"), what="the refusal")
    assert "Only the story's owner can edit it." in ephemeral_texts(emu, "story.resubmit")[0]
    click(slack, emu, "U0SUCCESS", told, "Revise", SAM_DM)
    modal = opened_view(emu, callback_id="story.resubmit")
    assert "Marketing asked: Add the team size" in blocks_text(modal["blocks"])
    body = next(b for b in modal["blocks"] if b.get("block_id") == "body")
    assert body["element"]["initial_value"] == "We got our weekends back."
    same = submit(slack, emu, "U0SUCCESS", modal).json()
    assert same["response_action"] == "errors" and "Nothing was changed" in same["errors"]["body"]
    done = submit(slack, emu, "U0SUCCESS", modal, body="Our 12-person team got weekends back.").json()
    assert "Revised and sent back to marketing" in blocks_text(done["view"]["blocks"])
    story = bot.rows(m.Story)[0]
    assert (story.state, story.revision) == (StoryState.IN_REVIEW, 1)
    wait_until(lambda: "Revised by Sam Success" in blocks_text(emu.messages(APPR)[-1]["blocks"]),
               what="the revised card")


def test_final_version_mark_as_sent_and_publish_waits(slack, emu, bot):
    in_review(bot, review_before_publish=True)
    review = message_titled(emu, APPR, "Story for review: Dana Lee")
    click(slack, emu, "U0MARKET", review, "Approve", APPR)
    wait_until(lambda: "waiting for the customer" in blocks_text(emu.messages(APPR)[0]["blocks"]),
               what="the card waiting for the customer")
    task = message_titled(emu, SAM_DM, "Acme Corp: send the final version for approval")
    assert "https://advocacy.example.com/final/" in blocks_text(task["blocks"])
    click(slack, emu, "U0SUCCESS", task, "Mark as sent", SAM_DM)
    wait_until(lambda: ephemeral_texts(emu, "final.mark_sent"), what="the answer")
    assert ephemeral_texts(emu, "final.mark_sent")[0].startswith("Marked as sent.")
    assert bot.rows(m.Story)[0].final_sent_at is not None
    slack.slash_command("/advocacy", "queue", user_id="U0MARKET")
    queue = wait_until(lambda: emu.calls("response_url:advocacy"), what="the queue")[0].args
    assert "waiting for the customer since" in blocks_text(queue["blocks"])


def test_story_call_task_and_write_up(slack, emu, bot):
    core = bot.ctx.core
    draft = asks.draft_ask(core, SAM, flag(core).nomination.id, AskType.STORY_CALL)
    stories.submit_story(core, token_of(draft.link), stories.StoryForm(
        preferred_time="Thursday 3pm", result="2 days", consent={"channels": ["website"], "signer_name": "Dana Lee"}))
    task = message_titled(emu, SAM_DM, "Story call with Dana Lee at Acme Corp")
    labels = [e["text"]["text"] for b in task["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels[:2] == ["Download invitation (.ics)", "Write up the call"]
    assert emu.messages(APPR) == []
    click(slack, emu, "U0SUCCESS", task, "Write up the call", SAM_DM)
    modal = opened_view(emu, callback_id="call.write_up")
    result = next(b for b in modal["blocks"] if b.get("block_id") == "result")
    assert result["element"]["initial_value"] == "2 days"
    done = submit(slack, emu, "U0SUCCESS", modal, body="Dana: close takes 2 days now.").json()
    assert "Sent to marketing for review" in blocks_text(done["view"]["blocks"])
    message_titled(emu, APPR, "Story for review: Dana Lee")
    assert bot.rows(m.Story)[0].state == StoryState.IN_REVIEW


def test_customer_declined_from_the_home_tab(slack, emu, bot):
    core = bot.ctx.core
    draft = asks.draft_ask(core, SAM, flag(core).nomination.id, AskType.SHORT_QUOTE)
    asks.mark_sent(core, SAM, draft.ask.id)
    slack.event({"type": "app_home_opened", "user": "U0SUCCESS", "tab": "home"})
    home = wait_until(lambda: emu.calls("views.publish"), what="the Home tab")[-1].args["view"]
    button = find_button(home["blocks"], "Customer declined")
    slack.block_action("U0SUCCESS", button["action_id"], view={**home, "type": "home", "id": "VHOME"})
    modal = opened_view(emu, callback_id="ask.decline")
    submit(slack, emu, "U0SUCCESS", modal, reason="Busy quarter")
    ask = bot.rows(m.Ask)[0]
    assert ask.state == AskState.DECLINED and ask.decline_reason == "Busy quarter"


def test_withdrawal_tells_the_seller_who_used_the_story(slack, emu, bot):
    _, submitted = in_review(bot)
    stories.approve(bot.ctx.core, MIA, submitted.story.id)
    sales.record_deal_usage(bot.ctx.core, SID, submitted.story.id, "OPP-42", 50000)
    stories.withdraw_consent(bot.ctx.core, submitted.consent.view_token)
    told = message_titled(emu, "DU0SALES", "Stop using Acme Corp's story")
    assert "OPP-42" in blocks_text(told["blocks"])
    owner = message_titled(emu, SAM_DM, "Acme Corp's story: consent withdrawn")
    assert "OPP-42" in blocks_text(owner["blocks"])
