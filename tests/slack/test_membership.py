"""Channel membership in Slack: uploads and history need it, so the bot joins, retries, or asks for an /invite."""

from __future__ import annotations

import base64

import pytest

from bot.delivery import PermanentError, RetryableError
from bot.slack.sender import SlackSender
from tests.emulators.slack_api import SlackEmulator
from tests.slack.conftest import TOKEN
from workflows.effects import Card, Image

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
CHART = Card(title="Advocacy digest", body=["Numbers"], image=Image(base64.b64encode(PNG).decode(), alt="A chart"))


@pytest.fixture
def emu():
    with SlackEmulator() as emulator:
        emulator.add_channel("C0LEAD", "leadership", is_member=False)
        emulator.add_channel("G0BOARD", "board", is_private=True, is_member=False)
        yield emulator


@pytest.fixture
def sender(emu):
    return SlackSender(TOKEN, emu.base_url, timeout=2)


async def test_a_chart_for_a_public_channel_the_bot_is_not_in_is_shared_after_joining(sender, emu):
    await sender.post("C0LEAD", CHART)
    assert [f["channels"] for f in emu.files()] == [["C0LEAD"]]
    assert emu.calls("conversations.join")[0].args["channel"] == "C0LEAD"


async def test_not_in_channel_makes_the_sender_join_and_try_again(sender, emu):
    sender._joined.add("C0LEAD")  # e.g. joined earlier, then removed from the channel by someone
    await sender.post("C0LEAD", CHART)
    outcomes = [(c.method, c.response.get("error")) for c in emu.calls()
                if c.method in ("files.completeUploadExternal", "conversations.join")]
    assert outcomes == [("files.completeUploadExternal", "not_in_channel"), ("conversations.join", None),
                        ("files.completeUploadExternal", None)]
    assert len(emu.files("C0LEAD")) == 1


async def test_the_look_up_before_a_repost_joins_too(sender, emu):
    ts = await sender.post("C0LEAD", Card(title="Hello"), key="outbox:7", unsure=True)
    assert [c.response.get("error") for c in emu.calls("conversations.history")] == ["not_in_channel", None]
    assert [m["ts"] for m in emu.messages("C0LEAD")] == [ts]


async def test_a_private_channel_the_bot_is_not_in_says_to_invite_it(sender, emu):
    with pytest.raises(PermanentError) as refused:
        await sender.post("G0BOARD", CHART)
    assert "/invite @Advocacy" in str(refused.value)
    emu.add_channel("G0BOARD", "board", is_private=True, is_member=True)  # the admin typed /invite @Advocacy
    await sender.post("G0BOARD", CHART)
    assert len(emu.files("G0BOARD")) == 1


async def test_not_in_channel_where_joining_is_impossible_waits_for_an_invite(sender, emu):
    emu.add_channel("G0BOARD", "board", is_private=True, is_member=True)
    emu.fail_next("files.completeUploadExternal", status=200, error="not_in_channel")
    with pytest.raises(RetryableError) as waiting:
        await sender.post("G0BOARD", CHART)
    assert "/invite the bot" in str(waiting.value) and waiting.value.retry_after == 300
