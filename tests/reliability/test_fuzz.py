"""Malformed input on every route: a 4xx with a log line, never a 5xx or a traceback, never a partial write."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bot.limits import MAX_BODY
from bot.webhooks import sign
from tests.core.helpers import flag, token_of
from tests.conftest import SAM
from tests.emulators import teams_activities as ta
from tests.emulators.slack_requests import FORM, signature
from tests.reliability.security_helpers import SECRETS, captured_logs, counts, fresh, world  # noqa: F401
from workflows import asks
from workflows.states import AskType

FUZZ = settings(max_examples=50, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ODD = st.sampled_from(["\x00", "\ud800", "\udfff", "\u202eevil", "\u200f\u05e9\u05dc\u05d5\u05dd", "🏆👩🏽‍💻",
                       "<script>alert(1)</script>", "'; DROP TABLE win; --", "%00", "\\", "\ufeff", "A" * 5000,
                       "", " ", "null", "1e999", "-1", "9" * 40])
TEXT = ODD | st.text(max_size=40)
SCALAR = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT


def encode(fields) -> str:
    """URL-encoding that passes lone surrogates through as the invalid UTF-8 a broken client sends."""
    return urlencode(fields, encoding="utf-8", errors="surrogatepass")


def shaped(keys: list[str]) -> st.SearchStrategy:
    """JSON values, mostly objects with the keys a route expects holding wrong or odd values."""
    values = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) |
                          st.dictionaries(st.sampled_from(keys) | TEXT, inner, max_size=4), max_leaves=8)
    return st.dictionaries(st.sampled_from(keys), values, max_size=len(keys)) | values


def as_json(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """Encoded JSON (lone surrogates escaped), truncated JSON, or raw bytes."""
    encoded = strategy.map(lambda value: json.dumps(value).encode())
    broken = st.tuples(encoded, st.integers(1, 30)).map(lambda pair: pair[0][:-pair[1]] or b"{")
    return encoded | broken | st.binary(max_size=200)


SLACK_KEYS = ["type", "user", "actions", "view", "trigger_id", "response_url", "container", "channel", "message",
              "callback_id", "state", "event", "team", "action_id", "value", "private_metadata"]
SLACK_TYPES = st.sampled_from(["block_actions", "view_submission", "view_closed", "shortcut", "message_action",
                               "block_suggestion", "event_callback", "url_verification", "nonsense"])
SLACK_BODIES = st.one_of(
    st.tuples(SLACK_TYPES, shaped(SLACK_KEYS)).map(
        lambda p: (FORM, encode({"payload": json.dumps({**p[1], "type": p[0]} if isinstance(p[1], dict)
                                                          else p[1])}).encode())),
    st.dictionaries(st.sampled_from(["command", "text", "user_id", "trigger_id", "channel_id", "team_id",
                                     "response_url"]), TEXT, max_size=7)
    .map(lambda d: (FORM, encode({"command": "/win", **d}).encode())),
    st.tuples(SLACK_TYPES, shaped(["type", "user", "channel", "item", "tab", "reaction", "event_ts"])).map(
        lambda p: ("application/json", json.dumps({"type": "event_callback", "event_id": "Ev1", "event": p[1]}
                                                  | {"type": p[0]}).encode())),
    as_json(shaped(SLACK_KEYS)).map(lambda body: ("application/json", body)),
    st.binary(max_size=200).map(lambda body: (FORM, body)),
)
TEAMS_KEYS = ["type", "id", "from", "conversation", "recipient", "serviceUrl", "channelId", "value", "name", "text",
              "channelData", "replyToId", "entities", "attachments"]
WEBHOOK_KEYS = ["event_id", "account", "contact_email", "contact_name", "score", "responded_at", "comment",
                "crm_id", "name", "segment", "owner", "opted_out", "response_id"]
INTAKE_FIELDS = ["title", "body", "goal", "change", "result", "metrics", "preferred_time", "signer_name",
                 "signer_email", "expires_on", "rating", "scope", "channels", "review_before_publish", "company"]


def teams_activity(shape) -> st.SearchStrategy:
    kinds = st.sampled_from(["message", "invoke", "conversationUpdate", "installationUpdate", "event", "typing", 5])
    names = st.sampled_from(["adaptiveCard/action", "task/fetch", "task/submit", "composeExtension/fetchTask",
                             "composeExtension/submitAction", "bogus"])
    return st.tuples(kinds, names, shape).map(lambda p: {"type": p[0], "name": p[1], "channelId": "msteams",
                                                         "serviceUrl": shape_url, **(p[2] if isinstance(p[2], dict)
                                                                                   else {"value": p[2]})})


shape_url = ""  # set to the fake connector's URL: the bot must never be pointed elsewhere


class Tally:
    """Answers seen, and the checks every answer must pass."""

    def __init__(self, world):
        self.world = world
        self.tried = self.server_errors = 0
        self.refused_ids: list[str] = []

    def check(self, response: httpx.Response, before: dict) -> None:
        self.tried += 1
        self.server_errors += response.status_code >= 500
        assert response.status_code < 500, (response.request.url.path, response.status_code, response.text[:300])
        assert "Traceback" not in response.text and 'File "' not in response.text
        if response.status_code >= 400:
            self.refused_ids.append(response.headers["x-request-id"])
            assert counts(self.world.engine, "chatref") == before, "a refused request wrote rows"


@pytest.fixture
def tally(fresh):
    return Tally(fresh)


def sent_intake(world) -> str:
    outcome = flag(world.ctx.core, account="Fuzz Corp")
    draft = asks.draft_ask(world.ctx.core, SAM, outcome.nomination.id, AskType.SHORT_QUOTE)
    asks.mark_sent(world.ctx.core, SAM, draft.ask.id)
    return token_of(draft.link)


def test_malformed_payloads_on_every_route(fresh, tally):
    global shape_url
    shape_url = fresh.connector.service_url
    world = fresh
    token = sent_intake(world)
    client = httpx.Client(base_url=world.url, timeout=10)
    page = client.get(f"/intake/{token}")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    before = counts(world.engine, "chatref")
    slack_secret, webhook_secret = SECRETS["slack_signing_secret"], SECRETS["webhook_secret"]

    with captured_logs([]) as logs:
        @FUZZ
        @given(SLACK_BODIES, st.booleans())
        def slack(body, signed):
            content_type, content = body
            stamp = str(int(world.ctx.core.now().timestamp()))
            headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
                       "X-Slack-Signature": signature(slack_secret if signed else "guess", stamp, content)}
            response = client.post("/slack/events", content=content, headers=headers)
            tally.check(response, before)
            if not signed:
                assert response.status_code in (400, 401)

        @FUZZ
        @given(as_json(shaped(TEAMS_KEYS)) | teams_activity(shaped(TEAMS_KEYS)).map(lambda a: json.dumps(a).encode()))
        def teams(content):
            tally.check(client.post("/api/messages", content=content,
                                    headers={"Content-Type": "application/json"}), before)

        @FUZZ
        @given(st.sampled_from(["/webhooks/nps", "/webhooks/accounts"]), as_json(shaped(WEBHOOK_KEYS)))
        def webhooks(path, content):
            stamp = int(world.ctx.core.now().timestamp())
            tally.check(client.post(path, content=content, headers={
                "Content-Type": "application/json", "X-Webhook-Timestamp": str(stamp),
                "X-Webhook-Signature": sign(webhook_secret, stamp, content)}), before)

        @FUZZ
        @given(st.lists(st.tuples(st.sampled_from(INTAKE_FIELDS) | TEXT, TEXT), max_size=12),
               st.sampled_from(["intake", "consent", "r"]), st.booleans(), st.booleans())
        def pages(fields, kind, real_token, form_encoded):
            path = f"/intake/{token}" if kind == "intake" and real_token else \
                f"/{kind}/{'x' * 10}" + ("/withdraw" if kind == "consent" else "")
            body = encode([("csrf", csrf)] + fields).encode() if form_encoded else json.dumps(fields).encode()
            kind_header = FORM if form_encoded else "application/json"
            tally.check(client.post(path, content=body, headers={"Content-Type": kind_header}), before)
            tally.check(client.get(f"{path.replace('/withdraw', '')}?{encode(fields[:3])}"), before)

        for run in (slack, teams, webhooks, pages):
            run()
    client.close()
    open("/tmp/sec/fuzz.log", "w").write(logs.getvalue())
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    logged = {line["request_id"] for line in lines if line["level"] in ("INFO", "WARNING", "ERROR")}
    assert set(tally.refused_ids) <= logged, "a refused request left no log line"
    assert tally.server_errors == 0
    print(f"fuzz: {tally.tried} requests, {len(tally.refused_ids)} refused, {tally.server_errors} 5xx")


@pytest.mark.parametrize("path", ["/slack/events", "/api/messages", "/webhooks/nps", "/intake/x", "/r/x"])
def test_bodies_over_the_limit_get_413_and_write_nothing(fresh, path):
    before = counts(fresh.engine)
    huge = b"{" + b'"a":"' + b"x" * (MAX_BODY + 10) + b'"}'
    with httpx.Client(base_url=fresh.url, timeout=10) as client:
        declared = client.post(path, content=huge, headers={"Content-Type": "application/json"})
        streamed = client.post(path, content=iter([huge[:1000], huge[1000:]]),  # chunked: no length declared
                               headers={"Content-Type": "application/json"})
    assert (declared.status_code, streamed.status_code) == (413, 413)
    assert counts(fresh.engine) == before
