"""The real server (Slack mounted) against the Slack Web API emulator, driven with signed requests."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from sqlmodel import Session, select

from bot.context import BotContext
from bot.server import build_context, create_app
from bot.settings import Settings
from storage import models as m
from tests.conftest import TEST_CONFIG, clean
from tests.emulators.server import run_asgi
from tests.emulators.slack_api import SlackEmulator
from tests.emulators.slack_requests import SlackRequester
from workflows.config import parse_config
from workflows.states import OutboxState

SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"
WINS, NOMS, APPR = "C0WINS", "C0NOMS", "C0APPR"
PEOPLE = {  # user id -> (email, real name)
    "U0SUCCESS": ("sam@example.com", "Sam Success"),
    "U0MARKET": ("mia@example.com", "Mia Marketing"),
    "U0SALES": ("sid@example.com", "Sid Sales"),
    "U0NOBODY": ("nora@example.com", "Nora Nobody"),
    "U0GROUPIE": ("gil@example.com", "Gil Group"),  # marketing through the @marketing user group
}


def settings(emu: SlackEmulator, db_url: str, **extra) -> Settings:
    values = dict(database_url=db_url, slack_bot_token=TOKEN, slack_signing_secret=SECRET, slack_app_token="",
                  slack_api_url=emu.base_url, outbox_poll_seconds=0.05, scheduler=False,
                  advocacy_secret="test-link-secret")
    return Settings(_env_file=None, **{**values, **extra})


@dataclass
class Bot:
    url: str
    ctx: BotContext

    @property
    def engine(self):
        return self.ctx.core.engine

    def rows(self, model, *where):
        with Session(self.engine) as session:
            return list(session.exec(select(model).where(*where).order_by(model.id)))


@pytest.fixture(scope="module")
def emu():
    with SlackEmulator() as emulator:
        for user_id, (email, name) in PEOPLE.items():
            emulator.add_user(user_id, email=email, real_name=name)
        emulator.add_usergroup("marketing", ["U0GROUPIE"])
        yield emulator


@pytest.fixture(scope="module")
def slack_db_url(tmp_path_factory):
    """The bot's database; a module may override this to run on PostgreSQL too."""
    return f"sqlite:///{tmp_path_factory.mktemp('slack') / 'bot.db'}"


@pytest.fixture(scope="module")
def bot(emu, slack_db_url):
    ctx = build_context(settings(emu, slack_db_url), parse_config(TEST_CONFIG))
    with run_asgi(create_app(ctx)) as url:
        yield Bot(url, ctx)
    ctx.core.engine.dispose()


ACK_LIMIT = 3.0  # Slack's deadline for every answer


@pytest.fixture
def slack(bot, emu):
    """Signed requests to the bot's /slack/events.

    Every test ends with Block Kit checked and every request answered within Slack's 3 s.
    """
    clean(bot.engine)
    emu.reset()
    answered: list[float] = []

    def timed(response):
        response.read()
        answered.append(response.elapsed.total_seconds())

    with SlackRequester(f"{bot.url}/slack/events", SECRET, emulator=emu) as requester:
        requester._client.event_hooks["response"].append(timed)
        yield requester
    emu.assert_no_violations()
    wait_until(lambda: not bot.rows(m.OutboxMessage, m.OutboxMessage.state == OutboxState.PENDING),
               timeout=10, what="the outbox to drain before the next test")
    assert max(answered, default=0) < ACK_LIMIT, f"slowest answer took {max(answered):.2f}s"


# helpers ---------------------------------------------------------------------

def wait_until(check, timeout: float = 5.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def message_titled(emu: SlackEmulator, channel: str, words: str, timeout: float = 5.0) -> dict:
    """The newest message in `channel` whose fallback text contains `words`."""
    def find():
        return next((msg for msg in reversed(emu.messages(channel)) if words in msg.get("text", "")), None)
    return wait_until(find, timeout, f"a message with {words!r} in {channel}")


def blocks_text(blocks: list[dict]) -> str:
    """All text in blocks (sections, fields, context, buttons, rich text), for assertions."""
    parts = []
    for block in blocks:
        for key in ("text", "label"):
            if isinstance(block.get(key), dict):
                parts.append(block[key]["text"])
        parts += [f["text"] for f in block.get("fields", [])]
        for element in block.get("elements", []):
            if isinstance(element.get("text"), str):
                parts.append(element["text"])
            elif isinstance(element.get("text"), dict):
                parts.append(element["text"]["text"])
            parts += [p.get("text", "") for p in element.get("elements", [])]
    return "\n".join(parts)


def message_saying(emu: SlackEmulator, channel: str, ts: str, words: str, timeout: float = 5.0) -> dict:
    """The message `ts` once (updated so that) its blocks contain `words`."""
    def find():
        message = emu.message(channel, ts)
        return message if words in blocks_text(message.get("blocks", [])) else None
    return wait_until(find, timeout, f"message {ts} in {channel} to say {words!r}")


def opened_view(emu: SlackEmulator, count: int = 1, callback_id: str | None = None) -> dict:
    """The view opened by the `count`-th views.open call (optionally with this callback_id)."""
    calls = emu.wait_for("views.open", count, predicate=lambda c: callback_id is None or
                         c.args["view"].get("callback_id") == callback_id)
    assert not calls[count - 1].failed, calls[count - 1].response
    return emu.view(calls[count - 1].response["view"]["id"])


def form(view: dict, **typed) -> dict:
    """state.values for a view's inputs as Slack sends them: initial values, overridden by `typed`."""
    values = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        kind, block_id = element["type"], block["block_id"]
        value = typed.get(block_id)
        if value is None:
            initial = element.get("initial_value") or element.get("initial_date") or \
                (element.get("initial_option") or {}).get("value")
            if initial is None:
                continue
            value = initial
        if kind in ("static_select", "external_select"):
            state = {"selected_option": {"text": {"type": "plain_text", "text": str(value)}, "value": value}}
        elif kind == "datepicker":
            state = {"selected_date": value}
        else:
            state = {"value": value}
        values[block_id] = {element["action_id"]: {"type": kind, **state}}
    return values


def submit(slack: SlackRequester, emu: SlackEmulator, user: str, view: dict, **typed):
    """Submit a modal as `user`; `.json()` is the modal as they see it afterwards (see SlackEmulator.submitted)."""
    return emu.submitted(lambda: slack.view_submission(user, view["callback_id"], form(view, **typed), view=view,
                                                       view_id=view["id"]), view["id"])


def ephemeral_texts(emu: SlackEmulator, name: str) -> list[str]:
    """Texts posted to the response_url named `name` (the command, action_id or callback_id)."""
    return [c.args.get("text", "") for c in emu.calls(f"response_url:{name}")]


def flag_win(slack: SlackRequester, emu: SlackEmulator, user: str = "U0SUCCESS", account: str = "new:Acme Corp",
             story: str = "Cut month-end close from 5 days to 2.", **typed):
    """/win, then submit the modal; returns the submission's response."""
    before = len(emu.calls("views.open"))
    assert slack.slash_command("/win", user_id=user).status_code == 200
    view = opened_view(emu, before + 1)
    values = dict(account=account, story=story, metric_value="2", metric_unit="hours/week", contact_name="Dana Lee",
                  contact_email="dana@acme.test")
    return submit(slack, emu, user, view, **{**values, **typed})

