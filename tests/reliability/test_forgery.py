"""Forged requests are refused before anything is stored or posted."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

import httpx
import pytest
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.slack.app import build_app
from bot.slack.verify import is_verified, mark_verified
from bot.webhooks import sign
from tests.emulators import teams_activities as ta
from tests.emulators.slack_requests import FORM, signature
from tests.reliability.security_helpers import (SECRETS, captured_logs, counts, fresh, serve_world,  # noqa: F401
                                                world)

NPS = {"event_id": "nps-1", "account": "Acme Corp", "contact_email": "dana@acme.test", "score": 10,
       "responded_at": "2026-11-09", "comment": "Love it"}


def _slack_forgeries(world):
    """(name, response) for each way of forging /win and a reaction event."""
    now = int(time.time())
    with world.slack("not-the-secret") as wrong, world.slack() as right:
        command = {"command": "/win", "user_id": "U0SUCCESS", "trigger_id": "1.2.abc", "text": ""}
        body = "&".join(f"{k}={v}" for k, v in command.items()).encode()
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        yield "unsigned", right.raw(body, form, sign=False)
        yield "wrong secret", wrong.slash_command("/win", user_id="U0SUCCESS")
        yield "tampered body", right.raw(body, form, tamper=True)
        yield "stale", right.raw(body, form, timestamp=now - 301)
        yield "from the future", right.raw(body, form, timestamp=now + 6 * 60)
        yield "bad signature header", right.raw(body, {**form, "X-Slack-Signature": "v0=00",
                                                       "X-Slack-Request-Timestamp": str(now)}, sign=False)
        event = json.dumps({"type": "event_callback", "event_id": "Ev1", "event": {
            "type": "app_home_opened", "user": "U0SUCCESS", "tab": "home"}}).encode()
        yield "unsigned event", right.raw(event, {"Content-Type": "application/json"}, sign=False)
        yield "stale event", right.raw(event, {"Content-Type": "application/json"}, timestamp=now - 600)


def test_forged_slack_requests_are_refused_and_change_nothing(fresh):
    before = counts(fresh.engine)
    answers = {name: response.status_code for name, response in _slack_forgeries(fresh)}
    assert answers == {name: 401 for name in answers}
    time.sleep(0.3)  # anything accepted would have called the Web API by now
    assert fresh.slack_api.calls() == []
    assert counts(fresh.engine) == before


def _slack_shapes(emu) -> dict[str, tuple[str, bytes]]:
    """Each Slack payload shape that names a response_url, a channel or a user, aimed at the emulator."""
    user = {"id": "U0SUCCESS", "team_id": "T0TEAM"}

    def payload(kind: str, **fields) -> tuple[str, bytes]:
        return FORM, urlencode({"payload": json.dumps({"type": kind, "user": user, "team": {"id": "T0TEAM"},
                                                       "trigger_id": "1.2.abc", **fields})}).encode()

    return {
        "slash command": (FORM, urlencode({
            "command": "/win", "text": "", "user_id": "U0SUCCESS", "channel_id": "C0GENERAL", "team_id": "T0TEAM",
            "trigger_id": "1.2.abc", "response_url": emu.response_url("command")}).encode()),
        "button": payload("block_actions", channel={"id": "C0GENERAL"}, response_url=emu.response_url("button"),
                          container={"type": "message", "channel_id": "C0GENERAL", "message_ts": "1.1"},
                          actions=[{"action_id": "nomination.ask", "block_id": "b", "value": "1", "type": "button"}]),
        "message shortcut": payload("message_action", callback_id="flag_win", channel={"id": "C0GENERAL"},
                                    message={"ts": "1.1", "text": "hi"}, response_url=emu.response_url("shortcut")),
        "global shortcut": payload("shortcut", callback_id="flag_win"),
        "modal submission": payload("view_submission", view={"id": "V1", "type": "modal", "callback_id": "win_modal", "blocks": [],
                                                             "state": {"values": {}}, "private_metadata": ""},
                                    response_urls=[{"response_url": emu.response_url("modal"), "channel_id": "C0GENERAL",
                                                    "block_id": "b", "action_id": "a"}]),
        "event": ("application/json", json.dumps({
            "type": "event_callback", "event_id": "EvForged", "team_id": "T0TEAM",
            "event": {"type": "message", "user": "U0SUCCESS", "channel": "C0GENERAL", "text": "win", "ts": "1.1"},
        }).encode()),
    }


def _unverifiable(body: bytes) -> dict[str, dict[str, str | bytes]]:
    """Headers for each way a request can fail to prove it comes from Slack."""
    secret, now = SECRETS["slack_signing_secret"], int(time.time())

    def signed(stamp: str) -> dict[str, str]:
        return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature(secret, stamp, body)}

    good = signed(str(now))
    return {
        "no timestamp": {"X-Slack-Signature": good["X-Slack-Signature"]},
        "empty timestamp": {**good, "X-Slack-Request-Timestamp": ""},
        "timestamp not a number": {"X-Slack-Request-Timestamp": "x", "X-Slack-Signature": "v0=00"},
        "timestamp signed but not a number": signed("x"),
        "float timestamp": signed(f"{now}.5"),
        "huge timestamp": signed("9" * 4000),
        "non-ASCII digits": {**good, "X-Slack-Request-Timestamp": "".join(chr(0x660 + int(d)) for d in str(now)).encode()},
        "stale timestamp": signed(str(now - 301)),
        "future timestamp": signed(str(now + 400)),
        "no signature": {"X-Slack-Request-Timestamp": str(now)},
        "empty signature": {**good, "X-Slack-Signature": ""},
        "wrong signature": {**good, "X-Slack-Signature": "v0=00"},
        "truncated signature": {**good, "X-Slack-Signature": good["X-Slack-Signature"][:-1]},
        "wrong secret": {**good, "X-Slack-Signature": signature("guess", str(now), body)},
        "another body's signature": {**good, "X-Slack-Signature": signature(secret, str(now), body + b"&x=1")},
    }


def test_unverifiable_slack_requests_cause_nothing_and_log_one_warning_each(fresh):
    """Every shape carrying a response_url, channel or user, sent every unverifiable way: 401, no call, no row."""
    before = counts(fresh.engine)
    sent: dict[str, tuple[str, str]] = {}
    with captured_logs([]) as logs, httpx.Client(timeout=10) as client:
        for shape, (kind, body) in _slack_shapes(fresh.slack_api).items():
            for way, headers in _unverifiable(body).items():
                response = client.post(f"{fresh.url}/slack/events", content=body,
                                       headers={"Content-Type": kind, **headers})
                assert response.status_code == 401, (shape, way, response.text)
                sent[response.headers["x-request-id"]] = (shape, way)
        time.sleep(0.5)  # anything acted on would have reached the emulator by now
    assert fresh.slack_api.calls() == []
    assert counts(fresh.engine) == before
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    assert "Traceback" not in logs.getvalue() and not any("exc_info" in line for line in lines)
    for request, what in sent.items():
        about = [line for line in lines if line["request_id"] == request]
        assert [(line["level"], "refused: not from Slack" in line["message"]) for line in about] == \
            [("WARNING", True)], (what, about)


def test_the_slack_error_path_acts_only_on_verified_requests(fresh):
    """Bolt's error handler, reached by a request nobody verified, answers 401 and tells no one."""
    app = build_app(fresh.ctx)

    async def dispatch(kind: str, body: bytes):
        request = AsyncBoltRequest(body=body.decode(), headers={
            "content-type": kind, "x-slack-request-timestamp": "x", "x-slack-signature": "v0=00"})
        response = await app.async_dispatch(request)
        await asyncio.sleep(0.3)  # let a background "tell" run, were there one
        return response.status

    for shape, (kind, body) in _slack_shapes(fresh.slack_api).items():
        assert asyncio.run(dispatch(kind, body)) == 401, shape
    assert fresh.slack_api.calls() == []


def test_requests_over_the_socket_mode_connection_count_as_verified():
    """Socket Mode needs no signature (the socket is authenticated), so its errors still reach the person."""
    assert is_verified(AsyncBoltRequest(body={"type": "block_actions"}, mode="socket_mode"))
    assert not is_verified(AsyncBoltRequest(body="command=%2Fwin", headers={}))
    assert is_verified(mark_verified(AsyncBoltRequest(body="command=%2Fwin", headers={})))


def _webhook(world, body: bytes, headers: dict) -> httpx.Response:
    return httpx.post(f"{world.url}/webhooks/nps", content=body,
                      headers={"Content-Type": "application/json", **headers})


def test_forged_and_replayed_webhooks_are_refused_and_store_nothing(fresh):
    body = json.dumps(NPS).encode()
    now = int(fresh.ctx.core.now().timestamp())
    good = sign(SECRETS["webhook_secret"], now, body)
    before = counts(fresh.engine)
    forged = {
        "unsigned": {},
        "wrong secret": {"X-Webhook-Timestamp": str(now), "X-Webhook-Signature": sign("guess", now, body)},
        "tampered": {"X-Webhook-Timestamp": str(now), "X-Webhook-Signature": good, "_tamper": "1"},
        "replayed later": {"X-Webhook-Timestamp": str(now - 600),
                           "X-Webhook-Signature": sign(SECRETS["webhook_secret"], now - 600, body)},
        "timestamp not a number": {"X-Webhook-Timestamp": "soon", "X-Webhook-Signature": good},
    }
    for name, headers in forged.items():
        sent = body.replace(b": 10", b": 0") if headers.pop("_tamper", None) else body
        response = _webhook(fresh, sent, headers)
        assert response.status_code == 401, (name, response.text)
        assert SECRETS["webhook_secret"] not in response.text
    assert counts(fresh.engine) == before
    # the genuine request is accepted once; replaying it inside the window stores nothing new
    account = json.dumps({"event_id": "acc-1", "name": "Acme Corp"}).encode()
    assert httpx.post(f"{fresh.url}/webhooks/accounts", content=account, headers={
        "X-Webhook-Timestamp": str(now), "X-Webhook-Signature": sign(SECRETS["webhook_secret"], now, account)},
    ).status_code == 200
    headers = {"X-Webhook-Timestamp": str(now), "X-Webhook-Signature": good}
    assert _webhook(fresh, body, headers).status_code == 200, _webhook(fresh, body, headers).text
    stored = counts(fresh.engine)
    assert stored["npsresponse"] == 1, _webhook(fresh, body, headers).text
    assert _webhook(fresh, body, headers).json() == {"status": "duplicate"}
    assert counts(fresh.engine, "chatref") == {k: v for k, v in stored.items() if k != "chatref"}


@pytest.fixture(scope="module")
def locked(tmp_path_factory):
    """The bot registered as a single-tenant Teams app: /api/messages demands Bot Framework tokens."""
    with serve_world(tmp_path_factory.mktemp("locked"), teams_app_id="00000000-0000-0000-0000-0000000a99a1",
                     teams_app_password=SECRETS["teams_app_password"], teams_tenant_id=ta.TENANT_ID) as served:
        yield served


@pytest.mark.parametrize("token", [None, "not-a-jwt",
                                   # a well-formed JWT signed with a key Microsoft never issued (HS256, "secret")
                                   "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiIwMDAwMDAwMC0wMDAwLTAwMDAt"
                                   "MDAwMC0wMDAwMDAwYTk5YTEiLCJpc3MiOiJodHRwczovL2FwaS5ib3RmcmFtZXdvcmsuY29tIn0."
                                   "r2ZC6bXmO-3j0bAr7bb8NQ2yTFgU5M0bHgGgCq5xN2M"])
def test_teams_activities_without_a_valid_token_are_refused(locked, token):
    locked.reset()
    before = counts(locked.engine)
    with ta.TeamsRequester(locked.url, token=token) as requester:
        user = locked.person("sam", requester).user
        for activity in (ta.installation_update(locked.connector.service_url),
                         ta.message("win Acme saved 2 hours", locked.connector.service_url, user=user),
                         ta.task_submit({"verb": "win.flag", "account_name": "Acme"},
                                        locked.connector.service_url, user=user)):
            response = requester.post(activity)
            assert response.status_code in (401, 403), response.text
    time.sleep(0.3)
    assert locked.connector.calls() == []
    assert counts(locked.engine) == before
