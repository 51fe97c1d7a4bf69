"""A customer in headless Chromium: from the link to a consented story, on a phone and a desktop, and back to withdraw.

The app runs for real (Slack mounted against the Web API emulator), so the review card and the
withdrawal notice are checked where marketing would see them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.server import build_context, create_app
from bot.settings import Settings
from storage import models as m
from storage.db import make_engine
from storage.migrate import upgrade
from tests.conftest import TEST_CONFIG, FakeClock, clean
from tests.core.helpers import outbox, rows
from tests.emulators.server import run_asgi
from tests.emulators.slack_api import SlackEmulator
from tests.intake.conftest import START, path_of, sent_ask
from workflows.config import parse_config
from workflows.states import AskState, AskType, StoryState

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
APPROVALS = "C0APPR"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                       reason=f"{CHROMIUM} is missing: apt-get install chromium chromium-driver"),
]


@pytest.fixture(scope="module")
def slack():
    with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def browser_db(tmp_path_factory):
    """One SQLite database for the browser tests (the HTTP tests cover both engines)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'advocacy.db'}"
    engine = make_engine(url)
    upgrade(engine)
    yield url, engine
    engine.dispose()


@pytest.fixture
def engine(browser_db):
    clean(browser_db[1])
    return browser_db[1]


@pytest.fixture(scope="module")
def served(browser_db, slack):
    """The app with Slack delivering to the emulator: (context, base URL)."""
    settings = Settings(_env_file=None, database_url=browser_db[0], advocacy_secret="test-secret", scheduler=False,
                        slack_bot_token="xoxb-test", slack_signing_secret="test-signing", slack_api_url=slack.base_url,
                        outbox_poll_seconds=0.05)
    ctx = build_context(settings, parse_config(TEST_CONFIG), clock=FakeClock(START))
    with run_asgi(create_app(ctx)) as base_url:
        yield ctx, base_url
    ctx.core.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page_at(browser):
    contexts = []

    def open_page(viewport):
        context = browser.new_context(viewport=viewport, device_scale_factor=2 if viewport == PHONE else 1)
        context.set_default_timeout(5000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def posted_to(slack, channel: str, text: str):
    def match(call):
        return call.args.get("channel") == channel and text in json.dumps(call.args, ensure_ascii=False)
    return slack.wait_for("chat.postMessage", predicate=match)


def fits_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_customer_sends_a_consented_story(ctx, site, engine, slack, page_at, tmp_path, viewport):
    draft = sent_ask(ctx.core)
    page = page_at(viewport)
    page.goto(site + path_of(draft.link))
    assert page.get_by_role("heading", level=1).inner_text() == "Share what changed"
    assert fits_width(page)
    page.get_by_label("What goal did you set out to reach?").fill("Close the books faster")
    page.get_by_label("What changed for your team?").fill("Reconciliations run <automatically> overnight")
    page.get_by_label("What result did you see?").fill("Month-end close takes 2 days instead of 5")
    page.get_by_label("The numbers").fill("60% faster close")
    for choice in ("My name", "My job title", "My company's name", "My words (the quote or review)",
                   "My figures (the metrics I gave)", "Our website", "Sales materials (decks, proposals)"):
        page.get_by_label(choice, exact=True).check()
    page.get_by_label("Until").fill("2027-12-31")
    page.get_by_label("Your full name").fill("Dana Lee")
    page.get_by_label("Your email").fill("dana@acme.test")
    page.screenshot(path=tmp_path / "intake.png", full_page=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=tmp_path / "intake-screen.png")
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/consent/*")
    assert "Thank you, Dana Lee" in page.inner_text("main") and fits_width(page)
    page.screenshot(path=tmp_path / "confirmation.png", full_page=True)

    story, consent = rows(engine, m.Story)[0], rows(engine, m.Consent)[0]
    assert story.state == StoryState.IN_REVIEW and story.change == "Reconciliations run <automatically> overnight"
    assert consent.scope == ["name", "title", "company", "quote", "metrics"]
    assert consent.channels == ["website", "sales"] and str(consent.expires_on) == "2027-12-31"
    assert consent.review_before_publish and consent.signer_email == "dana@acme.test"
    assert rows(engine, m.Ask)[0].state == AskState.RESPONDED
    review = [e for e in outbox(engine) if e["purpose"] == "approvals" and e["ref_key"] == f"story:{story.id}"]
    assert review and review[0]["channel"] == APPROVALS
    posted_to(slack, APPROVALS, "60% faster close")


def test_star_review_by_keyboard_only(ctx, site, engine, page_at):
    draft = sent_ask(ctx.core, AskType.STAR_REVIEW)
    page = page_at(PHONE)
    page.goto(site + path_of(draft.link))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.get_by_role("radio", name="1 star", exact=True).focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    assert page.get_by_role("radio", name="5 stars").is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-title"
    page.keyboard.type("Worth it")
    page.keyboard.press("Tab")
    page.keyboard.type("Support answers within the hour & the close is faster.")
    page.get_by_label("My words (the quote or review)").focus()
    page.keyboard.press("Space")
    page.get_by_label("Public review sites").focus()
    page.keyboard.press("Space")
    page.get_by_label("Your full name").focus()
    page.keyboard.type("Dana Lee")
    page.keyboard.press("Enter")
    page.wait_for_url("**/consent/*")
    story, consent = rows(engine, m.Story)[0], rows(engine, m.Consent)[0]
    assert (story.rating, story.title) == (5, "Worth it") and "&" in story.body
    assert consent.scope == ["quote"] and consent.channels == ["review_sites"]


def test_customer_withdraws_consent_and_marketing_is_told(ctx, site, engine, slack, page_at):
    from tests.conftest import MIA
    from workflows import stories
    from workflows.states import PlacementChannel, PlacementState

    draft = sent_ask(ctx.core)
    page = page_at(PHONE)
    page.goto(site + path_of(draft.link))
    page.get_by_label("What result did you see?").fill("Close in 2 days")
    page.get_by_label("Our website").check()
    page.get_by_label("Show me the final version before it is published").uncheck()
    page.get_by_label("Your full name").fill("Dana Lee")
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/consent/*")
    story = rows(engine, m.Story)[0]
    stories.approve(ctx.core, MIA, story.id)  # no box ticked: publishable right after approval, as before
    stories.publish(ctx.core, MIA, story.id, PlacementChannel.WEBSITE, "https://example.com/customers/acme")

    page.goto(page.url.split("?")[0])  # the permanent link, opened later
    assert "https://example.com/customers/acme" in page.inner_text("main")
    page.get_by_label("Yes, withdraw my consent for good").check()  # one tap does not end it
    page.get_by_role("button", name="Withdraw my consent").click()
    page.wait_for_url("**withdrawn=1")
    assert "You withdrew your consent on" in page.inner_text("main")
    assert rows(engine, m.Consent)[0].withdrawn_at is not None
    assert rows(engine, m.Story)[0].state == StoryState.WITHDRAWN
    assert rows(engine, m.Placement)[0].state == PlacementState.RETIRED
    posted_to(slack, APPROVALS, "Consent withdrawn: Acme Corp")


def test_a_link_opened_twice_from_webmail_keeps_the_first_tab_valid(ctx, site, engine, page_at):
    """Each click in webmail arrives from another site; the browser's form cookie must come along."""
    draft = sent_ask(ctx.core)
    first = page_at(PHONE)
    first.context.route("http://webmail.test/**", lambda route: route.fulfill(
        content_type="text/html", body=f'<a id="link" href="{site + path_of(draft.link)}">Share your story</a>'))
    second = first.context.new_page()
    for tab in (first, second):
        tab.goto("http://webmail.test/inbox")
        tab.click("#link")
        tab.wait_for_url("**/intake/*")
    first.get_by_label("What result did you see?").fill("Close in 2 days")
    first.get_by_label("Your full name").fill("Dana Lee")
    first.get_by_role("button", name="Send my answers").click()
    first.wait_for_url("**/consent/*")
    assert "Thank you, Dana Lee" in first.inner_text("main")
    assert rows(engine, m.Story)[0].result == "Close in 2 days"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_customer_reviews_the_final_version_asks_for_changes_then_approves(ctx, site, engine, slack, page_at,
                                                                          tmp_path, viewport):
    from tests.conftest import MIA
    from tests.intake.conftest import final_path
    from workflows import stories

    draft = sent_ask(ctx.core)
    page = page_at(viewport)
    page.goto(site + path_of(draft.link))
    page.get_by_label("What result did you see?").fill("Close in 2 days <b>not</b> 5")
    page.get_by_label("The numbers").fill("60% faster close")
    for choice in ("My name", "My company's name", "Our website"):
        page.get_by_label(choice, exact=True).check()
    page.get_by_label("Your full name").fill("Dana Lee")
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/consent/*")
    story = rows(engine, m.Story)[0]
    stories.approve(ctx.core, MIA, story.id)

    page.goto(site + final_path(engine))
    main = page.inner_text("main")
    assert page.get_by_role("heading", level=1).inner_text() == "Approve your story before it is published"
    assert "Close in 2 days <b>not</b> 5" in main and "Dana Lee at Acme Corp" in main and "Our website" in main
    assert "60% faster close" not in main and "The numbers (you did not allow it)" in main
    assert fits_width(page)
    page.screenshot(path=tmp_path / "final.png", full_page=True)
    page.get_by_role("button", name="Ask for changes").click()
    assert "Tell us what to change" in page.inner_text("main")  # an empty note is refused, on the same page
    page.get_by_label("What should change?").fill("Say 'finance team'")
    page.get_by_role("button", name="Ask for changes").click()
    assert "Thank you, we have your changes" in page.inner_text("main")
    assert rows(engine, m.Story)[0].state == StoryState.IN_REVIEW
    posted_to(slack, APPROVALS, "Say 'finance team'")

    stories.approve(ctx.core, MIA, story.id)
    page.goto(site + final_path(engine))
    page.get_by_role("button", name="Approve").click()
    assert "Thank you for approving" in page.inner_text("main")
    assert rows(engine, m.Story)[0].state == StoryState.APPROVED
    posted_to(slack, APPROVALS, "Ready to publish: Acme Corp")


def test_customer_says_no_thanks_on_a_phone(ctx, site, engine, slack, page_at):
    draft = sent_ask(ctx.core)
    page = page_at(PHONE)
    page.goto(site + path_of(draft.link))
    page.get_by_label("Why not").fill("Busy quarter")
    page.get_by_role("button", name="No thanks").click()
    assert "Thank you for letting us know" in page.inner_text("main") and fits_width(page)
    assert rows(engine, m.Ask)[0].state == AskState.DECLINED
    page.goto(site + path_of(draft.link))
    assert "This request was declined" in page.inner_text("main")
