"""User text that tries to ping, link or inject markup reaches Slack, Teams and the customer pages inert."""

from __future__ import annotations

import re
import time

import httpx

from tests.conftest import MIA, SAM, SID
from storage import models as m
from tests.core.helpers import flag, rows, story_form, token_of
from tests.emulators import teams_activities as ta
from tests.reliability.security_helpers import fresh, world  # noqa: F401
from tests.slack.conftest import flag_win, wait_until
from workflows import asks, sales, stories
from workflows.states import AskType, OutboxState, PlacementChannel, RecognitionKind, StoryState

EVIL = ("<!channel> <!here> <!subteam^S1> <@U0SUCCESS> <#C0WINS> <https://evil.example|click here> "
        "<at>Someone</at> <script>alert(1)</script> [click](https://evil.example) **bold** ")
SHORT = "<!channel><@U0LEAD><at>X</at><script>x"  # for fields of 64 characters
EVIL_URL = "https://evil.example/p?<!channel>|click"


def _mrkdwn_texts(node, out: list[str]) -> list[str]:
    """Every mrkdwn text object in a Block Kit payload."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            out.append(node["text"])
        for value in node.values():
            _mrkdwn_texts(value, out)
    elif isinstance(node, list):
        for value in node:
            _mrkdwn_texts(value, out)
    return out


def assert_slack_inert(emu) -> int:
    """No ping, channel link, disguised link or raw markup in any mrkdwn text the bot sent; returns how many."""
    texts = []
    for call in emu.calls():
        if call.method.startswith(("chat.", "views.", "response_url")):
            texts += _mrkdwn_texts(call.args, [])
            if isinstance(call.args.get("text"), str):  # notification text is mrkdwn too
                texts.append(call.args["text"])
    for text in texts:
        assert not re.search(r"<[!@#]", text), text
        assert not re.search(r"<https?://[^>]*\|", text), f"a link with a disguised label: {text}"
        assert "<script" not in text and "<at>" not in text.lower(), text
    return len(texts)


def _teams_texts(node, element_type: str = "", out: list | None = None) -> list[tuple[str, str, str]]:
    """(element type, key, text) for every text in an activity."""
    out = [] if out is None else out
    if isinstance(node, dict):
        element_type = node.get("type", element_type)
        for key in ("text", "title", "value", "altText", "summary"):
            if isinstance(node.get(key), str):
                out.append((element_type, key, node[key]))
        for value in node.values():
            _teams_texts(value, element_type, out)
    elif isinstance(node, list):
        for value in node:
            _teams_texts(value, element_type, out)
    return out


def assert_teams_inert(connector) -> int:
    activities = [call.json for call in connector.calls() if isinstance(call.json, dict)]
    texts = []
    for activity in activities:
        assert not [e for e in activity.get("entities") or [] if e.get("type") == "mention"], activity
        texts += _teams_texts(activity)
    for element, key, text in texts:
        assert not re.search(r"<\s*/?\s*at\b", text, re.IGNORECASE), (element, text)
        if element in ("TextBlock", "message") and key == "text":  # these render markdown
            assert "evil.example" not in text and "**" not in text and "<script" not in text, (element, text)
    return len(texts)


def test_injected_text_in_every_field_stays_inert_in_slack_teams_and_pages(fresh):
    world, core = fresh, fresh.ctx.core
    world.install_teams()  # so cards reach both platforms

    # a win flagged through the Slack modal with every field hostile
    with world.slack() as slack:
        submitted = flag_win(slack, world.slack_api, account=f"new:{EVIL}", story=EVIL, metric_unit=SHORT,
                             contact_name=EVIL, contact_title=EVIL, contact_email="dana@acme.test")
        assert submitted.status_code == 200
    nomination = wait_until(lambda: rows(core.engine, m.Nomination), what="the nomination")[0]

    # the customer's story, consent signer, a request for changes, a rejection, a decline
    draft = asks.draft_ask(core, SAM, nomination.id, AskType.SHORT_QUOTE)
    asks.mark_sent(core, SAM, draft.ask.id)
    web = httpx.Client(base_url=world.url, timeout=10)
    intake = web.get(f"/intake/{token_of(draft.link)}")
    form = story_form(signer_name=EVIL).model_copy(update={f: EVIL for f in ("goal", "change", "result", "body")})
    story = stories.submit_story(core, token_of(draft.link), form)
    consent_page = web.get(story.consent_url.replace("https://advocacy.example.com", ""))
    stories.request_changes(core, MIA, story.story.id, EVIL)

    second = flag(core, account="Initech " + EVIL[:150], contact_email="lee@initech.test", story=EVIL, contact_name=EVIL, contact_title=EVIL, metric_unit=SHORT)
    assert second.nomination, second.excluded_because
    ask = asks.draft_ask(core, SAM, second.nomination.id, AskType.CASE_STUDY)
    asks.mark_sent(core, SAM, ask.ask.id)
    story2 = stories.submit_story(core, token_of(ask.link), form)
    stories.approve(core, MIA, story2.story.id)
    stories.publish(core, MIA, story2.story.id, PlacementChannel.WEBSITE, EVIL_URL)
    sales.record_deal_usage(core, SID, story2.story.id, "OPP-1", 1000, stage=EVIL)
    sales.recognise(core, SAM, story2.story.id, RecognitionKind.THANK_YOU_NOTE, note=EVIL)
    third = flag(core, account="Globex", story=EVIL)
    reject_ask = asks.draft_ask(core, SAM, third.nomination.id, AskType.SHORT_QUOTE)
    asks.decline(core, SAM, reject_ask.ask.id, EVIL)
    assert rows(core.engine, m.Story)[1].state == StoryState.PUBLISHED

    wait_until(lambda: not rows(core.engine, m.OutboxMessage, m.OutboxMessage.state == OutboxState.PENDING),
               timeout=15, what="the outbox to deliver everything")
    time.sleep(0.2)
    assert assert_slack_inert(world.slack_api) > 10
    assert assert_teams_inert(world.connector) > 10
    world.slack_api.assert_no_violations()

    for page in (intake, consent_page):
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<at>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    web.close()

