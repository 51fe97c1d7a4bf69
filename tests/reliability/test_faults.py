"""The chat APIs rate-limit, fail and time out for a while: every outbox message arrives once, in order."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from bot.slack.sender import SlackSender
from storage import models as m
from tests.core.helpers import flag
from tests.slack.conftest import (NOMS, TOKEN, WINS, blocks_text, bot, emu, flag_win, slack,  # noqa: F401
                                  slack_db_url, wait_until)
from tests.teams.conftest import WINS as TEAMS_WINS
from tests.teams.conftest import bot_connector, db_url, teams, teams_config  # noqa: F401
from tests.teams.people import card_of, texts
from workflows.states import OutboxState


def stories_in(emu, channel: str) -> list[str]:
    return [blocks_text(msg["blocks"]).split("\n")[1] for msg in emu.messages(channel)]


def keys_posted(emu) -> Counter:
    """Outbox keys of the chat.postMessage calls Slack answered with ok (each one a message posted)."""
    return Counter(c.args["metadata"]["event_payload"]["outbox_id"] for c in emu.calls("chat.postMessage")
                   if not c.failed)


def delivered(bot) -> bool:
    return {row.state for row in bot.rows(m.OutboxMessage)} == {OutboxState.DELIVERED}


def test_slack_rate_limits_and_server_errors_delay_posts_in_order_none_twice(slack, emu, bot):
    emu.fail_next("chat.postMessage", status=429, retry_after=1, count=2)
    emu.fail_next("chat.postMessage", status=500, count=3)
    stories = [f"Story under faults {i}" for i in range(4)]
    for i, story in enumerate(stories):
        flag_win(slack, emu, account=f"new:Faulty {i}", story=story)
    wait_until(lambda: len(emu.messages(WINS)) == 4 and len(emu.messages(NOMS)) == 4 and delivered(bot),
               timeout=20, what="every post delivered after the faults")
    assert stories_in(emu, WINS) == stories
    assert Counter(c.response["error"] for c in emu.calls("chat.postMessage") if c.failed) == \
        {"ratelimited": 2, "internal_error": 3}
    keys = keys_posted(emu)
    assert len(keys) == 8 and set(keys.values()) == {1}


@pytest.fixture
def impatient(bot, emu):
    """The Slack sender gives up on an answer after 0.5 s."""
    patient = bot.ctx.senders["slack"]
    bot.ctx.senders["slack"] = SlackSender(TOKEN, emu.base_url, timeout=0.5)
    yield
    bot.ctx.senders["slack"] = patient


def test_slack_post_that_timed_out_but_was_posted_is_not_posted_again(slack, emu, bot, impatient):
    emu.delay_next("chat.postMessage", 1.2, count=2)  # Slack posts them, after the client gave up
    stories = ["Slow story one", "Slow story two"]
    for i, story in enumerate(stories):
        flag_win(slack, emu, account=f"new:Slow {i}", story=story)
    wait_until(lambda: len(emu.messages(WINS)) == 2 and len(emu.messages(NOMS)) == 2 and delivered(bot),
               timeout=20, what="every post delivered after the timeouts")
    time.sleep(0.5)
    assert stories_in(emu, WINS) == stories
    assert len(emu.messages(NOMS)) == 2
    assert emu.calls("conversations.history"), "a retry after a timeout looks before posting again"
    assert set(keys_posted(emu).values()) == {1}


def test_teams_rate_limits_and_server_errors_delay_posts_in_order(teams):
    teams.install()
    path = f"/v3/conversations/{TEAMS_WINS}/activities$"
    teams.connector.fail_next(path, status=429, retry_after=0.2, count=2)
    teams.connector.fail_next(path, status=500, retry_after=0.2, count=1)
    accounts = [f"Adatum {i}" for i in range(3)]
    for account in accounts:
        flag(teams.core, account=account)
    posted = teams.posts(TEAMS_WINS, count=3, timeout=15)
    assert [next(a for a in accounts if a in texts(card_of(p))) for p in posted] == accounts
    assert sorted(c.status for c in teams.connector.calls("send") if c.status >= 400) == [429, 429, 500]
    time.sleep(0.3)
    assert len(teams.connector.activities(TEAMS_WINS)) == 3
