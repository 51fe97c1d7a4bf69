"""Teams transport against a real uvicorn server and a fake Bot Connector."""

from __future__ import annotations

import logging
import time

import httpx
import pytest
from fastapi import FastAPI
from microsoft_agents.authentication.msal import MsalAuth

from bot.teams.transport import (
    ADAPTIVE_CARD,
    FRIENDLY_ERROR,
    ConversationRef,
    TeamsCredentials,
    TeamsDeliveryError,
    TeamsSender,
    TurnInfo,
    mount_teams,
)
from tests.emulators import teams_activities as ta
from tests.emulators.server import run_asgi
from tests.emulators.teams_connector import FakeBotConnector

CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Thanks!"}]}
CREDENTIALS = TeamsCredentials(
    app_id="00000000-0000-0000-0000-0000000000aa", app_password="secret", tenant_id=ta.TENANT_ID)
DIALOG = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "Input.Text", "id": "why"}]}


class Boom(Exception):
    pass


class RecordingHandler:
    """Records every call; echoes messages through TeamsSender; raises Boom on demand."""

    def __init__(self) -> None:
        self.sender = TeamsSender()
        self.calls: list[tuple] = []
        self.fail = False
        self.card_result: dict = CARD
        self.submit_result: str | dict | None = "Nomination saved"

    def _record(self, *call) -> None:
        self.calls.append(call)
        if self.fail:
            raise Boom("database password is hunter2")

    async def on_message(self, ctx: TurnInfo) -> None:
        self._record("message", ctx)
        await self.sender.send(ctx.conversation, {"text": f"echo: {ctx.text}"})

    async def on_card_action(self, ctx: TurnInfo, verb: str, data: dict) -> dict:
        self._record("card_action", ctx, verb, data)
        return self.card_result

    async def on_message_action_fetch(self, ctx: TurnInfo, value: dict) -> dict:
        self._record("fetch", ctx, value)
        return DIALOG

    async def on_message_action_submit(self, ctx: TurnInfo, value: dict) -> str | dict | None:
        self._record("submit", ctx, value)
        return self.submit_result

    async def on_task_fetch(self, ctx: TurnInfo, data: dict) -> dict:
        self._record("task_fetch", ctx, data)
        return {"title": "Nominate", "card": DIALOG, "height": "medium", "width": "medium"}

    async def on_task_submit(self, ctx: TurnInfo, data: dict) -> str | dict | None:
        self._record("task_submit", ctx, data)
        return None

    async def on_installed(self, ctx: TurnInfo) -> None:
        self._record("installed", ctx)


@pytest.fixture(scope="module")
def connector():
    with FakeBotConnector() as fake:
        yield fake


@pytest.fixture
def fake(connector):
    connector.reset()
    return connector


@pytest.fixture
def handler():
    return RecordingHandler()


@pytest.fixture
def teams(handler):
    app = FastAPI()
    mount_teams(app, handler)
    with run_asgi(app) as url, ta.TeamsRequester(url) as requester:
        yield requester


def test_anonymous_message_reaches_handler_and_reply_reaches_connector(fake, handler, teams):
    activity = ta.message("nominate Contoso", fake.service_url)
    response = teams.post(activity)
    assert response.status_code == 202
    kind, ctx = handler.calls[0]
    assert kind == "message"
    assert ctx.text == "nominate Contoso"
    assert ctx.activity_id == activity["id"]
    assert (ctx.tenant_id, ctx.team_id, ctx.channel_id) == (ta.TENANT_ID, ta.TEAM_ID, ta.CHANNEL_ID)
    assert (ctx.from_id, ctx.from_aad_object_id, ctx.from_name) == (
        ta.USER["id"], ta.USER["aadObjectId"], ta.USER["name"])
    assert ctx.conversation_type == "channel"
    assert ctx.raw["channelData"]["team"]["id"] == ta.TEAM_ID
    [sent] = fake.wait_for(lambda call: call.kind == "send")
    assert sent.conversation_id == activity["conversation"]["id"]
    assert sent.json["text"] == "echo: nominate Contoso"
    assert "authorization" not in sent.headers


def test_personal_message_with_null_reply_to_id(fake, handler, teams):
    activity = ta.message("hello", fake.service_url, personal=True)
    activity["replyToId"] = None
    assert teams.post(activity).status_code == 202
    _, ctx = handler.calls[0]
    assert (ctx.text, ctx.conversation_type, ctx.team_id, ctx.reply_to_id) == ("hello", "personal", None, None)
    assert fake.activities(ta.PERSONAL_CONVERSATION_ID)[0]["text"] == "echo: hello"


def test_card_action_returns_card_invoke_response(fake, handler, teams):
    activity = ta.card_action("approve", {"win_id": 7}, fake.service_url, reply_to_id="1700000000001")
    response = teams.post(activity)
    assert response.status_code == 200
    assert response.json() == {"statusCode": 200, "type": ADAPTIVE_CARD, "value": CARD}
    _, ctx, verb, data = handler.calls[0]
    assert (verb, data, ctx.reply_to_id) == ("approve", {"win_id": 7}, "1700000000001")


def test_card_action_can_answer_with_a_message(fake, handler, teams):
    handler.card_result = {"message": "Already approved"}
    response = teams.post(ta.card_action("approve", {}, fake.service_url, reply_to_id="1"))
    assert response.json() == {
        "statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": "Already approved"}


def test_action_submit_fallback_updates_the_card(fake, handler, teams):
    conversation_id = f"{ta.CHANNEL_ID};messageid=1700000000042"
    posted = httpx.post(f"{fake.service_url}v3/conversations/{conversation_id}/activities", json={"type": "message"})
    card_id = posted.json()["id"]
    activity = ta.card_submit({"verb": "approve", "win_id": 7}, fake.service_url, reply_to_id=card_id)
    activity["conversation"]["id"] = conversation_id
    assert teams.post(activity).status_code == 202
    _, _, verb, data = handler.calls[0]
    assert (verb, data) == ("approve", {"verb": "approve", "win_id": 7})
    [update] = fake.calls("update")
    assert update.activity_id == card_id
    assert fake.activities(conversation_id)[0]["attachments"][0]["content"] == CARD


def test_message_action_fetch_and_submit_with_real_nulls(fake, handler, teams):
    fetch = ta.message_action_fetch("nominate", "Contoso loves us", fake.service_url)
    response = teams.post(fetch)
    assert response.status_code == 200
    task = response.json()["task"]
    assert task["type"] == "continue"
    assert task["value"]["card"] == {"contentType": ADAPTIVE_CARD, "content": DIALOG}
    _, ctx, value = handler.calls[0]
    payload = value["messagePayload"]
    assert payload["body"]["content"] == "<p>Contoso loves us</p>"
    assert payload["replyToId"] is None and payload["subject"] is None and payload["summary"] is None
    assert ctx.from_aad_object_id == ta.USER["aadObjectId"]

    submit = ta.message_action_submit("nominate", {"why": "great"}, "Contoso loves us", fake.service_url)
    response = teams.post(submit)
    assert response.json() == {"task": {"type": "message", "value": "Nomination saved"}}
    assert handler.calls[1][2]["data"] == {"why": "great"}

    handler.submit_result = None
    response = teams.post(submit)
    assert (response.status_code, response.content) == (200, b"")


def test_task_fetch_and_submit(fake, handler, teams):
    response = teams.post(ta.task_fetch({"win_id": 3}, fake.service_url, reply_to_id="9"))
    assert response.json()["task"]["value"] == {
        "title": "Nominate", "height": "medium", "width": "medium",
        "card": {"contentType": ADAPTIVE_CARD, "content": DIALOG}}
    assert handler.calls[0][2]["win_id"] == 3
    response = teams.post(ta.task_submit({"why": "x"}, fake.service_url))
    assert response.status_code == 200
    assert handler.calls[1][2] == {"why": "x"}


def test_unknown_invoke_still_gets_a_response(fake, teams):
    activity = ta.task_submit({}, fake.service_url)
    activity["name"] = "composeExtension/query"
    assert teams.post(activity).status_code == 200


def test_installation_update_reaches_on_installed(fake, handler, teams):
    prefixed = fake.service_url + "teams/"
    assert teams.post(ta.installation_update(prefixed)).status_code == 202
    kind, ctx = handler.calls[0]
    assert kind == "installed"
    assert (ctx.service_url, ctx.tenant_id, ctx.team_id, ctx.channel_id) == (
        prefixed, ta.TENANT_ID, ta.TEAM_ID, ta.CHANNEL_ID)


def test_members_added_calls_on_installed_only_for_the_bot(fake, handler, teams):
    teams.post(ta.members_added(fake.service_url, member_ids=["29:someone-else"]))
    assert handler.calls == []
    teams.post(ta.members_added(fake.service_url, personal=True))
    [(kind, ctx)] = handler.calls
    assert (kind, ctx.conversation_id, ctx.tenant_id) == ("installed", ta.PERSONAL_CONVERSATION_ID, ta.TENANT_ID)


def test_handler_exception_shows_friendly_message_and_logs(fake, handler, teams, caplog):
    handler.fail = True
    with caplog.at_level(logging.ERROR, logger="bot.teams.transport"):
        assert teams.post(ta.message("hi", fake.service_url)).status_code == 202
    [reply] = fake.calls("reply")
    assert reply.json["text"] == FRIENDLY_ERROR
    assert "authorization" not in reply.headers
    assert "hunter2" not in str(reply.json)
    assert any(r.exc_info and isinstance(r.exc_info[1], Boom) for r in caplog.records)

    response = teams.post(ta.card_action("approve", {}, fake.service_url, reply_to_id="1"))
    assert response.status_code == 200
    assert response.json()["value"] == FRIENDLY_ERROR
    response = teams.post(ta.message_action_fetch("nominate", "x", fake.service_url))
    assert response.json() == {"task": {"type": "message", "value": FRIENDLY_ERROR}}
    assert "hunter2" not in response.text


def test_invalid_body_is_rejected(teams):
    assert teams.post([]).status_code == 400


async def test_sender_send_update_without_authorization(fake):
    sender = TeamsSender()
    ref = ConversationRef(fake.service_url + "teams/", "a:1dm", ta.TENANT_ID)
    activity_id = await sender.send(ref, {"text": "Digest"})
    await sender.update(ref, activity_id, {"text": "Digest (updated)"})
    assert [a["text"] for a in fake.activities("a:1dm")] == ["Digest (updated)"]
    send, update = fake.calls()
    assert send.path == "/teams/v3/conversations/a:1dm/activities"
    assert update.method == "PUT" and update.activity_id == activity_id
    assert "authorization" not in send.headers and "authorization" not in update.headers


async def test_sender_create_conversation_and_roster(fake):
    fake.add_user("29:1user-alex", "Alex Advocate", "aad-alex-0001", email="alex@example.com", givenName=None)
    sender = TeamsSender()
    ref = await sender.create_conversation(fake.service_url, ta.TENANT_ID, "29:1user-alex")
    [create] = fake.calls("create_conversation")
    assert create.json["members"] == [{"id": "29:1user-alex"}]
    assert create.json["channelData"] == {"tenant": {"id": ta.TENANT_ID}}
    assert await sender.send(ref, {"text": "hi"})
    member = await sender.get_member(ref, "aad-alex-0001")
    assert (member["email"], member["userPrincipalName"]) == ("alex@example.com", "alex@example.com")
    with pytest.raises(TeamsDeliveryError) as error:
        await sender.get_member(ref, "29:nobody")
    assert error.value.status == 404 and not error.value.retryable


async def test_sender_surfaces_429_with_retry_after(fake):
    fake.fail_next("send", status=429, retry_after=3)
    fake.fail_next("update", status=503, retry_after=None)
    sender = TeamsSender()
    ref = ConversationRef(fake.service_url, "a:1dm", ta.TENANT_ID)
    with pytest.raises(TeamsDeliveryError) as error:
        await sender.send(ref, {"text": "x"})
    assert (error.value.status, error.value.retry_after, error.value.retryable) == (429, 3.0, True)
    with pytest.raises(TeamsDeliveryError) as error:
        await sender.update(ref, "1", {"text": "x"})
    assert (error.value.status, error.value.retry_after) == (503, None)
    assert await sender.send(ref, {"text": "x"})  # the fault was one-shot


async def test_sender_waits_for_a_slow_connector(fake):
    fake.delay_next("/activities$", 0.3)
    started = time.monotonic()
    assert await TeamsSender().send(ConversationRef(fake.service_url, "a:1dm"), {"text": "x"})
    assert time.monotonic() - started >= 0.3


async def test_sender_connection_failure_is_retryable():
    sender = TeamsSender()
    with pytest.raises(TeamsDeliveryError) as error:
        await sender.send(ConversationRef("http://127.0.0.1:9/", "a:1dm"), {"text": "x"})
    assert error.value.status is None and error.value.retryable


async def test_sender_uses_the_app_token_when_configured(fake, monkeypatch):
    async def fake_token(self, resource_url, scopes, force_refresh=False):
        assert scopes == ["https://api.botframework.com/.default"]
        return "app-token"

    monkeypatch.setattr(MsalAuth, "get_access_token", fake_token)
    sender = TeamsSender(CREDENTIALS)
    ref = await sender.create_conversation(fake.service_url, ta.TENANT_ID, "aad-alex-0001")
    await sender.send(ref, {"text": "hi"})
    create, send = fake.calls()
    assert create.json["bot"] == {"id": f"28:{CREDENTIALS.app_id}"}
    assert create.headers["authorization"] == send.headers["authorization"] == "Bearer app-token"


def test_authenticated_mode_guards_only_api_messages(fake, handler):
    app = FastAPI()
    app.get("/healthz")(lambda: {"ok": True})
    mount_teams(app, handler, CREDENTIALS)
    with run_asgi(app) as url:
        for token in (None, "not-a-jwt"):
            with ta.TeamsRequester(url, token=token) as requester:
                assert requester.post(ta.message("hi", fake.service_url)).status_code == 401
        assert httpx.get(f"{url}/healthz").status_code == 200
    assert handler.calls == []


def test_partial_credentials_are_rejected():
    with pytest.raises(ValueError):
        TeamsCredentials(app_id="x")
