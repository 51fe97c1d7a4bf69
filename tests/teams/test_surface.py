"""Teams surface behaviours over HTTP: install, commands, forms, queue, review reasons, escaping, dedupe."""

from __future__ import annotations

import json
import logging

from sqlmodel import Session, select

from storage import models as m
from bot.teams.handler import RECORDING
from bot.teams.render import FLAG_WIN_COMMAND
from tests.core.helpers import rows, to_review
from tests.emulators import teams_activities as ta
from tests.teams.conftest import APPROVALS, NOMS, SAM_AAD, WINS
from tests.teams.people import (buttons, card_of, dialog_card, dialog_message, fill, find_action, invoke_card,
                                invoke_message, texts, told_on)
from tests.slack.conftest import wait_until
from workflows.states import AskState, NominationState, StoryState

FORM = {"account_name": "Fabrikam", "outcome_type": "revenue_gained", "metric_value": "120000",
        "metric_unit": "USD/year"}


def conversations(engine) -> list[m.Conversation]:
    with Session(engine) as session:
        return list(session.exec(select(m.Conversation).order_by(m.Conversation.id)))


def test_install_remembers_the_team_and_welcomes_once_with_the_channel_id(teams, engine):
    teams.install()
    [stored] = conversations(engine)
    assert (stored.conversation_id, stored.team_id, stored.tenant_id, stored.conversation_type) == (
        ta.CHANNEL_ID, ta.TEAM_ID, ta.TENANT_ID, "channel")
    [welcome] = teams.posts(ta.CHANNEL_ID)
    assert f"This channel's id (for app.yaml channels.teams): {ta.CHANNEL_ID}" in texts(card_of(welcome))
    assert len(teams.connector.activities(ta.CHANNEL_ID)) == 1  # the conversationUpdate of the install: no 2nd hello


def test_personal_install_remembers_the_user_for_direct_messages(teams, engine):
    teams.sam.requester.post(ta.installation_update(teams.connector.service_url, personal=True))
    [chat] = conversations(engine)
    assert (chat.conversation_id, chat.user_id, chat.conversation_type) == (
        ta.PERSONAL_CONVERSATION_ID, ta.USER["aadObjectId"], "personal")


def test_service_url_is_refreshed_from_every_activity_and_used_for_posts(teams, engine):
    teams.install()
    moved = teams.connector.service_url + "emea/"
    teams.sam.post(ta.message("help", moved, user=teams.sam.user))
    assert {c.service_url for c in conversations(engine)} == {moved}
    teams.sam.flag_message("Northwind doubled usage")
    teams.sam.submit_flag("Northwind doubled usage", teams.sam.flag_message("Northwind doubled usage"),
                          {"account_name": "Northwind"})
    teams.posts(WINS)
    [post] = [c for c in teams.connector.calls("send") if c.conversation_id == WINS]
    assert post.path == f"/emea/v3/conversations/{WINS}/activities"


def test_channel_messages_need_a_mention_and_are_answered_once(teams):
    teams.sam.say("help", mention=False)
    activity = teams.sam.say("help")
    teams.sam.post(activity)  # Teams redelivers the same activity
    thread = f"{ta.CHANNEL_ID};messageid={activity['id']}"
    [reply] = teams.posts(thread)
    assert "proof <customer, industry or outcome>" in texts(card_of(reply))
    assert [c.kind for c in teams.connector.calls() if c.kind in ("send", "reply")] == ["reply"]


def test_unknown_command_gets_help(teams):
    teams.sam.say("dance", personal=True)
    [reply] = teams.posts(ta.PERSONAL_CONVERSATION_ID)
    assert "I don't know \u201cdance\u201d." in texts(card_of(reply))


def test_win_command_opens_the_form_and_a_submit_replaces_it_for_everyone(teams, engine):
    teams.sam.say("win Fabrikam renewed early and expanded", personal=True)
    [form] = teams.posts(ta.PERSONAL_CONVERSATION_ID)
    assert "Fabrikam renewed early and expanded" in texts(card_of(form))

    missing = invoke_card(teams.sam.click(ta.PERSONAL_CONVERSATION_ID, form, "Flag win",
                                          {"metric_value": "12"}))
    assert "Customer account is required" in texts(missing) or "Account is required" in texts(missing)
    assert rows(engine, m.Win) == []
    kept = {i["id"]: i.get("value") for i in missing["body"] if i.get("id")}
    assert kept["story"] == "Fabrikam renewed early and expanded" and kept["metric_value"] == 12

    done = invoke_card(teams.sam.click(ta.PERSONAL_CONVERSATION_ID, form, "Flag win", FORM))
    assert "Win recorded for Fabrikam." in texts(done)
    [win] = rows(engine, m.Win)
    assert (win.metric_value, win.metric_unit, win.flagged_by) == (120000, "USD/year", SAM_AAD)
    teams.updates(ta.PERSONAL_CONVERSATION_ID)
    assert card_of(teams.connector.activities(ta.PERSONAL_CONVERSATION_ID)[0]) == done

    again = invoke_message(teams.sam.click(ta.PERSONAL_CONVERSATION_ID, form, "Flag win", FORM))
    assert again == "This win was already recorded."
    assert len(rows(engine, m.Win)) == 1


def test_flag_dialog_with_a_bad_email_keeps_the_values_and_names_the_field(teams, engine):
    text = "Tailspin cut support tickets by half"
    dialog = teams.sam.flag_message(text)
    again = dialog_card(teams.sam.submit_flag(text, dialog, {"account_name": "Tailspin",
                                                             "contact_email": "not-an-email"}))
    assert "Contact email" in texts(again)
    assert {i["id"]: i.get("value") for i in again["body"] if i.get("id")}["account_name"] == "Tailspin"
    assert rows(engine, m.Win) == []


def test_user_text_is_inert_in_cards(teams):
    teams.install()
    story = "<at>Everyone</at> **read** [this](https://evil.test) <b>now</b>"
    dialog = teams.sam.flag_message(story)
    assert dialog_message(teams.sam.submit_flag(story, dialog, {"account_name": "<at>Acme</at>"}))
    [celebration] = teams.posts(WINS)
    content = card_of(celebration)
    raw = json.dumps(content, ensure_ascii=False)
    assert "<at>" not in raw and "Customer win: <\u200bat>Acme<\u200b/at>" in raw
    assert "Everyone **read** [this](https://evil.test) now" in raw  # as plain text
    assert '"type": "TextBlock"' not in raw  # user text only in TextRuns, which Teams never renders as markdown
    assert "mention" not in json.dumps(celebration)


def _nominated(teams):
    teams.install()
    dialog = teams.sam.flag_message("Woodgrove went live in a week")
    teams.sam.submit_flag("Woodgrove went live in a week", dialog, {"account_name": "Woodgrove"})
    [nomination] = teams.posts(NOMS)
    return nomination


def test_snooze_until_a_date_and_not_now(teams, engine):
    nomination = _nominated(teams)
    form = dialog_card(teams.sam.click(NOMS, nomination, "Snooze"))
    assert "until 09:00 on the day you choose" in texts(form)
    told = dialog_message(teams.sam.submit_dialog(form, "Snooze", {"until": "2099-01-15"}))
    assert told.startswith("Snoozed until 15 Jan 2099")
    teams.updates(NOMS)
    assert "Snoozed until 15 Jan 2099 by Sam" in texts(card_of(teams.connector.activities(NOMS)[0]))
    assert rows(engine, m.Nomination)[0].state == NominationState.SNOOZED
    dismissed = invoke_card(teams.sam.click(NOMS, nomination, "Not now"))
    assert "Not now by Sam on" in texts(dismissed) and buttons(dismissed) == []
    assert rows(engine, m.Nomination)[0].state == NominationState.DISMISSED
    teams.updates(NOMS, count=2)
    assert told_on(dismissed, card_of(teams.connector.activities(NOMS)[0])) == "Nomination set aside."


def test_queue_in_personal_chat_acts_on_items_and_drafts_the_ask(teams, engine):
    _nominated(teams)
    teams.sam.say("queue", personal=True)
    [queue] = teams.posts(ta.PERSONAL_CONVERSATION_ID)
    assert "Nominations (1)" in texts(card_of(queue)) and "Woodgrove" in texts(card_of(queue))
    assert buttons(card_of(queue)) == ["Refresh", "Ask", "Not now", "Snooze"]
    choose = dialog_card(teams.sam.click(ta.PERSONAL_CONVERSATION_ID, queue, "Ask"))
    shown = dialog_card(teams.sam.submit_dialog(choose, "Draft the ask", {"ask_type": "case_study"}))
    assert "/intake/" in texts(shown)
    back = invoke_card(teams.sam.click(ta.PERSONAL_CONVERSATION_ID, queue, "Refresh"))
    assert "Open asks (1)" in texts(back)
    assert dialog_message(teams.sam.submit_dialog(shown, "Mark as sent")).startswith("Marked as sent.")
    assert rows(engine, m.Ask)[0].state == AskState.SENT


def test_ask_is_refused_in_the_dialog_for_someone_else(teams):
    nomination = _nominated(teams)
    refused = dialog_card(teams.nobody.click(NOMS, nomination, "Ask"))
    assert "Only people with the success role can ask this customer." in texts(refused)


def test_request_changes_needs_a_reason_then_reject_is_refused(teams, engine):
    teams.install()
    submitted, _ = to_review(teams.core)
    [first] = teams.posts(APPROVALS)
    form = dialog_card(teams.mia.click(APPROVALS, first, "Request changes"))
    again = dialog_card(teams.mia.submit_dialog(form, "Send"))  # Teams checks required inputs; a forged one
    assert "Say what should change, so the owner can act on it." in texts(again)
    done = dialog_message(teams.mia.submit_dialog(again, "Send", {"reason": "Add the <at>CFO</at>'s numbers"}))
    assert done.startswith("Changes requested")
    teams.updates(APPROVALS)
    sent_back = card_of(teams.connector.activities(APPROVALS)[0])
    assert "Changes requested by Mia" in texts(sent_back)
    assert "Reason: Add the <\u200bat>CFO<\u200b/at>'s numbers" in texts(sent_back)
    assert rows(engine, m.Story)[0].state == StoryState.CHANGES_REQUESTED
    assert rows(engine, m.ReviewDecision)[0].reason == "Add the <at>CFO</at>'s numbers"
    reject = dialog_card(teams.mia.click(APPROVALS, first, "Reject"))  # its optional reason, in a dialog
    assert dialog_message(teams.mia.submit_dialog(reject, "Reject")).startswith("Already changes requested")
    assert submitted.story.id == rows(engine, m.Story)[0].id


def test_help_lists_commands_and_opens_the_win_dialog(teams, engine):
    teams.sam.say("help", personal=True)
    [help_card] = teams.posts(ta.PERSONAL_CONVERSATION_ID)
    form = dialog_card(teams.sam.click(ta.PERSONAL_CONVERSATION_ID, help_card, "Flag a win"))
    done = dialog_message(teams.sam.submit_dialog(form, "Flag win", {"account_name": "Litware",
                                                                      "story": "Saved 3 hours a day"}))
    assert done.startswith("Win recorded for Litware.")
    assert rows(engine, m.Win)[0].story == "Saved 3 hours a day"


def test_digest_command_shows_this_month_with_its_chart(teams):
    teams.sam.say("digest", personal=True)
    teams.sam.say("digest someday", personal=True)
    digest, bad = teams.posts(ta.PERSONAL_CONVERSATION_ID, count=2)
    content = card_of(digest)
    assert texts(content).startswith("Advocacy digest: ")
    [chart] = [e for e in content["body"] if e["type"] == "Image"]
    assert chart["url"].startswith("data:image/png;base64,") and chart["altText"]
    assert "Period 'someday' is not one I know" in texts(card_of(bad))


def test_a_redelivered_flag_records_the_win_once(teams, engine, caplog):
    caplog.set_level(logging.INFO, logger="bot.teams.handler")
    text = "Proseware saved two days a month"
    submit = ta.message_action_submit("flagWin", {"account_name": "Proseware", "story": text, "outcome_type": "other"},
                                      text, teams.connector.service_url, user=teams.sam.user)
    assert dialog_message(teams.sam.post(submit)) == RECORDING  # answered at once; recorded after the answer
    wait_until(lambda: rows(engine, m.Win), what="the win")
    assert dialog_message(teams.sam.post(submit)) == RECORDING
    wait_until(lambda: [r for r in caplog.records if r.getMessage().endswith("was already recorded")],
               what="the repeated submission's work")
    assert len(rows(engine, m.Win)) == 1
    assert not [c for c in teams.connector.calls() if c.path.endswith("/v3/conversations")]  # nothing to tell


def test_a_win_that_cannot_be_recorded_after_the_answer_is_explained_in_the_chat(teams, engine):
    text = "A win for an account deleted meanwhile"
    submit = ta.message_action_submit("flagWin", {"account_id": "999999", "story": text, "outcome_type": "other"},
                                      text, teams.connector.service_url, user=teams.sam.user)
    assert dialog_message(teams.sam.post(submit)) == RECORDING
    [sent] = teams.connector.wait_for(lambda c: c.kind == "send" and c.status == 201)
    [told] = teams.connector.activities(sent.conversation_id)  # the 1:1 chat the bot opened with Sam
    assert sent.conversation_id not in (WINS, NOMS) and texts(card_of(told)) == "The win was not recorded\nThat account no longer exists. Pick another or type its name."
    assert rows(engine, m.Win) == []


def test_a_metric_that_is_not_a_number_is_named_and_the_form_survives(teams, engine):
    text = "Relecloud grew usage"
    dialog = teams.sam.flag_message(text)
    again = dialog_card(teams.sam.submit_flag(text, dialog, {"account_name": "Relecloud", "metric_value": "lots"}))
    assert "Metric" in texts(again) and "number" in texts(again)
    assert rows(engine, m.Win) == []


def test_buttons_dialogs_and_invokes_the_bot_no_longer_knows_get_an_answer(teams):
    url, user = teams.connector.service_url, teams.sam.user
    gone = teams.sam.post(ta.card_action("retired.verb", {"id": "1"}, url, reply_to_id="1", user=user))
    assert invoke_message(gone) == "This button is no longer available. Ask for help to see what I can do."
    stale = dialog_card(teams.sam.post(ta.task_fetch({"verb": "retired.dialog"}, url, reply_to_id="1", user=user)))
    assert "This button is no longer available." in texts(stale)
    assert dialog_message(teams.sam.post(ta.task_submit({"verb": "retired.step"}, url, user=user))).startswith(
        "This button is no longer available.")
    other = ta.task_submit({}, url, user=user)
    other["name"] = "composeExtension/query"
    assert teams.sam.post(other).status_code == 200


def test_older_clients_click_through_the_submit_fallback_and_the_card_is_replaced(teams, engine):
    teams.sam.say("win Fabrikam renewed early", personal=True)
    [form] = teams.posts(ta.PERSONAL_CONVERSATION_ID)
    [flag] = [a for a in card_of(form)["actions"] if a["title"] == "Flag win"]
    data = {**flag["fallback"]["data"], "story": "Fabrikam renewed early", **FORM}
    submit = ta.card_submit(data, teams.connector.service_url, reply_to_id=form["id"], personal=True,
                            user=teams.sam.user)
    assert teams.sam.post(submit).status_code == 202
    teams.updates(ta.PERSONAL_CONVERSATION_ID)
    assert "Win recorded for Fabrikam." in texts(card_of(teams.connector.activities(ta.PERSONAL_CONVERSATION_ID)[0]))
    assert len(rows(engine, m.Win)) == 1


def test_campaign_command_shows_its_form_and_sends_only_when_submitted(teams, engine):
    teams.mia.say("campaign", personal=True)
    [form] = teams.posts(ta.PERSONAL_CONVERSATION_ID)
    assert "How many to invite" in texts(card_of(form)) and rows(engine, m.ReviewCampaign) == []
    done = invoke_card(teams.mia.click(ta.PERSONAL_CONVERSATION_ID, form, "Send invitations",
                                       {"sample": "5", "incentive": "a $25 gift card"}))
    assert "Review campaign 1:" in texts(done) and "The thank-you is a $25 gift card." in texts(done)
    [campaign] = rows(engine, m.ReviewCampaign)
    assert campaign.disclosure.endswith("The thank-you is a $25 gift card.")


def test_campaign_command_is_refused_without_the_role(teams, engine):
    teams.sid.say("campaign", personal=True)
    [refused] = teams.posts(ta.PERSONAL_CONVERSATION_ID)
    assert "can plan ask campaigns" in texts(card_of(refused)) and not buttons(card_of(refused))
    assert rows(engine, m.ReviewCampaign) == []


def test_two_people_flagging_one_message_record_a_win_each_as_in_slack(teams, engine):
    text = "Proseware renewed for three years"
    message = ta.message_action_fetch(FLAG_WIN_COMMAND, text, teams.connector.service_url, user=teams.sam.user)
    for person, account in ((teams.sam, "Proseware"), (teams.mia, "Contoso")):
        opened = {**message, "id": f"fetch-{person.name}", "from": person.user}
        action, inputs = find_action(dialog_card(person.post(opened)), "Flag win")
        submit = ta.message_action_submit(FLAG_WIN_COMMAND, fill(action, inputs, {"account_name": account}), text,
                                          teams.connector.service_url, user=person.user)
        submit["value"]["messagePayload"] = message["value"]["messagePayload"]  # the same message
        assert dialog_message(person.post(submit)) == RECORDING
        assert dialog_message(person.post(submit)) == RECORDING  # a second click on the same form
    wins = wait_until(lambda: rows(engine, m.Win) if len(rows(engine, m.Win)) == 2 else None, what="both wins")
    assert sorted((w.flagged_by_name, w.story) for w in wins) == [("Mia", text), ("Sam", text)]
    wait_until(lambda: len(teams.connector.activities(WINS)) == 2, what="both announced")
