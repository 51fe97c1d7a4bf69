"""A win walked from /win to a published story used in a deal, clicking what a person would click."""

from __future__ import annotations

from storage import models as m
from tests.core.helpers import story_form, token_of
from tests.emulators.slack_requests import find_button
from tests.slack.conftest import (APPR, NOMS, WINS, blocks_text, ephemeral_texts, flag_win, message_saying,
                                  message_titled, opened_view, submit, wait_until)
from workflows import stories
from workflows.states import AskState, StoryState


def test_win_to_published_story_used_in_a_deal(slack, emu, bot):
    # Flag the win: the modal closes on a confirmation; the wins channel celebrates; a nomination is posted.
    answer = flag_win(slack, emu).json()
    assert answer["response_action"] == "update"
    assert "Win recorded for Acme Corp" in blocks_text(answer["view"]["blocks"])
    celebration = message_titled(emu, WINS, "Customer win: Dana Lee at Acme Corp")
    assert "Cut month-end close from 5 days to 2." in blocks_text(celebration["blocks"])
    card = message_titled(emu, NOMS, "Advocate nomination: Dana Lee at Acme Corp")

    # Ask: choose the kind of ask; the result view shows the text to copy, with the intake link.
    slack.block_action("U0SUCCESS", find_button(card["blocks"], "Ask")["action_id"], message=card, channel_id=NOMS)
    ask_modal = opened_view(emu, callback_id="nomination.ask")
    result = submit(slack, emu, "U0SUCCESS", ask_modal, ask_type="short_quote").json()
    assert result["response_action"] == "update"
    ask_text = next(b for b in result["view"]["blocks"] if b.get("block_id") == "ask_text")
    text = blocks_text([ask_text])
    assert "https://advocacy.example.com/intake/" in text and "Dana" in text

    # Mark as sent, from the result view (Slack keeps the modal's id across response_action updates).
    shown = {**emu.view(ask_modal["id"]), **result["view"], "id": ask_modal["id"]}
    slack.block_action("U0SUCCESS", "ask.mark_sent", view=shown)
    emu.wait_for("views.update", 2, predicate=lambda c: c.args.get("view_id") == ask_modal["id"])
    assert "Marked as sent" in blocks_text(emu.view(ask_modal["id"])["blocks"])
    assert bot.rows(m.Ask)[0].state == AskState.SENT
    message_saying(emu, NOMS, card["ts"], "Short quote ask sent by Sam Success")

    # The customer answers on the intake page.
    link = next(word for word in text.split() if "/intake/" in word)
    stories.submit_story(bot.ctx.core, token_of(link), story_form())
    review = message_titled(emu, APPR, "Story for review: Dana Lee at Acme Corp")

    # Someone outside marketing is refused, ephemerally, and nothing changes.
    slack.block_action("U0NOBODY", "review.approve", message=review, channel_id=APPR)
    wait_until(lambda: ephemeral_texts(emu, "review.approve"), what="the refusal")
    assert "Only people with the marketing role can review stories" in ephemeral_texts(emu, "review.approve")[0]
    assert not bot.rows(m.ReviewDecision)

    # Marketing approves: the card is updated in place with who and when, its decision buttons gone.
    slack.block_action("U0MARKET", "review.approve", message=review, channel_id=APPR)
    updated = message_saying(emu, APPR, review["ts"], "Approved by Mia Marketing on")
    assert [b["text"]["text"] for b in updated["blocks"][-1]["elements"]] == ["Publish"]
    assert len(emu.messages(APPR)) == 1

    # Publish: the tracked link comes back ephemerally and the wins channel hears about it.
    slack.block_action("U0MARKET", "story.publish", message=updated, channel_id=APPR)
    publish = opened_view(emu, callback_id="story.publish")
    done = submit(slack, emu, "U0MARKET", publish, channel="website", url="https://example.com/customers/acme").json()
    code = bot.rows(m.Placement)[0].code
    assert f"Share <https://advocacy.example.com/p/{code}> so visits" in blocks_text(done["view"]["blocks"])
    assert "utm_source=website" in blocks_text(done["view"]["blocks"])
    ephemeral = emu.wait_for("chat.postEphemeral", predicate=lambda c: c.args["channel"] == APPR)[0]
    assert ephemeral.args["user"] == "U0MARKET" and "utm_campaign=advocacy" in ephemeral.args["text"]
    assert f"https://advocacy.example.com/p/{code}" in ephemeral.args["text"]
    announcement = message_titled(emu, WINS, "Published: Acme Corp")
    assert [msg["ts"] for msg in emu.messages(WINS)] == [celebration["ts"], announcement["ts"]]
    assert bot.rows(m.Story)[0].state == StoryState.PUBLISHED

    # The owner is told it is live, with a button to log a thank-you.
    live = message_titled(emu, emu.dm_channel("U0SUCCESS"), "story is live")
    slack.block_action("U0SUCCESS", "recognition.log", message=live, channel_id=emu.dm_channel("U0SUCCESS"))
    thanks = opened_view(emu, callback_id="recognition.log")
    assert submit(slack, emu, "U0SUCCESS", thanks, kind="swag", value="25", note="Mug").json()["view"]
    assert bot.rows(m.Recognition)[0].value == 25

    # Sales finds the story with /proof and records its use in a deal.
    slack.slash_command("/proof", "acme", user_id="U0SALES")
    proof = wait_until(lambda: emu.calls("response_url:proof"), what="the /proof answer")[0].args
    assert proof["response_type"] == "ephemeral" and "Acme Corp" in blocks_text(proof["blocks"])
    slack.block_action("U0SALES", "proof.use", message={"blocks": proof["blocks"]}, channel_id="C0CHAN")
    deal = opened_view(emu, callback_id="proof.use")
    recorded = submit(slack, emu, "U0SALES", deal, opportunity_id="OPP-42", amount="50000").json()
    assert "Recorded: story used in opportunity OPP-42" in blocks_text(recorded["view"]["blocks"])
    usage = bot.rows(m.DealUsage)
    assert [(u.opportunity_id, u.amount, u.recorded_by) for u in usage] == [("OPP-42", 50000, "U0SALES")]
