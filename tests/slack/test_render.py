"""Cards to Block Kit: escaping and Block Kit's limits, for any text."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk import WebClient
from slack_sdk.models.views import View

from bot.slack import modals

from bot.slack.render import card_message, fit, long_text
from tests.emulators.slack_api import SlackEmulator
from tests.slack.conftest import TOKEN, blocks_text
from workflows.effects import Button, Card, Fact
from workflows.interactions import TABLE, Prefill, blank_form

NASTY = st.lists(st.sampled_from(list("<>&|!@#*_~`:/. aZ9\n") + ["<!channel>", "<@U1>", "http://x.io/a?b=1&c", "é"]),
                 max_size=800).map("".join)


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@given(text=NASTY, limit=st.integers(min_value=2, max_value=3000))
def test_fit_escapes_everything_and_stays_within_the_limit(text, limit):
    shown, cut = fit(text, limit)
    assert len(shown) <= limit
    assert "<" not in shown and ">" not in shown
    assert re.fullmatch(r"([^&]|&amp;|&lt;|&gt;)*…?", shown)
    if not cut:
        assert unescape(shown) == text.strip()


def test_links_are_made_only_from_plain_urls():
    shown, _ = fit("see https://example.com/a?b=1&c=2. and <http://evil|good> or <!here>", 500, links=True)
    assert shown == ("see <https://example.com/a?b=1&amp;c=2>. and &lt;<http://evil>|good&gt; or &lt;!here&gt;")


@pytest.fixture(scope="module")
def client():
    with SlackEmulator() as emu:
        yield emu, WebClient(base_url=emu.base_url, token=TOKEN)


SHORT = st.lists(st.sampled_from(["<!channel>", "&", "<", "word "]), max_size=60).map("".join)
CARDS = st.builds(
    Card, title=NASTY, body=st.lists(NASTY, max_size=25),
    facts=st.lists(st.builds(Fact, label=SHORT, value=NASTY), max_size=22),
    buttons=st.lists(st.builds(Button, label=SHORT, action=st.sampled_from(["review.approve", "story.publish"]),
                               value=st.just("1" * 2500)), max_size=27),
    note=NASTY)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.data_too_large, HealthCheck.too_slow])
@given(card=CARDS)
def test_any_card_fits_block_kit(client, card):
    emu, web = client
    emu.reset()
    message = card_message(card)
    web.chat_postMessage(channel="C1", **message)
    emu.assert_no_violations()
    for raw in ("<!channel>", "<@U1>"):
        assert raw not in str(message["blocks"]) and raw not in message["text"]


def test_long_text_fills_a_modal_without_losing_a_word(client):
    emu, web = client
    emu.reset()
    text = "\n".join(f"Paragraph {i}: " + "a&b " * 700 for i in range(10))
    blocks = long_text(text)
    view = View(type="modal", title="Read all", blocks=blocks)
    web.views_open(trigger_id="1.2.3", view=view)
    emu.assert_no_violations()
    assert " ".join(unescape(blocks_text([b.to_dict() for b in blocks])).split()) == " ".join(text.split())


def test_every_form_is_valid_block_kit(client):
    emu, web = client
    emu.reset()
    forms = [blank_form(entry.name, item="1", prefill=Prefill(intro="<Acme> & Co: Quote", notes=["A note " * 50]))
             for entry in TABLE if entry.submit]
    assert len(forms) >= 10
    for view in ([modals.form_view(form, {"channel": "C1"}) for form in forms]
                 + [modals.win("x" * 5000, "https://t0team.slack.com/archives/C1/p1"),
                    modals.ask_result(1, "Hi & welcome <x>"), modals.notice("Done" * 20, "ok"),
                    modals.read_all("T" * 4000, "x" * 10000)]):
        web.views_open(trigger_id="1.2.3", view=view)
    emu.assert_no_violations()
