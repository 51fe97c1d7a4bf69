"""A customer win walked from a Teams message to a published story used in a deal, by clicking the
buttons of the cards the connector received, checked against the store."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from bot.teams.handler import RECORDING
from storage import models as m
from tests.core.helpers import rows, story_form
from tests.emulators import teams_activities as ta
from tests.slack.conftest import wait_until
from tests.teams.conftest import APPROVALS, MIA_AAD, NOMS, SAM_AAD, SID_AAD, WINS
from tests.teams.people import (buttons, card_of, dialog_card, dialog_message, invoke_card, invoke_message,
                                texts, told_on)
from workflows import stories
from workflows.states import AskState, DealOutcome, NominationState, PlacementChannel, StoryState, WinSource

MESSAGE = "Contoso cut onboarding from 6 weeks to 2 after the rollout!"


@pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
def test_win_from_message_action_to_published_story_used_in_a_deal(teams, engine):
    teams.install()

    # Sam flags a channel message from the "…" menu; the dialog is prefilled from the message
    dialog = teams.sam.flag_message(MESSAGE)
    assert MESSAGE in texts(dialog)
    response = teams.sam.submit_flag(MESSAGE, dialog, {
        "account_name": "Contoso", "outcome_type": "time_saved", "metric_value": "4", "metric_unit": "weeks",
        "contact_name": "Dana Lee", "contact_email": "dana@contoso.test", "contact_title": "COO"})
    assert dialog_message(response) == RECORDING  # answered at once, recorded after the answer
    [win] = wait_until(lambda: rows(engine, m.Win), what="the win")
    assert (win.source, win.flagged_by, win.story) == (WinSource.TEAMS, SAM_AAD, MESSAGE)
    assert win.source_link.startswith("https://teams.microsoft.com/l/message/")

    # the outbox celebrates in the wins channel and posts the nomination card
    [celebration] = teams.posts(WINS)
    assert "Customer win: Dana Lee, COO at Contoso" in texts(card_of(celebration))
    [nomination] = teams.posts(NOMS)
    assert buttons(card_of(nomination)) == ["Ask", "Not now", "Snooze"]

    # someone without the success role clicks: nothing changes and they are told why
    refusal = invoke_message(teams.nobody.click(NOMS, nomination, "Not now"))
    assert "Only people with the success role" in refusal
    assert teams.connector.calls("update") == []

    # Sam asks: a dialog with the kinds of ask, then the text ready to copy, then "Mark as sent"
    choose = dialog_card(teams.sam.click(NOMS, nomination, "Ask"))
    assert "Short quote" in texts(choose)
    ask_dialog = dialog_card(teams.sam.submit_dialog(choose, "Draft the ask", {"ask_type": "short_quote"}))
    ask_text = next(i["value"] for i in ask_dialog["body"] if i.get("id") == "ask_text")
    link = re.search(r"https://advocacy\.example\.com/intake/\S+", ask_text).group(0)
    assert "Dana" in ask_text
    sent = dialog_message(teams.sam.submit_dialog(ask_dialog, "Mark as sent"))
    assert sent.startswith("Marked as sent.")
    assert rows(engine, m.Ask)[0].state == AskState.SENT
    assert rows(engine, m.Nomination)[0].state == NominationState.ACCEPTED

    # the nomination card changes for everyone and shows who acted; its buttons are gone
    teams.updates(NOMS, count=2)
    [nomination] = teams.connector.activities(NOMS)
    assert "Short quote ask sent by Sam" in texts(card_of(nomination))
    assert buttons(card_of(nomination)) == []

    # the customer answers on the intake page
    stories.submit_story(teams.core, link.rsplit("/", 1)[1], story_form())
    [review] = teams.posts(APPROVALS)
    assert buttons(card_of(review)) == ["Approve", "Request changes", "Reject"]

    # Sam may not review; Mia (marketing through her roster email) approves
    assert "Only people with the marketing role" in invoke_message(teams.sam.click(APPROVALS, review, "Approve"))
    approved = invoke_card(teams.mia.click(APPROVALS, review, "Approve"))
    assert "Approved by Mia on" in texts(approved)
    teams.updates(APPROVALS)
    [review] = teams.connector.activities(APPROVALS)
    # Mia's card also says what her click did; the rest is the card everyone sees
    assert told_on(approved, card_of(review)) == "Approved. Publish it when it goes live."
    assert buttons(approved) == ["Publish"]

    # a second approval, from an old view of the card, is refused with who decided
    old = {"id": review["id"], "attachments": [{"content": {"actions": [
        {"type": "Action.Execute", "title": "Approve", "verb": "review.approve", "data": {"id": "1"}}]}}]}
    assert invoke_message(teams.mia.click(APPROVALS, old, "Approve")).startswith("Already approved by Mia on")

    # Mia publishes on the website and gets the tracked link
    form = dialog_card(teams.mia.click(APPROVALS, review, "Publish"))
    published = dialog_message(teams.mia.submit_dialog(form, "Publish", {
        "channel": "website", "url": "https://example.com/customers/contoso"}))
    tracked = "https://example.com/customers/contoso?utm_source=website&utm_medium=customer-story"
    assert published.count(tracked) == 1 and published.startswith(f"Published. Share {teams.core.config.public_url}/p/")
    teams.updates(APPROVALS, count=2)
    assert "Published on website by Mia" in texts(card_of(teams.connector.activities(APPROVALS)[0]))
    [_, announcement] = teams.posts(WINS, count=2)
    assert "Published: Contoso's story" in texts(card_of(announcement))
    [story] = rows(engine, m.Story)
    assert story.state == StoryState.PUBLISHED
    [placement] = rows(engine, m.Placement)
    assert (placement.channel, placement.published_by) == (PlacementChannel.WEBSITE, MIA_AAD)

    # Sid finds the proof and records it in a deal
    teams.sid.say("proof contoso onboarding")
    thread = f"{ta.CHANNEL_ID};messageid="
    [proof_call] = teams.connector.wait_for(lambda c: c.kind == "reply" and c.conversation_id.startswith(thread))
    [results] = teams.connector.activities(proof_call.conversation_id)
    assert "Contoso" in texts(card_of(results))
    form = dialog_card(teams.sid.click(proof_call.conversation_id, results, "Use in a deal"))
    recorded = dialog_message(teams.sid.submit_dialog(form, "Record", {"opportunity_id": "OPP-42", "amount": "50000"}))
    assert recorded == "Recorded: story used in opportunity OPP-42 (50,000)."
    [usage] = rows(engine, m.DealUsage)
    assert (usage.opportunity_id, usage.amount, usage.recorded_by) == ("OPP-42", 50000, SID_AAD)
    assert card_of(teams.connector.activities(proof_call.conversation_id)[0]) == card_of(results)  # the list stays

    # ... and marks that deal won from the next search, which lists the deals still open
    teams.sid.say("proof contoso")
    [call] = teams.connector.wait_for(lambda c: c.kind == "reply" and c.conversation_id.startswith(thread)
                                      and c.conversation_id != proof_call.conversation_id)
    [results] = teams.connector.activities(call.conversation_id)
    assert "Your open deals (1)" in texts(card_of(results)) and "OPP-42" in texts(card_of(results))
    form = dialog_card(teams.sid.click(call.conversation_id, results, "Mark won / lost"))
    closed = dialog_message(teams.sid.submit_dialog(form, form["actions"][0]["title"], {
        "outcome": "won", "amount": "52000", "closed_on": teams.core.now().date().isoformat()}))
    assert closed.startswith("Recorded: opportunity OPP-42 won, 52,000")
    [deal] = rows(engine, m.Deal)
    assert (deal.opportunity_id, deal.outcome, deal.amount) == ("OPP-42", DealOutcome.WON, 52000)
    assert card_of(teams.connector.activities(call.conversation_id)[0]) == card_of(results)

    # Sam heard about each step in a 1:1 chat the bot opened
    [create] = teams.connector.calls("create_conversation")
    assert create.json["members"] == [{"id": SAM_AAD}]
    dm = create.response["id"]
    titles = [texts(card_of(a)).split("\n")[0] for a in teams.posts(dm, count=3)]
    assert titles == ["Contoso answered your short quote ask", "Story from Contoso: approved",
                      "Contoso's story is live"]
    with_user = select(m.Conversation).where(m.Conversation.user_id == SAM_AAD)
    with Session(engine) as session:
        assert session.exec(with_user).one().conversation_id == dm
