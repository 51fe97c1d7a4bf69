"""Every button that needs a role refuses a person without it, in Slack and in Teams, and changes nothing
(in Slack before any form opens)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from storage import models as m
from tests.conftest import MIA, SAM, SID
from tests.core.helpers import flag, rows, story_form, token_of
from tests.emulators import teams_activities as ta
from tests.identification.helpers import customer, publish_story
from tests.reliability.security_helpers import counts, fresh, world  # noqa: F401
from tests.slack.conftest import APPR, NOMS, ephemeral_texts, wait_until
from tests.teams.conftest import APPROVALS, NOMS as TEAMS_NOMS
from tests.teams.people import _actions, card_of
from workflows import asks, imports, references, stories
from workflows.states import AskType, OutboxState, PlacementChannel

NOBODY_SLACK = "U0NOBODY"
REFUSAL = "role"  # every refusal names the role that is needed


def _story(core, account: str, email: str):
    outcome = flag(core, account=account, contact_email=email)
    draft = asks.draft_ask(core, SAM, outcome.nomination.id, AskType.SHORT_QUOTE)
    asks.mark_sent(core, SAM, draft.ask.id)
    return stories.submit_story(core, token_of(draft.link), story_form()).story


@pytest.fixture
def items(fresh):
    """A pending nomination, a story in review, an approved and a published story, a reference request
    and an open close-the-loop item: their ids by kind."""
    core = fresh.ctx.core
    fresh.install_teams()
    nomination = flag(core, account="Acme Corp").nomination
    review = _story(core, "Beta Ltd", "bo@beta.test")
    approved = _story(core, "Gamma Inc", "gi@gamma.test")
    stories.approve(core, MIA, approved.id)
    published = _story(core, "Delta plc", "di@delta.test")
    stories.approve(core, MIA, published.id)
    stories.publish(core, MIA, published.id, PlacementChannel.WEBSITE, "https://example.com/delta")
    account, contact = customer(core, "Omega", nps=None, industry="fintech")
    publish_story(core, account, contact, core.now() - timedelta(days=60))
    reference = references.request_reference(core, SID, "fintech").request.id
    detractor = imports.NpsEvent(event_id="n1", account="Omega", contact_email="lead@omega.test", score=2,
                                 responded_at=core.now())
    closeloop = imports.receive_nps(core, detractor)["close_loop_item_id"]
    wait_until(lambda: not rows(fresh.engine, m.OutboxMessage, m.OutboxMessage.state == OutboxState.PENDING),
               timeout=10, what="the cards to be delivered")
    return {"nomination": nomination.id, "review": review.id, "approved": approved.id, "published": published.id,
            "reference": reference, "closeloop": closeloop}


def snapshot(engine) -> dict:
    """What a refused click must not change: row counts (outbox included) and every state."""
    states = {model.__name__: [row.state for row in rows(engine, model)]
              for model in (m.Nomination, m.Story, m.Ask, m.ReferenceRequest, m.CloseLoopItem)}
    return {**counts(engine, "chatref", "conversation", "auditevent"), **states}


SLACK_BUTTONS = [("nomination.ask", "nomination", NOMS), ("nomination.dismiss", "nomination", NOMS),
                 ("nomination.snooze", "nomination", NOMS), ("review.approve", "review", APPR),
                 ("review.changes", "review", APPR), ("review.reject", "review", APPR),
                 ("story.publish", "approved", APPR), ("reference.approve", "reference", "D0DM"),
                 ("reference.decline", "reference", "D0DM"), ("proof.use", "approved", APPR),
                 ("recognition.log", "published", APPR), ("closeloop.resolve", "closeloop", "D0DM")]


def test_slack_buttons_refuse_people_without_the_role(fresh, items):
    before = snapshot(fresh.engine)
    with fresh.slack() as slack:
        for action_id, kind, channel in SLACK_BUTTONS:
            message = {"type": "message", "ts": "1700000000.000100", "blocks": []}
            assert slack.block_action(NOBODY_SLACK, action_id, value=str(items[kind]), message=message,
                                      channel_id=channel).status_code == 200
            refusal = wait_until(lambda: ephemeral_texts(fresh.slack_api, action_id), what=f"{action_id} refusal")
            assert REFUSAL in refusal[0], (action_id, refusal)
        assert not fresh.slack_api.calls("views.open"), "a form opened for someone without the role"
    time.sleep(0.3)
    assert snapshot(fresh.engine) == before


def _teams_buttons(connector, conversation: str) -> list[tuple[dict, str, dict]]:
    """(card activity, button title, something plausible typed in its form) for every button."""
    return [(activity, action["title"], _typed(inputs)) for activity in connector.activities(conversation)
            for action, inputs in _actions(card_of(activity), []) if action["type"] != "Action.ShowCard"]


def _typed(inputs: list[dict]) -> dict:
    typed = {}
    for element in inputs:
        if element["type"] == "Input.ChoiceSet":
            typed[element["id"]] = element["choices"][0]["value"]
        elif element["type"] == "Input.Text":
            typed[element["id"]] = "https://example.com/p" if "url" in element["id"] else "Please add numbers"
        elif element["type"] == "Input.Number":
            typed[element["id"]] = "10"
    return typed


def test_teams_buttons_refuse_people_without_the_role(fresh, items):
    before, calls = snapshot(fresh.engine), len(fresh.connector.calls())
    nobody = fresh.person("nobody", ta.TeamsRequester(fresh.url))
    clicked = set()
    for conversation in (TEAMS_NOMS, APPROVALS):
        for activity, title, typed in _teams_buttons(fresh.connector, conversation):
            response = nobody.click(conversation, activity, title, typed)
            assert response.status_code == 200 and REFUSAL in response.text, (title, response.text)
            clicked.add(title)
    nobody.requester.close()
    assert {"Ask", "Not now", "Snooze", "Approve", "Reject", "Publish"} <= clicked, clicked
    time.sleep(0.3)
    extra = [c for c in fresh.connector.calls()[calls:] if c.kind != "get_member"]  # roster reads are fine
    assert extra == [], [(c.kind, c.path, str(c.json)[:300]) for c in extra]
    time.sleep(0.3)
    assert snapshot(fresh.engine) == before
