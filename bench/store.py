"""Times the queries the queues, proof search and outbox need over a large program, next to raw SQL.

    python bench/store.py [--scale 1.0] [--engines sqlite,postgres] [--repeat 7]

Loads 1M wins / 200k stories / 50k accounts (at --scale 1) into a fresh SQLite file and a fresh
PostgreSQL database, then reports each query's median time through the store (storage.repo /
storage.outbox) and the same query as hand-written SQL on the raw driver (the floor), as a ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dataset import NOW, OWNERS, generate, load  # noqa: E402
from storage import outbox  # noqa: E402
from storage.db import make_engine, transaction  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import OutboxMessage  # noqa: E402
from storage.repo import Repo  # noqa: E402
from workflows.states import StoryState  # noqa: E402

OWNER = OWNERS[7]
TODAY = NOW.date()


def _pending_outbox(engine, lanes: int = 50, per_lane: int = 200) -> None:
    with transaction(engine) as session:
        session.add_all([OutboxMessage(platform="slack", lane=f"slack:C{lane:04d}", effect={"op": "post"},
                                       created_at=NOW, next_attempt_at=NOW)
                         for lane in range(lanes) for _ in range(per_lane)])


def store_queries(engine):
    def repo_call(fn):
        def run():
            with transaction(engine, read_only=True) as session:
                return fn(Repo(session))
        return run

    def claim_and_release():
        lanes = outbox.claim(engine, NOW)
        outbox.release_jobs(engine, [job for jobs in lanes for job in jobs])
        return lanes

    return {
        "queue: my nominations": repo_call(lambda r: r.nominations_owned([OWNER])),
        "queue: my open asks": repo_call(lambda r: r.asks_owned([OWNER])),
        "queue: stories in review": repo_call(lambda r: r.stories_in([StoryState.IN_REVIEW])),
        "queue: my wins": repo_call(lambda r: r.wins_by([OWNER])),
        "proof: consented stories": repo_call(lambda r: r.proof_candidates(TODAY)),
        "outbox: claim 20 lanes": claim_and_release,
    }


RAW = {
    "queue: my nominations": "SELECT * FROM nomination WHERE state IN ('proposed','snoozed') AND owner IN ('{o}') "
                             "ORDER BY score DESC LIMIT 20",
    "queue: my open asks": "SELECT * FROM ask WHERE state IN ('drafted','sent') AND owner IN ('{o}') "
                           "ORDER BY created_at LIMIT 20",
    "queue: stories in review": "SELECT * FROM story WHERE state IN ('in_review') ORDER BY created_at LIMIT 20",
    "queue: my wins": "SELECT * FROM win WHERE flagged_by IN ('{o}') ORDER BY created_at DESC LIMIT 10",
    "proof: consented stories": "SELECT s.*, a.*, c.* FROM story s JOIN account a ON a.id = s.account_id "
                                "JOIN consent c ON c.story_id = s.id WHERE s.state IN ('approved','published') "
                                "AND c.withdrawn_at IS NULL AND (c.expires_on IS NULL OR c.expires_on >= '{d}') "
                                "ORDER BY s.approved_at DESC LIMIT 500",
    "outbox: claim 20 lanes": [
        "SELECT o.id FROM outboxmessage o JOIN (SELECT lane, MIN(id) AS head FROM outboxmessage "
        "WHERE state = 'pending' GROUP BY lane) h ON h.head = o.id WHERE o.next_attempt_at <= '{now}' "
        "AND o.lease_until IS NULL ORDER BY o.id LIMIT 20",
        "UPDATE outboxmessage SET leased_by = 'raw' WHERE id IN ({ids}) AND state = 'pending' "
        "AND lease_until IS NULL RETURNING id, lane",
        "SELECT * FROM (SELECT id, platform, lane, effect, attempts, ROW_NUMBER() OVER (PARTITION BY lane "
        "ORDER BY id) AS rn FROM outboxmessage WHERE lane IN ({lanes}) AND state = 'pending' "
        "AND lease_until IS NULL) r WHERE rn <= 20 ORDER BY lane, id",
        "UPDATE outboxmessage SET leased_by = '' WHERE id IN ({row_ids})",
    ],
}


def raw_query(engine, statements: str | list[str]):
    """The same work as plain SQL on the driver; later statements use the ids the earlier ones returned."""
    statements = [statements] if isinstance(statements, str) else statements
    now = NOW.strftime("%Y-%m-%d %H:%M:%S.%f" if engine.dialect.name == "sqlite" else "%Y-%m-%d %H:%M:%S+00")

    def run():
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            values = {"o": OWNER, "d": TODAY.isoformat(), "now": now}
            for sql in statements:
                cur.execute(sql.format(**values))
                rows = cur.fetchall() if cur.description else []
                values["ids"] = ", ".join(str(r[0]) for r in rows) or "0"
                values["lanes"] = ", ".join(f"'{r[1]}'" for r in rows if len(r) > 1) or "''"
                values["row_ids"] = values["ids"]
            raw.commit()
            return rows
        finally:
            raw.close()
    return run


def median_ms(fn, repeat: int) -> float:
    fn()  # warm caches and the connection pool
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def bench_engine(name: str, url: str, scale: float, repeat: int) -> list[tuple]:
    engine = make_engine(url)
    upgrade(engine)
    loaded = load(engine, generate(scale))
    _pending_outbox(engine)
    print(f"[{name}] loaded in {loaded:.1f}s", flush=True)
    results = []
    for label, fn in store_queries(engine).items():
        store = median_ms(fn, repeat)
        floor = median_ms(raw_query(engine, RAW[label]), repeat)
        results.append((name, label, store, floor, store / floor if floor else float("nan")))
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        if "sqlite" in args.engines:
            results += bench_engine("sqlite", f"sqlite:///{tmp}/bench.db", args.scale, args.repeat)
        if "postgres" in args.engines:
            name = f"advocacy_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            try:
                results += bench_engine("postgres", f"{args.pg.rsplit('/', 1)[0]}/{name}", args.scale, args.repeat)
            finally:
                with psycopg.connect(args.pg, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"\n{'engine':<9} {'query':<28} {'store ms':>9} {'raw ms':>8} {'ratio':>6}")
    for engine, label, store, floor, ratio in results:
        print(f"{engine:<9} {label:<28} {store:9.2f} {floor:8.2f} {ratio:6.2f}")


if __name__ == "__main__":
    main()
