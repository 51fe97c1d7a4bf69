"""The intake, consent and referral pages over plain HTTP against the running app, on both engines."""

from __future__ import annotations

import pytest

from storage import models as m
from tests.conftest import MIA, SAM
from tests.reliability.security_helpers import captured_logs, refusal_lines
from tests.core.helpers import outbox, rows
from tests.intake.conftest import csrf_of, final_path, path_of, sent_ask
from workflows import referrals, stories
from workflows.states import AskState, AskType, StoryState

GOOD = {"goal": "Close faster", "change": "Automated reconciliations", "result": "Close takes 2 days, not 5",
        "metrics": "60% faster close", "body": "We got our weekends back.", "scope": ["name", "company", "quote"],
        "channels": ["website", "sales"], "expires_on": "2027-12-31", "review_before_publish": "on",
        "signer_name": "Dana Lee", "signer_email": "dana@acme.test"}


def open_form(web, core, ask_type=AskType.SHORT_QUOTE):
    draft = sent_ask(core, ask_type)
    path = path_of(draft.link)
    page = web.get(path)
    assert page.status_code == 200
    return draft, path, csrf_of(page.text)


def nothing_stored(engine, ask_id):
    assert rows(engine, m.Story) == [] and rows(engine, m.Consent) == []
    assert rows(engine, m.Ask, m.Ask.id == ask_id)[0].state == AskState.SENT


def test_page_asks_the_outcome_prompts_and_consent_with_security_headers(web, ctx):
    _, path, _ = open_form(web, ctx.core)
    page = web.get(path)
    for text in ("Share what changed", "Hi Dana,", "What goal did you set out to reach?", "What changed for your team?",
                 "What result did you see?", "The numbers", "Book a 15-minute call", "My company&#39;s logo",
                 "Public review sites", "Show me the final version before it is published", 'for="f-signer_name"'):
        assert text in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "httponly" in page.headers["set-cookie"].lower() and "samesite=lax" in page.headers["set-cookie"].lower()
    assert "<script" not in page.text


@pytest.mark.parametrize("ask_type, expected", [
    (AskType.STAR_REVIEW, ["Your rating", "5 stars", "We offer a thank-you for your time, whatever you write."]),
    (AskType.STORY_CALL, ["Book a 15-minute story call", "When suits you for a 15-minute call?",
                          "So we come prepared (optional)"]),
])
def test_page_fits_the_kind_of_ask(web, ctx, ask_type, expected):
    _, path, _ = open_form(web, ctx.core, ask_type)
    page = web.get(path).text
    assert all(text in page for text in expected)


def test_submission_stores_story_and_consent_and_posts_the_review_card(web, ctx, engine):
    draft, path, csrf = open_form(web, ctx.core)
    sent = web.post(path, data={**GOOD, "csrf": csrf})
    assert sent.status_code == 303
    story = rows(engine, m.Story)[0]
    assert (story.state, story.goal, story.metrics) == (StoryState.IN_REVIEW, "Close faster", "60% faster close")
    consent = rows(engine, m.Consent)[0]
    assert consent.scope == ["name", "company", "quote"] and consent.channels == ["website", "sales"]
    assert consent.review_before_publish and str(consent.expires_on) == "2027-12-31"
    assert sent.headers["location"] == f"/consent/{consent.view_token}?sent=1"
    assert rows(engine, m.Ask, m.Ask.id == draft.ask.id)[0].state == AskState.RESPONDED
    review = [e for e in outbox(engine) if e["purpose"] == "approvals"]
    assert review[0]["op"] == "post" and review[0]["channel"] == "C0APPR" and review[0]["ref_key"] == f"story:{story.id}"
    confirmation = web.get(sent.headers["location"])
    for text in ("Thank you, Dana Lee", f"https://advocacy.example.com/consent/{consent.view_token}", "My name",
                 "Sales materials (decks, proposals)", "31 December 2027", "Withdraw my consent"):
        assert text in confirmation.text


def test_validation_messages_sit_beside_fields_and_keep_what_was_typed(web, ctx, engine):
    draft, path, csrf = open_form(web, ctx.core)
    typed = {**GOOD, "signer_name": "", "metrics": "x" * 501, "expires_on": "2020-01-01",
             "body": "<script>alert(1)</script> & more", "signer_email": "not an email", "csrf": csrf}
    page = web.post(path, data=typed)
    assert page.status_code == 400
    html = page.text
    assert '<p class="error" id="f-signer_name-error"><span class="visually-hidden">Error: </span>This is required.' in html
    assert 'id="f-metrics-error"' in html and "Keep this under 500 characters." in html
    assert "Pick a date in the future" in html and "Enter an email address" in html
    assert "<a href=\"#f-signer_name\">Your full name: This is required.</a>" in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="f-signer_name-hint f-signer_name-error"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</textarea>" in html and "<script>" not in html
    assert "Close faster</textarea>" in html and 'value="2020-01-01"' in html
    assert 'value="sales" checked' in html and 'value="logo">' in html
    nothing_stored(engine, draft.ask.id)


def test_a_form_with_no_answers_asks_for_some(web, ctx, engine):
    draft, path, csrf = open_form(web, ctx.core)
    empty = {k: "" for k in ("goal", "change", "result", "metrics", "body")}
    page = web.post(path, data={**GOOD, **empty, "csrf": csrf})
    assert page.status_code == 400 and "Please tell us a little about your results" in page.text
    assert 'value="Dana Lee"' in page.text
    nothing_stored(engine, draft.ask.id)


def test_star_review_needs_a_rating(web, ctx, engine):
    draft, path, csrf = open_form(web, ctx.core, AskType.STAR_REVIEW)
    page = web.post(path, data={**GOOD, "csrf": csrf})
    assert page.status_code == 400 and "Choose from 1 to 5 stars." in page.text
    assert web.post(path, data={**GOOD, "rating": "4", "csrf": csrf}).status_code == 303
    assert rows(engine, m.Story)[0].rating == 4


def test_tampered_token_shows_a_friendly_page_and_changes_nothing(web, ctx, engine):
    draft, path, csrf = open_form(web, ctx.core)
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    page = web.get(tampered)
    assert page.status_code == 404 and "This link is not valid" in page.text
    assert web.post(tampered, data={**GOOD, "csrf": csrf}).status_code in (403, 404)
    nothing_stored(engine, draft.ask.id)


def test_expired_link_shows_a_friendly_page_and_changes_nothing(web, ctx, engine, clock):
    draft, path, csrf = open_form(web, ctx.core)
    clock.advance(days=22)
    page = web.get(path)
    assert page.status_code == 404 and "This link has expired" in page.text
    assert web.post(path, data={**GOOD, "csrf": csrf}).status_code == 404
    nothing_stored(engine, draft.ask.id)


def test_used_link_shows_a_friendly_page_and_stores_nothing_more(web, ctx, engine):
    _, path, csrf = open_form(web, ctx.core)
    assert web.post(path, data={**GOOD, "csrf": csrf}).status_code == 303
    page = web.get(path)
    assert page.status_code == 404 and "already used" in page.text
    again = web.post(path, data={**GOOD, "csrf": csrf, "body": "Second try"})
    assert again.status_code == 404
    assert len(rows(engine, m.Story)) == 1 and rows(engine, m.Story)[0].body == GOOD["body"]


def test_csrf_failures_are_refused_with_403(web, ctx, engine, site):
    import httpx

    draft, path, csrf = open_form(web, ctx.core)
    assert web.post(path, data=GOOD).status_code == 403  # no token
    assert web.post(path, data={**GOOD, "csrf": csrf + "x"}).status_code == 403  # forged signature
    other = sent_ask(ctx.core, account="Beta Ltd")
    other_csrf = csrf_of(web.get(path_of(other.link)).text)
    assert web.post(path, data={**GOOD, "csrf": other_csrf}).status_code == 403  # bound to another link
    with httpx.Client(base_url=site) as stranger:  # the token without the victim's cookie
        refused = stranger.post(path, data={**GOOD, "csrf": csrf})
    assert refused.status_code == 403 and "Press Send again" in refused.text and "Close faster</textarea>" in refused.text
    nothing_stored(engine, draft.ask.id)


def test_bodies_over_64_kb_are_refused_with_413(web, ctx, engine):
    draft, path, csrf = open_form(web, ctx.core)
    page = web.post(path, data={**GOOD, "csrf": csrf, "body": "x" * (65 * 1024)})
    assert page.status_code == 413 and "too much to send" in page.text
    chunked = web.post(path, content=(b"body=" + b"y" * (70 * 1024) for _ in range(1)),
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert chunked.status_code == 413
    nothing_stored(engine, draft.ask.id)


def test_withdrawal_retires_placements_and_tells_marketing(web, ctx, engine):
    from tests.conftest import MIA
    from workflows import stories
    from workflows.states import PlacementChannel, PlacementState

    _, path, csrf = open_form(web, ctx.core)
    confirmation = web.post(path, data={**GOOD, "csrf": csrf}).headers["location"]
    story = rows(engine, m.Story)[0]
    stories.approve(ctx.core, MIA, story.id)
    final = web.get(final_path(engine))  # the customer asked to see the final version: they approve it first
    assert web.post(f"{final_path(engine)}/approve", data={"csrf": csrf_of(final.text)}).status_code == 200
    stories.publish(ctx.core, MIA, story.id, PlacementChannel.WEBSITE, "https://example.com/customers/acme")
    consent_path = confirmation.split("?")[0]
    page = web.get(consent_path)
    assert "https://example.com/customers/acme" in page.text
    assert web.post(f"{consent_path}/withdraw", data={}).status_code == 403
    assert rows(engine, m.Consent)[0].withdrawn_at is None
    unconfirmed = web.post(f"{consent_path}/withdraw", data={"csrf": csrf_of(page.text)})
    assert unconfirmed.status_code == 400 and "Tick the box to confirm" in unconfirmed.text
    assert rows(engine, m.Consent)[0].withdrawn_at is None
    done = web.post(f"{consent_path}/withdraw", data={"csrf": csrf_of(unconfirmed.text), "confirm": "yes"})
    assert done.status_code == 303
    assert rows(engine, m.Consent)[0].withdrawn_at is not None
    assert rows(engine, m.Story)[0].state == StoryState.WITHDRAWN
    assert rows(engine, m.Placement)[0].state == PlacementState.RETIRED
    told = [e for e in outbox(engine) if e["purpose"] == "approvals" and e["card"]["title"].startswith("Consent withdrawn")]
    assert told and "https://example.com/customers/acme" in told[0]["card"]["body"]
    after = web.get(done.headers["location"])
    assert "You withdrew your consent on" in after.text and "Withdraw my consent" not in after.text
    assert "taken down" in after.text


def test_unknown_consent_link_is_a_friendly_404(web):
    page = web.get("/consent/not-a-real-token")
    assert page.status_code == 404 and "This consent link is not valid" in page.text


def test_every_answer_a_customer_must_correct_logs_which_fields_and_never_what_was_typed(web, ctx, engine):
    """Intake form, No thanks, the final version's note and the referral form: one line each saying why."""
    typed = "Dana's private words"
    _, path, csrf = open_form(web, ctx.core)
    with captured_logs([]) as logs:
        answers = {"intake": web.post(path, data={**GOOD, "csrf": csrf, "body": typed, "signer_email": "nope"})}
        answers["no thanks"] = web.post(f"{path}/decline", data={"csrf": csrf, "reason": typed * 40})
        assert web.post(path, data={**GOOD, "csrf": csrf}).status_code == 303
        stories.approve(ctx.core, MIA, rows(engine, m.Story)[0].id)
        final = web.get(final_path(engine))
        answers["final note"] = web.post(f"{final_path(engine)}/changes", data={"csrf": csrf_of(final.text),
                                                                              "note": " "})
        code = referrals.referral_link(ctx.core, SAM, "dana@acme.test").code
        page = web.get(f"/r/{code}")
        answers["referral"] = web.post(f"/r/{code}", data={"company": typed, "contact_name": "",
                                                           "contact_email": "nope", "csrf": csrf_of(page.text)})
        lines = refusal_lines(logs, [r.headers["x-request-id"] for r in answers.values()])
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 400)
    said = {name: lines[r.headers["x-request-id"]] for name, r in answers.items()}
    assert all(len(found) == 1 and found[0][0] == "INFO" for found in said.values()), said
    assert {name: found[0][1].partition(" refused: ")[2] for name, found in said.items()} == {
        "intake": "answers not accepted: signer_email", "no thanks": "answers not accepted: reason",
        "final note": "answers not accepted: note", "referral": "answers not accepted: contact_email, contact_name"}
    assert "private words" not in logs.getvalue() and "nope" not in logs.getvalue()


def test_a_referral_ask_records_the_team_introduced_and_publishes_nothing(web, ctx, engine):
    draft, path, csrf = open_form(web, ctx.core, AskType.REFERRAL)
    page = web.get(path).text
    for text in ("Introduce a team that would benefit", "Hi Dana,", "nothing you write here is published",
                 'name="company"', 'name="contact_email"', "No thanks"):
        assert text in page
    assert "Withdraw" not in page and 'name="channels"' not in page  # no story, so no publishing consent
    missing = web.post(path, data={"company": "Beta <Ltd>", "contact_name": "", "csrf": csrf})
    assert missing.status_code == 400 and "Beta &lt;Ltd&gt;" in missing.text and rows(engine, m.Referral) == []
    done = web.post(path, data={"company": "Beta <Ltd>", "contact_name": "Bo Smith", "contact_email": "bo@beta.test",
                                "csrf": csrf_of(missing.text)})
    assert done.status_code == 200 and "We will reach out to Bo Smith at Beta &lt;Ltd&gt;, mentioning you." in done.text
    [referral] = rows(engine, m.Referral)
    assert (referral.account_id, referral.contact_id, referral.referred_company, referral.referred_contact) == (
        draft.ask.account_id, draft.ask.contact_id, "Beta <Ltd>", "Bo Smith <bo@beta.test>")
    assert rows(engine, m.Story) == [] and rows(engine, m.Ask, m.Ask.id == draft.ask.id)[0].state == AskState.RESPONDED
    [told] = [e for e in outbox(engine) if e["card"]["title"].startswith("Referral from")]
    assert told["op"] == "dm" and told["person"] == draft.ask.owner and not [
        e for e in outbox(engine) if e["purpose"] == "approvals"]  # nothing goes to marketing's review
    assert "already used" in web.get(path).text


def test_a_campaign_invitation_page_discloses_that_campaigns_thank_you(web, ctx):
    from tests.identification.helpers import customer
    from workflows import gating

    customer(ctx.core, "Fabrikam", nps=4)  # a detractor is invited like anyone: no gating
    [invitation] = gating.send_review_campaign(ctx.core, MIA, sample=1, incentive="a $25 gift card").invitations
    page = web.get(path_of(invitation.link)).text
    assert "The thank-you is a $25 gift card." in page and "whatever you write" in page
