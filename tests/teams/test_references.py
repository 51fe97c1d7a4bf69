"""Customer references and close-the-loop items in Teams, by clicking the cards the connector received; and the
review gating note in the ask dialog."""

from __future__ import annotations

from datetime import timedelta

from storage import models as m
from tests.core.helpers import rows
from tests.emulators import teams_activities as ta
from tests.identification.helpers import customer, publish_story
from tests.teams.conftest import NOMS, SAM_AAD, SID_AAD
from tests.teams.people import buttons, card_of, dialog_card, dialog_message, invoke_card, invoke_message, texts
from workflows import imports
from workflows.gating import review_gating_note
from workflows.states import AskState, AskType, CloseLoopState, ReferenceState

CRITERIA = "fintech, enterprise, EMEA, for opp 123"


def _dm(teams, aad: str, count: int = 1) -> tuple[str, list[dict]]:
    """The 1:1 chat the bot opened with a person, and the activities in it once `count` arrived."""
    [call] = teams.connector.wait_for(lambda c: c.kind == "create_conversation"
                                      and c.json["members"] == [{"id": aad}], timeout=10)
    conversation = call.response["id"]
    return conversation, teams.posts(conversation, count=count)


def _requested(teams) -> list[dict]:
    """Acme (owned by Sam, consenting) matches Sid's request, typed in a personal chat; returns Sid's answer."""
    teams.install()
    account, contact = customer(teams.core, "Acme", owner=SAM_AAD)
    publish_story(teams.core, account, contact, teams.core.now() - timedelta(days=60))
    teams.sid.say(f"reference {CRITERIA}", personal=True)
    return teams.posts(ta.PERSONAL_CONVERSATION_ID)


def test_seller_requests_owner_approves_and_seller_records_the_outcome(teams, engine):
    [answer] = _requested(teams)
    assert "Asked the account owner, by direct message, to approve Acme Lead at Acme" in texts(card_of(answer))
    [request] = rows(engine, m.ReferenceRequest)
    assert (request.requested_by, request.opportunity_id) == (SID_AAD, "123")

    # Sam, the account owner, gets a 1:1 message with Approve and Decline
    owner_chat, [card] = _dm(teams, SAM_AAD)
    assert "Reference request: Acme Lead at Acme" in texts(card_of(card))
    assert buttons(card_of(card)) == ["Approve", "Decline"]

    # someone else clicking is refused and nothing changes
    assert "Only people with the success role" in invoke_message(teams.nobody.click(owner_chat, card, "Approve"))
    assert rows(engine, m.ReferenceRequest)[0].state == ReferenceState.OPEN and not rows(engine, m.Ask)

    # Sam approves: the card becomes the result, and Sid hears who, with "Record outcome"
    approved = invoke_card(teams.sam.click(owner_chat, card, "Approve"))
    assert "counts towards this quarter's limit" in texts(approved) and buttons(approved) == []
    assert rows(engine, m.ReferenceRequest)[0].state == ReferenceState.APPROVED
    seller_chat = ta.PERSONAL_CONVERSATION_ID  # Sid typed there, so the bot writes to him there
    [_, told] = teams.posts(seller_chat, count=2)
    assert "Reference approved: Acme" in texts(card_of(told)) and "lead@acme.test" in texts(card_of(told))

    # an empty outcome is refused; then Sid records how it went, and the card shows the result
    form = dialog_card(teams.sid.click(seller_chat, told, "Record outcome"))
    empty = dialog_card(teams.sid.submit_dialog(form, "Record", {"outcome": "  "}))
    assert "Say how the call went in up to 500 characters." in texts(empty)
    done = dialog_message(teams.sid.submit_dialog(empty, "Record", {"outcome": "Great call, <at>CFO</at> agreed"}))
    assert done.startswith("Outcome recorded. Thank you.")
    teams.updates(seller_chat)
    assert "Outcome recorded. Thank you." in texts(card_of(teams.connector.activities(seller_chat)[-1]))
    assert rows(engine, m.ReferenceRequest)[0].state == ReferenceState.COMPLETED
    assert rows(engine, m.Ask)[0].state == AskState.RESPONDED
    _, [_, outcome] = _dm(teams, SAM_AAD, count=2)
    assert "Reference call done: Acme" in texts(card_of(outcome))
    assert "<at>" not in texts(card_of(outcome))  # user text stays inert


def test_owner_declines_and_the_seller_hears_it(teams, engine):
    _requested(teams)
    owner_chat, [card] = _dm(teams, SAM_AAD)
    declined = invoke_card(teams.sam.click(owner_chat, card, "Decline"))
    assert "The seller has been told." in texts(declined)
    assert rows(engine, m.ReferenceRequest)[0].state == ReferenceState.DECLINED
    [_, told] = teams.posts(ta.PERSONAL_CONVERSATION_ID, count=2)
    assert "declined" in texts(card_of(told)).lower()


def test_a_person_without_a_role_cannot_request_a_reference(teams, engine):
    teams.install()
    account, contact = customer(teams.core, "Acme", owner=SAM_AAD)
    publish_story(teams.core, account, contact, teams.core.now() - timedelta(days=60))
    teams.nobody.say(f"reference {CRITERIA}", personal=True)
    [answer] = teams.posts(ta.PERSONAL_CONVERSATION_ID)
    assert "Only people with the sales or success or marketing role can request customer references" \
        in texts(card_of(answer))
    assert rows(engine, m.ReferenceRequest) == []
    assert teams.connector.calls("create_conversation") == []


def test_owner_resolves_a_close_the_loop_item_with_a_note(teams, engine):
    teams.install()
    customer(teams.core, "Omega", nps=None, owner=SAM_AAD)
    detractor = imports.NpsEvent(event_id="n1", account="Omega", contact_email="lead@omega.test", score=2,
                                 comment="Support was slow", responded_at=teams.core.now())
    item_id = imports.receive_nps(teams.core, detractor)["close_loop_item_id"]
    owner_chat, [card] = _dm(teams, SAM_AAD)
    assert "Close the loop: Omega answered NPS 2" in texts(card_of(card)) and buttons(card_of(card)) == ["Resolve"]

    refused = dialog_card(teams.nobody.click(owner_chat, card, "Resolve"))
    assert "Only people with the success role can resolve this feedback" in texts(refused)
    assert rows(engine, m.CloseLoopItem)[0].state == CloseLoopState.OPEN

    form = dialog_card(teams.sam.click(owner_chat, card, "Resolve"))
    resolved = dialog_message(teams.sam.submit_dialog(form, "Resolve", {"note": "Added a support SLA"}))
    assert resolved.startswith("Resolved. Omega can be nominated")
    [item] = rows(engine, m.CloseLoopItem)
    assert (item.id, item.state, item.note) == (item_id, CloseLoopState.RESOLVED, "Added a support SLA")
    teams.updates(owner_chat)
    shown = card_of(teams.connector.activities(owner_chat)[0])
    assert "Resolved. Omega can be nominated" in texts(shown) and buttons(shown) == []


def test_help_lists_reference_and_the_ask_dialog_explains_review_gating(teams):
    teams.install()
    teams.sam.say("help", personal=True)
    [help_card] = teams.posts(ta.PERSONAL_CONVERSATION_ID)
    assert "reference <criteria>" in texts(card_of(help_card))

    dialog = teams.sam.flag_message("Woodgrove went live in a week")
    teams.sam.submit_flag("Woodgrove went live in a week", dialog, {"account_name": "Woodgrove"})
    [nomination] = teams.posts(NOMS)
    choose = dialog_card(teams.sam.click(NOMS, nomination, "Ask"))
    note = review_gating_note(AskType.STAR_REVIEW, teams.core.config)
    assert note and note in texts(choose)
    assert "not only promoters" in texts(choose) and "We offer a thank-you for your time" in texts(choose)
