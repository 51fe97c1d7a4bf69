"""The lifecycle's promises in the core, on both engines: revisions, declines and the cooldown, call write-ups,
consent governing sales and references, and a withdrawal reaching everyone who relies on the story."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from storage import models as m
from tests.conftest import MIA, SAM, SID
from tests.core.helpers import flag, outbox, rows, story_form, to_review, token_of
from workflows import asks, calls, nudges, sales, stories
from workflows.digest import build_digest, digest_card
from workflows.errors import Conflict, InvalidInput
from workflows.links import BadLink
from workflows.periods import containing
from workflows.scoring import exclusion
from workflows.states import AskState, AskType, PlacementChannel, StoryState


def dms(engine, person):
    return [e["card"] for e in outbox(engine) if e["op"] == "dm" and e["person"] == person]


def test_request_changes_gives_the_owner_revise_and_the_revision_returns_marked(core, engine):
    submitted, _ = to_review(core)
    story_id = submitted.story.id
    stories.request_changes(core, MIA, story_id, "Add the team size")
    told = dms(engine, SAM.user_id)[-1]
    assert "Reason: Add the team size" in told["body"][0]
    assert [(b["label"], b["action"]) for b in told["buttons"]] == [("Revise", "story.resubmit")]
    prefill, reason = stories.revision_form(core, SAM, story_id)
    assert prefill.body == "We got our weekends back." and reason == "Add the team size"
    with pytest.raises(InvalidInput, match="Nothing was changed"):
        stories.resubmit(core, SAM, story_id, prefill)
    edit = prefill.model_copy(update={"body": "Our 12-person team got weekends back.", "metrics": "60% faster"})
    stories.resubmit(core, SAM, story_id, edit)
    story = rows(engine, m.Story)[0]
    assert story.state == StoryState.IN_REVIEW and story.revision == 1
    card = [e["card"] for e in outbox(engine) if e["purpose"] == "approvals"][-1]
    assert card["note"] == "Revised by Sam Success: changed the story, the numbers"
    facts = {f["label"]: f["value"] for f in card["facts"]}
    assert facts["Revised"] == "once. Revised by Sam Success: changed the story, the numbers"
    assert [b["label"] for b in card["buttons"]] == ["Approve", "Request changes", "Reject"]


def test_reject_reason_reaches_the_owner(core, engine):
    submitted, _ = to_review(core)
    stories.reject(core, MIA, submitted.story.id, "Not on brand")
    assert "Reason: Not on brand" in dms(engine, SAM.user_id)[-1]["body"][0]


def test_owner_records_a_decline_and_the_cooldown_counts_from_that_day(core, engine, clock):
    outcome = flag(core)
    draft = asks.draft_ask(core, SAM, outcome.nomination.id, AskType.SHORT_QUOTE)
    asks.mark_sent(core, SAM, draft.ask.id)
    clock.advance(days=20)
    asks.decline(core, SAM, draft.ask.id, "Not this year")
    ask = rows(engine, m.Ask)[0]
    assert ask.state == AskState.DECLINED and ask.declined_at == clock.current
    assert "Sam Success recorded that they said no thanks: Not this year" in dms(engine, SAM.user_id)[-1]["body"]
    with pytest.raises(BadLink, match="declined"):
        stories.submit_story(core, token_of(draft.link), story_form())
    clock.advance(days=20)  # 40 days after the ask, 20 after the decline: still cooling down
    with core.unit() as unit:
        account = unit.repo.get(m.Account, ask.account_id)
        contact = unit.repo.get(m.Contact, ask.contact_id)
        why = exclusion(unit.repo, core.config, account, contact, clock.current)
    assert why and "declined an ask on" in why
    period = containing(clock.current - timedelta(days=20), core.config.tz)
    assert "Asks declined by the customer: 1 " in digest_card(build_digest(core, period)).body[0]


def test_a_call_write_up_goes_to_review_then_always_to_the_customer(core, engine):
    outcome = flag(core)
    draft = asks.draft_ask(core, SAM, outcome.nomination.id, AskType.STORY_CALL)
    form = stories.StoryForm(preferred_time="Thursday 3pm", result="Close in 2 days",
                             consent={"channels": ["website"], "signer_name": "Dana Lee"})
    story = stories.submit_story(core, token_of(draft.link), form).story
    assert story.state == StoryState.CALL_PENDING
    assert calls.notes_prefill(core, SAM, story.id)["result"] == "Close in 2 days"
    with pytest.raises(Exception, match="owner"):
        calls.write_up(core, MIA, story.id, calls.CallNotes(body="notes"))
    calls.write_up(core, SAM, story.id, calls.CallNotes(title="Close in two days", body="Dana told us how."))
    written = rows(engine, m.Story)[0]
    assert written.state == StoryState.IN_REVIEW and written.written_up_at and written.body == "Dana told us how."
    with pytest.raises(Conflict):
        calls.write_up(core, SAM, story.id, calls.CallNotes(body="again"))
    stories.approve(core, MIA, story.id)  # the customer did not tick the box: a write-up still waits for them
    assert rows(engine, m.Story)[0].state == StoryState.AWAITING_CUSTOMER


def _deal_story(core, **consent):
    submitted, _ = to_review(core, **consent)
    stories.approve(core, MIA, submitted.story.id)
    return submitted


def test_proof_and_deals_only_for_stories_consented_for_sales(core, engine):
    story_id = _deal_story(core, channels=["website"]).story.id
    assert sales.find_proof(core, "") == []
    with pytest.raises(Conflict, match="did not allow sales"):
        sales.record_deal_usage(core, SID, story_id, "OPP-1", 1000)
    with core.unit() as unit:
        consent = unit.repo.consent_for(story_id)
        unit.repo.guarded_update(m.Consent, consent.id, {}, {"channels": ["website", "sales"]})
    assert [p.story.id for p in sales.find_proof(core, "")] == [story_id]
    sales.record_deal_usage(core, SID, story_id, "OPP-1", 1000)
    assert len(rows(engine, m.DealUsage)) == 1


def test_expired_consent_is_followed_like_a_withdrawal(core, engine, clock):
    submitted = _deal_story(core, expires_on=date(2026, 12, 1))
    sales.record_deal_usage(core, SID, submitted.story.id, "OPP-7", 5000)
    clock.advance(days=25)  # 5 Dec 2026
    assert sales.find_proof(core, "") == []
    with pytest.raises(Conflict, match="consent expired on 01 Dec 2026"):
        sales.record_deal_usage(core, SID, submitted.story.id, "OPP-8", 1000)
    assert nudges.consent_lapsed(core) == 1 and nudges.consent_lapsed(core) == 0
    assert rows(engine, m.DealUsage)[0].consent_ended_at is not None
    seller = dms(engine, SID.user_id)[-1]
    assert seller["title"] == "Stop using Acme Corp's story" and "OPP-7" in seller["body"][0]


def test_withdrawal_reaches_the_owner_every_seller_the_cards_and_the_digest(core, engine, clock):
    submitted = _deal_story(core)
    story_id = submitted.story.id
    stories.publish(core, MIA, story_id, PlacementChannel.WEBSITE, "https://example.com/acme")
    sales.record_deal_usage(core, SID, story_id, "OPP-1", 1000)
    sales.record_deal_usage(core, MIA, story_id, "OPP-2", 2000)
    before = build_digest(core, containing(clock.current, core.config.tz)).deals.pipeline
    assert before == 3000
    clock.advance(days=1)
    stories.withdraw_consent(core, submitted.consent.view_token)
    assert {u.opportunity_id for u in rows(engine, m.DealUsage) if u.consent_ended_at} == {"OPP-1", "OPP-2"}
    assert "OPP-1" in dms(engine, SID.user_id)[-1]["body"][0]
    assert "OPP-2" in dms(engine, MIA.user_id)[-1]["body"][0]
    owner = dms(engine, SAM.user_id)[-1]
    assert owner["title"] == "Acme Corp's story: consent withdrawn" and "OPP-1, OPP-2" in " ".join(owner["body"])
    placement = rows(engine, m.Placement)[0]
    announcement = [e for e in outbox(engine) if e["ref_key"] == f"announcement:{placement.id}"]
    assert [e["op"] for e in announcement] == ["post", "update"]
    assert announcement[-1]["card"]["title"] == "Published: Acme Corp's story: consent withdrawn"
    review = [e for e in outbox(engine) if e["ref_key"] == f"story:{story_id}"][-1]
    assert review["card"]["note"].startswith("Consent withdrawn on")
    digest = build_digest(core, containing(clock.current, core.config.tz))
    assert digest.deals.pipeline == 0 and digest.activity.consent_ended == 2
    assert "2 deal use(s) no longer counted" in str(digest_card(digest).facts)
    actions = {(a.entity, a.action) for a in rows(engine, m.AuditEvent)}
    assert {("consent", "withdrawn"), ("story", "withdrawn"), ("placement", "retired"),
            ("deal_usage", "consent_ended"), ("story", "consent_ended_told")} <= actions
    with pytest.raises(Conflict):
        sales.record_deal_usage(core, SID, story_id, "OPP-3", 1000)


def test_a_withdrawal_while_a_seller_records_a_deal_either_refuses_it_or_tells_that_seller(core, engine):
    submitted = _deal_story(core)
    story_id = submitted.story.id
    start = threading.Barrier(2)
    results = {}

    def seller():
        start.wait()
        try:
            results["deal"] = sales.record_deal_usage(core, SID, story_id, "OPP-RACE", 1000)
        except Conflict as refused:
            results["deal"] = refused

    def customer():
        start.wait()
        results["withdrawal"] = stories.withdraw_consent(core, submitted.consent.view_token)

    threads = [threading.Thread(target=seller), threading.Thread(target=customer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    usages = rows(engine, m.DealUsage)
    if isinstance(results["deal"], Conflict):
        assert usages == [] and "withdrew consent" in results["deal"].message
    else:
        assert usages[0].consent_ended_at is not None
        assert any("OPP-RACE" in c["body"][0] for c in dms(engine, SID.user_id))


def test_references_match_only_contacts_who_agreed_to_reference_calls(core, engine, clock):
    from tests.identification.helpers import customer, publish_story
    from workflows.references import request_reference
    from workflows.errors import NotFound

    account, contact = customer(core, "Ledger Co", industry="fintech")
    publish_story(core, account, contact, clock() - timedelta(days=60), channels=("website", "sales"))
    with pytest.raises(NotFound):
        request_reference(core, SID, "fintech")
    other, person = customer(core, "Vault Inc", industry="fintech")
    publish_story(core, other, person, clock() - timedelta(days=60))
    assert request_reference(core, SID, "fintech").matches[0].account.name == "Vault Inc"
