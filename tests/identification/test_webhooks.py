"""Survey and CRM webhooks: signatures, replays, idempotency, schema errors, and what a new answer sets off."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.context import BotContext
from bot.settings import Settings
from bot.webhooks import mount, sign
from storage import models as m
from tests.core.helpers import outbox, rows
from tests.identification.helpers import customer

SECRET = "whsec-test"


@contextmanager
def served(core, secret: str = SECRET):
    """A client for the webhook routes, and the context they were mounted with."""
    ctx = BotContext(settings=Settings(webhook_secret=SecretStr(secret)), core=core)
    app = FastAPI()
    mount(app, ctx)
    with TestClient(app) as client:
        yield client, ctx


def post(client, path: str, payload, core, secret: str = SECRET, skew: int = 0, headers: dict | None = None):
    body = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
    stamp = str(int(core.now().timestamp()) + skew)
    sent = {"x-webhook-timestamp": stamp, "x-webhook-signature": sign(secret, stamp, body),
            "content-type": "application/json"}
    return client.post(path, content=body, headers=sent if headers is None else headers)


ANSWER = {"event_id": "evt-1", "response_id": "R-1", "account": "C1", "contact_email": "dana@acme.test",
          "contact_name": "Dana Lee", "score": 10, "responded_at": "2026-11-09T09:00:00Z", "comment": "Great"}


@pytest.fixture
def acme(core):
    return customer(core, "Acme", nps=None, crm_id="C1")


def test_signed_promoter_answer_is_recorded_once_and_nominates(core, engine, acme):
    with served(core) as (client, ctx):
        assert ctx.surfaces["webhooks"] == "on: /webhooks/nps, /webhooks/accounts, /webhooks/opportunities"
        first = post(client, "/webhooks/nps", ANSWER, core)
        assert first.status_code == 200, first.text
        assert first.json() == {"status": "processed", "nps_response_id": 1, "change": "created", "nomination_id": 1}
        again = post(client, "/webhooks/nps", ANSWER, core)
        assert again.json() == {"status": "duplicate"}
        assert len(rows(engine, m.NpsResponse)) == 1 and len(rows(engine, m.Nomination)) == 1
        assert rows(engine, m.Contact, m.Contact.email == "dana@acme.test")[0].name == "Dana Lee"
        card = [e["card"] for e in outbox(engine) if e["purpose"] == "nominations"][0]
        assert card["title"] == "Advocate nomination: Dana Lee at Acme"


def test_detractor_answer_opens_a_close_the_loop_item_and_never_an_ask(core, engine, acme):
    with served(core) as (client, _):
        response = post(client, "/webhooks/nps", {**ANSWER, "score": 3, "comment": "Exports keep failing"}, core)
        assert response.json()["close_loop_item_id"] == 1
        assert rows(engine, m.Nomination) == []
        dm = [e for e in outbox(engine) if e["op"] == "dm"][0]
        assert dm["person"] == "U0SUCCESS"
        assert dm["card"]["body"][:2] == ["Dana Lee at Acme answered 3 on 9 Nov.", "They said: Exports keep failing"]


UNAUTHENTIC = {
    "unsigned": "unsigned: send x-webhook-timestamp and x-webhook-signature",
    "wrong secret": "bad signature",
    "tampered": "bad signature",
    "replayed later": "timestamp outside the 5-minute window (a replay, or the sender's clock is off)",
    "from the future": "timestamp outside the 5-minute window (a replay, or the sender's clock is off)",
}


def test_unauthentic_requests_are_refused_and_change_nothing(core, engine, acme):
    body = json.dumps(ANSWER).encode()
    stamp = str(int(core.now().timestamp()))
    with served(core) as (client, _):
        sent = {
            "unsigned": post(client, "/webhooks/nps", body, core, headers={}),
            "wrong secret": post(client, "/webhooks/nps", body, core, secret="other"),
            "tampered": client.post("/webhooks/nps", content=body.replace(b"10", b"1"), headers={
                "x-webhook-timestamp": stamp, "x-webhook-signature": sign(SECRET, stamp, body)}),
            "replayed later": post(client, "/webhooks/nps", body, core, skew=-301),
            "from the future": post(client, "/webhooks/nps", body, core, skew=301),
        }
    assert {case: (r.status_code, r.json()["error"]) for case, r in sent.items()} == {
        case: (401, message) for case, message in UNAUTHENTIC.items()}
    assert rows(engine, m.NpsResponse) == [] and rows(engine, m.ProcessedEvent) == []


def test_within_the_window_the_edge_is_accepted(core, engine, acme):
    with served(core) as (client, _):
        assert post(client, "/webhooks/nps", ANSWER, core, skew=-300).status_code == 200


BAD_PAYLOADS = [
    (b"{not json", 400, "body is not JSON"),
    ({**ANSWER, "score": 11}, 422, "score: Input should be less than or equal to 10"),
    ({k: v for k, v in ANSWER.items() if k != "event_id"}, 422, "event_id: is required"),
    ({**ANSWER, "colour": "red"}, 422, "colour: is not a known field"),
    ({**ANSWER, "responded_at": "soon"}, 422, "responded_at: use a date like 2026-11-03"),
    ({**ANSWER, "account": "C404"}, 422, "unknown account 'C404' (import accounts first, by crm_id or name)"),
    ([ANSWER], 422, "Input should be a valid dictionary"),
]


def test_bad_payloads_get_clear_4xx_errors_and_can_be_sent_again(core, engine, acme):
    with served(core) as (client, _):
        answers = [post(client, "/webhooks/nps", payload, core) for payload, _, _ in BAD_PAYLOADS]
        assert [(r.status_code, error in r.json()["error"]) for r, (_, _, error) in zip(answers, BAD_PAYLOADS)] == [
            (status, True) for _, status, _ in BAD_PAYLOADS]
        assert rows(engine, m.ProcessedEvent) == []  # so the corrected event is processed when sent again
        assert post(client, "/webhooks/nps", ANSWER, core).json()["status"] == "processed"


def test_account_webhook_creates_then_updates(core, engine):
    with served(core) as (client, _):
        created = post(client, "/webhooks/accounts", {"event_id": "a-1", "crm_id": "C7", "name": "Globex",
                                                      "segment": "enterprise", "owner": "U0SUCCESS"}, core)
        assert created.json() == {"status": "processed", "account_id": 1, "change": "created"}
        updated = post(client, "/webhooks/accounts", {"event_id": "a-2", "crm_id": "C7", "opted_out": True}, core)
        assert updated.json()["change"] == "updated"
        account = rows(engine, m.Account)[0]
        assert (account.name, account.segment, account.opted_out) == ("Globex", "enterprise", True)


def test_without_a_secret_the_routes_say_they_are_off(core, engine):
    with served(core, secret="") as (client, ctx):
        assert ctx.surfaces["webhooks"] == "off: WEBHOOK_SECRET not set"
        response = post(client, "/webhooks/nps", ANSWER, core)
        assert response.status_code == 503 and "set WEBHOOK_SECRET" in response.json()["error"]
