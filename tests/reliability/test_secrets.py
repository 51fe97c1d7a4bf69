"""Secrets never reach logs or people, even when Slack, webhooks and handlers fail; logs are JSON lines."""

from __future__ import annotations

import json
import time

import httpx

from bot.webhooks import sign
from tests.core.helpers import flag
from tests.emulators import teams_activities as ta
from tests.reliability.security_helpers import SECRETS, captured_logs, fresh, world  # noqa: F401
from tests.slack.conftest import ephemeral_texts, wait_until


def test_failures_leak_no_secret_into_logs_or_answers(fresh):
    shown: list[str] = []  # everything a person or a sender saw
    with captured_logs(fresh.ctx.settings.secrets()) as logs:
        # Slack refuses the token, then fails outright, while the outbox delivers a win
        fresh.slack_api.fail_next("chat.postMessage", status=200, error="invalid_auth")
        fresh.slack_api.fail_next("chat.postMessage", status=500)
        flag(fresh.ctx.core, account="Acme Corp")
        wait_until(lambda: len(fresh.slack_api.calls("chat.postMessage")) >= 2, what="failed deliveries")
        # a person's click fails inside the handler (Slack answers invalid_auth to the modal)
        fresh.slack_api.fail_next("views.open", status=200, error="invalid_auth")
        with fresh.slack() as slack, fresh.slack("wrong") as forged:
            shown.append(slack.slash_command("/win", user_id="U0SUCCESS").text)
            shown.append(forged.slash_command("/win", user_id="U0SUCCESS").text)
            shown.append(slack.payload({"type": "block_actions", "user": None, "actions": None}).text)
            time.sleep(0.5)
            shown += ephemeral_texts(fresh.slack_api, "win")
        # webhooks: unsigned, wrongly signed, signed garbage; Teams: a broken activity
        now = int(fresh.ctx.core.now().timestamp())
        for headers, body in (({}, b"{}"), ({"X-Webhook-Timestamp": str(now), "X-Webhook-Signature": "sha256=0"},
                                            b"{}"),
                              ({"X-Webhook-Timestamp": str(now),
                                "X-Webhook-Signature": sign(SECRETS["webhook_secret"], now, b"[")}, b"[")):
            shown.append(httpx.post(f"{fresh.url}/webhooks/nps", content=body, headers=headers).text)
        with ta.TeamsRequester(fresh.url) as teams:
            shown.append(teams.post({"type": "invoke", "name": "adaptiveCard/action", "value": None}).text)
        time.sleep(0.3)
    output = logs.getvalue()
    shown += [call.args.get("text", "") for call in fresh.slack_api.calls()]
    for name, secret in SECRETS.items():
        if name != "teams_app_password":  # only set for the signed-in Teams app (checked in test_forgery)
            assert secret not in output, f"{name} in the logs"
            assert not [text for text in shown if secret in str(text)], f"{name} shown to someone"
    assert "invalid_auth" in output  # the failures were logged, just without secrets
    lines = [json.loads(line) for line in output.splitlines()]  # every line is JSON
    requests = [line for line in lines if line["name"] == "bot.server"]
    assert requests and all(line["request_id"] for line in requests), "a request log line without request_id"
    assert {"time", "level", "name", "message"} <= set(lines[0])


def test_customer_words_stay_out_of_the_logs_even_at_debug(fresh):
    words = "Northwind halved month-end close, said Dana"
    with captured_logs(fresh.ctx.settings.secrets()) as logs:
        with fresh.slack() as slack:
            slack.slash_command("/win", text=words, user_id="U0SUCCESS")  # the form opens holding the words
            wait_until(lambda: fresh.slack_api.calls("views.open"), what="the win form")
        flag(fresh.ctx.core, account="Northwind Traders", story=words)  # posted to Slack by the outbox
        wait_until(lambda: [c for c in fresh.slack_api.calls("chat.postMessage") if "Northwind" in str(c.args)],
                   what="the win announced")
        with ta.TeamsRequester(fresh.url) as requester:
            fresh.person("sam", requester).say(f"win {words}", personal=True)  # answered with the form
            wait_until(lambda: [a for a in fresh.connector.calls() if "Northwind" in str(a.json)],
                       what="the Teams form")
    output = logs.getvalue()
    assert "DEBUG" in output  # the bot's own detail is there
    assert "Northwind" not in output and "Dana" not in output
