"""Time the leadership digest on a large program, next to hand-written SQL computing the same aggregates.

    python bench/digest.py [--scale 0.1] [--engines sqlite,postgres] [--pg postgresql://postgres@127.0.0.1/postgres]
                           [--history-wins 10000000]

At scale 1: 50k accounts, 1M wins, 700k nominations, 300k asks, 200k stories, 200k NPS answers,
500k deals (50k uses of stories in them), 2M placement clicks, 20k site reviews, spread over three
years; the digest is for October 2026 (Europe/London). Data is generated in process and bulk loaded
(executemany on SQLite, COPY on PostgreSQL) into a throwaway database.
Targets: the digest's numbers in at most 2x the raw aggregates, and under 2 s.

With --history-wins N, the same database then gets older wins (before the three years) until it holds
N wins, and the digest of the same month is timed again: it should cost what the month costs, not what
the history costs (target: at most 1.3x the time with 1M wins).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402
from sqlalchemy import JSON, Boolean, Enum, Float, Integer  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from bot.charts import digest_chart  # noqa: E402
from storage import models  # noqa: E402,F401  (registers the tables)
from storage.db import make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from workflows.config import parse_config  # noqa: E402
from workflows.core import Core  # noqa: E402
from workflows.digest import build_digest, digest_card  # noqa: E402
from workflows.periods import parse_period  # noqa: E402

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
START = datetime(2023, 11, 1, tzinfo=UTC)
SPAN = (NOW - START).total_seconds()
HISTORY_START = datetime(2013, 11, 1, tzinfo=UTC)
DAY = 86400.0
CONFIG = parse_config({"timezone": "Europe/London", "channels": {"slack": {"digest": "C0LEAD"}}})
PERIOD = parse_period("2026-10", CONFIG.tz)
SEGMENTS, INDUSTRIES = ["enterprise", "mid-market", "smb"], ["fintech", "healthcare", "retail", "logistics", "saas"]
REGIONS, CHANNELS = ["EMEA", "NA", "APAC", "LATAM"], ["website", "sales_deck", "social", "email"]


# --- data ----------------------------------------------------------------------------------------

def generate(scale: float, seed: int = 1) -> dict[str, tuple[list[str], list[tuple]]]:
    """Rows per table as (columns, tuples); timestamps are aware datetimes."""
    rng = random.Random(seed)
    n_accounts, n_wins, n_stories = int(50_000 * scale), int(1_000_000 * scale), int(200_000 * scale)

    def moment(after: datetime | None = None, max_days: float = 0) -> datetime:
        if after is None:
            return START + timedelta(seconds=rng.random() * SPAN)
        return after + timedelta(seconds=rng.random() * max_days * DAY)

    accounts = [(i, f"Account {i}", f"account {i}", rng.choice(SEGMENTS), rng.choice(INDUSTRIES),
                 rng.choice(REGIONS), f"U{i % 300:04d}", START) for i in range(1, n_accounts + 1)]
    contacts = [(i, i, f"Contact {i}", START) for i in range(1, n_accounts + 1)]
    wins, noms, asks, stories = [], [], [], []
    for i in range(1, n_wins + 1):
        account = rng.randint(1, n_accounts)
        created = moment()
        who = rng.randint(1, 200)
        wins.append((i, account, f"U{who:04d}", f"Person {who}", created, "x"))
        if rng.random() < 0.7:
            nom_at = moment(created, 2)
            asked = rng.random() < 0.43
            state = "accepted" if asked else rng.choice(["proposed", "dismissed", "snoozed"])
            noms.append((len(noms) + 1, account, i, state, f"U{account % 300:04d}", nom_at))
            if asked:
                sent = moment(nom_at, 10)
                responded = moment(sent, 14) if rng.random() < 0.72 else None
                state = "responded" if responded else rng.choice(["sent", "expired", "declined"])
                ask_id = len(asks) + 1
                asks.append((ask_id, len(noms), account, state, f"U{account % 300:04d}", f"t{ask_id}", nom_at, sent,
                             responded))
                if responded and len(stories) < n_stories and responded < NOW:
                    roll = rng.random()
                    approved = moment(responded, 7) if roll < 0.7 else None
                    published = moment(approved, 10) if roll < 0.3 else None
                    state = ("published" if published else "approved" if approved else
                             "in_review" if roll < 0.9 else "rejected")
                    rating = rng.randint(1, 5) if rng.random() < 0.4 else None
                    stories.append((len(stories) + 1, ask_id, account, account, i, state, rating,
                                    f"U{account % 300:04d}", responded, responded, approved, published))
    nps = [(i, rng.randint(1, n_accounts), min(10, max(0, int(rng.gauss(8, 2.5)))), moment())
           for i in range(1, int(200_000 * scale) + 1)]
    published = [s for s in stories if s[11] is not None]
    placements = [(i, s[0], f"c{i}", rng.choice(CHANNELS), "https://x.test", "https://x.test", "live", "U0MKT", s[11])
                  for i, s in enumerate(published, 1)]
    usable = [s for s in stories if s[10] is not None]
    n_deals = int(500_000 * scale)
    uses = [(i, rng.choice(usable)[0], f"OPP{rng.randint(1, n_deals)}", float(rng.randint(1, 200) * 1000), False,
             "U0SALES", moment()) for i in range(1, int(50_000 * scale) + 1)] if usable else []
    deals = []
    for i in range(1, n_deals + 1):
        opened = moment()
        closed = moment(opened, 120) if rng.random() < 0.8 else None
        outcome = rng.choice(["won", "lost", "lost", "withdrawn"]) if closed else "open"
        deals.append((i, f"OPP{i}", outcome, float(rng.randint(1, 200) * 1000), opened, closed, opened, opened))
    clicks = [(i, rng.randint(1, len(placements)), moment()) for i in range(1, int(2_000_000 * scale) + 1)] \
        if placements else []
    site_reviews = [(i, rng.randint(1, n_accounts), rng.choice(["g2", "capterra", "trustradius"]), f"https://r.test/{i}",
                     rng.choice([None, 3, 4, 5]), moment()) for i in range(1, int(20_000 * scale) + 1)]
    referrals = []
    for i in range(1, int(20_000 * scale) + 1):
        made = moment()
        converted = moment(made, 60) if rng.random() < 0.3 else None
        referrals.append((i, rng.randint(1, n_accounts), f"R{i}", f"Prospect {i}",
                          "converted" if converted else "made", float(rng.randint(0, 90) * 1000) if converted else 0.0,
                          made, converted))
    return {
        "account": (["id", "name", "name_key", "segment", "industry", "region", "owner", "created_at"], accounts),
        "contact": (["id", "account_id", "name", "created_at"], contacts),
        "win": (["id", "account_id", "flagged_by", "flagged_by_name", "created_at", "story"], wins),
        "nomination": (["id", "account_id", "win_id", "state", "owner", "created_at"], noms),
        "ask": (["id", "nomination_id", "account_id", "state", "owner", "token_nonce", "created_at", "sent_at",
                 "responded_at"], asks),
        "story": (["id", "ask_id", "account_id", "contact_id", "win_id", "state", "rating", "owner", "created_at",
                   "submitted_at", "approved_at", "published_at"], stories),
        "npsresponse": (["id", "account_id", "score", "responded_at"], nps),
        "placement": (["id", "story_id", "code", "channel", "url", "tracked_url", "state", "published_by",
                       "published_at"], placements),
        "dealusage": (["id", "story_id", "opportunity_id", "amount", "won", "recorded_by", "recorded_at"], uses),
        "deal": (["id", "opportunity_id", "outcome", "amount", "opened_at", "closed_at", "created_at", "updated_at"],
                 deals),
        "placementclick": (["id", "placement_id", "clicked_at"], clicks),
        "sitereview": (["id", "account_id", "site", "url", "rating", "confirmed_at"], site_reviews),
        "referral": (["id", "account_id", "code", "referred_company", "state", "amount", "created_at",
                      "converted_at"], referrals),
    }


def history_wins(first: int, total: int, accounts: int, seed: int = 2):
    """Wins older than the generated three years, ids after the first `first`, streamed (not held in memory)."""
    rng = random.Random(seed)
    span = (START - HISTORY_START).total_seconds()
    for i in range(first + 1, total + 1):
        who = rng.randint(1, 200)
        yield (i, rng.randint(1, accounts), f"U{who:04d}", f"Person {who}",
               HISTORY_START + timedelta(seconds=rng.random() * span), "x")


def _filler(column):
    """The value a bulk row gives a NOT NULL column it does not set."""
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, (Integer, Float)):
        return 0
    if isinstance(kind, JSON):
        return "[]"
    if isinstance(kind, Enum):
        return kind.enums[0]
    return ""


def complete(table: str, columns: list[str]) -> tuple[list[str], tuple]:
    """Add the NOT NULL columns the generator leaves out, with neutral values."""
    missing = [c for c in SQLModel.metadata.tables[table].columns
               if not c.nullable and not c.primary_key and c.name not in columns]
    extra = tuple(_filler(c) for c in missing)
    return columns + [c.name for c in missing], extra


def _sqlite_value(value):
    """A UTC datetime as SQLAlchemy stores it on SQLite: '2026-10-01 09:00:00.000000'."""
    if isinstance(value, datetime):
        return value.isoformat(" ", "microseconds")[:26]
    return value


def load_sqlite(path: str, data) -> None:
    """executemany with the secondary indexes dropped, then rebuilt (a sorted build beats random inserts)."""
    sqlite3.register_adapter(datetime, _sqlite_value)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                           f"AND tbl_name IN ({', '.join('?' * len(data))})", list(data)).fetchall()
    with conn:
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        for table, (columns, rows) in data.items():
            names, extra = complete(table, columns)
            sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            conn.executemany(sql, (row + extra for row in rows))
        for _, sql in indexes:
            conn.execute(sql)
    conn.execute("ANALYZE")
    conn.close()


def load_postgres(url: str, data) -> None:
    """COPY with foreign-key triggers off and secondary indexes dropped, then rebuilt."""
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET maintenance_work_mem = '256MB'")
        indexes = conn.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", [list(data)]).fetchall()
        for name, _ in indexes:
            conn.execute(f"DROP INDEX {name}")
        with conn.cursor() as cur:
            for table, (columns, rows) in data.items():
                names, extra = complete(table, columns)
                with cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + extra)
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        for _, sql in indexes:
            conn.execute(sql)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")


# --- the baseline: hand-written SQL for the same numbers -----------------------------------------

def raw_queries(dialect: str, edges: list[datetime], stuck_before: datetime) -> list[tuple[str, tuple]]:
    """One plain SQL statement per aggregate the digest shows, with its parameters."""
    pg = dialect == "postgresql"
    p = "%s" if pg else "?"
    e = [x if pg else _sqlite_value(x) for x in edges]
    cur, six = (e[-2], e[-1]), (e[0], e[-1])
    days = (lambda a, b: f"extract(epoch from {a} - {b}) / 86400.0") if pg else \
        (lambda a, b: f"julianday({a}) - julianday({b})")
    two = (e[-3], e[-2], e[-1])
    bucket2 = f"CASE WHEN {{c}} < {p} THEN 0 ELSE 1 END"
    out = []
    for table, column in [("win", "created_at"), ("nomination", "created_at"), ("ask", "sent_at"),
                          ("ask", "responded_at"), ("story", "approved_at"), ("story", "published_at"),
                          ("referral", "created_at"), ("placement", "published_at")]:
        out.append((f"SELECT {bucket2.format(c=column)} AS b, count(*) FROM {table} "
                    f"WHERE {column} >= {p} AND {column} < {p} GROUP BY b", (two[1], two[0], two[2])))
    out.append((f"SELECT {bucket2.format(c='created_at')} AS b, count(*), sum(rating) FROM story "
                f"WHERE created_at >= {p} AND created_at < {p} AND rating IS NOT NULL GROUP BY b", (two[1], two[0], two[2])))
    out.append((f"SELECT {bucket2.format(c='recorded_at')} AS b, count(*), count(DISTINCT story_id) FROM dealusage "
                f"WHERE recorded_at >= {p} AND recorded_at < {p} GROUP BY b", (two[1], two[0], two[2])))
    out.append((f"SELECT {bucket2.format(c='converted_at')} AS b, count(*), sum(amount) FROM referral "
                f"WHERE converted_at >= {p} AND converted_at < {p} GROUP BY b", (two[1], two[0], two[2])))
    out.append((f"SELECT {bucket2.format(c='r.confirmed_at')} AS b, count(*), count(r.rating), sum(r.rating) "
                f"FROM sitereview r WHERE r.confirmed_at >= {p} AND r.confirmed_at < {p} AND (r.ask_id IS NULL OR "
                f"NOT EXISTS (SELECT 1 FROM story s WHERE s.ask_id = r.ask_id AND s.rating IS NOT NULL)) GROUP BY b",
                (two[1], two[0], two[2])))
    proof = "EXISTS (SELECT 1 FROM dealusage u WHERE u.opportunity_id = deal.opportunity_id)"
    out.append((f"SELECT {bucket2.format(c='closed_at')} AS b, outcome, {proof} AS proof, count(*), sum(amount) "
                f"FROM deal WHERE closed_at >= {p} AND closed_at < {p} AND outcome != 'open' "
                f"GROUP BY b, outcome, proof", (two[1], two[0], two[2])))
    out.append((f"SELECT b, count(*), sum(CASE WHEN deal.amount > 0 THEN deal.amount ELSE u.amount END) FROM "
                f"(SELECT {bucket2.format(c='recorded_at')} AS b, opportunity_id, max(amount) AS amount FROM dealusage "
                f"WHERE recorded_at >= {p} AND recorded_at < {p} GROUP BY b, opportunity_id) u "
                f"LEFT JOIN deal ON deal.opportunity_id = u.opportunity_id GROUP BY b", (two[1], two[0], two[2])))
    out.append((f"SELECT placement.channel, count(*) FROM placementclick JOIN placement ON placement.id = "
                f"placementclick.placement_id WHERE clicked_at >= {p} AND clicked_at < {p} GROUP BY placement.channel",
                cur))
    nps_bucket = "CASE " + " ".join(f"WHEN responded_at < {p} THEN {i}" for i in range(5)) + " ELSE 5 END"
    out.append((f"SELECT {nps_bucket} AS b, count(*), sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END), "
                f"sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END) FROM npsresponse "
                f"WHERE responded_at >= {p} AND responded_at < {p} GROUP BY b", tuple(e[1:6]) + six))
    pairs = [("ask.sent_at", "win.created_at",
              "ask JOIN nomination ON nomination.id = ask.nomination_id JOIN win ON win.id = nomination.win_id"),
             ("ask.responded_at", "ask.sent_at", "ask"), ("story.approved_at", "story.submitted_at", "story"),
             ("story.published_at", "win.created_at", "story JOIN win ON win.id = story.win_id")]
    won = "deal.outcome = 'won' AND "
    pairs += [("deal.closed_at", "coalesce(deal.opened_at, deal.created_at)", f"deal WHERE {won}{proof} AND"),
              ("deal.closed_at", "coalesce(deal.opened_at, deal.created_at)", f"deal WHERE {won}NOT {proof} AND")]
    for later, earlier, source in pairs:
        where = "" if source.endswith(" AND") else " WHERE"
        inner = (f"SELECT {bucket2.format(c=later)} AS b, {days(later, earlier)} AS d FROM {source}{where} "
                 f"{later} >= {p} AND {later} < {p} AND {earlier} IS NOT NULL")
        if pg:
            sql = (f"SELECT b, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY d), "
                   f"percentile_cont(0.9) WITHIN GROUP (ORDER BY d) FROM ({inner}) t GROUP BY b")
        else:
            sql = (f"SELECT b, n, i, d FROM (SELECT b, d, row_number() OVER w - 1 AS i, count(*) OVER (w ROWS BETWEEN "
                   f"UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n FROM ({inner}) WINDOW w AS (PARTITION BY b "
                   f"ORDER BY d)) "
                   f"WHERE i IN (CAST((n - 1) * 0.5 AS INTEGER), CAST((n - 1) * 0.5 AS INTEGER) + 1, "
                   f"CAST((n - 1) * 0.9 AS INTEGER), CAST((n - 1) * 0.9 AS INTEGER) + 1)")
        out.append((sql, (two[1], two[0], two[2])))
    out.append((f"SELECT channel, count(*) FROM placement WHERE published_at >= {p} AND published_at < {p} "
                f"GROUP BY channel", cur))
    out.append((f"SELECT account_id, contact_id, count(*) AS n FROM (SELECT account_id, contact_id FROM story "
                f"WHERE created_at >= {p} AND created_at < {p} UNION ALL SELECT account_id, contact_id FROM referral "
                f"WHERE created_at >= {p} AND created_at < {p}) t GROUP BY account_id, contact_id "
                f"ORDER BY n DESC LIMIT 3", cur + cur))
    out.append((f"SELECT flagged_by, max(flagged_by_name), count(*) AS n FROM win WHERE created_at >= {p} "
                f"AND created_at < {p} GROUP BY flagged_by ORDER BY n DESC LIMIT 3", cur))
    out.append((f"SELECT segment, industry, region, count(*), count(s.account_id) FROM account LEFT JOIN "
                f"(SELECT DISTINCT account_id FROM story WHERE approved_at < {p} AND state IN ('approved', 'published')) s "
                f"ON s.account_id = account.id GROUP BY segment, industry, region", (e[-1],)))
    before = stuck_before if pg else _sqlite_value(stuck_before)
    for table, since, state in [("nomination", "created_at", "proposed"), ("ask", "created_at", "drafted"),
                                ("ask", "sent_at", "sent"), ("story", "created_at", "in_review")]:
        where = f"state = '{state}' AND {since} < {p}"
        out.append((f"SELECT count(*) FROM {table} WHERE {where}", (before,)))
        out.append((f"SELECT t.id, account.name, t.owner, t.{since} FROM (SELECT id, account_id, owner, {since} "
                    f"FROM {table} WHERE {where} ORDER BY {since} LIMIT 3) t JOIN account ON account.id = t.account_id",
                    (before,)))
    return out


def run_raw(engine, queries) -> None:
    with engine.connect() as conn:
        cursor = conn.connection.cursor()
        for sql, params in queries:
            cursor.execute(sql, params)
            cursor.fetchall()
        conn.rollback()


# --- timing --------------------------------------------------------------------------------------

def best_of(fn, runs: int = 3) -> float:
    """The fastest of a few runs: the least disturbed by other work on the machine."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def bench(name: str, url: str, data) -> dict:
    engine = make_engine(url)
    core = Core(engine, CONFIG, "bench", clock=lambda: NOW)
    edges = [p.start_utc for p in PERIOD.trend(6)] + [PERIOD.end_utc]
    queries = raw_queries(engine.dialect.name, edges, NOW - timedelta(days=CONFIG.digest.stuck_after_days))
    run_raw(engine, queries)  # warm the cache for both
    digest = build_digest(core, PERIOD)
    raw = best_of(lambda: run_raw(engine, queries))
    numbers = best_of(lambda: build_digest(core, PERIOD))
    card = best_of(lambda: digest_card(build_digest(core, PERIOD)))
    chart = best_of(lambda: digest_chart(digest))
    engine.dispose()
    return {"engine": name, "raw": raw, "digest": numbers, "card": card, "chart": chart,
            "wins": digest.activity.wins}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1M wins, 200k stories, 50k accounts")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--history-wins", type=int, default=0,
                        help="then add older wins until there are this many, and time the same digest again")
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL",
                                                       "postgresql://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    started = time.perf_counter()
    gc.disable()  # millions of long-lived tuples: the cyclic collector would rescan them all the time
    data = generate(args.scale)
    gc.freeze()
    gc.enable()
    sizes = ", ".join(f"{len(rows):,} {table}" for table, (_, rows) in data.items())
    print(f"generated {sizes} in {time.perf_counter() - started:.1f} s")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.engines.split(","):
            if name == "sqlite":
                url = f"sqlite:///{tmp}/bench.db"
                upgrade(make_engine(url))
                loading = time.perf_counter()
                load_sqlite(f"{tmp}/bench.db", data)
            else:
                db = f"advocacy_bench_{uuid.uuid4().hex[:8]}"
                with psycopg.connect(args.pg, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{db}"')
                url = args.pg.rsplit("/", 1)[0] + f"/{db}"
                upgrade(make_engine(url))
                loading = time.perf_counter()
                load_postgres(url, data)
            print(f"{name}: loaded in {time.perf_counter() - loading:.1f} s")
            try:
                results.append(bench(name, url, data))
                if args.history_wins:
                    loading = time.perf_counter()
                    older = {"win": (["id", "account_id", "flagged_by", "flagged_by_name", "created_at", "story"],
                                     history_wins(len(data["win"][1]), args.history_wins, len(data["account"][1])))}
                    if name == "sqlite":
                        load_sqlite(f"{tmp}/bench.db", older)
                    else:
                        load_postgres(url, older)
                    print(f"{name}: {args.history_wins:,} wins in all after {time.perf_counter() - loading:.1f} s more")
                    results.append(bench(f"{name}+hist", url, data))
            finally:
                if name != "sqlite":
                    with psycopg.connect(args.pg, autocommit=True) as conn:
                        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    print(f"\ndigest of {PERIOD.label} at scale {args.scale:g} (best of 3 runs)")
    print(f"{'engine':<10}{'raw SQL':>10}{'digest':>10}{'ratio':>8}{'+card':>10}{'chart':>10}  verdict")
    for r in results:
        ratio = r["digest"] / r["raw"]
        verdict = "ok" if ratio <= 2 and r["digest"] < 2 else "MISSES TARGET"
        if args.scale < 1:
            verdict = "targets apply at scale 1"
        print(f"{r['engine']:<10}{r['raw'] * 1000:>8.0f}ms{r['digest'] * 1000:>8.0f}ms{ratio:>7.2f}x"
              f"{r['card'] * 1000:>8.0f}ms{r['chart'] * 1000:>8.0f}ms  {verdict} ({r['wins']:,} wins in the period)")
    for base, grown in zip(results, results[1:]):
        if grown["engine"] == f"{base['engine']}+hist":
            growth = grown["digest"] / base["digest"]
            print(f"{base['engine']}: with {args.history_wins:,} wins of history the digest takes {growth:.2f}x as long "
                  f"as with {len(data['win'][1]):,} ({'ok' if growth <= 1.3 else 'MISSES TARGET'}: at most 1.3x)")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
