"""The lifecycle's promises in Teams, on SQLite and PostgreSQL: Revise after "Request changes", the final
version the customer approves (Mark as sent), a story call written up, "Customer declined" from the queue, and
a withdrawal that reaches the seller who used the story."""

from __future__ import annotations

import pytest

from storage import models as m
from tests.core.helpers import flag, rows, story_form, token_of
from tests.emulators import teams_activities as ta
from tests.teams.conftest import APPROVALS, SAM_AAD, SID_AAD
from tests.teams.people import buttons, card_of, dialog_card, dialog_message, invoke_card, invoke_message, texts
from workflows import asks, sales, stories
from workflows.actors import Actor
from workflows.states import AskState, AskType, StoryState

BOTH = pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
SAM = Actor(platform="teams", user_id=SAM_AAD, email="sam@example.com", name="Sam")
SID = Actor(platform="teams", user_id=SID_AAD, name="Sid")


def sent(teams, ask_type=AskType.SHORT_QUOTE):
    outcome = flag(teams.core, SAM, account="Contoso")
    draft = asks.draft_ask(teams.core, SAM, outcome.nomination.id, ask_type)
    asks.mark_sent(teams.core, SAM, draft.ask.id)
    return draft


def sam_dms(teams, count: int) -> tuple[str, list[dict]]:
    chat = teams.connector.wait_for(lambda c: c.kind == "create_conversation")[0].response["id"]
    return chat, teams.posts(chat, count=count)


def titled(activities: list[dict], title: str) -> dict:
    return next(a for a in activities if texts(card_of(a)).startswith(title))


@BOTH
def test_request_changes_then_revise_in_a_prefilled_dialog(teams, engine):
    teams.install()
    story_id = stories.submit_story(teams.core, token_of(sent(teams).link), story_form()).story.id
    [review] = teams.posts(APPROVALS)
    changes = dialog_card(teams.mia.click(APPROVALS, review, "Request changes"))
    teams.mia.submit_dialog(changes, "Send", {"reason": "Add the team size"})
    chat, posts = sam_dms(teams, 2)
    told = titled(posts, "Story from Contoso: changes requested")
    assert "Add the team size" in texts(card_of(told)) and "Revise" in buttons(card_of(told))
    refused = dialog_card(teams.sid.click(chat, told, "Revise"))
    assert "Only the story's owner can edit it." in texts(refused)
    edit = dialog_card(teams.sam.click(chat, told, "Revise"))
    assert "Marketing asked: Add the team size" in texts(edit)
    assert next(i["value"] for i in edit["body"] if i.get("id") == "body") == "We got our weekends back."
    unchanged = dialog_card(teams.sam.submit_dialog(edit, "Send to review"))  # the form again, with the problem
    assert "Nothing was changed" in texts(unchanged) and "We got our weekends back." in texts(unchanged)
    done = dialog_message(teams.sam.submit_dialog(edit, "Send to review",
                                                  {"body": "Our 12-person team got weekends back."}))
    assert done == "Revised and sent back to marketing for review."
    story = rows(engine, m.Story)[0]
    assert (story.state, story.revision, story.body) == (StoryState.IN_REVIEW, 1, "Our 12-person team got weekends back.")
    [_, revised] = teams.posts(APPROVALS, count=2)
    assert "Revised by Sam: changed the story" in texts(card_of(revised))
    assert buttons(card_of(revised)) == ["Approve", "Request changes", "Reject"]


@BOTH
def test_final_version_waits_for_the_customer_and_mark_as_sent(teams, engine):
    teams.install()
    draft = sent(teams)
    story_id = stories.submit_story(teams.core, token_of(draft.link), story_form(review_before_publish=True)).story.id
    [review] = teams.posts(APPROVALS)
    approved = invoke_card(teams.mia.click(APPROVALS, review, "Approve"))
    assert "Waiting for Dana Lee (the customer) to approve the final version since" in texts(approved)
    assert buttons(approved) == []
    chat, posts = sam_dms(teams, 2)
    task = titled(posts, "Contoso: send the final version for approval")
    assert "https://advocacy.example.com/final/" in texts(card_of(task))
    assert invoke_message(teams.sid.click(chat, task, "Mark as sent")).startswith("Only the story's owner")
    marked = invoke_card(teams.sam.click(chat, task, "Mark as sent"))
    assert "Marked as sent" in texts(marked)
    assert rows(engine, m.Story)[0].final_sent_at is not None
    assert invoke_message(teams.sam.click(chat, task, "Mark as sent")).startswith("Already marked as sent on")


@BOTH
def test_a_story_call_is_written_up_into_a_draft_story(teams, engine):
    teams.install()
    draft = sent(teams, AskType.STORY_CALL)
    form = stories.StoryForm(preferred_time="Thursday 3pm", goal="Faster onboarding",
                             consent={"channels": ["website"], "signer_name": "Dana Lee"})
    stories.submit_story(teams.core, token_of(draft.link), form)
    chat, posts = sam_dms(teams, 1)
    task = titled(posts, "Story call with Dana Lee at Contoso")
    assert "They suggest: Thursday 3pm" in texts(card_of(task))
    assert buttons(card_of(task)) == ["Download invitation (.ics)", "Write up the call"]
    assert teams.connector.activities(APPROVALS) == []  # not a review item
    notes = dialog_card(teams.sam.click(chat, task, "Write up the call"))
    assert next(i["value"] for i in notes["body"] if i.get("id") == "goal") == "Faster onboarding"
    done = dialog_message(teams.sam.submit_dialog(notes, "Send to review", {"body": "Dana: 6 weeks became 2."}))
    assert done.startswith("Sent to marketing for review.")
    [review] = teams.posts(APPROVALS)
    assert "Written up by Sam after a call" in texts(card_of(review))
    assert rows(engine, m.Story)[0].state == StoryState.IN_REVIEW


@BOTH
def test_customer_declined_from_the_queue(teams, engine):
    teams.install()
    sent(teams)
    teams.sam.say("queue", personal=True)
    teams.connector.wait_for(lambda c: c.conversation_id == ta.PERSONAL_CONVERSATION_ID)
    [queue] = teams.connector.activities(ta.PERSONAL_CONVERSATION_ID)
    assert "Customer declined" in buttons(card_of(queue))
    form = dialog_card(teams.sam.click(ta.PERSONAL_CONVERSATION_ID, queue, "Customer declined"))
    done = teams.sam.submit_dialog(form, "Record", {"reason": "Busy quarter"})
    assert "Recorded as declined" in texts(done.json())
    ask = rows(engine, m.Ask)[0]
    assert ask.state == AskState.DECLINED and ask.decline_reason == "Busy quarter"


@BOTH
def test_withdrawal_tells_the_seller_who_used_the_story(teams, engine):
    teams.install()
    submitted = stories.submit_story(teams.core, token_of(sent(teams).link), story_form())
    [review] = teams.posts(APPROVALS)
    invoke_card(teams.mia.click(APPROVALS, review, "Approve"))
    sales.record_deal_usage(teams.core, SID, submitted.story.id, "OPP-42", 50000)
    stories.withdraw_consent(teams.core, submitted.consent.view_token)
    chats = teams.connector.wait_for(lambda c: c.kind == "create_conversation", count=2)
    sid_chat = next(c.response["id"] for c in chats if c.json["members"] == [{"id": SID_AAD}])
    [told] = teams.posts(sid_chat)
    assert "Stop using Contoso's story" in texts(card_of(told)) and "OPP-42" in texts(card_of(told))
