"""People on cards are shown by the name Slack knows, never by id, and a name never notifies anyone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.slack.sender import SlackSender
from storage import models as m
from tests.slack.conftest import NOMS, TOKEN, blocks_text, flag_win, message_titled, wait_until
from workflows.effects import Card, Fact


def test_the_nomination_card_names_its_owner(slack, emu, bot):
    flag_win(slack, emu)
    card = message_titled(emu, NOMS, "Advocate nomination: Dana Lee at Acme Corp")
    text = blocks_text(card["blocks"])
    assert "Sam Success" in text and "U0SUCCESS" not in text and "<@" not in text


@pytest.fixture
def sender(emu):
    emu.reset()
    emu.add_user("U0EVE", email="eve@example.com", real_name="<!channel> Eve <@U0MARKET>")
    return SlackSender(TOKEN, emu.base_url, timeout=2)


async def test_names_come_from_slack_once_and_an_email_stays_where_nobody_is_known(sender, emu):
    people = {"U0SUCCESS", "mia@example.com", "stranger@example.com", "U0GONE"}
    assert await sender.names(people) == {"U0SUCCESS": "Sam Success", "mia@example.com": "Mia Marketing"}
    asked = len(emu.calls("users.info")) + len(emu.calls("users.lookupByEmail"))
    assert asked == 4
    await sender.names(people)  # cached: known names for an hour, unknown people for five minutes
    assert len(emu.calls("users.info")) + len(emu.calls("users.lookupByEmail")) == asked
    card = Card("Nomination", facts=[Fact("Owner", "stranger@example.com", person="stranger@example.com")])
    assert card.named(await sender.names(card.people())).facts[0].value == "stranger@example.com"


async def test_a_name_that_looks_like_a_mention_is_shown_as_text(sender, emu):
    card = Card("Nomination", facts=[Fact("Owner", "U0EVE", person="U0EVE")])
    await sender.post("C0NOMS", card.named(await sender.names(card.people())))
    [posted] = emu.messages("C0NOMS")
    text = blocks_text(posted["blocks"]) + posted["text"]
    assert "&lt;!channel&gt; Eve &lt;@U0MARKET&gt;" in text and "<!channel>" not in text and "<@" not in text


async def test_people_in_a_cards_text_are_named_and_a_name_never_pings(sender, emu):
    card = Card("Digest", body=["• Ask #7 for Acme: no answer for 9 days, owner U0EVE\n• Review #3, owner U0EVE2"],
                body_people=["U0EVE"])
    await sender.post("C0NOMS", card.named(await sender.names(card.people())))
    [posted] = emu.messages("C0NOMS")
    text = blocks_text(posted["blocks"])
    assert "owner &lt;!channel&gt; Eve &lt;@U0MARKET&gt;\n" in text and "owner U0EVE2" in text
    assert "<!channel>" not in text and "<@" not in text


def test_the_digest_asked_for_in_chat_names_the_owners_of_stuck_items(slack, emu, bot):
    flag_win(slack, emu)
    message_titled(emu, NOMS, "Advocate nomination: Dana Lee at Acme Corp")
    with bot.engine.begin() as conn:  # the nomination has waited a month
        conn.execute(update(m.Nomination).values(created_at=bot.ctx.core.now() - timedelta(days=30)))
    assert slack.slash_command("/advocacy", "digest", user_id="U0MARKET").status_code == 200
    [answer] = wait_until(lambda: emu.calls("response_url:advocacy"), what="the digest")
    text = blocks_text(answer.args["blocks"])
    assert "Stuck for more than" in text and "owner Sam Success" in text
    assert "U0SUCCESS" not in text and "<@" not in text
