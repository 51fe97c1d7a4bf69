"""Every case of the spec, done in Slack and in Teams: the same words shown, the same state stored and
the same card left for everyone.

One bot serves both platforms over one database, SQLite and then PostgreSQL; each run starts from a clean
database and the same world, built through the core.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest

from bot.server import build_context, create_app
from storage import models as m
from tests.core.helpers import rows
from tests.emulators import teams_activities as ta
from tests.emulators.server import run_asgi
from tests.emulators.slack_api import SlackEmulator
from tests.emulators.teams_connector import FakeBotConnector
from tests.parity.drivers import SlackDriver, TeamsDriver
from tests.parity.spec import CASES, Case
from tests.reliability.security_helpers import CONFIG, World, clear, settings
from tests.slack.conftest import PEOPLE as SLACK_PEOPLE, wait_until
from tests.teams.conftest import PEOPLE as TEAMS_PEOPLE
from tests.teams.people import Person
from workflows.config import parse_config
from workflows.states import OutboxState

OLU = ("29:1olu", "a1b2c3d4-0000-4000-8000-0000000000b2", "olu@example.com")
NAMES = {"sam": "Sam Success", "mia": "Mia Marketing", "sid": "Sid Sales", "nobody": "Nora Nobody", "olu": "Olu Other"}
PARITY_CONFIG = {**CONFIG, "roles": {**CONFIG["roles"], "success": CONFIG["roles"]["success"] + [OLU[1]]}}
STAMP = re.compile(r" on \d{1,2} \w{3} \d{4} \d{2}:\d{2}( \w+)?")


@contextmanager
def serve(db_url: str):
    with SlackEmulator() as emu, FakeBotConnector() as connector:
        for user_id, (email, name) in {**SLACK_PEOPLE, "U0SUCCESS2": ("olu@example.com", "Olu Other")}.items():
            emu.add_user(user_id, email=email, real_name=name)
        ctx = build_context(settings(db_url, emu.base_url), parse_config(PARITY_CONFIG))
        clear(ctx.core.engine)  # rows other tests left in a shared database must not be delivered here
        with run_asgi(create_app(ctx)) as url, ta.TeamsRequester(url) as requester:
            world = World(url, ctx, emu, connector)
            people = {who: Person(NAMES[who], *ids, requester, connector)
                      for who, ids in {**TEAMS_PEOPLE, "olu": OLU}.items()}
            yield world, people
        ctx.core.engine.dispose()


@pytest.fixture(scope="module")
def both(db_url):
    """One bot for both platforms, on each database in turn."""
    with serve(db_url) as (world, people):
        world.install_teams()
        yield world, people


def run(world, people, driver, case: Case) -> dict:
    """One clean run of a case on one platform: what the person saw, what was stored, the item's card."""
    world.reset()
    for who, person in people.items():
        world.connector.add_user(person.teams_id, NAMES[who], person.aad, email=person.email, tenant_id=ta.TENANT_ID)
    item = case.world(world.ctx.core)
    told = driver.act(case, item)
    engine = world.engine
    wait_until(lambda: not rows(engine, m.OutboxMessage, m.OutboxMessage.state == OutboxState.PENDING), 10,
               "the outbox to be written and delivered")
    card = None
    if case.card:
        cards = [row.effect["card"] for row in rows(engine, m.OutboxMessage)
                 if row.effect.get("ref_key", "").startswith(f"{case.card}:")]
        card = cards[-1] if cards else None
        if card:  # the same card, whenever it was drawn
            card = {**card, "note": STAMP.sub("", card["note"]), "image": None}
    return {"told": told, "stored": case.stored(engine) if case.stored else None, "card": card}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_slack_and_teams_agree(both, case: Case):
    world, people = both
    slack = run(world, people, SlackDriver(world), case)
    teams = run(world, people, TeamsDriver(world, people), case)
    check(case, "slack", slack)
    check(case, "teams", teams)
    assert slack["stored"] == teams["stored"]
    assert slack["card"] == teams["card"]


def check(case: Case, platform: str, seen: dict) -> None:
    """What one platform showed and stored, against the case."""
    if case.told:
        assert case.told in seen["told"], f"{platform} did not tell the person {case.told!r}:\n{seen['told']}"
    for text in case.shown:
        assert text in seen["told"], f"{platform} did not show {text!r}:\n{seen['told']}"
    for text in case.hidden:
        assert text not in seen["told"], f"{platform} showed {text!r}:\n{seen['told']}"
    if case.expect is not None:
        assert seen["stored"] == case.expect, f"{platform} stored {seen['stored']}"


def test_the_spec_covers_every_button_and_command():
    from workflows.interactions import COMMANDS, QUEUE_BUTTONS
    done = {c.action for c in CASES}
    buttons = {name for names in QUEUE_BUTTONS.values() for name in names}
    assert len(CASES) >= 30
    assert buttons | {c.name for c in COMMANDS} | {"help"} <= done
