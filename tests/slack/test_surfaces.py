"""Each Slack surface as a person uses it: reactions, the shortcut, the picker, cards, App Home, commands."""

from __future__ import annotations

import json
from datetime import timedelta

from slack_sdk import WebClient

from storage import models as m
from tests.core.helpers import to_review
from tests.emulators.slack_requests import find_button
from tests.slack.conftest import (APPR, NOMS, WINS, blocks_text, ephemeral_texts, flag_win, message_saying,
                                  message_titled, opened_view, submit, wait_until)
from workflows import closeloop
from workflows import interactions as ix
from workflows.cards import notice
from workflows.effects import Button, Effect
from workflows.states import NominationState, StoryState, WinSource

PERMALINK = "https://t0team.slack.com/archives/"


def test_win_reaction_asks_the_poster_and_opens_the_modal_prefilled(slack, emu, bot):
    posted = WebClient(base_url=emu.base_url, token="xoxp-someone").chat_postMessage(
        channel=WINS, text="Acme & Co halved their onboarding time")
    slack.event({"type": "reaction_added", "user": "U0MARKET", "reaction": "trophy", "item_user": "U0SUCCESS",
                 "item": {"type": "message", "channel": WINS, "ts": posted["ts"]}})
    prompt = emu.wait_for("chat.postEphemeral")[0].args
    assert prompt["user"] == "U0SUCCESS" and "customer win" in prompt["text"]
    slack.block_action("U0SUCCESS", "win.from_message", message={"blocks": prompt["blocks"]}, channel_id=WINS)
    view = opened_view(emu, callback_id="win")
    story = next(b for b in view["blocks"] if b.get("block_id") == "story")
    assert story["element"]["initial_value"] == "Acme & Co halved their onboarding time"
    assert PERMALINK + WINS in blocks_text(view["blocks"])
    assert submit(slack, emu, "U0SUCCESS", view, account="new:Acme & Co").json()["response_action"] == "update"
    win = bot.rows(m.Win)[0]
    assert win.source == WinSource.REACTION and win.source_link.startswith(PERMALINK + WINS)


def test_message_shortcut_opens_the_modal_with_the_text_and_permalink(slack, emu, bot):
    message = {"type": "message", "user": "U0SALES", "ts": "1700000100.000200",
               "text": "Acme &amp; Co cut errors by 40% &lt;finally&gt;"}
    slack.message_shortcut("win.flag_message", "U0SUCCESS", "C0SALES", message)
    view = opened_view(emu, callback_id="win")
    story = next(b for b in view["blocks"] if b.get("block_id") == "story")
    assert story["element"]["initial_value"] == "Acme & Co cut errors by 40% <finally>"
    submit(slack, emu, "U0SUCCESS", view, account="new:Acme & Co", outcome_type="errors_reduced")
    win = bot.rows(m.Win)[0]
    assert (win.source, win.source_link) == (WinSource.SHORTCUT, f"{PERMALINK}C0SALES/p1700000100000200")
    assert win.story == "Acme & Co cut errors by 40% <finally>"


def test_account_picker_searches_and_offers_to_create(slack, emu, bot):
    flag_win(slack, emu, account="new:Acme Corp")
    view = opened_view(emu)

    def options(typed: str) -> list[tuple[str, str]]:
        answer = slack.payload({"type": "block_suggestion", "user": {"id": "U0SUCCESS"}, "team": {"id": "T0TEAM"},
                                "api_app_id": "A0APP", "action_id": "account", "block_id": "account",
                                "value": typed, "view": view}).json()
        return [(o["text"]["text"], o["value"]) for o in answer["options"]]

    account_id = bot.rows(m.Account)[0].id
    assert options("acm") == [("Acme Corp", f"id:{account_id}"), ("Create account: acm", "new:acm")]
    assert options("ACME corp") == [("Acme Corp", f"id:{account_id}")]
    assert options("Globex") == [("Create account: Globex", "new:Globex")]
    flag_win(slack, emu, account=f"id:{account_id}", story="Second win")
    assert len(bot.rows(m.Account)) == 1 and len(bot.rows(m.Win)) == 2


def test_not_now_and_snooze_on_nomination_cards(slack, emu, bot):
    flag_win(slack, emu, account="new:Acme Corp")
    flag_win(slack, emu, account="new:Globex", story="Globex doubled usage")
    first = message_titled(emu, NOMS, "Acme Corp")
    second = message_titled(emu, NOMS, "Globex")

    slack.block_action("U0SUCCESS", "nomination.dismiss", message=first, channel_id=NOMS)
    assert wait_until(lambda: ephemeral_texts(emu, "nomination.dismiss"), what="answer") == ["Nomination set aside."]
    dismissed = message_saying(emu, NOMS, first["ts"], "Not now by Sam Success")
    assert dismissed["blocks"][-1]["type"] != "actions"

    slack.block_action("U0SUCCESS", "nomination.snooze", message=second, channel_id=NOMS)
    view = opened_view(emu, callback_id="nomination.snooze")
    default = next(b for b in view["blocks"] if b.get("block_id") == "until")["element"]["initial_date"]
    today = bot.ctx.core.now().astimezone(bot.ctx.core.config.tz).date()
    assert default == (today + timedelta(days=14)).isoformat()
    past = submit(slack, emu, "U0SUCCESS", view, until=(today - timedelta(days=1)).isoformat()).json()
    assert past == {"response_action": "errors", "errors": {"until": "Pick a date in the future."}}
    assert "Snoozed until" in blocks_text(submit(slack, emu, "U0SUCCESS", view).json()["view"]["blocks"])
    message_saying(emu, NOMS, second["ts"], "Snoozed until")
    states = {n.state for n in bot.rows(m.Nomination)}
    assert states == {NominationState.DISMISSED, NominationState.SNOOZED}


def test_only_the_owner_can_ask_and_no_modal_opens_for_others(slack, emu, bot):
    flag_win(slack, emu, account="new:Acme Corp")
    card = message_titled(emu, NOMS, "Acme Corp")
    slack.block_action("U0MARKET", find_button(card["blocks"], "Ask")["action_id"], message=card, channel_id=NOMS)
    refusal = wait_until(lambda: ephemeral_texts(emu, "nomination.ask"), what="refusal")
    assert refusal == ["Only people with the success role can ask this customer. Ask an admin to add you in "
                       "app.yaml."]
    assert not emu.calls("views.open")[1:]  # only the /win modal was ever opened


def test_request_changes_tells_the_owner_why(slack, emu, bot):
    to_review(bot.ctx.core)
    card = message_titled(emu, APPR, "Story for review")
    slack.block_action("U0SALES", "review.changes", message=card, channel_id=APPR)
    assert "marketing role" in wait_until(lambda: ephemeral_texts(emu, "review.changes"), what="refusal")[0]
    assert not emu.calls("views.open")

    slack.block_action("U0MARKET", "review.changes", message=card, channel_id=APPR)
    view = opened_view(emu, callback_id="review.changes")
    blank = submit(slack, emu, "U0MARKET", view, reason="   ").json()
    assert list(blank["errors"]) == ["reason"]
    submit(slack, emu, "U0MARKET", view, reason="Add the customer's job title & team size")
    updated = message_saying(emu, APPR, card["ts"], "Changes requested by Mia Marketing")
    assert "Reason: Add the customer's job title &amp; team size" in blocks_text(updated["blocks"])
    assert updated["blocks"][-1]["type"] != "actions"
    told = message_titled(emu, emu.dm_channel("U0SUCCESS"), "changes requested")
    assert "job title" in blocks_text(told["blocks"])
    assert bot.rows(m.Story)[0].state == StoryState.CHANGES_REQUESTED


def test_reject_asks_for_confirmation_and_user_group_members_count_as_marketing(slack, emu, bot):
    to_review(bot.ctx.core)
    card = message_titled(emu, APPR, "Story for review")
    reject = find_button(card["blocks"], "Reject")
    assert reject["style"] == "danger" and reject["confirm"]["confirm"]["text"] == "Reject"
    slack.block_action("U0GROUPIE", "review.reject", message=card, channel_id=APPR)  # in @marketing
    submit(slack, emu, "U0GROUPIE", opened_view(emu, callback_id="review.reject"))  # the reason is optional
    message_saying(emu, APPR, card["ts"], "Rejected by Gil Group")
    assert bot.rows(m.Story)[0].state == StoryState.REJECTED


def test_app_home_shows_each_role_its_queue_and_acts_in_place(slack, emu, bot):
    to_review(bot.ctx.core)
    card = message_titled(emu, APPR, "Story for review")
    for user in ("U0MARKET", "U0SUCCESS", "U0NOBODY"):
        slack.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"})
    wait_until(lambda: len(emu.calls("views.publish")) == 3, what="three Home tabs")

    marketing = emu.home_view("U0MARKET")
    assert "Reviews* (1)" in blocks_text(marketing["blocks"]) and "Ready to publish* (0)" in blocks_text(
        marketing["blocks"])
    success = blocks_text(emu.home_view("U0SUCCESS")["blocks"])
    assert "My wins* (1)" in success and "Open asks* (0)" in success and "Reviews" not in success
    nobody = blocks_text(emu.home_view("U0NOBODY")["blocks"])
    assert "My wins* (0)" in nobody and "Nominations" not in nobody

    slack.block_action("U0MARKET", "review.approve", view=marketing)
    wait_until(lambda: len(emu.calls("views.publish")) == 4, what="the Home tab re-published")
    refreshed = blocks_text(emu.home_view("U0MARKET")["blocks"])
    assert "Approved. Publish it when it goes live." in refreshed
    assert "Reviews* (0)" in refreshed and "Ready to publish* (1)" in refreshed
    message_saying(emu, APPR, card["ts"], "Approved by Mia Marketing")


def test_advocacy_command_help_queue_and_digest(slack, emu, bot):
    flag_win(slack, emu)
    for text in ("", "queue", "digest", "nonsense"):
        slack.slash_command("/advocacy", text, user_id="U0SUCCESS")
    answers = wait_until(lambda: len(emu.calls("response_url:advocacy")) == 4 and emu.calls("response_url:advocacy"),
                         what="four answers")
    assert any("/proof &lt;customer" in c.args["text"] for c in answers)
    queue = next(c.args for c in answers if c.args["text"].startswith("Your queue"))
    assert "Nominations* (1)" in blocks_text(queue["blocks"]) and find_button(queue["blocks"], "Ask")
    digest = next(c.args for c in answers if "digest" in c.args["text"].lower() and "blocks" in c.args)
    assert "Wins flagged" in blocks_text(digest["blocks"])
    assert any(c.args["text"].startswith("I don't know “nonsense”") for c in answers)
    assert all(c.args["response_type"] == "ephemeral" for c in answers)


def test_user_text_is_escaped_everywhere(slack, emu, bot):
    nasty = "<!channel> <@U123> <http://x|y> & <!here>"
    answer = flag_win(slack, emu, account="new:<!here> Corp", story=nasty, contact_name="<@U999>").json()
    message_titled(emu, NOMS, "nomination")
    slack.slash_command("/proof", "<!channel>", user_id="U0SALES")
    wait_until(lambda: emu.calls("response_url:proof"), what="/proof answer")
    sent = json.dumps([answer] + [c.args for c in emu.calls() if c.method in
                                  ("chat.postMessage", "response_url:proof")])
    for raw in ("<!channel>", "<@U123>", "<http://x|y>", "<!here>", "<@U999>"):
        assert raw not in sent
    celebration = message_titled(emu, WINS, "Customer win")
    assert "&lt;!channel&gt; &lt;@U123&gt; &lt;http://x|y&gt; &amp; &lt;!here&gt;" in blocks_text(
        celebration["blocks"])
    assert celebration["text"] == "Customer win: &lt;@U999&gt; at &lt;!here&gt; Corp"


def test_long_text_is_cut_with_a_read_all_modal(slack, emu, bot):
    story = ("Fast & reliable. " * 176)[:2990] + " END"
    flag_win(slack, emu, story=story)
    card = message_titled(emu, WINS, "Customer win")
    shown = blocks_text(card["blocks"])
    assert "END" not in shown and "…" in shown
    read_all = find_button(card["blocks"], "Read all")
    slack.block_action("U0NOBODY", read_all["action_id"], message=card, channel_id=WINS)
    modal = opened_view(emu, callback_id="card.read_all")
    full = " ".join(blocks_text(modal["blocks"]).split())  # sections may split between words
    assert full.count("Fast &amp; reliable.") == story.count("Fast & reliable.") and "END" in full

    without_metadata = {k: v for k, v in card.items() if k != "metadata"}  # Slack may leave it out of payloads
    slack.block_action("U0NOBODY", read_all["action_id"], message=without_metadata, channel_id=WINS)
    refetched = emu.view(emu.wait_for("views.open", 3)[2].response["view"]["id"])
    assert "END" in blocks_text(refetched["blocks"])
    assert emu.last("conversations.history").args["include_all_metadata"] in (True, "1", "true")


def test_reference_requests_are_decided_from_the_owners_direct_message(slack, emu, bot):
    core = bot.ctx.core
    with core.unit() as unit:
        account = unit.repo.add(m.Account(name="Acme Corp", name_key="acme corp", owner="U0SUCCESS",
                                          created_at=unit.now))
        asked = [unit.repo.add(m.ReferenceRequest(requested_by="U0SALES", criteria="fintech", account_id=account.id,
                                                  created_at=unit.now)) for _ in range(2)]
        for request in asked:
            buttons = [Button("Approve", "reference.approve", str(request.id), "primary"),
                       Button("Decline", "reference.decline", str(request.id))]
            unit.emit(Effect("dm", notice("Reference request: Acme Corp", buttons=buttons), person="U0SUCCESS"))
    dm = emu.dm_channel("U0SUCCESS")
    wait_until(lambda: len(emu.messages(dm)) == 2, what="both requests")
    first, second = emu.messages(dm)
    slack.block_action("U0SUCCESS", "reference.approve", message=first, channel_id=dm)
    slack.block_action("U0SUCCESS", "reference.decline", message=second, channel_id=dm)
    told = wait_until(lambda: len(ephemeral_texts(emu, "reference.approve") + ephemeral_texts(
        emu, "reference.decline")) == 2 and ephemeral_texts(emu, "reference.approve")[0], what="both answers")
    assert told.startswith("Approved.") and ephemeral_texts(emu, "reference.decline") == [
        "Declined. The seller has been told."]
    assert [r.state.value for r in bot.rows(m.ReferenceRequest)] == ["approved", "declined"]


def test_detractor_feedback_is_resolved_from_the_owners_direct_message(slack, emu, bot):
    core = bot.ctx.core
    with core.unit() as unit:
        account = unit.repo.add(m.Account(name="Acme Corp", name_key="acme corp", owner="U0SUCCESS",
                                          created_at=unit.now))
        answer = unit.repo.add(m.NpsResponse(account_id=account.id, score=3, comment="Exports keep failing",
                                             responded_at=unit.now))
        closeloop.on_nps(unit, answer)
    card = message_titled(emu, emu.dm_channel("U0SUCCESS"), "Close the loop: Acme Corp")
    slack.block_action("U0SUCCESS", find_button(card["blocks"], "Resolve")["action_id"], message=card,
                       channel_id=emu.dm_channel("U0SUCCESS"))
    view = opened_view(emu, callback_id="closeloop.resolve")
    assert submit(slack, emu, "U0SUCCESS", view, note="  ").json()["errors"] == {
        "note": "Say what you fixed or agreed with the customer."}
    done = submit(slack, emu, "U0SUCCESS", view, note="Fixed the export job and called them back").json()
    assert "Resolved." in blocks_text(done["view"]["blocks"])
    assert bot.rows(m.CloseLoopItem)[0].note == "Fixed the export job and called them back"


def test_a_form_about_an_item_it_can_no_longer_name_stays_open_with_the_problem_under_its_first_field(slack, emu, bot):
    to_review(bot.ctx.core)
    card = message_titled(emu, APPR, "Story for review")
    slack.block_action("U0MARKET", "review.changes", message=card, channel_id=APPR)
    view = opened_view(emu, callback_id="review.changes")
    meta = json.loads(view["private_metadata"])
    stale = {**view, "private_metadata": json.dumps({**meta, "id": "not-a-story"})}
    answer = submit(slack, emu, "U0MARKET", stale, reason="Add the team size").json()
    assert answer == {"response_action": "errors", "errors": {"reason": ix.STALE}}
