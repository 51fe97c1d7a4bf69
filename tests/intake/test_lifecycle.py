"""The customer's side of the lifecycle over HTTP, on both engines: approving the final version (twice asking
for changes, an expired link), saying no thanks, and a story call's invitation."""

from __future__ import annotations

from icalendar import Calendar

from storage import models as m
from tests.conftest import MIA, SAM
from tests.core.helpers import outbox, rows
from tests.intake.conftest import csrf_of, final_path, path_of, sent_ask
from tests.intake.test_http import GOOD, open_form
from workflows import nudges, stories
from workflows.states import AskState, AskType, PlacementChannel, StoryState
from workflows.errors import Conflict

import pytest


def submitted(web, core, engine, **changes):
    _, path, csrf = open_form(web, core)
    assert web.post(path, data={**GOOD, **changes, "csrf": csrf}).status_code == 303
    return rows(engine, m.Story)[0]


def dms_to(engine, person):
    return [e["card"] for e in outbox(engine) if e["op"] == "dm" and e["person"] == person]


def test_customer_sees_exactly_what_is_published_and_approves_it(web, ctx, engine):
    story = submitted(web, ctx.core, engine, title="Close in two days")
    stories.approve(ctx.core, MIA, story.id)
    assert rows(engine, m.Story)[0].state == StoryState.AWAITING_CUSTOMER
    owner_card = dms_to(engine, SAM.user_id)[-1]
    assert "Mark as sent" in [b["label"] for b in owner_card["buttons"]]
    assert any("/final/" in line and "Hi Dana" in line for line in owner_card["body"])
    assert "Copy this text and send it to dana@acme.test, the address they gave for it:" in owner_card["body"]
    with pytest.raises(Conflict, match="Waiting for Dana Lee .* since 10 Nov 2026"):
        stories.publish(ctx.core, MIA, story.id, PlacementChannel.WEBSITE, "https://example.com/acme")

    page = web.get(final_path(engine))
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    for text in ("Close in two days", "We got our weekends back.", "Close takes 2 days, not 5",
                 "Dana Lee at Acme Corp", "Our website, Sales materials (decks, proposals)", "Left out", "The numbers (you did not allow it)"):
        assert text in page.text
    assert "60% faster close" not in page.text  # the numbers were not consented
    assert web.post(f"{final_path(engine)}/approve", data={}).status_code == 403
    assert rows(engine, m.Story)[0].state == StoryState.AWAITING_CUSTOMER
    done = web.post(f"{final_path(engine)}/approve", data={"csrf": csrf_of(page.text)})
    assert done.status_code == 200 and "Thank you for approving" in done.text
    assert rows(engine, m.Story)[0].state == StoryState.APPROVED
    assert any(e["card"]["title"] == "Ready to publish: Acme Corp" for e in outbox(engine))
    assert "You approved this version" in web.get(final_path(engine)).text
    stories.publish(ctx.core, MIA, story.id, PlacementChannel.WEBSITE, "https://example.com/acme")
    assert rows(engine, m.Story)[0].state == StoryState.PUBLISHED


def test_customer_asks_for_changes_twice(web, ctx, engine):
    story = submitted(web, ctx.core, engine)
    for n, words in enumerate(("Please say 'finance team', not 'we'.", "Drop the weekend line."), start=1):
        stories.approve(ctx.core, MIA, story.id)
        link = final_path(engine)
        page = web.get(link)
        empty = web.post(f"{link}/changes", data={"csrf": csrf_of(page.text), "note": "  "})
        assert empty.status_code == 400 and "Tell us what to change" in empty.text
        sent = web.post(f"{link}/changes", data={"csrf": csrf_of(page.text), "note": words})
        assert sent.status_code == 200 and "we have your changes" in sent.text
        now = rows(engine, m.Story)[0]
        assert now.state == StoryState.IN_REVIEW and now.customer_note == words
        card = [e["card"] for e in outbox(engine) if e["purpose"] == "approvals" and e["op"] == "post"][-1]
        assert {f["label"]: f["value"] for f in card["facts"]}["The customer asked"] == words
        assert any(words in line for line in dms_to(engine, SAM.user_id)[-1]["body"])
        assert "working on them" in web.get(link).text  # the answered link does not take a second answer
        assert web.post(f"{link}/approve", data={"csrf": csrf_of(page.text)}).status_code == 404
    stories.approve(ctx.core, MIA, story.id)
    latest = final_path(engine)
    assert latest != link
    assert web.post(f"{latest}/approve", data={"csrf": csrf_of(web.get(latest).text)}).status_code == 200
    assert rows(engine, m.Story)[0].state == StoryState.APPROVED
    trail = [a.action for a in rows(engine, m.AuditEvent, m.AuditEvent.entity == "story")]
    assert trail.count("customer_changes") == 2 and trail[-1] == "customer_approved"


def test_an_expired_link_is_refused_and_the_owner_gets_a_new_one(web, ctx, engine, clock):
    story = submitted(web, ctx.core, engine)
    stories.approve(ctx.core, MIA, story.id)
    old = final_path(engine)
    clock.advance(days=5, hours=1)
    assert nudges.customer_waiting(ctx.core) == 1 and nudges.customer_waiting(ctx.core) == 0
    reminder = dms_to(engine, SAM.user_id)[-1]
    assert reminder["title"] == "Acme Corp has not approved the final version yet"
    clock.advance(days=17)
    page = web.get(old)
    assert page.status_code == 404 and "This link has expired" in page.text
    assert nudges.final_link_expired(ctx.core) == 1 and nudges.final_link_expired(ctx.core) == 0
    assert dms_to(engine, SAM.user_id)[-1]["title"] == "Acme Corp: the approval link expired"
    fresh = final_path(engine)
    assert fresh != old and web.get(fresh).status_code == 200
    assert rows(engine, m.Story)[0].state == StoryState.AWAITING_CUSTOMER


def test_no_thanks_declines_the_ask_and_closes_the_link(web, ctx, engine, clock):
    draft, path, csrf = open_form(web, ctx.core)
    assert web.post(f"{path}/decline", data={"reason": "Busy quarter"}).status_code == 403
    assert rows(engine, m.Ask)[0].state == AskState.SENT
    done = web.post(f"{path}/decline", data={"csrf": csrf, "reason": "Busy quarter"})
    assert done.status_code == 200 and "will not ask you about this again" in done.text
    ask = rows(engine, m.Ask)[0]
    assert ask.state == AskState.DECLINED and ask.decline_reason == "Busy quarter" and ask.declined_at
    told = dms_to(engine, SAM.user_id)[-1]
    assert told["title"] == "Acme Corp declined the short quote ask"
    assert "They said no thanks: Busy quarter" in told["body"]
    again = web.get(path)
    assert again.status_code == 404 and "declined" in again.text
    assert web.post(path, data={**GOOD, "csrf": csrf}).status_code == 404
    assert rows(engine, m.Story) == []
    clock.advance(days=6)
    assert nudges.ask_reminder(ctx.core) == 0 and nudges.ask_expired(ctx.core) == 0


def test_a_story_call_is_a_call_task_with_an_invitation(web, ctx, engine):
    draft = sent_ask(ctx.core, AskType.STORY_CALL)
    path = path_of(draft.link)
    page = web.get(path)
    posted = web.post(path, data={"preferred_time": "Tue afternoon, UK time", "call_at": "2026-11-17T14:30",
                                  "goal": "Faster close", "signer_name": "Dana Lee",
                                  "signer_email": "dana@acme.test", "csrf": csrf_of(page.text)})
    assert posted.status_code == 303
    thanks = " ".join(web.get(posted.headers["location"]).text.split())
    assert ("You asked for a call (Tue afternoon, UK time, proposed 17 November 2026 at 14:30 GMT): your contact "
            "at the company will send you an invitation.") in thanks
    story = rows(engine, m.Story)[0]
    assert story.state == StoryState.CALL_PENDING
    assert not [e for e in outbox(engine) if e["purpose"] == "approvals"]  # not a review item
    task = dms_to(engine, SAM.user_id)[-1]
    assert task["title"] == "Story call with Dana Lee at Acme Corp"
    assert "They suggest: Tue afternoon, UK time" in task["body"]
    labels = {b["label"]: b for b in task["buttons"]}
    assert labels["Write up the call"]["action"] == "call.write_up"
    ics = web.get(path_of(labels["Download invitation (.ics)"]["url"]))
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    event = Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert str(event["summary"]) == "15-minute story call: Acme Corp"
    assert event.decoded("dtstart").isoformat() == "2026-11-17T14:30:00+00:00"
    assert str(event["attendee"]) == "mailto:dana@acme.test" and "Tue afternoon" in str(event["description"])
    # readable by any calendar: times in UTC (no time zone block needed), and no REQUEST without an organizer
    assert b"DTSTART:20261117T143000Z" in ics.content and b"TZID" not in ics.content
    assert b"METHOD:PUBLISH" in ics.content and b"ORGANIZER" not in ics.content
    assert web.get(path_of(labels["Download invitation (.ics)"]["url"]) + "x").status_code == 404


def test_a_story_sent_with_a_call_request_goes_to_review_and_the_call_is_held_too(web, ctx, engine):
    draft = sent_ask(ctx.core, AskType.SHORT_QUOTE)
    path = path_of(draft.link)
    page = web.get(path)
    posted = web.post(path, data={"goal": "Faster close", "result": "2 days, not 5", "preferred_time": "Any morning",
                                  "scope": ["company"], "channels": ["website"], "signer_name": "Dana Lee",
                                  "csrf": csrf_of(page.text)})
    assert posted.status_code == 303
    assert rows(engine, m.Story)[0].state == StoryState.IN_REVIEW
    assert [e for e in outbox(engine) if e["purpose"] == "approvals"]  # the story is reviewed as usual
    task = dms_to(engine, SAM.user_id)[-2]  # then the owner hears the story is with marketing
    assert task["title"] == "Call with Dana Lee at Acme Corp" and "They suggest: Any morning" in task["body"]
    assert [b["label"] for b in task["buttons"]] == ["Download invitation (.ics)"]  # nothing to write up
    ics = web.get(path_of(task["buttons"][0]["url"]))
    assert ics.status_code == 200 and b"BEGIN:VEVENT" in ics.content


def test_a_call_time_in_the_past_is_refused_beside_its_field(web, ctx, engine):
    draft = sent_ask(ctx.core, AskType.STORY_CALL)
    path = path_of(draft.link)
    page = web.get(path)
    posted = web.post(path, data={"preferred_time": "Monday", "call_at": "2026-11-01T09:00",
                                  "signer_name": "Dana Lee", "csrf": csrf_of(page.text)})
    assert posted.status_code == 400 and "Pick a date and time in the future" in posted.text
    assert 'value="Monday"' in posted.text and rows(engine, m.Story) == []
