"""Slack re-deliveries and double clicks spread over two servers sharing one PostgreSQL database."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from storage import models as m
from tests.conftest import clean
from tests.core.helpers import to_review
from tests.emulators.slack_requests import SlackRequester
from tests.reliability.replicas import emulator, servers, submit_duplicates
from tests.slack.conftest import APPR, SECRET, ephemeral_texts, message_saying, message_titled, wait_until


@pytest.fixture(scope="module")
def emu():
    emu = emulator()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def bots(emu, pg_url):
    with servers(emu, pg_url) as bots:
        yield bots


@pytest.fixture
def fresh(bots, emu):
    clean(bots[0].engine)
    emu.reset()
    return bots


def test_each_submission_delivered_two_to_four_times_to_two_servers_makes_one_win_and_one_post(fresh, emu):
    report = submit_duplicates(fresh, emu, events=60)
    sent = report.sent["first"] + sum(report.sent[f"retry {n}"] for n in (1, 2, 3))
    assert report.sent["first"] == 60 and 120 <= sent <= 240 and min(report.sent["to server 0"],
                                                                      report.sent["to server 1"]) > 40
    assert report.answers["other"] == 0 and report.answers["recorded"] <= 60
    assert report.answers["already recorded"] >= sent - 60 - report.answers["working on it"]
    assert report.server_errors == 0
    assert (report.duplicate_wins, report.lost_wins) == (0, 0)
    assert (report.duplicate_posts, report.lost_posts) == (0, 0)
    assert len(fresh[0].rows(m.Win)) == 60


def test_approve_clicked_on_two_servers_at_once_decides_once(fresh, emu):
    to_review(fresh[0].ctx.core)
    card = message_titled(emu, APPR, "Story for review")
    requesters = [SlackRequester(f"{bot.url}/slack/events", SECRET, emulator=emu) for bot in fresh]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda r: r.block_action("U0MARKET", "review.approve", message=card, channel_id=APPR),
                      requesters))
    for requester in requesters:
        requester.close()
    told = wait_until(lambda: len(ephemeral_texts(emu, "review.approve")) == 2 and ephemeral_texts(emu, "review.approve"),
                      what="both clicks answered")
    assert sorted(t.split(" by ")[0] for t in told) == ["Already approved", "Approved. Publish it when it goes live."]
    assert "Already approved by Mia Marketing" in " ".join(told)
    message_saying(emu, APPR, card["ts"], "Approved by Mia Marketing")
    time.sleep(0.3)
    assert len(fresh[0].rows(m.ReviewDecision)) == 1
    assert len([c for c in emu.calls("chat.update") if c.args["channel"] == APPR]) == 1
