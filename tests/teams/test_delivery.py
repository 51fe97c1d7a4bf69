"""Proactive Teams posts from the outbox: retries on 429/5xx lose nothing, refusals are parked, DMs find people."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.charts import digest_chart
from bot.delivery import PermanentError, RetryableError
from bot.teams.sender import TeamsOutbox
from storage import models as m
from tests.core.helpers import flag, rows
from tests.emulators import teams_activities as ta
from tests.teams.conftest import DIGEST, MIA_AAD, NOMS, SAM_AAD, WINS
from tests.teams.people import card_of, texts
from workflows.digest import post_digest
from workflows.effects import Card
from workflows.periods import containing
from workflows.states import OutboxState


def _flag(teams, text="Adatum halved its close"):
    dialog = teams.sam.flag_message(text)
    teams.sam.submit_flag(text, dialog, {"account_name": "Adatum"})


def test_rate_limits_and_server_errors_are_retried_until_delivered_once(teams, engine):
    teams.install()
    teams.connector.fail_next(f"/v3/conversations/{NOMS}/activities$", status=429, retry_after=0.2)
    teams.connector.fail_next(f"/v3/conversations/{WINS}/activities$", status=503, retry_after=None, count=1)
    _flag(teams)
    [nomination] = teams.posts(NOMS)
    [celebration] = teams.posts(WINS)
    assert "Adatum" in texts(card_of(nomination)) and "Adatum" in texts(card_of(celebration))
    failed = [c for c in teams.connector.calls("send") if c.status in (429, 503)]
    assert sorted(c.status for c in failed) == [429, 503]
    delivered = {r.lane: r for r in rows(engine, m.OutboxMessage)}
    assert delivered[f"teams:{NOMS}"].state == OutboxState.DELIVERED
    assert delivered[f"teams:{NOMS}"].attempts == 2
    assert len(teams.connector.activities(NOMS)) == 1


def test_card_updates_are_retried_too(teams, engine):
    teams.install()
    _flag(teams)
    [nomination] = teams.posts(NOMS)
    teams.connector.fail_next("update", status=500, retry_after=0.1)
    assert teams.sam.click(NOMS, nomination, "Not now").status_code == 200
    teams.updates(NOMS)
    assert "Not now by Sam" in texts(card_of(teams.connector.activities(NOMS)[0]))


def test_posts_wait_for_an_install_and_go_out_as_soon_as_it_happens(teams, engine):
    flag(teams.core)  # before the bot has heard from Teams at all
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        pending = [r for r in rows(engine, m.OutboxMessage) if r.attempts]
        if len(pending) == 2:
            break
        time.sleep(0.05)
    assert [r.state for r in pending] == [OutboxState.PENDING] * 2
    assert all("not installed in any team yet" in r.last_error for r in pending)
    assert teams.connector.calls("send") == []
    teams.install()  # the waiting lanes are retried now, not 5 minutes after the failed attempt
    assert teams.posts(WINS, timeout=3) and teams.posts(NOMS, timeout=3)


@pytest.fixture
def outbox(teams) -> TeamsOutbox:
    return teams.ctx.senders["teams"]


async def test_refusals_are_permanent_and_busy_answers_retryable(teams, outbox):
    teams.install()
    teams.connector.fail_next("send", status=403, retry_after=None)
    with pytest.raises(PermanentError):
        await outbox.post(WINS, Card(title="Hello"))
    teams.connector.fail_next("send", status=429, retry_after=7)
    with pytest.raises(RetryableError) as busy:
        await outbox.post(WINS, Card(title="Hello"))
    assert busy.value.retry_after == 7


async def test_direct_messages_by_object_id_or_known_email(teams, outbox):
    teams.install()
    await outbox.dm(MIA_AAD, Card(title="For Mia"))
    [create] = teams.connector.calls("create_conversation")
    assert create.json["members"] == [{"id": MIA_AAD}] and create.json["tenantId"] == ta.TENANT_ID
    chat = create.response["id"]
    await outbox.dm(MIA_AAD, Card(title="Again"))  # the stored 1:1 chat is reused
    assert len(teams.connector.calls("create_conversation")) == 1
    teams.mia.say("queue", personal=True)  # looking Mia up in the roster teaches the bot her email
    teams.posts(ta.PERSONAL_CONVERSATION_ID)
    await outbox.dm("Mia@Example.com", Card(title="By email"))
    assert [texts(card_of(a)).split("\n")[0] for a in teams.connector.activities(chat)] == ["For Mia", "Again"]
    # Mia has since written from her own 1:1 chat: the newest one is used
    assert texts(card_of(teams.connector.activities(ta.PERSONAL_CONVERSATION_ID)[-1])).startswith("By email")
    with pytest.raises(PermanentError):
        await outbox.dm("stranger@example.com", Card(title="?"))


def test_the_digest_is_posted_to_the_digest_channel_with_its_chart(teams):
    teams.install()
    core = teams.core
    with core.unit() as unit:  # something happened this month, so the digest has a chart
        account = unit.repo.add(m.Account(name="Acme", name_key="acme", created_at=unit.now))
        unit.repo.add(m.NpsResponse(account_id=account.id, score=10, responded_at=unit.now))
    post_digest(core, containing(core.now(), core.config.tz), "test", digest_chart)
    [digest] = teams.posts(DIGEST)
    content = card_of(digest)
    assert texts(content).startswith("Advocacy digest: ")
    [chart] = [e for e in content["body"] if e["type"] == "Image"]
    assert chart["altText"] and chart["url"].startswith("data:image/png;base64,")
    assert digest["summary"].startswith("Advocacy digest: ")


def test_cards_name_people_from_the_team_roster_without_mentioning_them(teams):
    teams.install()
    _flag(teams)
    [nomination] = teams.posts(NOMS)
    text = texts(card_of(nomination))
    assert "Owner: \nSam" in text or "Owner: Sam" in text.replace("\n", ""), text
    assert SAM_AAD not in text
    assert not [e for e in nomination.get("entities") or [] if e.get("type") == "mention"]


def test_the_digest_asked_for_in_chat_names_the_owners_of_stuck_items(teams, engine):
    teams.install()
    _flag(teams)
    teams.posts(NOMS)
    with engine.begin() as conn:  # the nomination has waited a month
        conn.execute(update(m.Nomination).values(created_at=teams.core.now() - timedelta(days=30)))
    teams.mia.say("digest", personal=True)
    [digest] = teams.posts(ta.PERSONAL_CONVERSATION_ID)
    text = texts(card_of(digest))
    assert "Stuck for more than" in text and "Adatum" in text
    assert "owner Sam" in text and SAM_AAD not in text
    assert not [e for e in digest.get("entities") or [] if e.get("type") == "mention"]
