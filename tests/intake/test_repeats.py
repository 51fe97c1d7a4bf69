"""The customer's page under real conditions: double taps, Back, several tabs, odd input; on both engines."""

from __future__ import annotations

import re
import threading

import httpx
from itsdangerous import URLSafeSerializer

from storage import models as m
from tests.core.helpers import rows
from tests.intake.conftest import csrf_of, path_of, sent_ask
from tests.intake.test_http import GOOD, nothing_stored, open_form
from workflows.states import AskType


def test_the_same_form_sent_twice_gets_the_same_thank_you_page(web, ctx, engine):
    _, path, csrf = open_form(web, ctx.core)
    first = web.post(path, data={**GOOD, "csrf": csrf})
    again = web.post(path, data={**GOOD, "csrf": csrf})  # Back, then Send again
    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert "Thank you, Dana Lee" in web.get(again.headers["location"]).text
    assert len(rows(engine, m.Story)) == 1


def test_a_double_tap_gets_the_thank_you_page_twice_and_stores_one_story(web, ctx, engine):
    _, path, csrf = open_form(web, ctx.core)
    answers: list[httpx.Response] = []

    def send():
        answers.append(web.post(path, data={**GOOD, "csrf": csrf}))

    taps = [threading.Thread(target=send) for _ in range(2)]
    for tap in taps:
        tap.start()
    for tap in taps:
        tap.join()
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    assert len(rows(engine, m.Story)) == 1 and len(rows(engine, m.Consent)) == 1


def test_the_used_link_page_offers_that_browser_its_consent_link_and_no_one_else(web, ctx, engine, site):
    _, path, csrf = open_form(web, ctx.core)
    web.post(path, data={**GOOD, "csrf": csrf})
    consent = rows(engine, m.Consent)[0]
    permanent = f"https://advocacy.example.com/consent/{consent.view_token}"
    used = web.get(path)
    assert used.status_code == 404 and "already used" in used.text and permanent in used.text
    changed = web.post(path, data={**GOOD, "csrf": csrf, "body": "Second thoughts"})
    assert changed.status_code == 404 and permanent in changed.text
    assert rows(engine, m.Story)[0].body == GOOD["body"] and len(rows(engine, m.Story)) == 1
    with httpx.Client(base_url=site) as other_browser:
        elsewhere = other_browser.get(path)
    assert elsewhere.status_code == 404 and "already used" in elsewhere.text
    assert consent.view_token not in elsewhere.text


def test_every_open_tab_of_a_link_stays_valid(web, ctx, engine):
    draft = sent_ask(ctx.core)
    path = path_of(draft.link)
    first_tab = csrf_of(web.get(path).text)
    second_tab = csrf_of(web.get(path).text)  # opened again from the email: the cookie comes back (SameSite=Lax)
    assert web.post(path, data={**GOOD, "csrf": first_tab}).status_code == 303


def test_a_refused_submit_shows_the_form_again_filled_and_sends_on_the_next_try(web, ctx, engine):
    draft = sent_ask(ctx.core)
    path = path_of(draft.link)
    stale = csrf_of(web.get(path).text)
    web.cookies.clear()  # two tabs opened at once: the other tab's cookie won
    csrf_of(web.get(path).text)
    refused = web.post(path, data={**GOOD, "csrf": stale})
    assert refused.status_code == 403 and "Press Send again" in refused.text
    assert "Close faster</textarea>" in refused.text and 'value="Dana Lee"' in refused.text
    assert 'value="sales" checked' in refused.text
    nothing_stored(engine, draft.ask.id)
    assert web.post(path, data={**GOOD, "csrf": csrf_of(refused.text)}).status_code == 303


def test_no_answers_is_reported_on_the_first_question_not_the_optional_quote(web, ctx, engine):
    draft, path, csrf = open_form(web, ctx.core)
    empty = {name: "" for name in ("goal", "change", "result", "metrics", "body")}
    page = web.post(path, data={**GOOD, **empty, "csrf": csrf}).text
    error = re.search(r'id="f-(\w+)-error"><span class="visually-hidden">Error: </span>Please tell us a little', page)
    assert error and error.group(1) == "goal"
    nothing_stored(engine, draft.ask.id)


def test_invisible_answers_and_names_count_as_empty(web, ctx, engine):
    draft, path, csrf = open_form(web, ctx.core, AskType.USER_CONTENT)
    page = web.post(path, data={**GOOD, "body": "\u200b\u2060 \u200f\u3164", "result": "", "metrics": "",
                                "signer_name": "\u200b", "csrf": csrf})
    assert page.status_code == 400
    assert re.search(r'id="f-body-error">.*This is required', page.text)
    assert re.search(r'id="f-signer_name-error">.*This is required', page.text)
    nothing_stored(engine, draft.ask.id)


def test_control_characters_repeated_choices_and_unasked_ratings_are_cleaned(web, ctx, engine):
    _, path, csrf = open_form(web, ctx.core)
    sent = web.post(path, data={**GOOD, "body": "We got our\x00 weekends\x1b back.\r\nReally.", "rating": "5",
                                "signer_name": "Dana\x00 Lee", "scope": ["name", "name", "quote", "name"],
                                "channels": ["website", "website"], "csrf": csrf})
    assert sent.status_code == 303
    story, consent = rows(engine, m.Story)[0], rows(engine, m.Consent)[0]
    assert story.body == "We got our weekends back.\r\nReally." and story.rating is None
    assert consent.signer_name == "Dana Lee"
    assert consent.scope == ["name", "quote"] and consent.channels == ["website"]


def test_a_signed_link_whose_id_overflows_the_database_is_not_valid(web, ctx, engine):
    signer = URLSafeSerializer("test-secret", salt="advocacy-intake")
    for ask_id in (2**31, 2**63, 10**40, -1, 0):
        token = signer.dumps({"a": ask_id, "n": "x", "e": 4102444800})
        assert web.get(f"/intake/{token}").status_code == 404
        assert web.post(f"/intake/{token}", data={**GOOD, "csrf": "x"}).status_code == 404
    assert rows(engine, m.Story) == []


def test_requested_changes_refused_for_the_form_token_come_back_typed(web, ctx, engine):
    from tests.conftest import MIA
    from tests.intake.conftest import final_path
    from workflows import stories

    _, path, csrf = open_form(web, ctx.core)
    web.post(path, data={**GOOD, "csrf": csrf})
    stories.approve(ctx.core, MIA, rows(engine, m.Story)[0].id)
    link = final_path(engine)
    stale = csrf_of(web.get(link).text)
    web.cookies.clear()  # the cookie another tab set won
    web.get(link)
    refused = web.post(f"{link}/changes", data={"csrf": stale, "note": "Say 'finance team', not 'we'."})
    assert refused.status_code == 403 and "Press Send again" in refused.text
    assert "Say &#39;finance team&#39;, not &#39;we&#39;." in refused.text
    assert rows(engine, m.Story)[0].customer_note == ""
