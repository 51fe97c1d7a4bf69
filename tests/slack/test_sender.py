"""The outbox's Slack sender against the emulator: uploads, DMs, updates and how Slack's errors are classed."""

from __future__ import annotations

import base64
import time

import pytest

from bot.delivery import PermanentError, RetryableError
from bot.slack.render import METADATA_TYPE
from bot.slack.sender import SlackSender
from tests.emulators.slack_api import SlackEmulator
from tests.slack.conftest import TOKEN, blocks_text
from workflows.effects import Button, Card, Fact, Image

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


@pytest.fixture(scope="module")
def emulator():
    with SlackEmulator() as emu:
        emu.add_user("U0SUCCESS", email="sam@example.com", real_name="Sam Success")
        yield emu


@pytest.fixture
def emu(emulator):
    emulator.reset()
    yield emulator
    emulator.assert_no_violations()


@pytest.fixture
def sender(emu):
    return SlackSender(TOKEN, emu.base_url, timeout=2)


async def test_a_chart_card_uploads_the_image_with_alt_text_and_the_card_as_comment(sender, emu):
    card = Card(title="Advocacy digest <!here>", body=["Wins & stories up"], facts=[Fact("NPS", "+42")],
                image=Image(base64.b64encode(PNG).decode(), alt="NPS by month, rising from 31 to 42", filename="nps.png"))
    file_id = await sender.post("C0LEAD", card)
    [uploaded] = emu.files("C0LEAD")
    assert uploaded["id"] == file_id and uploaded["content"] == PNG and uploaded["name"] == "nps.png"
    assert uploaded["alt_txt"] == "NPS by month, rising from 31 to 42"
    assert uploaded["initial_comment"].startswith("*Advocacy digest &lt;!here&gt;*\nWins &amp; stories up")
    methods = [c.method for c in emu.calls()]  # every step went to SLACK_API_URL, the upload URL included
    assert methods == ["conversations.join", "files.getUploadURLExternal", f"upload_url:{file_id}",
                       "files.completeUploadExternal"]


async def test_direct_messages_reach_a_user_id_or_an_email(sender, emu):
    await sender.dm("U0SUCCESS", Card(title="To the id"))
    await sender.dm("sam@example.com", Card(title="To the email"))
    assert [m["text"] for m in emu.messages(emu.dm_channel("U0SUCCESS"))] == ["To the id", "To the email"]
    with pytest.raises(PermanentError):
        await sender.dm("nobody@example.com", Card(title="Lost"))


async def test_update_replaces_the_card_in_place(sender, emu):
    ts = await sender.post("C0APPR", Card(title="Story", buttons=[Button("Approve", "review.approve", "1")]))
    await sender.update("C0APPR", ts, Card(title="Story", note="Approved by Mia"))
    [message] = emu.messages("C0APPR")
    assert message["ts"] == ts and "Approved by Mia" in blocks_text(message["blocks"])
    assert all(b["type"] != "actions" for b in message["blocks"])


async def test_slack_errors_become_retry_or_park_decisions(sender, emu):
    card = Card(title="Hello")
    emu.fail_next("chat.postMessage", status=429, retry_after=30)
    started = time.monotonic()
    with pytest.raises(RetryableError) as limited:
        await sender.post("C1", card)
    assert limited.value.retry_after == 30 and time.monotonic() - started < 1  # a long wait is the outbox's job

    emu.fail_next("chat.postMessage", status=429, retry_after=0)
    assert await sender.post("C1", card)  # a short Retry-After is waited out in place

    emu.fail_next("chat.postMessage", status=503, count=2)
    with pytest.raises(RetryableError):
        await sender.post("C1", card)
    emu.fail_next("chat.postMessage", status=200, error="internal_error")
    with pytest.raises(RetryableError):
        await sender.post("C1", card)

    for error in ("channel_not_found", "is_archived"):  # not_in_channel joins and retries: test_membership
        emu.fail_next("chat.postMessage", status=200, error=error)
        with pytest.raises(PermanentError, match=error):
            await sender.post("C1", card)
    with pytest.raises(PermanentError, match="invalid_auth"):
        await SlackSender("bad-token", emu.base_url).post("C1", card)

    emu.delay_next("chat.postMessage", 1.5)
    with pytest.raises(RetryableError, match="unreachable"):
        await SlackSender(TOKEN, emu.base_url, timeout=0.3).post("C1", card)


async def test_long_cards_keep_their_full_text_for_read_all(sender, emu):
    card = Card(title="Story", body=["word " * 400])
    ts = await sender.post("C1", card)
    stored = emu.message("C1", ts)
    assert stored["metadata"]["event_type"] == METADATA_TYPE
    assert stored["metadata"]["event_payload"]["text"] == ("word " * 400).strip()

    emu.fail_next("chat.postMessage", status=200, error="invalid_metadata_format")
    ts = await sender.post("C1", card)  # Slack refusing the metadata must not lose the post
    assert "metadata" not in emu.message("C1", ts)
