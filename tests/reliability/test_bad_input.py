"""Signed but hostile bodies, odd headers and strangers: a clear 4xx, nothing stored, one log line each."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from sqlalchemy import text

from bot.webhooks import sign
from storage.db import make_engine
from tests.emulators import teams_activities as ta
from tests.reliability.security_helpers import (SECRETS, captured_logs, counts, fresh, refusal_lines,  # noqa: F401
                                                world)

DEEP = b'{"event_id": "d-1", "account": ' + b"[" * 5000 + b"]" * 5000 + b"}"
HUGE = b'{"event_id": "h-1", "account": "Acme Corp", "contact_email": "dana@acme.test", "score": ' + b"9" * 5000 + b"}"
NUL = json.dumps({"event_id": "n-1", "account": "Acme Corp", "contact_email": "dana@acme.test", "score": 9,
                  "comment": "Dana Doe said\x00 it saved 2 hours"}).encode()


def test_sql_errors_never_carry_the_parameters(db_url):
    engine = make_engine(db_url)
    try:
        with pytest.raises(Exception) as failure, engine.connect() as conn:
            conn.execute(text("SELECT * FROM no_such_table WHERE name = :name"), {"name": "Dana Doe, Acme Corp"})
    finally:
        engine.dispose()
    assert "Dana Doe" not in str(failure.value)


def _webhook(client: httpx.Client, path: str, body: bytes) -> httpx.Response:
    stamp = int(time.time())
    return client.post(path, content=body, headers={"Content-Type": "application/json", "X-Webhook-Timestamp": str(stamp),
                                                    "X-Webhook-Signature": sign(SECRETS["webhook_secret"], stamp, body)})


def test_hostile_signed_bodies_get_400_store_nothing_and_log_one_line(fresh):
    fresh.install_teams()
    time.sleep(0.5)  # the welcome post goes out
    fresh.connector.reset()
    before = counts(fresh.engine)
    answers: dict[str, httpx.Response] = {}
    with captured_logs([]) as logs, httpx.Client(base_url=fresh.url, timeout=10) as client, \
            fresh.slack() as slack, ta.TeamsRequester(fresh.url) as teams:
        for path in ("/webhooks/nps", "/webhooks/accounts", "/webhooks/opportunities"):
            for name, body in (("deep", DEEP), ("huge number", HUGE), ("NUL", NUL)):
                answers[f"{path} {name}"] = _webhook(client, path, body)
        user = fresh.person("sam", teams).user
        answers["teams NUL"] = teams.post(ta.message("win Acme\x00 saved 2 hours", fresh.connector.service_url,
                                                     user=user))
        deep = ta.message("win Acme", fresh.connector.service_url, user=user) | {"value": json.loads("[" * 40 + "]" * 40)}
        answers["teams deep"] = teams.post(deep)
        answers["teams huge number"] = client.post(
            "/api/messages", headers={"Content-Type": "application/json"},
            content=json.dumps(ta.message("win Acme", fresh.connector.service_url, user=user))[:-1].encode()
            + b', "locale": ' + b"9" * 5000 + b"}")
        answers["slack NUL"] = slack.slash_command("/win", text="Acme\x00", user_id="U0SUCCESS")
        answers["slack command without trigger_id"] = slack.form({"command": "/win", "user_id": "U0SUCCESS",
                                                                  "text": "Acme"})
        answers["slack deep"] = slack.payload({"type": "block_actions", "user": {"id": "U0SUCCESS"},
                                               "actions": json.loads("[" * 40 + "]" * 40)})
        time.sleep(0.3)
    for name, response in answers.items():
        assert response.status_code == 400, (name, response.text)
        assert "Dana Doe" not in response.text and "9999" not in response.text
    assert counts(fresh.engine) == before
    assert fresh.slack_api.calls() == [] and fresh.connector.calls() == []
    lines = refusal_lines(logs, [r.headers["x-request-id"] for r in answers.values()])
    for name, response in answers.items():
        logged = lines[response.headers["x-request-id"]]
        assert len(logged) == 1 and logged[0][0] == "INFO" and " refused: " in logged[0][1], (name, logged)
    assert "Dana Doe" not in logs.getvalue() and "Traceback" not in logs.getvalue()


@pytest.mark.parametrize("sent", ["a" * 65, "abc\u00e9", "two words", "<script>", "x" * 4000])
def test_a_request_id_that_is_too_long_or_odd_is_replaced(world, sent):
    response = httpx.get(f"{world.url}/healthz", headers={"X-Request-Id": sent.encode()})
    echoed = response.headers["x-request-id"]
    assert echoed != sent and 8 <= len(echoed) <= 64 and echoed.isalnum()
    assert httpx.get(f"{world.url}/healthz", headers={"X-Request-Id": "req-42.a_b:c"}).headers["x-request-id"] == \
        "req-42.a_b:c"


def test_every_answer_carries_the_security_headers_and_hsts_only_over_https(world):
    with httpx.Client(base_url=world.url, timeout=10) as client:
        answers = [client.get("/healthz"), client.post("/webhooks/nps", content=b"{}"), client.get("/nowhere"),
                   client.get("/intake/x"), client.post("/slack/events", content=b"x"),
                   client.post("/api/messages", content=b"[]"), client.get("/metrics")]
        for response in answers:
            assert response.headers["x-content-type-options"] == "nosniff", response.request.url
            assert "camera=()" in response.headers["permissions-policy"]
            assert "strict-transport-security" not in response.headers
        # behind a TLS proxy the bot trusts (uvicorn's --forwarded-allow-ips; 127.0.0.1 by default)
        proxied = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
        assert proxied.headers["strict-transport-security"].startswith("max-age=")


def test_health_detail_and_metrics_need_the_token_or_a_local_caller(tmp_path, db_url):
    from tests.reliability.security_helpers import serve_world
    token = "metrics-token-5f0a1c"
    stranger = {"X-Forwarded-For": "203.0.113.9"}  # as a trusted proxy on this machine reports a remote caller
    with serve_world(tmp_path, db_url, metrics_token=token) as served, \
            httpx.Client(base_url=served.url, timeout=10) as client:
        assert client.get("/healthz", headers=stranger).json() == {"status": "ok"}
        refused = client.get("/metrics", headers=stranger)
        assert refused.status_code == 401 and "advocacy_" not in refused.text
        assert client.get("/metrics", headers={**stranger, "Authorization": "Bearer wrong"}).status_code == 401
        allowed = {**stranger, "Authorization": f"Bearer {token}"}
        assert "advocacy_requests_total" in client.get("/metrics", headers=allowed).text
        assert client.get("/healthz", headers=allowed).json()["surfaces"]
        assert client.get("/healthz").json()["database"] == "ok"  # this machine
        assert "advocacy_requests_total" in client.get("/metrics").text
