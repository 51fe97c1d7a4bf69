"""The pipeline end to end and each state machine's legal and illegal transitions, on both engines."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage import models as m
from tests.conftest import MIA, NOBODY, OTHER_SUCCESS, SAM, SID
from tests.core.helpers import flag, outbox, rows, story_form, to_review, token_of
from workflows import asks, sales, stories, wins
from workflows.effects import Card
from workflows.errors import Conflict, InvalidInput, NotAllowed, NotFound
from workflows.links import BadLink
from workflows.states import (AskState, AskType, ConsentChannel, NominationState, PlacementChannel,
                              PlacementState, RecognitionKind, StoryState)


def test_flag_win_creates_account_owned_by_flagger_and_posts_celebration_and_nomination(core, engine):
    outcome = flag(core)
    assert outcome.account.owner == "U0SUCCESS"
    assert outcome.nomination is not None and outcome.nomination.state == NominationState.PROPOSED
    assert "won 2 hours/week today" in outcome.nomination.reasons
    posted = [(e["op"], e["purpose"], e["channel"]) for e in outbox(engine)]
    assert posted == [("post", "wins", "C0WINS"), ("post", "nominations", "C0NOMS")]
    nomination_card = outbox(engine)[1]["card"]
    assert [b["label"] for b in nomination_card["buttons"]] == ["Ask", "Not now", "Snooze"]
    assert rows(engine, m.AuditEvent, m.AuditEvent.entity == "win")[0].actor == "U0SUCCESS"


def test_second_win_for_existing_account_reuses_account_and_contact(core, engine):
    flag(core)
    flag(core, account="ACME corp ", story="Another win")
    assert len(rows(engine, m.Account)) == 1
    assert len(rows(engine, m.Contact)) == 1
    assert len(rows(engine, m.Win)) == 2


@pytest.mark.parametrize("field, value, message", [
    ("story", "", "What happened is required."),
    ("story", "x" * 3001, "What happened"),
    ("account_name", "", "Account is required"),
    ("contact_email", "not-an-email", "Contact email"),
    ("outcome_type", "magic", "Outcome"),
])
def test_flag_win_validation_names_the_field(field, value, message):
    form = {"account_name": "Acme", "story": "ok", field: value}
    with pytest.raises(InvalidInput) as err:
        wins.parse_win_form(form)
    assert message in err.value.message


def test_unknown_account_id_is_a_clear_error_and_stores_nothing(core, engine):
    with pytest.raises(NotFound):
        wins.flag_win(core, SAM, wins.parse_win_form({"account_id": 999, "story": "x"}))
    assert rows(engine, m.Win) == [] and rows(engine, m.OutboxMessage) == []


def test_retried_event_records_the_win_once(core, engine):
    form = wins.parse_win_form({"account_name": "Acme", "story": "Saved time"})
    wins.flag_win(core, SAM, form, event_key="Ev1")
    with pytest.raises(Conflict):
        wins.flag_win(core, SAM, form, event_key="Ev1")
    assert len(rows(engine, m.Win)) == 1


def test_full_pipeline_win_to_published_story_used_in_a_deal(core, engine):
    submitted, draft = to_review(core)
    assert "Dana" in draft.text and draft.link in draft.text
    assert rows(engine, m.Ask)[0].state == AskState.RESPONDED
    assert submitted.story.state == StoryState.IN_REVIEW
    approved = stories.approve(core, MIA, submitted.story.id)
    assert approved.message.startswith("Approved")
    # the outcome carries the card everyone sees, as the outbox got it: no shell reads it back
    assert approved.card("story:1").note.startswith("Approved by Mia Marketing")
    assert approved.card("story:1") == Card.from_dict([e for e in outbox(engine) if e["ref_key"] == "story:1"][-1]["card"])
    published = stories.publish(core, MIA, submitted.story.id, PlacementChannel.WEBSITE,
                                 "https://example.com/customers/acme?ref=x")
    assert "utm_source=website" in published.tracked_url and "ref=x" in published.tracked_url
    assert "utm_content=story-1-acme-corp" in published.tracked_url
    assert rows(engine, m.Story)[0].state == StoryState.PUBLISHED
    found = sales.find_proof(core, "acme close")
    assert [p.story.id for p in found] == [submitted.story.id]
    assert "Recorded" in sales.record_deal_usage(core, SID, submitted.story.id, "OPP-123", 50000).message
    assert rows(engine, m.DealUsage)[0].amount == 50000
    assert "for your time, not your opinion" in sales.recognise(core, SAM, submitted.story.id,
                                                                RecognitionKind.THANK_YOU_NOTE).message
    updates = [e for e in outbox(engine) if e["op"] == "update" and e["ref_key"] == "story:1"]
    assert updates[-1]["card"]["note"].startswith("Published on website by Mia Marketing")


# --- nomination state machine ---------------------------------------------------------

def test_nomination_dismiss_then_any_action_conflicts(core):
    nom = flag(core).nomination
    asks.dismiss(core, SAM, nom.id)
    for action in (lambda: asks.dismiss(core, SAM, nom.id), lambda: asks.snooze(core, SAM, nom.id),
                   lambda: asks.draft_ask(core, SAM, nom.id, AskType.SHORT_QUOTE)):
        with pytest.raises(Conflict) as err:
            action()
        assert "Already dismissed by Sam Success" in err.value.message


def test_nomination_snooze_then_ask_is_legal_and_snooze_twice_is_not(core, clock):
    nom = flag(core).nomination
    assert asks.snooze(core, SAM, nom.id).message == "Snoozed until 24 Nov."
    with pytest.raises(Conflict):
        asks.snooze(core, SAM, nom.id)
    draft = asks.draft_ask(core, SAM, nom.id, AskType.STORY_CALL)
    assert draft.ask.state == AskState.DRAFTED


def test_snooze_in_the_past_is_refused(core, clock):
    nom = flag(core).nomination
    with pytest.raises(InvalidInput):
        asks.snooze(core, SAM, nom.id, (clock() - timedelta(days=1)).date())


def test_only_the_owner_or_admin_acts_on_a_nomination(core, engine):
    nom = flag(core).nomination
    with pytest.raises(NotAllowed) as err:
        asks.dismiss(core, OTHER_SUCCESS, nom.id)
    assert "account owner" in err.value.message and "U0SUCCESS" not in err.value.message  # no raw ids
    with pytest.raises(NotAllowed):
        asks.dismiss(core, NOBODY, nom.id)
    assert rows(engine, m.Nomination)[0].state == NominationState.PROPOSED
    admin = SAM.__class__(platform="slack", user_id="U0ADMIN", name="Ada Admin")
    asks.dismiss(core, admin, nom.id)


# --- ask state machine -------------------------------------------------------------------

def test_ask_transitions(core, engine):
    nom = flag(core).nomination
    draft = asks.draft_ask(core, SAM, nom.id, AskType.SHORT_QUOTE)
    asks.mark_sent(core, SAM, draft.ask.id)
    with pytest.raises(Conflict):
        asks.mark_sent(core, SAM, draft.ask.id)
    asks.decline(core, SAM, draft.ask.id, "busy quarter")
    assert rows(engine, m.Ask)[0].state == AskState.DECLINED
    with pytest.raises(Conflict):
        asks.decline(core, SAM, draft.ask.id)
    with pytest.raises(BadLink):
        stories.submit_story(core, token_of(draft.link), story_form())


def test_star_review_ask_discloses_incentive(core):
    nom = flag(core).nomination
    draft = asks.draft_ask(core, SAM, nom.id, AskType.STAR_REVIEW)
    assert "whatever you write" in draft.text


def test_open_ask_blocks_a_new_nomination_and_quarter_cap_blocks_second_reference_call(core, clock):
    nom = flag(core).nomination
    draft = asks.draft_ask(core, SAM, nom.id, AskType.REFERENCE_CALL)
    second = flag(core, story="another")
    assert second.nomination is None and "still open" in second.excluded_because
    asks.mark_sent(core, SAM, draft.ask.id)
    asks.decline(core, SAM, draft.ask.id)
    clock.advance(days=40)
    third = flag(core, story="a third", contact_name="", contact_email="")
    with pytest.raises(Conflict) as err:
        asks.draft_ask(core, SAM, third.nomination.id, AskType.REFERENCE_CALL)
    assert "limit 1" in err.value.message


def test_detractor_and_opted_out_are_not_nominated(core, engine):
    first = flag(core)
    with core.unit() as unit:
        unit.repo.add(m.NpsResponse(account_id=first.account.id, score=4, responded_at=unit.now))
    assert "detractor" in flag(core, story="x").excluded_because
    with core.unit() as unit:
        unit.repo.guarded_update(m.Account, first.account.id, {}, {"opted_out": True})
    assert "opted out" in flag(core, story="y").excluded_because


def test_tampered_and_expired_intake_links_are_refused(core, clock, engine):
    nom = flag(core).nomination
    draft = asks.draft_ask(core, SAM, nom.id, AskType.SHORT_QUOTE)
    token = token_of(draft.link)
    with pytest.raises(BadLink, match="not valid"):
        stories.submit_story(core, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), story_form())
    clock.advance(days=22)
    import time
    from unittest import mock
    with mock.patch.object(time, "time", return_value=clock().timestamp()), pytest.raises(BadLink, match="expired"):
        stories.submit_story(core, token, story_form())
    assert rows(engine, m.Story) == []


# --- story state machine ------------------------------------------------------------------

def test_request_changes_then_resubmit_returns_to_review(core, engine):
    submitted, _ = to_review(core)
    with pytest.raises(InvalidInput):
        stories.request_changes(core, MIA, submitted.story.id, "  ")
    stories.request_changes(core, MIA, submitted.story.id, "Please add a number")
    with pytest.raises(Conflict, match="Already changes requested by Mia Marketing"):
        stories.approve(core, MIA, submitted.story.id)
    dms = [e for e in outbox(engine) if e["op"] == "dm"]
    assert "Please add a number" in dms[-1]["card"]["body"][0]
    stories.resubmit(core, SAM, submitted.story.id, stories.StoryEdit(metrics="3 days faster"))
    story = rows(engine, m.Story)[0]
    assert story.state == StoryState.IN_REVIEW and story.metrics == "3 days faster"
    stories.reject(core, MIA, story.id, "Off-message")
    with pytest.raises(Conflict):
        stories.publish(core, MIA, story.id, PlacementChannel.WEBSITE, "https://x.test/a")


def test_only_marketing_reviews_and_publishes(core, engine):
    submitted, _ = to_review(core)
    for act in (lambda: stories.approve(core, SAM, submitted.story.id),
                lambda: stories.reject(core, SID, submitted.story.id),
                lambda: stories.publish(core, NOBODY, submitted.story.id, PlacementChannel.WEBSITE, "https://a.b")):
        with pytest.raises(NotAllowed, match="marketing role"):
            act()
    assert rows(engine, m.Story)[0].state == StoryState.IN_REVIEW
    assert rows(engine, m.ReviewDecision) == []


def test_publishing_needs_consent_for_the_channel_and_in_force(core, clock, engine):
    submitted, _ = to_review(core, channels=[ConsentChannel.WEBSITE], expires_on=clock().date() + timedelta(days=5))
    stories.approve(core, MIA, submitted.story.id)
    with pytest.raises(NotAllowed, match="did not allow social"):
        stories.publish(core, MIA, submitted.story.id, PlacementChannel.SOCIAL, "https://social.test/p")
    clock.advance(days=6)
    with pytest.raises(NotAllowed, match="consent expired"):
        stories.publish(core, MIA, submitted.story.id, PlacementChannel.WEBSITE, "https://example.com/a")
    assert rows(engine, m.Placement) == []


def test_bad_publish_url_is_refused(core):
    submitted, _ = to_review(core)
    stories.approve(core, MIA, submitted.story.id)
    with pytest.raises(InvalidInput, match="https://"):
        stories.publish(core, MIA, submitted.story.id, PlacementChannel.WEBSITE, "javascript:alert(1)")


def test_withdrawal_retires_placements_and_tells_marketing(core, engine):
    submitted, _ = to_review(core)
    stories.approve(core, MIA, submitted.story.id)
    stories.publish(core, MIA, submitted.story.id, PlacementChannel.WEBSITE, "https://example.com/acme")
    stories.withdraw_consent(core, submitted.consent.view_token)
    assert rows(engine, m.Story)[0].state == StoryState.WITHDRAWN
    assert rows(engine, m.Placement)[0].state == PlacementState.RETIRED
    notice = [e for e in outbox(engine) if e["card"]["title"].startswith("Consent withdrawn")][0]
    assert notice["purpose"] == "approvals" and "https://example.com/acme" in notice["card"]["body"]
    with pytest.raises(Conflict):
        stories.withdraw_consent(core, submitted.consent.view_token)
    assert sales.find_proof(core, "acme") == []


def test_deal_usage_roles_and_duplicates(core, engine):
    submitted, _ = to_review(core)
    stories.approve(core, MIA, submitted.story.id)
    with pytest.raises(NotAllowed):
        sales.record_deal_usage(core, NOBODY, submitted.story.id, "OPP-1", 10)
    sales.record_deal_usage(core, SID, submitted.story.id, "OPP-1", 10)
    with pytest.raises(Conflict, match="Already recorded"):
        sales.record_deal_usage(core, SID, submitted.story.id, "OPP-1", 10)
    with pytest.raises(InvalidInput):
        sales.record_deal_usage(core, SID, submitted.story.id, "", 10)
    assert len(rows(engine, m.DealUsage)) == 1


def test_every_transition_is_audited_with_from_and_to(core, engine):
    submitted, _ = to_review(core)
    stories.approve(core, MIA, submitted.story.id)
    trail = [(a.entity, a.action, a.from_state, a.to_state) for a in rows(engine, m.AuditEvent)]
    assert ("nomination", "accepted", "proposed", "accepted") in trail
    assert ("ask", "sent", "drafted", "sent") in trail
    assert ("ask", "responded", "sent", "responded") in trail
    assert ("story", "approved", "in_review", "approved") in trail


def test_proof_search_matches_words_in_the_database_not_only_recent_stories(core, clock):
    from workflows.asks import draft_ask, mark_sent

    older, _ = to_review(core)
    stories.approve(core, MIA, older.story.id)
    clock.advance(days=1)
    newer = flag(core, account="Zenith Ltd", contact_email="z@zenith.test", contact_name="Zed")
    draft = draft_ask(core, SAM, newer.nomination.id, AskType.SHORT_QUOTE)
    mark_sent(core, SAM, draft.ask.id)
    form = story_form()
    form.body, form.goal, form.change, form.result, form.metrics = "Great partner.", "", "", "", ""
    newer_story = stories.submit_story(core, token_of(draft.link), form).story
    stories.approve(core, MIA, newer_story.id)
    with core.unit(read_only=True) as unit:
        today = clock().date()
        assert [s.id for s, _, _ in unit.repo.proof_candidates(today, [], limit=1)] == [newer_story.id]
        assert [s.id for s, _, _ in unit.repo.proof_candidates(today, ["acme"], limit=1)] == [older.story.id]
    assert [p.account.name for p in sales.find_proof(core, "zenith")] == ["Zenith Ltd"]


def test_a_reference_call_answer_goes_to_review_with_its_proposed_time_and_is_never_published(core, engine):
    draft = asks.draft_ask(core, SAM, flag(core).nomination.id, AskType.REFERENCE_CALL)
    asks.mark_sent(core, SAM, draft.ask.id)
    form = stories.StoryForm(preferred_time="Tue afternoon", call_at="2026-11-17T14:00:00+00:00",
                             body="The rollout and the support", consent=story_form().consent)
    story = stories.submit_story(core, token_of(draft.link), form).story
    [review] = [e for e in outbox(engine) if e["purpose"] == "approvals"]
    facts = dict((f["label"], f["value"]) for f in Card.from_dict(review["card"]).to_dict()["facts"])
    assert facts["Call time"] == "Tue afternoon; proposed 17 Nov 2026 14:00 GMT"
    stories.approve(core, MIA, story.id)
    with pytest.raises(Conflict, match="A reference call answer is not published"):
        stories.publish(core, MIA, story.id, PlacementChannel.WEBSITE, "https://example.com/refs")
    assert rows(engine, m.Placement) == []
