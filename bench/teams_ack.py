"""Teams invoke answers of the bot next to an Agents SDK echo app, on SQLite and PostgreSQL.

    python bench/teams_ack.py [--quick] [--requests 300] [--rounds 3] [--concurrency 50]
                              [--database sqlite|postgres|both] [--pg URL] [--kind KIND ...]

The bot (`advocacy-bot serve` in anonymous local mode, once per database), an AgentApplication that
answers every invoke with an echo (bench/apps.py) and the Bot Connector emulator each run in their
own process. The same activities, in the shapes Teams posts (tests/emulators/teams_activities.py),
go to POST /api/messages of every app, so whichever Teams implementation the bot has is measured:

- "card action"      adaptiveCard/action (Action.Execute) "queue.show": the person's queue as a card
- "extension submit" composeExtension/submitAction of "Flag as customer win": a win recorded

An invoke's answer is its HTTP response, so latency is from sending to the full answer.
`--quick` (one round of 60 after 20, SQLite only unless `--database` says) runs in under a minute.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import acks  # noqa: E402
from bench.apps import SLACK_USER, TEAMS_USER  # noqa: E402
from tests.emulators import teams_activities as ta  # noqa: E402

CHANNELS = {purpose: f"19:{purpose}@thread.tacv2" for purpose in ("wins", "nominations", "approvals")}
CONFIG = {
    "timezone": "Europe/London", "public_url": "https://advocacy.example.com",
    "channels": {"teams": CHANNELS},
    "roles": {"success": [TEAMS_USER["aadObjectId"], SLACK_USER], "marketing": ["mia@example.com"]},
}
KINDS = ["card action", "extension submit"]
FLAG_WIN = "flagWin"  # the message action's command id in the app manifest


class Activities:
    def __init__(self, service_url: str, account_names: list[str]):
        self.service_url = service_url
        self.account_names = account_names

    def one(self, kind: str, i: int) -> dict:
        if kind == "card action":
            return ta.card_action("queue.show", {}, self.service_url, reply_to_id="1700000000001", personal=True,
                                  user=TEAMS_USER)
        data = {"account_name": self.account_names[i % len(self.account_names)], "outcome_type": "other",
                "story": f"Benchmark win {i} & more"}
        return ta.message_action_submit(FLAG_WIN, data, f"Benchmark win {i}", self.service_url, user=TEAMS_USER)

    def __call__(self, kind: str, count: int) -> list[acks.Request]:
        return [(json.dumps(self.one(kind, i)).encode(), {"Content-Type": "application/json"})
                for i in range(count)]


def main() -> None:
    args = acks.arguments(__doc__.split("\n")[0], KINDS)
    started = time.perf_counter()
    connector = acks.emulator("teams-connector")
    servers, drops = [], []
    try:
        echo = acks.floor("echo Agents", "echo-agents")
        for kind in args.databases:
            db_url, drop = acks.database_url(kind, args.pg)
            drops.append(drop)
            acks.seed_accounts(db_url, CONFIG)
            servers.append(acks.bot(f"bot {kind}", db_url, CONFIG))
        apps = {"echo Agents": echo, **{s.name: s for s in servers}}
        activities = Activities(connector.url, [f"Bench Account {i}" for i in range(20)])
        figures = acks.measure(apps, "/api/messages", args.kinds, activities, args, others=[connector])
        print(f"Teams invokes: {args.concurrency} concurrent activities, {args.requests} measured per kind and app "
              f"after {args.warmup} warm-up, median of {args.rounds} rotating round(s); '!' marks a ratio "
              f"outside the goal (latency ≤ {acks.GOAL_LATENCY}×, req/s ≥ {acks.GOAL_RATE}×, "
              f"start-up and memory ≤ {acks.GOAL_FOOTPRINT}×)")
        print("\n".join(acks.latency_table(figures, args.kinds, "echo Agents", [s.name for s in servers])))
        print()
        print("\n".join(acks.footprint_table(servers, echo, figures.sent)))
        print(f"Run took {time.perf_counter() - started:.0f} s")
    finally:
        for server in [*servers, connector]:
            server.stop()
        if "echo" in locals():
            echo.stop()
        for drop in drops:
            drop()


if __name__ == "__main__":
    main()
