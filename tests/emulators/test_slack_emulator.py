"""Self-tests for the Slack Web API emulator and the signed request helpers."""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from .slack_api import SlackEmulator
from .slack_requests import SlackRequester, find_button

SECRET = "test-signing-secret"


@pytest.fixture
def emu():
    with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def client(emu):
    return WebClient(base_url=emu.base_url, token="xoxb-test")


def section(text, block_id=None):
    block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    return {**block, "block_id": block_id} if block_id else block


def test_post_and_update_roundtrip(emu, client):
    first = client.chat_postMessage(channel="C1", text="hello", blocks=[section("hello")])
    second = client.chat_postMessage(channel="C1", text="again")
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"][0]["block_id"]

    client.chat_update(channel="C1", ts=first["ts"], text="edited", blocks=[section("edited", "b")])

    stored = emu.message("C1", first["ts"])
    assert stored["text"] == "edited" and stored["blocks"][0]["text"]["text"] == "edited"
    assert [m["text"] for m in emu.messages("C1")] == ["edited", "again"]
    assert emu.last("chat.update").args["blocks"][0]["block_id"] == "b"
    with pytest.raises(SlackApiError) as missing:
        client.chat_update(channel="C1", ts="1.000000", text="x")
    assert missing.value.response["error"] == "message_not_found"
    emu.assert_no_violations()


def test_auth_and_unknown_method(emu, client):
    assert client.auth_test()["user_id"] == "U0BOT"
    assert httpx.post(emu.base_url + "auth.test").json() == {"ok": False, "error": "not_authed"}
    with pytest.raises(SlackApiError) as unknown:
        client.api_call("nope.never")
    assert unknown.value.response["error"] == "unknown_method"


def test_concurrent_requests(emu, client):
    emu.delay_next("auth.test", 0.3)
    with ThreadPoolExecutor(8) as pool:
        slow = pool.submit(client.auth_test)
        stamps = list(pool.map(lambda i: client.chat_postMessage(channel="C1", text=str(i))["ts"], range(20)))
        assert not slow.done()
    assert len(set(stamps)) == 20 and len(emu.messages("C1")) == 20


def test_rate_limit_is_retried(emu, monkeypatch):
    monkeypatch.setattr(builtin_handlers.random, "random", lambda: 0.0)  # no jitter on top of Retry-After
    client = WebClient(base_url=emu.base_url, token="xoxb-test",
                       retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    emu.fail_next("chat.postMessage", status=429, retry_after=0)

    assert client.chat_postMessage(channel="C1", text="hi")["ok"]

    calls = emu.calls("chat.postMessage")
    assert [c.failed for c in calls] == [True, False]
    assert len(emu.messages("C1")) == 1


def test_server_error(emu, client):
    emu.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as failure:
        client.chat_postMessage(channel="C1", text="hi")
    assert failure.value.response.status_code == 500
    assert emu.last("chat.postMessage").failed and emu.messages("C1") == []


def test_delay_applies_after_client_timeout(emu):
    client = WebClient(base_url=emu.base_url, token="xoxb-test", timeout=0.1)
    emu.delay_next("chat.postMessage", 0.3)
    with pytest.raises(Exception):
        client.chat_postMessage(channel="C1", text="maybe", metadata={"event_type": "outbox",
                                                                      "event_payload": {"key": "k1"}})
    emu.wait_for("chat.postMessage")
    history = client.conversations_history(channel="C1", include_all_metadata=True)["messages"]
    assert history[0]["metadata"]["event_payload"]["key"] == "k1"


def test_files_upload_v2(emu, client):
    result = client.files_upload_v2(channel="C1", content=b"a,b\n1,2\n", filename="r.csv", title="Report",
                                    initial_comment="here", alt_txt="numbers")
    assert result["file"]["title"] == "Report"
    [stored] = emu.files("C1")
    assert stored["content"] == b"a,b\n1,2\n"
    assert (stored["initial_comment"], stored["alt_txt"]) == ("here", "numbers")
    assert [c.method.split(":")[0] for c in emu.calls()] == [
        "files.getUploadURLExternal", "upload_url", "files.completeUploadExternal"]


def test_block_kit_violations(emu, client):
    with pytest.raises(SlackApiError) as too_many:
        client.chat_postMessage(channel="C1", text="x", blocks=[section("x")] * 51)
    assert too_many.value.response["error"] == "invalid_blocks"
    assert "no more than 50 items allowed [json-pointer:/blocks]" in too_many.value.response["errors"]
    with pytest.raises(SlackApiError) as bad_modal:
        client.views_open(trigger_id="t", view={"type": "modal", "title": {"type": "plain_text", "text": "x" * 25},
                                                "blocks": [section("a", "same"), section("b", "same")]})
    assert bad_modal.value.response["error"] == "invalid_arguments"
    assert len(emu.violations) == 3
    with pytest.raises(AssertionError, match="must be less than 25 characters"):
        emu.assert_no_violations()


def test_views_and_directory(emu, client):
    emu.add_user("U1", email="ann@example.com", name="ann", real_name="Ann Lee")
    group = emu.add_usergroup("advocates", ["U1"])
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Ticket"}, "blocks": [section("a")]}
    opened = client.views_open(trigger_id="t", view=view)["view"]
    client.views_update(view_id=opened["id"], view={**view, "blocks": [section("b")]})

    assert emu.view(opened["id"])["blocks"][0]["text"]["text"] == "b"
    assert client.users_info(user="U1")["user"]["profile"]["email"] == "ann@example.com"
    assert client.usergroups_list()["usergroups"][0]["handle"] == "advocates"
    assert client.usergroups_users_list(usergroup=group)["users"] == ["U1"]
    assert client.conversations_open(users="U1")["channel"]["id"] == emu.dm_channel("U1")
    with pytest.raises(SlackApiError) as unknown:
        client.users_info(user="U404")
    assert unknown.value.response["error"] == "user_not_found"


def test_async_client(emu):
    client = AsyncWebClient(base_url=emu.base_url, token="xoxb-test")
    assert asyncio.run(client.chat_postMessage(channel="C1", text="async"))["ok"]
    assert emu.messages("C1")[0]["text"] == "async"


def test_requests_are_signed_like_slack():
    sent = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(200))
    with SlackRequester("http://bot/slack/events", SECRET, transport=transport) as slack:
        slack.slash_command("/ask", "hi")
        slack.raw(b"body", tamper=True)
        slack.raw(b"body", timestamp=int(time.time()) - 600)

    verifier = SignatureVerifier(SECRET)
    valid = [verifier.is_valid_request(r.content, dict(r.headers)) for r in sent]
    assert valid == [True, False, False]


def test_bolt_app_end_to_end(emu):
    app = App(signing_secret=SECRET, client=WebClient(base_url=emu.base_url, token="xoxb-test"))

    @app.command("/ask")
    def ask(ack, respond):
        ack()
        respond(text="on it", blocks=[{"type": "actions", "elements": [
            {"type": "button", "action_id": "done", "value": "42", "text": {"type": "plain_text", "text": "Done"}}]}])

    @app.action("done")
    def done(ack, body, client):
        ack()
        value = body["actions"][0]["value"]
        client.chat_update(channel=body["channel"]["id"], ts=body["message"]["ts"], text=f"done {value}")

    transport = httpx.WSGITransport(app=SlackRequestHandler(app))
    with SlackRequester("http://bot/slack/events", SECRET, emulator=emu, transport=transport) as slack:
        assert slack.slash_command("/ask", "help").status_code == 200
        [response] = emu.wait_for("response_url:ask")
        assert find_button(response.args["blocks"], "Done")["value"] == "42"

        posted = app.client.chat_postMessage(channel="C1", text="on it", blocks=response.args["blocks"])["message"]
        assert slack.block_action("U1", "done", message=posted, channel_id="C1").status_code == 200
        emu.wait_for("chat.update")
    assert emu.message("C1", posted["ts"])["text"] == "done 42"
    emu.assert_no_violations()
