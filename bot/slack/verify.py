"""Slack request signatures, checked on the raw bytes before anything reads the body.

Slack signs `v0:<timestamp>:<body>` with the app's signing secret (HMAC-SHA256, hex) and sends
`X-Slack-Request-Timestamp` (Unix seconds) and `X-Slack-Signature: v0=<hex>`. A request whose
headers are missing, malformed or more than five minutes old is refused with a reason; only a
request that passed is marked verified, and only a verified (or Socket Mode) request may make
the bot act, even on its error path.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Callable, Mapping

from slack_bolt.request.async_request import AsyncBoltRequest

from bot.limits import UNIX_SECONDS

WINDOW_SECONDS = 300
TIMESTAMP_HEADER = "x-slack-request-timestamp"
SIGNATURE_HEADER = "x-slack-signature"
VERIFIED = "advocacy_request_verified"
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Slack-Signature` value for `body` sent at `timestamp`."""
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def problem(secret: str, headers: Mapping[str, str], body: bytes, now: Callable[[], float] = time.time) -> str | None:
    """Why the request is not proven to come from Slack, or None when it is."""
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    sent = headers.get(SIGNATURE_HEADER, "")
    if not timestamp:
        return "no timestamp"
    if not UNIX_SECONDS.fullmatch(timestamp):
        return "timestamp is not Unix seconds"
    if abs(now() - int(timestamp)) > WINDOW_SECONDS:
        return "timestamp outside the 5-minute window"
    if not sent:
        return "no signature"
    if not _SIGNATURE.fullmatch(sent) or not hmac.compare_digest(signature(secret, timestamp, body), sent):
        return "bad signature"
    return None


COMMAND_FIELDS = ("command", "user_id", "trigger_id")  # Slack sends these with every slash command


def missing_fields(body: dict) -> str | None:
    """For a slash command, the fields Slack always sends that this one lacks, else None."""
    if "command" not in body:
        return None
    missing = [name for name in COMMAND_FIELDS if not isinstance(body.get(name), str) or not body[name]]
    return ", ".join(missing) or None


def mark_verified(request: AsyncBoltRequest) -> AsyncBoltRequest:
    request.context[VERIFIED] = True
    return request


def is_verified(request: AsyncBoltRequest | None) -> bool:
    """True for a request whose signature was checked here, or one that came over the Socket Mode connection."""
    return request is not None and (request.mode == "socket_mode" or request.context.get(VERIFIED) is True)
