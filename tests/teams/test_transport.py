"""The SDK application behind /api/messages against a real uvicorn server and a fake Bot Connector:
routes registered with the SDK's own decorators, the error handler, and proactive posts."""

from __future__ import annotations

import logging
import time

import httpx
import pytest
from fastapi import FastAPI
from microsoft_agents.activity import Activity, AdaptiveCardInvokeResponse
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_teams.api.models import TaskModuleResponse

from bot.teams.transport import (
    ADAPTIVE_CARD,
    FRIENDLY_ERROR,
    ConversationRef,
    TeamsCredentials,
    TeamsDeliveryError,
    TeamsRuntime,
    turn_info,
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


def dialog(card: dict) -> TaskModuleResponse:
    return TaskModuleResponse.model_validate({"task": {"type": "continue", "value": {
        "title": "Nominate", "card": {"contentType": ADAPTIVE_CARD, "content": card}}}})


class Recorder:
    """Routes registered the way the surface registers them; records what they saw."""

    def __init__(self, runtime: TeamsRuntime) -> None:
        self.calls: list[tuple] = []
        self.fail = False
        app, teams = runtime.app, runtime.teams

        @app.adaptive_card.action_execute("approve")
        async def approve(context, _state, data):
            self._record("execute", turn_info(context), data)
            await context.update_activity(
                card_update(turn_info(context).reply_to_id, CARD))
            return AdaptiveCardInvokeResponse(status_code=200, type=ADAPTIVE_CARD, value=CARD)

        @teams.message_extensions.fetch_action("nominate")
        async def fetch(context, _state, action):
            self._record("fetch", turn_info(context), action)
            return dialog(DIALOG)

        @teams.message_extensions.submit_action("nominate")
        async def submit(context, _state, action):
            self._record("submit", turn_info(context), action)
            return TaskModuleResponse.model_validate({"task": {"type": "message", "value": "Nomination saved"}})

        @teams.task_modules.fetch("nominate")
        async def task_fetch(context, _state, request):
            self._record("task_fetch", turn_info(context), request.data)
            return dialog(DIALOG)

        @teams.activity("message")
        async def message(context, _state):
            self._record("message", turn_info(context))
            await context.send_activity(f"echo: {turn_info(context).text}")

        @teams.installation_update()
        async def installed(context, _state):
            self._record("installed", turn_info(context))

    def _record(self, *call) -> None:
        self.calls.append(call)
        if self.fail:
            raise Boom("database password is hunter2")


def card_update(activity_id: str, card: dict) -> Activity:
    return Activity.model_validate({"type": "message", "id": activity_id,
                                    "attachments": [{"contentType": ADAPTIVE_CARD, "content": card}]})


@pytest.fixture(scope="module")
def connector():
    with FakeBotConnector() as fake:
        yield fake


@pytest.fixture
def fake(connector):
    connector.reset()
    return connector


@pytest.fixture
def runtime():
    return TeamsRuntime()


@pytest.fixture
def recorder(runtime):
    return Recorder(runtime)


@pytest.fixture
def teams(runtime, recorder):
    app = FastAPI()
    runtime.mount(app)
    with run_asgi(app) as url, ta.TeamsRequester(url) as requester:
        yield requester


def test_message_reaches_the_route_and_the_reply_the_connector(fake, recorder, teams):
    activity = ta.message("nominate Contoso", fake.service_url)
    assert teams.post(activity).status_code == 202
    kind, ctx = recorder.calls[0]
    assert kind == "message"
    assert (ctx.text, ctx.activity_id, ctx.mentions_bot) == ("nominate Contoso", activity["id"], True)
    assert (ctx.tenant_id, ctx.team_id, ctx.channel_id) == (ta.TENANT_ID, ta.TEAM_ID, ta.CHANNEL_ID)
    assert (ctx.from_id, ctx.from_aad_object_id, ctx.from_name) == (
        ta.USER["id"], ta.USER["aadObjectId"], ta.USER["name"])
    assert ctx.conversation_type == "channel"
    [sent] = fake.wait_for(lambda call: call.kind == "reply")
    assert sent.conversation_id == activity["conversation"]["id"]
    assert sent.json["text"] == "echo: nominate Contoso"
    assert "authorization" not in sent.headers


def test_personal_message_with_null_reply_to_id(fake, recorder, teams):
    activity = ta.message("hello", fake.service_url, personal=True)
    activity["replyToId"] = None
    assert teams.post(activity).status_code == 202
    _, ctx = recorder.calls[0]
    assert (ctx.text, ctx.conversation_type, ctx.team_id, ctx.reply_to_id) == ("hello", "personal", None, None)
    assert fake.activities(ta.PERSONAL_CONVERSATION_ID)[0]["text"] == "echo: hello"


def test_action_execute_answers_the_clicker_and_replaces_the_card_for_everyone(fake, recorder, teams):
    conversation_id = f"{ta.CHANNEL_ID};messageid=1700000000042"
    posted = httpx.post(f"{fake.service_url}v3/conversations/{conversation_id}/activities", json={"type": "message"})
    card_id = posted.json()["id"]
    activity = ta.card_action("approve", {"win_id": 7}, fake.service_url, reply_to_id=card_id)
    activity["conversation"]["id"] = conversation_id
    response = teams.post(activity)
    assert response.status_code == 200
    assert response.json() == {"statusCode": 200, "type": ADAPTIVE_CARD, "value": CARD}
    _, ctx, data = recorder.calls[0]
    assert (data, ctx.reply_to_id) == ({"win_id": 7}, card_id)
    [update] = fake.calls("update")
    assert update.activity_id == card_id
    assert fake.activities(conversation_id)[0]["attachments"][0]["content"] == CARD


def test_message_action_fetch_and_submit_with_real_nulls(fake, recorder, teams):
    fetch = ta.message_action_fetch("nominate", "Contoso loves us", fake.service_url)
    assert fetch["value"]["messagePayload"]["replyToId"] is None  # as Teams sends it
    response = teams.post(fetch)
    assert response.status_code == 200, response.text
    task = response.json()["task"]
    assert task["type"] == "continue"
    assert task["value"]["card"] == {"contentType": ADAPTIVE_CARD, "content": DIALOG}
    _, ctx, action = recorder.calls[0]
    payload = action.message_payload
    assert payload.body.content == "<p>Contoso loves us</p>"
    assert payload.reply_to_id is None and payload.subject is None and payload.summary is None
    assert ctx.from_aad_object_id == ta.USER["aadObjectId"]

    response = teams.post(ta.message_action_submit("nominate", {"why": "great"}, "Contoso loves us",
                                                   fake.service_url))
    assert response.json() == {"task": {"type": "message", "value": "Nomination saved"}}
    assert recorder.calls[1][2].data == {"why": "great"}


def test_task_module_fetch_is_routed_by_verb(fake, recorder, teams):
    response = teams.post(ta.task_fetch({"verb": "nominate", "win_id": 3}, fake.service_url, reply_to_id="9"))
    assert response.json()["task"]["value"]["card"] == {"contentType": ADAPTIVE_CARD, "content": DIALOG}
    assert recorder.calls[0][2]["win_id"] == 3


def test_an_invoke_no_route_answers_gets_501_from_the_sdk(fake, teams):
    """Routes must answer every invoke they take; the surface adds catch-alls (tests/teams/test_surface.py)."""
    assert teams.post(ta.task_fetch({"verb": "other"}, fake.service_url, reply_to_id="1")).status_code == 501


def test_installation_update_keeps_the_service_url_prefix(fake, recorder, teams):
    prefixed = fake.service_url + "teams/"
    assert teams.post(ta.installation_update(prefixed)).status_code == 202
    kind, ctx = recorder.calls[0]
    assert kind == "installed"
    assert (ctx.service_url, ctx.tenant_id, ctx.team_id, ctx.channel_id) == (
        prefixed, ta.TENANT_ID, ta.TEAM_ID, ta.CHANNEL_ID)


def test_a_failing_route_shows_a_friendly_message_and_logs(fake, recorder, teams, caplog):
    recorder.fail = True
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
    assert len(fake.calls("reply")) == 1  # the SDK's own handler would have posted "Exception caught: …"


def test_malformed_channel_data_is_refused_in_one_line(fake, recorder, teams, caplog):
    invoke = ta.task_submit({}, fake.service_url)
    invoke["name"], invoke["channelData"] = "composeExtension/query", {"tenant": 5}
    message = ta.message("hi", fake.service_url)
    message["channelData"] = {"team": "not an object"}
    with caplog.at_level(logging.WARNING, logger="bot.teams.transport"):
        assert teams.post(invoke).status_code == 400
        assert teams.post(message).status_code == 202
    assert recorder.calls == [] and fake.calls() == []  # nothing ran, nobody was told "something went wrong"
    refused = [r for r in caplog.records if r.name == "bot.teams.transport"]
    assert [r.getMessage() for r in refused] == ["Rejected a Teams invoke whose ChannelData is malformed",
                                                  "Rejected a Teams message whose ChannelData is malformed"]
    assert not any(r.exc_info for r in refused)


def test_invalid_body_is_rejected(teams):
    assert teams.post([]).status_code == 400


async def test_proactive_send_and_update_go_through_the_adapter_without_authorization(fake, runtime):
    ref = ConversationRef(fake.service_url + "teams/", "a:1dm", ta.TENANT_ID)
    activity_id = await runtime.send(ref, {"text": "Digest"})
    await runtime.update(ref, activity_id, {"text": "Digest (updated)"})
    assert [a["text"] for a in fake.activities("a:1dm")] == ["Digest (updated)"]
    send, update = fake.calls()
    assert send.path == "/teams/v3/conversations/a:1dm/activities"
    assert "replyToId" not in send.json
    assert update.method == "PUT" and update.activity_id == activity_id
    assert "authorization" not in send.headers and "authorization" not in update.headers


async def test_proactive_create_conversation_and_roster_with_nulls(fake, runtime):
    fake.add_user("29:1user-alex", "Alex Advocate", "aad-alex-0001", email="alex@example.com", givenName=None)
    team = ConversationRef(fake.service_url, ta.CHANNEL_ID, ta.TENANT_ID)
    ref = await runtime.create_conversation(team, "29:1user-alex")
    [create] = fake.calls("create_conversation")
    assert create.json["members"] == [{"id": "29:1user-alex"}]
    assert create.json["channelData"] == {"tenant": {"id": ta.TENANT_ID}}
    assert await runtime.send(ref, {"text": "hi"})
    member = await runtime.member(ref, "aad-alex-0001")
    assert (member["email"], member["userPrincipalName"], member["givenName"]) == (
        "alex@example.com", "alex@example.com", None)
    with pytest.raises(TeamsDeliveryError) as error:
        await runtime.member(ref, "29:nobody")
    assert error.value.status == 404 and not error.value.retryable


async def test_proactive_posts_surface_429_with_retry_after(fake, runtime):
    fake.fail_next("send", status=429, retry_after=3)
    fake.fail_next("update", status=503, retry_after=None)
    ref = ConversationRef(fake.service_url, "a:1dm", ta.TENANT_ID)
    with pytest.raises(TeamsDeliveryError) as error:
        await runtime.send(ref, {"text": "x"})
    assert (error.value.status, error.value.retry_after, error.value.retryable) == (429, 3.0, True)
    with pytest.raises(TeamsDeliveryError) as error:
        await runtime.update(ref, "1", {"text": "x"})
    assert (error.value.status, error.value.retry_after) == (503, None)
    assert await runtime.send(ref, {"text": "x"})  # the fault was one-shot


async def test_proactive_posts_wait_for_a_slow_connector(fake, runtime):
    fake.delay_next("/activities$", 0.3)
    started = time.monotonic()
    assert await runtime.send(ConversationRef(fake.service_url, "a:1dm"), {"text": "x"})
    assert time.monotonic() - started >= 0.3


async def test_proactive_connection_failure_is_retryable(runtime):
    with pytest.raises(TeamsDeliveryError) as error:
        await runtime.send(ConversationRef("http://127.0.0.1:9/", "a:1dm"), {"text": "x"})
    assert error.value.status is None and error.value.retryable


async def test_proactive_posts_use_the_app_token_when_configured(fake, monkeypatch):
    async def fake_token(self, resource_url, scopes, force_refresh=False):
        assert scopes == ["https://api.botframework.com/.default"]
        return "app-token"

    monkeypatch.setattr(MsalAuth, "get_access_token", fake_token)
    runtime = TeamsRuntime(CREDENTIALS)
    team = ConversationRef(fake.service_url, ta.CHANNEL_ID, ta.TENANT_ID)
    ref = await runtime.create_conversation(team, "aad-alex-0001")
    await runtime.send(ref, {"text": "hi"})
    create, send = fake.calls()
    assert create.json["bot"] == {"id": f"28:{CREDENTIALS.app_id}"}
    assert create.headers["authorization"] == send.headers["authorization"] == "Bearer app-token"


def test_authenticated_mode_guards_only_api_messages(fake):
    runtime = TeamsRuntime(CREDENTIALS)
    recorder = Recorder(runtime)
    app = FastAPI()
    app.get("/healthz")(lambda: {"ok": True})
    runtime.mount(app)
    with run_asgi(app) as url:
        for token in (None, "not-a-jwt"):
            with ta.TeamsRequester(url, token=token) as requester:
                assert requester.post(ta.message("hi", fake.service_url)).status_code == 401
        assert httpx.get(f"{url}/healthz").status_code == 200
    assert recorder.calls == []
    assert fake.calls() == []


def test_partial_credentials_are_rejected():
    with pytest.raises(ValueError):
        TeamsCredentials(app_id="x")
