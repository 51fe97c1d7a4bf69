"""What the acknowledgement benchmarks share: the processes, the load, the rounds and the table.

Every server runs in its own process (the bot as `python -m bot serve`, the floors and emulators from
bench/apps.py) and is timed from its launch to its first healthy /healthz. The client sends each
kind of request to every app in turn, `concurrency` at a time, after a warm-up; the apps take turns
over several rounds (the order rotating) and the medians are reported, so load from other processes
on the machine weighs on all alike; before each batch every server finishes the work the previous
batch caused (its CPU time stops moving), so no app's follow-up work lands in another's turn. Ratios are app / floor from the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import aiohttp
import httpx
import psycopg
import yaml

ROOT = Path(__file__).resolve().parents[1]
APPS = str(Path(__file__).with_name("apps.py"))
GOAL_LATENCY, GOAL_RATE, GOAL_FOOTPRINT = 1.3, 0.8, 2.0  # app / floor: at most, at least, at most
Request = tuple[bytes, dict]  # body and headers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A server process the benchmark started: its URL, start-up time and resident memory."""

    name: str
    proc: subprocess.Popen
    launched: float
    url: str = ""
    startup: float = 0.0
    folder: Path | None = None  # removed when the server stops

    @classmethod
    def launch(cls, name: str, argv: list[str], env: dict | None = None, cwd: str | None = None) -> Server:
        log = open(Path(tempfile.gettempdir()) / f"ack-bench-{name.replace(' ', '-')}.log", "w")
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
                                env=env, cwd=cwd or str(ROOT))
        return cls(name, proc, time.perf_counter())

    def healthy(self, url: str, timeout: float = 180) -> Server:
        """Wait for the first 200 from /healthz; the start-up time counts from the launch."""
        self.url = url
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise SystemExit(f"{self.name} exited with {self.proc.returncode}; see its log in /tmp")
                try:
                    if client.get(f"{url}/healthz").status_code == 200:
                        self.startup = time.perf_counter() - self.launched
                        return self
                except httpx.TransportError:
                    pass
                time.sleep(0.01)
        raise SystemExit(f"{self.name} was not healthy within {timeout:.0f} s")

    def printed_url(self) -> str:
        """An emulator prints its URL once it serves."""
        self.url = self.proc.stdout.readline().strip()
        if not self.url:
            raise SystemExit(f"{self.name} did not start")
        return self.url

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def emulator(role: str) -> Server:
    server = Server.launch(role, [sys.executable, APPS, role])
    server.printed_url()
    return server


def floor(name: str, role: str, *args: str) -> Server:
    port = free_port()
    server = Server.launch(name, [sys.executable, APPS, role, str(port), *args])
    return server.healthy(f"http://127.0.0.1:{port}")


def bot(name: str, db_url: str, config: dict, **env: str) -> Server:
    """`advocacy-bot serve` as deployed (scheduler off, so no digest runs during the benchmark), in a
    folder of its own that goes when it stops."""
    folder = Path(tempfile.mkdtemp(prefix="ack-bench-"))
    (folder / "app.yaml").write_text(yaml.safe_dump(config))
    port = free_port()
    values = {**{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TEAMS_", "ADVOCACY_"))},
              "DATABASE_URL": db_url, "ADVOCACY_CONFIG": str(folder / "app.yaml"),
              "ADVOCACY_SECRET": "bench-link-secret", "SCHEDULER": "false", "OUTBOX_POLL_SECONDS": "0.2",
              "LOG_LEVEL": "WARNING", **env}
    server = Server.launch(name, [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
                           env=values, cwd=str(folder))
    server.folder = folder
    return server.healthy(f"http://127.0.0.1:{port}")


def database_url(kind: str, pg: str) -> tuple[str, Callable[[], None]]:
    """A fresh database for one run, and how to drop it."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="ack-bench-")
        return f"sqlite:///{folder}/bench.db", lambda: shutil.rmtree(folder, ignore_errors=True)
    name = f"ack_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return f"{pg.rsplit('/', 1)[0]}/{name}", drop


async def fire(url: str, requests: list[Request], concurrency: int) -> tuple[list[float], float, list[int]]:
    """Send the requests `concurrency` at a time; (latencies in s, wall time in s, statuses)."""
    latencies: list[float] = []
    statuses: list[int] = []
    pending = iter(requests)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        async def worker():
            for body, headers in pending:
                started = time.perf_counter()
                try:
                    async with session.post(url, data=body, headers=headers) as response:
                        await response.read()
                        statuses.append(response.status)
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    print(f"  request failed after {time.perf_counter() - started:.2f}s: {exc!r}", file=sys.stderr)
                    statuses.append(0)
                    continue
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, time.perf_counter() - started, statuses


@dataclass
class Figures:
    """Per (kind, app): p50 ms, p99 ms, requests/s and slowest ms of each round."""

    rounds: dict[tuple[str, str], list[tuple[float, float, float, float]]] = field(default_factory=dict)
    sent: dict[str, int] = field(default_factory=dict)

    def median(self, kind: str, app: str) -> tuple[float, float, float, float]:
        return tuple(statistics.median(column) for column in zip(*self.rounds[kind, app]))


def settle(servers: list[Server], window: float = 0.3, idle: float = 0.1, limit: float = 20) -> None:
    """Wait until the servers are near idle (under `idle` of a core over `window` s: the work that
    followed the acks is done), so it weighs on no other app's turn."""
    deadline = time.monotonic() + limit
    before = sum(s.cpu_seconds() for s in servers)
    while time.monotonic() < deadline:
        time.sleep(window)
        now = sum(s.cpu_seconds() for s in servers)
        if now - before <= idle * window:
            return
        before = now


def measure(apps: dict[str, Server], path: str, kinds: list[str], build: Callable[[str, int], list[Request]],
            args: argparse.Namespace, others: list[Server] = (),
            ok: Callable[[int], bool] = lambda status: status == 200) -> Figures:
    """Every kind against every app: a warm-up, then `rounds` rounds with the apps' order rotating.

    Before each batch all servers (and the emulators in `others`) finish the work the previous one caused."""
    figures = Figures()
    names = list(apps)
    everyone = [*apps.values(), *others]
    for kind in kinds:
        for name in names:
            settle(everyone)
            asyncio.run(fire(apps[name].url + path, build(kind, args.warmup), args.concurrency))
            figures.sent[name] = figures.sent.get(name, 0) + args.warmup
        for turn in range(args.rounds):
            for name in names[turn % len(names):] + names[:turn % len(names)]:
                settle(everyone)
                latencies, wall, statuses = asyncio.run(
                    fire(apps[name].url + path, build(kind, args.requests), args.concurrency))
                figures.sent[name] += len(statuses)
                bad = [s for s in statuses if not ok(s)]
                if bad:
                    raise SystemExit(f"{name} answered {len(bad)} {kind} request(s) with {sorted(set(bad))}")
                cuts = statistics.quantiles(latencies, n=100, method="inclusive")
                figures.rounds.setdefault((kind, name), []).append(
                    (cuts[49] * 1000, cuts[98] * 1000, len(latencies) / wall, max(latencies) * 1000))
    return figures


def verdict(ratio: float, goal: float, at_least: bool = False) -> str:
    return "" if (ratio >= goal if at_least else ratio <= goal) else " !"


def latency_table(figures: Figures, kinds: list[str], floor_name: str, apps: list[str]) -> list[str]:
    """One line per kind and app with the ratios to the floor; '!' marks a ratio outside the goal."""
    lines = [f"| {'kind':<17}| {'app':<12}| p50 ms | p99 ms | req/s | p50 ×  | p99 ×  | req/s × |",
             "|" + "|".join("-" * w for w in (18, 13, 8, 8, 7, 8, 8, 9)) + "|"]
    for kind in kinds:
        b50, b99, brate, _ = figures.median(kind, floor_name)
        lines.append(f"| {kind:<17}| {floor_name:<12}| {b50:6.1f} | {b99:6.1f} | {brate:5.0f} |        |        |         |")
        for app in apps:
            o50, o99, orate, _ = figures.median(kind, app)
            lines.append(f"| {'':<17}| {app:<12}| {o50:6.1f} | {o99:6.1f} | {orate:5.0f} "
                         f"| {o50 / b50:5.2f}{verdict(o50 / b50, GOAL_LATENCY):2}"
                         f"| {o99 / b99:5.2f}{verdict(o99 / b99, GOAL_LATENCY):2}"
                         f"| {orate / brate:5.2f}{verdict(orate / brate, GOAL_RATE, True):3}|")
    return lines


def footprint_table(servers: list[Server], floor_server: Server, sent: dict[str, int]) -> list[str]:
    """Start-up to the first healthy /healthz and resident memory, against the floor."""
    base_rss = floor_server.rss_mib()
    lines = [f"| {'app':<12}| start-up s | start-up × | requests | RSS MiB | RSS ×  |",
             "|" + "|".join("-" * w for w in (13, 12, 12, 10, 9, 8)) + "|"]
    for server in [floor_server, *servers]:
        rss = server.rss_mib()
        up, mem = server.startup / floor_server.startup, rss / base_rss
        ratios = ("          ", "      ") if server is floor_server else (
            f"{up:6.2f}{verdict(up, GOAL_FOOTPRINT):4}", f"{mem:4.2f}{verdict(mem, GOAL_FOOTPRINT):2}")
        lines.append(f"| {server.name:<12}| {server.startup:10.2f} | {ratios[0]} | {sent.get(server.name, 0):8d} "
                     f"| {rss:7.0f} | {ratios[1]} |")
    return lines


def arguments(description: str, kinds: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--kind", action="append", choices=kinds, dest="kinds",
                        help="measure only this kind of request (repeatable; default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="one round of 60 per kind after 20, on SQLite unless --database says: under a minute")
    parser.add_argument("--requests", type=int, default=300, help="measured requests per kind, app and round")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=50, help="requests per kind and app before measuring")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per kind; medians are reported")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"),
                        help="which databases the bot runs on (default: both; SQLite alone with --quick)")
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL",
                                                       "postgresql://postgres@127.0.0.1/postgres"))
    args = parser.parse_args()
    if args.quick:
        args.requests, args.rounds, args.warmup = 60, 1, 20
    args.database = args.database or ("sqlite" if args.quick else "both")
    args.databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    args.kinds = args.kinds or kinds
    return args


def seed_accounts(db_url: str, config: dict, count: int = 20) -> list[int]:
    """Migrate the bot's database and give it accounts to pick (nothing is left to post).

    The config must count Slack user U0SUCCESS in the success role."""
    sys.path.insert(0, str(ROOT))
    from bot.server import build_context
    from bot.settings import Settings
    from storage import outbox
    from workflows import wins
    from workflows.actors import Actor
    from workflows.config import parse_config

    seed = build_context(Settings(_env_file=None, database_url=db_url), parse_config(config))
    ids = [wins.flag_win(seed.core, Actor("slack", "U0SUCCESS", name="Sam"), wins.parse_win_form(
        {"account_name": f"Bench Account {i}", "story": "Seed win"})).account.id for i in range(count)]
    outbox.discard_pending(seed.core.engine, "benchmark seed data", seed.core.now())
    seed.core.engine.dispose()
    return ids
