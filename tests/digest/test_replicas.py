"""Two servers on one PostgreSQL database, both firing the digest schedule, post each digest once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlmodel import Session, select

from storage import models as m
from storage.db import make_engine
from storage.migrate import upgrade
from workflows.digest import FIRST_STARTED

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def replica_db(pg_url):
    """A database of its own, so the servers' catch-up does not meet other tests' rows."""
    name = f"advocacy_replicas_{uuid.uuid4().hex[:8]}"
    admin = pg_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = pg_url.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:  # first started long ago, so the last month and quarter are due
        session.add(m.ProgramFact(key=FIRST_STARTED, at=datetime(2020, 1, 1, tzinfo=UTC)))
        session.commit()
    engine.dispose()
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _runs(engine) -> list[m.DigestRun]:
    with Session(engine) as session:
        return list(session.exec(select(m.DigestRun)))


def test_two_servers_post_each_due_digest_once(replica_db, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_"))}
    env.update(DATABASE_URL=replica_db, ADVOCACY_CONFIG=str(ROOT / "app.yaml"), SCHEDULER="true")
    ports = [_free_port(), _free_port()]
    servers = [subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
                                cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
               for port in ports]
    engine = make_engine(replica_db)
    try:
        deadline = time.monotonic() + 120  # two servers importing everything on a busy machine
        up: set[int] = set()
        while time.monotonic() < deadline and len(up) < 2:
            for port in set(ports) - up:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        up.add(port)
                except httpx.HTTPError:
                    pass
            assert all(s.poll() is None for s in servers), [s.stderr.read().decode()[-2000:] for s in servers]
            time.sleep(0.2)
        assert len(up) == 2, "servers did not start"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(_runs(engine)) < 2:
            time.sleep(0.2)
        time.sleep(1.5)  # room for a duplicate to show up
        runs = _runs(engine)
        with Session(engine) as session:
            posts = [r for r in session.exec(select(m.OutboxMessage)) if r.effect["purpose"] == "digest"]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(10)
        engine.dispose()
    # app.yaml posts digests to one Slack channel; the monthly and the quarterly digest are both due
    assert sorted(r.kind for r in runs) == ["monthly", "quarterly"]
    assert len(posts) == 2 and {p.lane for p in posts} == {"slack:C0123LEAD"}
