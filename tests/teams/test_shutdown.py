"""Stopping the server (a deploy) finishes the work people were told is under way."""

from __future__ import annotations

from bot.teams.handler import RECORDING
from storage import models as m
from tests.core.helpers import rows
from tests.emulators import teams_activities as ta
from tests.teams.conftest import WINS, serving
from tests.teams.people import card_of, dialog_message, texts


def test_a_win_answered_as_being_recorded_is_recorded_and_announced_when_the_server_stops(engine, bot_connector,
                                                                                           teams_config):
    text = "Proseware saved two days a month"
    with serving(engine, bot_connector, teams_config) as teams:
        teams.ctx.acks.arrived()  # another request is still waiting for its answer: the record waits its turn
        submit = ta.message_action_submit("flagWin", {"account_name": "Proseware", "story": text,
                                                      "outcome_type": "other"},
                                          text, bot_connector.service_url, user=teams.sam.user)
        assert dialog_message(teams.sam.post(submit)) == RECORDING
    [win] = rows(engine, m.Win)
    assert win.story == text
    [announced] = bot_connector.activities(WINS)  # the outbox delivered it before the server stopped
    assert "Proseware" in texts(card_of(announced))
