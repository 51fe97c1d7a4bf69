"""Every command tried from every state: it applies exactly where the state machine allows it."""

from __future__ import annotations

import pytest

from storage import models as m
from tests.conftest import MIA, SAM, SID
from tests.core.helpers import flag, rows, story_form, to_review, token_of
from workflows import asks, sales, stories
from workflows.errors import Conflict
from workflows.links import BadLink
from workflows.states import (ASK_FLOW, NOMINATION_FLOW, STORY_FLOW, AskState, AskType, NominationState,
                              PlacementChannel, StoryState)


def force_state(core, model, item_id, state):
    with core.unit() as unit:
        unit.repo.guarded_update(model, item_id, {}, {"state": state})


NOMINATION_COMMANDS = {
    "ask": (NominationState.ACCEPTED, lambda core, nid: asks.draft_ask(core, SAM, nid, AskType.SHORT_QUOTE)),
    "dismiss": (NominationState.DISMISSED, lambda core, nid: asks.dismiss(core, SAM, nid)),
    "snooze": (NominationState.SNOOZED, lambda core, nid: asks.snooze(core, SAM, nid)),
}


@pytest.mark.parametrize("start", list(NominationState))
@pytest.mark.parametrize("command", list(NOMINATION_COMMANDS))
def test_nomination_commands_from_every_state(core, engine, start, command):
    target, run = NOMINATION_COMMANDS[command]
    nom = flag(core).nomination
    force_state(core, m.Nomination, nom.id, start)
    legal = target in NOMINATION_FLOW.get(start, set()) and not (command == "snooze" and start != NominationState.PROPOSED)
    if legal:
        run(core, nom.id)
        assert rows(engine, m.Nomination)[0].state == target
    else:
        with pytest.raises(Conflict):
            run(core, nom.id)
        assert rows(engine, m.Nomination)[0].state == start


def _submit(core, ask_id, link):
    return stories.submit_story(core, token_of(link), story_form())


ASK_COMMANDS = {
    "mark_sent": (AskState.SENT, lambda core, ask, link: asks.mark_sent(core, SAM, ask.id)),
    "decline": (AskState.DECLINED, lambda core, ask, link: asks.decline(core, SAM, ask.id)),
    "respond": (AskState.RESPONDED, lambda core, ask, link: _submit(core, ask.id, link)),
}


@pytest.mark.parametrize("start", list(AskState))
@pytest.mark.parametrize("command", list(ASK_COMMANDS))
def test_ask_commands_from_every_state(core, engine, start, command):
    target, run = ASK_COMMANDS[command]
    draft = asks.draft_ask(core, SAM, flag(core).nomination.id, AskType.SHORT_QUOTE)
    force_state(core, m.Ask, draft.ask.id, start)
    # a customer may answer a drafted ask straight away: it is marked sent, then responded
    legal = target in ASK_FLOW.get(start, set()) or (command == "respond" and start == AskState.DRAFTED)
    if legal:
        run(core, draft.ask, draft.link)
        assert rows(engine, m.Ask)[0].state == target
    else:
        with pytest.raises((Conflict, BadLink)):
            run(core, draft.ask, draft.link)
        assert rows(engine, m.Ask)[0].state == start


STORY_COMMANDS = {
    "approve": (StoryState.APPROVED, lambda core, sid: stories.approve(core, MIA, sid)),
    "request_changes": (StoryState.CHANGES_REQUESTED, lambda core, sid: stories.request_changes(core, MIA, sid, "x")),
    "reject": (StoryState.REJECTED, lambda core, sid: stories.reject(core, MIA, sid)),
    "resubmit": (StoryState.IN_REVIEW, lambda core, sid: stories.resubmit(core, SAM, sid,
                                                                          stories.StoryEdit(body="Revised"))),
    "publish": (StoryState.PUBLISHED, lambda core, sid: stories.publish(core, MIA, sid, PlacementChannel.WEBSITE,
                                                                        "https://example.com/s")),
}


MARKETING_FROM = {"approve": {StoryState.IN_REVIEW}, "request_changes": {StoryState.IN_REVIEW},
                  "reject": {StoryState.IN_REVIEW}, "resubmit": {StoryState.CHANGES_REQUESTED},
                  "publish": {StoryState.APPROVED}}


@pytest.mark.parametrize("start", list(StoryState))
@pytest.mark.parametrize("command", list(STORY_COMMANDS))
def test_story_commands_from_every_state(core, engine, start, command):
    target, run = STORY_COMMANDS[command]
    submitted, _ = to_review(core)
    force_state(core, m.Story, submitted.story.id, start)
    # publishing an already published story adds another placement; marketing decides on stories in review only
    legal = (target in STORY_FLOW.get(start, set()) and start in MARKETING_FROM.get(command, {start})) or \
        (command == "publish" and start == StoryState.PUBLISHED)
    if legal:
        run(core, submitted.story.id)
        assert rows(engine, m.Story)[0].state == target
    else:
        with pytest.raises(Conflict):
            run(core, submitted.story.id)
        assert rows(engine, m.Story)[0].state == start


@pytest.mark.parametrize("start", list(StoryState))
def test_deal_use_only_for_approved_or_published_stories(core, engine, start):
    submitted, _ = to_review(core)
    force_state(core, m.Story, submitted.story.id, start)
    if start in (StoryState.APPROVED, StoryState.PUBLISHED):
        sales.record_deal_usage(core, SID, submitted.story.id, "OPP-9", 1000)
        assert len(rows(engine, m.DealUsage)) == 1
    else:
        with pytest.raises(Conflict):
            sales.record_deal_usage(core, SID, submitted.story.id, "OPP-9", 1000)
        assert rows(engine, m.DealUsage) == []
