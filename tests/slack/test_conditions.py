"""Slack's real conditions: 3 s acks, signatures, retried deliveries, double clicks, API faults, errors."""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from storage import models as m
from tests.core.helpers import to_review
from tests.emulators.slack_requests import SlackRequester
from tests.slack.conftest import (APPR, NOMS, WINS, blocks_text, ephemeral_texts, flag_win, form,
                                  message_saying, message_titled, opened_view, submit, wait_until)
from workflows.states import OutboxState


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def slack_db_url(request, tmp_path_factory):
    """Retries, double clicks and busy databases, on both stores."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('slack') / 'bot.db'}"
    return request.getfixturevalue("pg_url")


def win_view(slack, emu, user="U0SUCCESS") -> dict:
    before = len(emu.calls("views.open"))
    slack.slash_command("/win", user_id=user)
    return opened_view(emu, before + 1)


# acknowledgement -------------------------------------------------------------

def test_ack_comes_before_slow_work_and_the_modal_opens_right_after(slack, emu):
    emu.delay_next("views.open", 1.5)
    started = time.time()
    response = slack.slash_command("/win", user_id="U0SUCCESS")
    assert response.status_code == 200 and response.elapsed.total_seconds() < 0.5
    opened = emu.wait_for("views.open")[0]
    assert opened.ts - started < 1.0  # views.open was called at once, well inside the trigger's 3 s
    assert not opened.failed


def test_a_burst_is_acknowledged_before_the_work_that_follows_the_acknowledgements(slack, emu):
    flag_win(slack, emu, account="new:Acme Corp")  # the queue has an item to show
    emu.reset()

    def ask(_):
        response = slack.slash_command("/advocacy", "queue", user_id="U0SUCCESS")
        return response.status_code, time.time()

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(ask, range(32)))
    assert {status for status, _ in answers} == {200}
    posted = wait_until(lambda: len(emu.calls("response_url:advocacy")) >= 32 and emu.calls("response_url:advocacy"),
                        what="every queue answer")
    assert min(c.ts for c in posted) > max(at for _, at in answers)  # no answer was built while acks waited


def test_slow_user_lookup_does_not_hold_the_ack(slack, emu):
    emu.add_user("U0SLOW", email="slow@example.com", real_name="Slow Sue")
    emu.delay_next("users.info", 1.5)
    response = slack.slash_command("/advocacy", "help", user_id="U0SLOW")
    assert response.status_code == 200 and response.elapsed.total_seconds() < 1.4
    assert "/advocacy queue" in wait_until(lambda: ephemeral_texts(emu, "advocacy"), what="help")[0]


def test_a_busy_database_still_gets_an_answer_in_time_and_the_result_follows(slack, emu, bot):
    view = win_view(slack, emu)
    with ThreadPoolExecutor(1) as pool, bot.engine.begin() as busy:  # another writer holds the lock wins need
        busy.exec_driver_sql("LOCK TABLE win IN EXCLUSIVE MODE" if bot.engine.dialect.name == "postgresql"
                             else "SELECT 1")  # SQLite: the transaction itself took the write lock
        pending = pool.submit(submit, slack, emu, "U0SUCCESS", view, account="new:Acme", story="Saved time")
        time.sleep(2.6)
    answer = pending.result()
    assert answer.elapsed.total_seconds() < 2.5
    assert "Working on it" in blocks_text(answer.acknowledged["view"]["blocks"])
    assert "Win recorded for Acme" in blocks_text(answer.json()["view"]["blocks"])
    assert "Win recorded for Acme" in blocks_text(emu.view(view["id"])["blocks"])
    assert len(bot.rows(m.Win)) == 1


def test_a_writer_holding_the_database_delays_no_ack_and_no_read_only_answer(slack, emu, bot):
    flag_win(slack, emu, account="new:Acme Corp")
    view, account_id = opened_view(emu), bot.rows(m.Account)[0].id
    emu.reset()
    with bot.engine.begin() as busy:  # a writer holding the lock for a second
        busy.exec_driver_sql("LOCK TABLE account, nomination, win IN EXCLUSIVE MODE"
                             if bot.engine.dialect.name == "postgresql" else "SELECT 1")  # SQLite: BEGIN IMMEDIATE
        started = time.monotonic()
        acks = [slack.slash_command("/advocacy", "help", user_id="U0SUCCESS"),
                slack.slash_command("/advocacy", "queue", user_id="U0SUCCESS")]
        suggestion = slack.payload({"type": "block_suggestion", "user": {"id": "U0SUCCESS"}, "team": {"id": "T0TEAM"},
                                    "api_app_id": "A0APP", "action_id": "account", "block_id": "account",
                                    "value": "acm", "view": view})
        answered = wait_until(lambda: len(emu.calls("response_url:advocacy")) >= 2, timeout=0.8,
                              what="help and the queue while the writer holds the lock")
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    assert answered and all(r.status_code == 200 and r.elapsed.total_seconds() < 0.5 for r in [*acks, suggestion])
    assert ("Acme Corp", f"id:{account_id}") in [(o["text"]["text"], o["value"]) for o in suggestion.json()["options"]]


# signatures ------------------------------------------------------------------

def test_forged_stale_and_unsigned_requests_are_rejected_and_store_nothing(slack, emu, bot):
    view = win_view(slack, emu)
    body = {"type": "view_submission", "team": {"id": "T0TEAM"}, "user": {"id": "U0SUCCESS"}, "api_app_id": "A0APP",
            "view": {**view, "state": {"values": form(view, account="new:Forged Inc", story="Made up")}}}
    raw = f"payload={json.dumps(body)}".encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    forger = SlackRequester(slack.url, "not-the-signing-secret")
    answers = [
        forger.raw(raw, headers).status_code,
        slack.raw(raw, headers, tamper=True).status_code,
        slack.raw(raw, headers, timestamp=int(time.time()) - 6 * 60).status_code,
        slack.raw(raw, headers, sign=False).status_code,
        forger.slash_command("/win", user_id="U0SUCCESS").status_code,
    ]
    forger.close()
    assert answers == [401] * 5
    assert slack.raw(raw, headers).status_code == 200  # the same body, properly signed, is accepted
    assert wait_until(lambda: [w.story for w in bot.rows(m.Win)], what="the win") == ["Made up"]
    assert len(emu.calls("views.open")) == 1


# retries and double clicks ---------------------------------------------------

def test_resubmitted_win_modal_records_one_win(slack, emu, bot):
    view = win_view(slack, emu)
    typed = dict(account="new:Acme Corp", story="Cut close from 5 days to 2.")
    first = submit(slack, emu, "U0SUCCESS", view, **typed).json()
    with ThreadPoolExecutor(4) as pool:
        again = list(pool.map(lambda _: submit(slack, emu, "U0SUCCESS", view, **typed).json(), range(4)))
    assert first["response_action"] == "update"
    # Each repeat is refused on the field, or (when commands queue up) answered "Working on it…" and then refused.
    refused = [a for a in again if a["response_action"] == "errors"]
    assert all("already recorded" in next(iter(a["errors"].values())) for a in refused)
    if len(refused) < len(again):
        emu.wait_for("views.update", count=len(again) - len(refused),
                     predicate=lambda call: "already recorded" in json.dumps(call.args.get("view", {})))
    message_titled(emu, NOMS, "Advocate nomination")
    time.sleep(0.2)
    assert len(bot.rows(m.Win)) == 1 and len(bot.rows(m.Nomination)) == 1
    assert len(emu.messages(WINS)) == 1 and len(emu.messages(NOMS)) == 1


def test_retried_event_delivery_asks_the_poster_once(slack, emu):
    reaction = {"type": "reaction_added", "user": "U0MARKET", "reaction": "trophy", "item_user": "U0SUCCESS",
                "item": {"type": "message", "channel": WINS, "ts": "1700000001.000100"}}
    assert slack.event(reaction, event_id="Ev0001").status_code == 200
    assert slack.event(reaction, event_id="Ev0001", retry_num=1).status_code == 200
    assert slack.event(reaction, event_id="Ev0001", retry_num=2, retry_reason="http_error").status_code == 200
    slack.event({**reaction, "user": "U0SALES"}, event_id="Ev0002")  # a second trophy on the same message
    slack.event({**reaction, "reaction": "tada"}, event_id="Ev0003")  # not the win reaction
    slack.event({**reaction, "item": {**reaction["item"], "channel": "C0OTHER"}}, event_id="Ev0004")
    prompts = emu.wait_for("chat.postEphemeral")
    time.sleep(0.3)
    assert len(emu.calls("chat.postEphemeral")) == 1
    assert prompts[0].args["user"] == "U0SUCCESS" and prompts[0].args["channel"] == WINS


def test_double_clicked_approve_decides_once(slack, emu, bot):
    to_review(bot.ctx.core)
    card = message_titled(emu, APPR, "Story for review")
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: slack.block_action("U0MARKET", "review.approve", message=card, channel_id=APPR),
                      range(2)))
    told = wait_until(lambda: len(ephemeral_texts(emu, "review.approve")) == 2 and ephemeral_texts(emu, "review.approve"),
                      what="both clicks answered")
    assert sorted(t.split(" by ")[0] for t in told) == ["Already approved", "Approved. Publish it when it goes live."]
    message_saying(emu, APPR, card["ts"], "Approved by Mia Marketing")
    time.sleep(0.2)
    assert len(bot.rows(m.ReviewDecision)) == 1
    assert len([c for c in emu.calls("chat.update") if c.args["channel"] == APPR]) == 1
    assert len(emu.messages(APPR)) == 1


# outbox delivery under Slack faults --------------------------------------------

def test_rate_limits_and_server_errors_delay_posts_in_order_and_lose_none(slack, emu, bot):
    emu.fail_next("chat.postMessage", status=429, retry_after=1)
    emu.fail_next("chat.postMessage", status=500, count=2)
    stories = [f"Win number {i}" for i in range(3)]
    for i, story in enumerate(stories):
        flag_win(slack, emu, account=f"new:Customer {i}", story=story)
    wait_until(lambda: len(emu.messages(WINS)) == 3 and len(emu.messages(NOMS)) == 3, timeout=10,
               what="every post delivered")
    assert [blocks_text(msg["blocks"]).split("\n")[1] for msg in emu.messages(WINS)] == stories
    failed = [c for c in emu.calls("chat.postMessage") if c.failed]
    assert sorted(c.response["error"] for c in failed) == ["internal_error", "internal_error", "ratelimited"]
    wait_until(lambda: {row.state for row in bot.rows(m.OutboxMessage)} == {OutboxState.DELIVERED},
               what="every outbox row marked delivered")


def test_a_missing_channel_parks_that_post_and_the_lane_moves_on(slack, emu, bot):
    emu.fail_next("chat.postMessage", status=200, error="channel_not_found")
    flag_win(slack, emu, account="new:First", story="First win")
    flag_win(slack, emu, account="new:Second", story="Second win")
    wait_until(lambda: len(emu.messages(WINS)) + len(emu.messages(NOMS)) == 3, what="the other posts")
    dead = wait_until(lambda: bot.rows(m.OutboxMessage, m.OutboxMessage.state == OutboxState.DEAD),
                      what="the refused post parked")
    assert len(dead) == 1 and "channel_not_found" in dead[0].last_error


# errors are shown to the person who acted ----------------------------------------

def test_an_unexpected_failure_is_explained_ephemerally_and_logged(slack, emu, caplog):
    emu.fail_next("views.open", status=200, error="expired_trigger_id")
    with caplog.at_level(logging.ERROR, logger="bot.slack.middleware"):
        slack.slash_command("/win", user_id="U0SUCCESS")
        told = wait_until(lambda: ephemeral_texts(emu, "win"), what="the apology")
    assert told == ["Sorry, something went wrong; it has been logged."]
    assert emu.last("response_url:win").args["response_type"] == "ephemeral"
    assert any("slack command /win by U0SUCCESS in team T0TEAM failed" in r.getMessage() for r in caplog.records)


def test_an_outcome_that_cannot_be_shown_is_logged_in_one_line_without_its_words(slack, emu, bot, caplog):
    view = win_view(slack, emu)
    emu.fail_next("views.update", status=200, error="not_found")  # the person closed the modal
    emu.fail_next("chat.postMessage", status=200, error="user_disabled")  # and cannot be messaged either
    with caplog.at_level(logging.INFO):
        slack.view_submission("U0SUCCESS", view["callback_id"], form(view, account="new:Northwind Traders",
                                                                     story="Saved time"), view=view, view_id=view["id"])
        wait_until(lambda: [r for r in caplog.records if r.getMessage().startswith("could not tell")],
                   what="the line saying the person could not be told")
    [line] = [r for r in caplog.records if r.getMessage().startswith("could not tell")]
    assert line.getMessage() == "could not tell U0SUCCESS (SlackApiError)" and not line.exc_info
    assert not [r for r in caplog.records if "Northwind" in r.getMessage()]
    assert len(bot.rows(m.Win)) == 1  # the win itself was recorded


def test_bad_input_is_shown_on_the_field_at_fault_and_nothing_is_stored(slack, emu, bot):
    view = win_view(slack, emu)
    answer = submit(slack, emu, "U0SUCCESS", view, account="new:Acme", story="Saved time",
                    contact_email="not an email").json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["contact_email"] and "not an email address" in answer["errors"]["contact_email"]
    answer = submit(slack, emu, "U0SUCCESS", view, account="new:Acme", story="Saved time", metric_value="lots").json()
    assert list(answer["errors"]) == ["metric_value"]
    assert not bot.rows(m.Win)
    assert submit(slack, emu, "U0SUCCESS", view, account="new:Acme", story="Saved time").json()["response_action"] \
        == "update"  # the same modal, corrected, goes through
    assert len(bot.rows(m.Win)) == 1


def test_a_refusal_on_a_modal_keeps_what_was_typed(slack, emu, bot):
    to_review(bot.ctx.core)
    card = message_titled(emu, APPR, "Story for review")
    slack.block_action("U0MARKET", "review.approve", message=card, channel_id=APPR)
    approved = message_saying(emu, APPR, card["ts"], "Approved by")
    slack.block_action("U0MARKET", "story.publish", message=approved, channel_id=APPR)
    publish = opened_view(emu, callback_id="story.publish")
    bad_url = submit(slack, emu, "U0MARKET", publish, channel="website", url="example.com").json()
    assert bad_url == {"response_action": "errors",
                       "errors": {"url": "Enter the full address of the page, starting with https://"}}
    no_consent = submit(slack, emu, "U0MARKET", publish, channel="social", url="https://x.test/a").json()
    assert no_consent["response_action"] == "errors"  # found by the command, after the acknowledgement
    assert "Cannot publish on social: the customer did not allow social" in no_consent["errors"][""]  # above the form
    shown = {b["block_id"]: b["element"] for b in emu.view(publish["id"])["blocks"] if b["type"] == "input"}
    assert shown["channel"]["initial_option"]["value"] == "social" and shown["url"]["initial_value"] == "https://x.test/a"
    assert not bot.rows(m.Placement)
