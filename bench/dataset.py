"""Generates a large advocacy program straight into the tables, fast (COPY on PostgreSQL, executemany on SQLite)."""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from storage import models as m

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
SEGMENTS = ["enterprise", "mid-market", "smb"]
INDUSTRIES = ["fintech", "healthcare", "retail", "logistics", "saas", "manufacturing"]
REGIONS = ["EMEA", "NA", "APAC", "LATAM"]
OWNERS = [f"U0OWNER{i:03d}" for i in range(200)]


def _ts(rng: random.Random, days: int = 730) -> datetime:
    return NOW - timedelta(seconds=rng.randrange(days * 86400))


def _columns(model) -> list[str]:
    return [c.name for c in model.__table__.columns]


def generate(scale: float = 1.0, seed: int = 1) -> dict[type[SQLModel], list[tuple]]:
    """Rows per table: 50k accounts, 1M wins, 300k nominations, 250k asks, 200k stories at scale 1."""
    rng = random.Random(seed)
    n_accounts, n_wins = int(50_000 * scale), int(1_000_000 * scale)
    n_noms, n_asks, n_stories = int(300_000 * scale), int(250_000 * scale), int(200_000 * scale)
    accounts = [(i, f"Account {i}", f"account {i}", rng.choice(SEGMENTS), rng.choice(INDUSTRIES),
                 rng.choice(REGIONS), rng.choice(OWNERS), f"CRM{i}", False, _ts(rng, 1500))
                for i in range(1, n_accounts + 1)]
    wins = [(i, rng.randint(1, n_accounts), None, rng.choice(["time_saved", "revenue_gained", "errors_reduced"]),
             float(rng.randint(1, 50)), "hours/week", "A measurable improvement.", "command", "",
             rng.choice(OWNERS), "Someone", _ts(rng)) for i in range(1, n_wins + 1)]
    noms = [(i, rng.randint(1, n_accounts), None, i, round(rng.uniform(0, 13.5), 2), 13.5, [], [],
             rng.choice(["proposed", "accepted", "dismissed", "snoozed"]), rng.choice(OWNERS), None, "", None,
             _ts(rng)) for i in range(1, n_noms + 1)]
    asks = [(i, i, rng.randint(1, n_accounts), None, rng.choice(["short_quote", "case_study", "star_review"]),
             "Hi there", rng.choice(["drafted", "sent", "responded", "declined", "expired"]), rng.choice(OWNERS),
             "", f"nonce{i}", None, _ts(rng), None, None, _ts(rng)) for i in range(1, n_asks + 1)]
    stories, consents = [], []
    for i in range(1, n_stories + 1):
        created = _ts(rng)
        state = rng.choice(["in_review", "approved", "published", "rejected", "changes_requested"])
        stories.append((i, i if i <= n_asks else None, rng.randint(1, n_accounts), None, None, "short_quote",
                        f"Story {i}", "We saved hours every week with automated reconciliation.", "Close faster",
                        "Automation", "2 days instead of 5", "60% faster", None, "", state, rng.choice(OWNERS),
                        created, created + timedelta(days=3), created + timedelta(days=5) if state == "published"
                        else None, created))
        consents.append((i, i, ["name", "quote"], ["website", "sales"], (NOW + timedelta(days=rng.randint(-60, 700))).date(),
                         False, "Signer", "", f"view{i}", created, None))
    return {m.Account: accounts, m.Win: wins, m.Nomination: noms, m.Ask: asks, m.Story: stories, m.Consent: consents}


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list):
        return json.dumps(value).replace("\\", "\\\\")
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def load(engine: Engine, data: dict[type[SQLModel], list[tuple]]) -> float:
    """Bulk-load generated rows; returns the seconds it took."""
    started = time.perf_counter()
    if engine.dialect.name == "postgresql":
        _copy_postgres(engine, data)
    else:
        with engine.begin() as conn:
            for model, rows in data.items():
                cols = _columns(model)
                for chunk in range(0, len(rows), 50_000):
                    conn.execute(model.__table__.insert(), [dict(zip(cols, r)) for r in rows[chunk:chunk + 50_000]])
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def _copy_postgres(engine: Engine, data: dict[type[SQLModel], list[tuple]]) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for model, rows in data.items():
            cols, table = _columns(model), model.__tablename__
            with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                copy.write("".join("\t".join(_copy_value(v) for v in row) + "\n" for row in rows))
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
