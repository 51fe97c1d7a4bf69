"""JSON logs with request ids, and a filter that blanks out secrets wherever they appear."""

from __future__ import annotations

import contextvars
import logging
import re
from typing import Any, MutableMapping

from pythonjsonlogger.json import JsonFormatter

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_TOKEN = re.compile(r"\b(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+)")


def refused(scope: MutableMapping[str, Any], reason: str) -> None:
    """Say why a request is refused; the server's one log line for the request carries the reason.

    `reason` is the bot's own wording: never request text, which may hold customer words or secrets.
    """
    scope.setdefault("state", {})["refusal"] = reason


def refusal(scope: MutableMapping[str, Any]) -> str:
    return scope.get("state", {}).get("refusal", "")


class RedactSecrets(logging.Filter):
    """Replace configured secrets and anything shaped like a Slack token with [redacted]."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 6]

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return _TOKEN.sub("[redacted]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._clean(record.getMessage())
        record.args = ()
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        record.request_id = request_id.get()
        return True


# Libraries that log what they send and receive (messages, forms, customer words) at DEBUG, and the
# scheduler, which logs every job it adds and runs: never below these levels, whatever LOG_LEVEL says.
QUIETER = {"slack_sdk": logging.INFO, "slack_bolt": logging.INFO, "microsoft_agents": logging.INFO,
           "msal": logging.INFO, "httpx": logging.INFO, "httpcore": logging.INFO, "aiohttp": logging.INFO,
           "urllib3": logging.INFO, "apscheduler": logging.WARNING}


def setup_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                                       rename_fields={"asctime": "time", "levelname": "level"}))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name, floor in QUIETER.items():
        logging.getLogger(name).setLevel(max(floor, root.level))
