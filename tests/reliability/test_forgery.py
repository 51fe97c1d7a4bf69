"""Forged requests are refused before anything is stored or posted."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from bot.webhooks import sign
from tests.emulators import teams_activities as ta
from tests.reliability.security_helpers import SECRETS, counts, fresh, serve_world, world  # noqa: F401

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
