"""/healthz tells whether the database answers; /metrics shows requests, ack latency, outbox and deliveries."""

from __future__ import annotations

import uuid

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.context import BotContext
from bot.scheduler import run_digest
from bot.server import create_app
from bot.settings import Settings
from storage.db import make_engine
from storage.migrate import upgrade
from tests.conftest import PG_ADMIN_URL, TEST_CONFIG, _pg_reachable
from tests.core.helpers import flag
from tests.emulators import teams_activities as ta
from tests.emulators.server import run_asgi
from tests.digest.test_posting import started
from tests.reliability.security_helpers import fresh, world  # noqa: F401
from tests.slack.conftest import wait_until
from workflows.config import parse_config
from workflows.core import Core


def _health(engine) -> httpx.Response:
    ctx = BotContext(settings=Settings(_env_file=None, scheduler=False), core=Core(engine, parse_config(TEST_CONFIG),
                                                                                   secret="s"))
    with run_asgi(create_app(ctx)) as url:
        return httpx.get(f"{url}/healthz", timeout=10)


def test_health_is_503_on_a_stopped_port_and_200_when_the_database_answers(world):
    assert httpx.get(f"{world.url}/healthz").json()["status"] == "ok"
    stopped = _health(make_engine("postgresql://postgres@127.0.0.1:1/advocacy"))
    assert stopped.status_code == 503 and stopped.json()["database"] == "unreachable"


@pytest.mark.skipif(not _pg_reachable(), reason="PostgreSQL not reachable")
def test_health_is_503_once_the_database_is_dropped():
    name = f"advocacy_health_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}")
    upgrade(engine)
    assert _health(engine).status_code == 200
    engine.dispose()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    assert _health(engine).status_code == 503


def samples(url: str) -> dict[tuple, float]:
    text = httpx.get(f"{url}/metrics").text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_count_requests_ack_latency_outbox_deliveries_and_digests(fresh):
    before = samples(fresh.url)
    with fresh.slack() as slack:
        assert slack.url_verification("c").status_code == 200
    with ta.TeamsRequester(fresh.url) as teams:
        assert teams.post(ta.installation_update(fresh.connector.service_url)).status_code == 202
    flag(fresh.ctx.core)
    wait_until(lambda: fresh.slack_api.calls("chat.postMessage"), what="a delivery")
    started(fresh.ctx.core)  # first started long before the period, so its digest is due
    run_digest(fresh.ctx.core, "weekly")
    after = wait_until(lambda: (lambda s: s if s.get(("advocacy_deliveries_total", (
        ("outcome", "delivered"), ("platform", "slack")))) else None)(samples(fresh.url)), what="delivery metric")

    def grew(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) > before.get(key, 0)

    assert grew("advocacy_ack_seconds_count", platform="slack")
    assert grew("advocacy_ack_seconds_count", platform="teams")
    assert grew("advocacy_requests_total", route="/slack/events", status="200")
    assert grew("advocacy_deliveries_total", platform="slack", outcome="delivered")
    assert grew("advocacy_digest_runs_total", kind="weekly")
    assert ("advocacy_outbox_pending", ()) in after and ("advocacy_outbox_oldest_seconds", ()) in after
