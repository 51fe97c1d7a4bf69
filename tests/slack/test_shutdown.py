"""Stopping the server (a deploy) finishes the work people were told is under way."""

from __future__ import annotations

from bot.server import build_context, create_app
from storage import models as m
from tests.conftest import TEST_CONFIG
from tests.emulators.server import run_asgi
from tests.emulators.slack_requests import SlackRequester
from tests.slack.conftest import SECRET, WINS, Bot, blocks_text, form, opened_view, settings
from workflows.config import parse_config


def test_a_submitted_form_working_on_it_is_finished_and_announced_when_the_server_stops(emu, tmp_path):
    emu.reset()
    ctx = build_context(settings(emu, f"sqlite:///{tmp_path / 'bot.db'}"), parse_config(TEST_CONFIG))
    bot = None
    with run_asgi(create_app(ctx)) as url, SlackRequester(f"{url}/slack/events", SECRET, emulator=emu) as slack:
        bot = Bot(url, ctx)
        slack.slash_command("/win", user_id="U0SUCCESS")
        view = opened_view(emu)
        ctx.acks.arrived()  # another request is still waiting for its answer: the form's work waits its turn
        typed = form(view, account="new:Acme Corp", story="Cut month-end close from 5 days to 2.")
        answer = slack.view_submission("U0SUCCESS", view["callback_id"], typed, view=view, view_id=view["id"])
        assert "Working on it" in str(answer.json())
    [win] = bot.rows(m.Win)
    assert win.story == "Cut month-end close from 5 days to 2."
    [shown] = [c.args["view"] for c in emu.calls("views.update") if c.args.get("view_id") == view["id"]]
    assert "Acme Corp" in str(shown)  # the person sees the outcome, not "Working on it…" forever
    assert any("Acme Corp" in blocks_text(c.args.get("blocks") or []) for c in emu.calls("chat.postMessage")
               if c.args.get("channel") == WINS)
    ctx.core.engine.dispose()
