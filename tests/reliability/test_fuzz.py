"""Malformed input on every route: a 4xx with a log line, never a 5xx or a traceback, never a partial write."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import quote, urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bot.limits import MAX_BODY
from bot.webhooks import sign
from tests.core.helpers import flag, token_of
from tests.conftest import SAM
from tests.emulators import teams_activities as ta
from tests.emulators.slack_requests import FORM, signature
from tests.reliability.security_helpers import (SECRETS, captured_logs, counts, fresh, refusal_lines,  # noqa: F401
                                                world)
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
WEBHOOKS = ["/webhooks/nps", "/webhooks/accounts", "/webhooks/opportunities"]
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=80).map(str.strip) | st.sampled_from(
    ["", "x", "1.5", "-1", "9" * 400, "v0=", "v0=" + "0" * 64, "sha256=", "Bearer", "Bearer x"])
SAFE_HEADERS = st.dictionaries(st.sampled_from(["X-Request-Id", "Authorization", "X-Forwarded-Proto",
                                                "X-Slack-Request-Timestamp", "X-Webhook-Signature"]), HEADER_TEXT)
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
        self.rows = counts(world.engine, "chatref")

    def check(self, response: httpx.Response) -> None:
        self.tried += 1
        self.server_errors += response.status_code >= 500
        assert response.status_code < 500, (response.request.url.path, response.status_code, response.text[:300])
        assert "Traceback" not in response.text and 'File "' not in response.text
        if response.status_code >= 400:
            self.refused_ids.append(response.headers["x-request-id"])
            assert counts(self.world.engine, "chatref") == self.rows, "a refused request wrote rows"
        else:  # an accepted request may write, also after its answer (Slack's work after the ack)
            self.rows = self.settled()

    def settled(self, timeout: float = 3.0) -> dict:
        """The row counts once they stop changing."""
        last, deadline = counts(self.world.engine, "chatref"), time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = counts(self.world.engine, "chatref")
            if now == last:
                return now
            last = now
        return last


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
    tally.rows = tally.settled()
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
            tally.check(response)
            if not signed:
                assert response.status_code in (400, 401)

        @FUZZ
        @given(as_json(shaped(TEAMS_KEYS)) | teams_activity(shaped(TEAMS_KEYS)).map(lambda a: json.dumps(a).encode()))
        def teams(content):
            tally.check(client.post("/api/messages", content=content,
                                    headers={"Content-Type": "application/json"}))

        @FUZZ
        @given(st.sampled_from(WEBHOOKS), as_json(shaped(WEBHOOK_KEYS)))
        def webhooks(path, content):
            stamp = int(world.ctx.core.now().timestamp())
            tally.check(client.post(path, content=content, headers={
                "Content-Type": "application/json", "X-Webhook-Timestamp": str(stamp),
                "X-Webhook-Signature": sign(webhook_secret, stamp, content)}))

        @FUZZ
        @given(st.lists(st.tuples(st.sampled_from(INTAKE_FIELDS) | TEXT, TEXT), max_size=12),
               st.sampled_from(["intake", "consent", "r"]), st.booleans(), st.booleans())
        def pages(fields, kind, real_token, form_encoded):
            path = f"/intake/{token}" if kind == "intake" and real_token else \
                f"/{kind}/{'x' * 10}" + ("/withdraw" if kind == "consent" else "")
            body = encode([("csrf", csrf)] + fields).encode() if form_encoded else json.dumps(fields).encode()
            kind_header = FORM if form_encoded else "application/json"
            tally.check(client.post(path, content=body, headers={"Content-Type": kind_header}))
            tally.check(client.get(f"{path.replace('/withdraw', '')}?{encode(fields[:3])}"))

        @FUZZ
        @given(st.sampled_from(["/healthz", "/metrics", "/p/{}", "/r/{}", "/consent/{}", "/nowhere/{}"]), TEXT,
               st.lists(st.tuples(TEXT, TEXT), max_size=3), SAFE_HEADERS)
        def reads(path, segment, query, headers):
            tally.check(client.get(path.format(quote(segment.encode("utf-8", "surrogatepass"), safe="")),
                                   params=encode(query), headers=headers))

        for run in (slack, teams, webhooks, pages, reads):
            run()
    client.close()
    lines = refusal_lines(logs, tally.refused_ids)
    assert all(lines.values()), "a refused request left no log line"
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


STAMPS = st.none() | HEADER_TEXT | st.integers(-10**6, 10**6).map(lambda delta: str(int(time.time()) + delta * 301))
SIGNATURES = st.none() | HEADER_TEXT | st.binary(min_size=32, max_size=32).map(lambda raw: "v0=" + raw.hex())
REMOTE = {"X-Forwarded-For": "203.0.113.7"}  # as the trusted local proxy reports a caller elsewhere


def test_unverified_requests_on_every_route_cause_nothing(fresh):
    """Requests no secret signed, on every route that needs one: 401/403, no call out, no row, one warning each."""
    from tests.reliability.test_forgery import _slack_shapes

    world = fresh
    token = sent_intake(world)
    time.sleep(1)  # the ask's own posts go out before the count starts
    world.slack_api.reset()
    world.connector.reset()
    shapes = list(_slack_shapes(world.slack_api).values())
    before = counts(world.engine)
    answers: list[httpx.Response] = []

    def headers_of(**values) -> dict:
        return {name: value for name, value in values.items() if value is not None}

    with captured_logs([]) as logs, httpx.Client(base_url=world.url, timeout=10) as client:
        @FUZZ
        @given(st.sampled_from(shapes), STAMPS, SIGNATURES)
        def slack(shape, stamp, signed):
            kind, body = shape
            answers.append(client.post("/slack/events", content=body, headers=headers_of(**{
                "Content-Type": kind, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signed})))

        @FUZZ
        @given(st.sampled_from(WEBHOOKS), as_json(shaped(WEBHOOK_KEYS)), STAMPS,
               SIGNATURES.map(lambda sig: sig and sig.replace("v0=", "sha256=")))
        def webhooks(path, body, stamp, signed):
            answers.append(client.post(path, content=body, headers=headers_of(**{
                "Content-Type": "application/json", "X-Webhook-Timestamp": stamp, "X-Webhook-Signature": signed})))

        @FUZZ
        @given(teams_activity(shaped(TEAMS_KEYS)), st.none() | HEADER_TEXT.map(lambda text: f"Bearer {text}".strip()))
        def teams(activity, authorization):
            answers.append(client.post("/api/messages", content=json.dumps(activity).encode(), headers=headers_of(
                **REMOTE, Authorization=authorization, **{"Content-Type": "application/json"})))

        @FUZZ
        @given(st.lists(st.tuples(st.sampled_from(INTAKE_FIELDS + ["csrf"]), TEXT), max_size=12),
               st.sampled_from(["/intake/{}", "/r/{}"]))
        def pages(fields, path):
            with httpx.Client(base_url=world.url, timeout=10) as stranger:  # no cookie: not the browser that opened it
                answers.append(stranger.post(path.format(token), content=encode(fields).encode(),
                                             headers={"Content-Type": FORM}))

        @FUZZ
        @given(SAFE_HEADERS)
        def metrics(headers):
            headers.pop("X-Request-Id", None)  # each answer's own id tells its log line apart
            answers.append(client.get("/metrics", headers={**headers, **REMOTE}))

        global shape_url
        shape_url = world.connector.service_url
        for run in (slack, webhooks, teams, pages, metrics):
            run()
        time.sleep(0.5)  # anything acted on would have reached a fake by now
    statuses = {(r.request.url.path.split("/")[1], r.status_code) for r in answers}
    assert {status for _, status in statuses} <= {401, 403, 404}, statuses
    assert world.slack_api.calls() == [] and world.connector.calls() == []
    assert counts(world.engine) == before
    lines = refusal_lines(logs, [r.headers["x-request-id"] for r in answers])
    odd = {rid: found for rid, found in lines.items() if len(found) != 1 or " refused: " not in found[0][1]}
    assert not odd, list(odd.items())[:5]
    print(f"unverified fuzz: {len(answers)} requests, {sorted(statuses)}")
