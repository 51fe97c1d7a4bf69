"""Slack acknowledgements of the bot next to a bare Bolt app that only acks, on SQLite and PostgreSQL.

    python bench/slack_ack.py [--quick] [--requests 300] [--rounds 3] [--concurrency 50]
                              [--database sqlite|postgres|both] [--pg URL] [--kind KIND ...]

The bot (`advocacy-bot serve`, once per database), a bare Bolt AsyncApp under uvicorn (acks only,
and opens an empty modal for /win) and the Slack Web API emulator behind both each run in their own
process. The same signed requests, in Slack's payload shapes, go to every app (bench/acks.py):

- "/advocacy help", "/advocacy queue"   slash commands; the answer follows via response_url
- "/win"           slash command: ack, then views.open (the modal)
- "button"         "Not now" on a nomination card: ack, then the decision and an ephemeral answer
- "submit"         the win modal submitted: a database write; "Working on it" if it is slow
- "submit invalid" the win modal without a story: the error shown on the field
- "suggestions"    the account picker's search (block_suggestion): matching accounts
- "reaction"       reaction_added event; "app home" app_home_opened event (the Home tab is published)

Latency is from sending to the full HTTP answer (the acknowledgement). The footprint table gives
start-up to the first healthy /healthz and resident memory after the requests sent, against the
bare app. `--quick` (one round of 60 after 20, SQLite only unless `--database` says) runs in under a minute.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import acks  # noqa: E402
from bench.apps import ACCOUNT_ACTION, SLACK_SECRET, SLACK_TOKEN, SLACK_USER, WIN_CALLBACK  # noqa: E402
from bot.slack.modals import blank_win  # noqa: E402
from tests.emulators.slack_requests import signature  # noqa: E402

CONFIG = {
    "timezone": "Europe/London", "public_url": "https://advocacy.example.com",
    "channels": {"slack": {"wins": "C0WINS", "nominations": "C0NOMS", "approvals": "C0APPR"}},
    "roles": {"success": [SLACK_USER], "marketing": ["@marketing"]},
}
KINDS = ["/advocacy help", "/advocacy queue", "/win", "button", "submit", "submit invalid", "suggestions",
         "reaction", "app home"]
TEAM = {"id": "T0TEAM", "domain": "t0team"}
PERSON = {"id": SLACK_USER, "name": "sam", "team_id": "T0TEAM"}
WIN_BLOCKS = blank_win()["blocks"]


def win_view(i: int, account_id: int, story: str) -> dict:
    """The win modal as Slack sends it back on submit: the bot's blocks, and what was typed."""
    return {"id": f"V{uuid.uuid4().hex[:10].upper()}", "team_id": "T0TEAM", "type": "modal",
            "callback_id": WIN_CALLBACK, "private_metadata": "", "hash": f"{time.time():.6f}.{i}",
            "title": {"type": "plain_text", "text": "Flag a win"}, "blocks": WIN_BLOCKS, "state": {"values": {
                "account": {ACCOUNT_ACTION: {"type": "external_select",
                                             "selected_option": {"value": f"id:{account_id}"}}},
                "outcome_type": {"value": {"type": "static_select", "selected_option": {"value": "time_saved"}}},
                "metric_value": {"value": {"type": "number_input", "value": "2"}},
                "metric_unit": {"value": {"type": "plain_text_input", "value": "hours/week"}},
                "story": {"value": {"type": "plain_text_input", "value": story}}}}}


class Bodies:
    """Request bodies as Slack sends them: a fresh trigger id, view id and event id each."""

    def __init__(self, account_ids: list[int], response_url: str):
        self.account_ids = account_ids
        self.response_url = response_url

    def one(self, kind: str, i: int) -> tuple[bytes, str]:
        trigger = f"{i}.{int(time.time())}.{uuid.uuid4().hex}"
        common = {"team": TEAM, "user": PERSON, "api_app_id": "A0APP", "token": "t", "trigger_id": trigger}
        if kind.startswith("/"):
            command, _, text = kind.partition(" ")
            return urlencode({"token": "t", "team_id": "T0TEAM", "team_domain": "t0team", "channel_id": "C0CHAN",
                              "channel_name": "c0chan", "user_id": SLACK_USER, "user_name": "sam",
                              "command": command, "text": text, "api_app_id": "A0APP",
                              "response_url": self.response_url, "trigger_id": trigger}).encode(), "form"
        if kind == "button":
            payload = {**common, "type": "block_actions", "response_url": self.response_url,
                       "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "C0NOMS"},
                       "channel": {"id": "C0NOMS"}, "actions": [{
                           "type": "button", "action_id": "nomination.dismiss", "block_id": "b0", "value": "999999",
                           "text": {"type": "plain_text", "text": "Not now"}, "action_ts": f"{time.time():.6f}"}]}
        elif kind.startswith("submit"):
            story = "" if kind == "submit invalid" else f"Benchmark win {i} & more"
            payload = {**common, "type": "view_submission", "response_urls": [],
                       "view": win_view(i, self.account_ids[i % len(self.account_ids)], story)}
        elif kind == "suggestions":
            payload = {"type": "block_suggestion", "user": PERSON, "team": TEAM, "api_app_id": "A0APP", "token": "t",
                       "action_id": ACCOUNT_ACTION, "block_id": "account", "value": "bench account 1",
                       "view": win_view(i, self.account_ids[0], "")}
        else:
            event = ({"type": "reaction_added", "user": SLACK_USER, "reaction": "trophy", "item_user": "U0POSTER",
                      "item": {"type": "message", "channel": "C0WINS", "ts": f"1700000000.{i:06d}"}}
                     if kind == "reaction" else {"type": "app_home_opened", "user": SLACK_USER, "channel": "D0HOME",
                                                 "tab": "home"})
            return json.dumps({"token": "t", "team_id": "T0TEAM", "api_app_id": "A0APP", "type": "event_callback",
                               "event_id": f"Ev{uuid.uuid4().hex[:12].upper()}", "event_time": int(time.time()),
                               "event": {**event, "event_ts": f"{time.time():.6f}"}}).encode(), "json"
        return urlencode({"payload": json.dumps(payload)}).encode(), "form"

    def __call__(self, kind: str, count: int) -> list[acks.Request]:
        made = []
        for i in range(count):
            body, shape = self.one(kind, i)
            stamp = str(int(time.time()))
            made.append((body, {"Content-Type": "application/json" if shape == "json"
                                else "application/x-www-form-urlencoded",
                                "X-Slack-Request-Timestamp": stamp,
                                "X-Slack-Signature": signature(SLACK_SECRET, stamp, body)}))
        return made


def main() -> None:
    args = acks.arguments(__doc__.split("\n")[0], KINDS)
    started = time.perf_counter()
    emulator = acks.emulator("slack-emulator")
    api_url = f"{emulator.url}/api/"
    servers, drops, account_ids = [], [], []
    try:
        bare = acks.floor("bare Bolt", "bare-bolt", api_url)
        for kind in args.databases:
            db_url, drop = acks.database_url(kind, args.pg)
            drops.append(drop)
            account_ids = acks.seed_accounts(db_url, CONFIG)
            servers.append(acks.bot(f"bot {kind}", db_url, CONFIG,
                                    SLACK_BOT_TOKEN=SLACK_TOKEN, SLACK_SIGNING_SECRET=SLACK_SECRET,
                                    SLACK_API_URL=api_url))
        apps = {"bare Bolt": bare, **{s.name: s for s in servers}}
        figures = acks.measure(apps, "/slack/events", args.kinds,
                               Bodies(account_ids, f"{emulator.url}/response/bench"),
                               args, others=[emulator])
        print(f"Slack acknowledgements: {args.concurrency} concurrent signed requests, {args.requests} measured per "
              f"kind and app after {args.warmup} warm-up, median of {args.rounds} rotating round(s); "
              f"'!' marks a ratio outside the goal (latency ≤ {acks.GOAL_LATENCY}×, "
              f"req/s ≥ {acks.GOAL_RATE}×, start-up and memory ≤ {acks.GOAL_FOOTPRINT}×)")
        print("\n".join(acks.latency_table(figures, args.kinds, "bare Bolt", [s.name for s in servers])))
        print()
        print("\n".join(acks.footprint_table(servers, bare, figures.sent)))
        worst = max(r[3] for (kind, app), values in figures.rounds.items() if app != "bare Bolt" for r in values)
        print(f"Slowest bot answer: {worst:.0f} ms (Slack's limit: 3000 ms); run took "
              f"{time.perf_counter() - started:.0f} s")
    finally:
        for server in [*servers, emulator]:
            server.stop()
        if "bare" in locals():
            bare.stop()
        for drop in drops:
            drop()


if __name__ == "__main__":
    main()
