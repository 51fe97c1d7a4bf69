"""Slack re-deliveries spread over two bot servers on one PostgreSQL database: nothing twice, nothing lost.

    python bench/duplicates.py [--events 1000] [--threads 16] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Two real bot servers (each with its own context, connection pool and outbox worker) share a fresh
PostgreSQL database and one Slack Web API emulator. Each of `--events` distinct /win modal
submissions is delivered 2–4 times (X-Slack-Retry-Num 1–3 on the copies), alternating between the
servers, from a pool of threads so copies race. After the outbox drains it reports the requests sent
per category, the answers, duplicate and lost wins (rows) and celebration posts (in the emulator),
and 5xx answers seen. The baseline is the ideal: one win and one post per event, no 5xx.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402

from tests.reliability.replicas import emulator, servers, submit_duplicates  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL",
                                                       "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    name = f"advocacy_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    emu = emulator()
    try:
        with servers(emu, f"{args.pg.rsplit('/', 1)[0]}/{name}") as bots:
            started = time.perf_counter()
            report = submit_duplicates(bots, emu, args.events, threads=args.threads,
                                       drain_timeout=max(60.0, args.events * 0.2))
            elapsed = time.perf_counter() - started
    finally:
        emu.stop()
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print("\n".join(report.lines()))
    print(f"wins per event: {(report.events + report.duplicate_wins - report.lost_wins) / report.events:.3f} "
          f"(ideal 1.000); posts per event: "
          f"{(report.events + report.duplicate_posts - report.lost_posts) / report.events:.3f} (ideal 1.000); "
          f"took {elapsed:.1f}s")
    clean = not (report.duplicate_wins or report.lost_wins or report.duplicate_posts or report.lost_posts
                 or report.server_errors)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
