"""Signed double-submit CSRF tokens, body size limits and the headers every customer page carries.

The CSRF cookie is per browser, kept across tabs and SameSite=Lax: a link opened twice from webmail
(a cross-site arrival) sends it back, so every open tab's form stays valid, while a cross-site POST does not.
Control characters are dropped from posted fields (tabs and line breaks kept).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import parse_qs

from fastapi import Request
from itsdangerous import BadData, URLSafeTimedSerializer

from bot.limits import strip_controls

MAX_BODY = 64 * 1024
COOKIE = "advocacy_csrf"
TOKEN_AGE = 2 * 86400  # a form left open for two days must be reloaded
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the page URL carries the customer's token
    "Cache-Control": "no-store",
}


class TooLarge(Exception):
    """The request body is over MAX_BODY."""


class NotAForm(Exception):
    """The body is not an url-encoded form."""


async def read_form(request: Request) -> dict[str, list[str]]:
    """The url-encoded form body, refusing anything over MAX_BODY before reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise TooLarge
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if body and kind != "application/x-www-form-urlencoded":
        raise NotAForm
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=200)
    return {strip_controls(name): [strip_controls(value) for value in values] for name, values in fields.items()}


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class Csrf:
    """A form token signed with the bot's secret, bound to the page's link token and to a cookie value."""

    def __init__(self, secret: str):
        self._serializer = URLSafeTimedSerializer(secret, salt="advocacy-csrf")
        self._key = hashlib.sha256(f"advocacy-sender:{secret}".encode()).digest()

    def issue(self, bound_to: str, cookie: str | None) -> tuple[str, str]:
        """(cookie value, form field value); an existing well-formed cookie is kept so other tabs still work."""
        if not cookie or len(cookie) != 22:
            cookie = secrets.token_urlsafe(16)
        return cookie, self._serializer.dumps({"b": _digest(bound_to), "c": _digest(cookie)})

    def sender(self, bound_to: str, cookie: str | None) -> str:
        """An opaque key for this browser on this link, or "" without a cookie."""
        if not cookie:
            return ""
        return hmac.new(self._key, f"{cookie}:{bound_to}".encode(), hashlib.sha256).hexdigest()[:32]

    def valid(self, bound_to: str, field: str, cookie: str | None) -> bool:
        if not field or not cookie:
            return False
        try:
            data = self._serializer.loads(field, max_age=TOKEN_AGE)
        except BadData:
            return False
        return (isinstance(data, dict)
                and hmac.compare_digest(str(data.get("b", "")), _digest(bound_to))
                and hmac.compare_digest(str(data.get("c", "")), _digest(cookie)))
