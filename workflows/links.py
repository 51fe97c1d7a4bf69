"""Signed, expiring customer links (intake) and permanent consent links."""

from __future__ import annotations

import secrets
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer

from workflows.errors import DomainError


MAX_ID = 2**31 - 1  # the database's integer ids


class BadLink(DomainError):
    """A link that was tampered with, has expired or was already used."""


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class LinkSigner:
    """Intake tokens carry the ask id, a one-time nonce and an expiry, signed with the bot's secret."""

    def __init__(self, secret: str, public_url: str, valid_days: int):
        self._serializer = URLSafeSerializer(secret, salt="advocacy-intake")
        self.public_url = public_url.rstrip("/")
        self.valid_seconds = valid_days * 86400

    def intake_url(self, ask_id: int, nonce: str, issued: datetime) -> str:
        expires = int(issued.timestamp()) + self.valid_seconds
        return f"{self.public_url}/intake/{self._serializer.dumps({'a': ask_id, 'n': nonce, 'e': expires})}"

    def read_intake(self, token: str, now: datetime) -> tuple[int, str]:
        """(ask id, nonce) from a token, or BadLink."""
        invalid = BadLink("This link is not valid. Check that it was copied in full.")
        try:
            data = self._serializer.loads(token)
        except BadSignature:
            raise invalid from None
        if not isinstance(data, dict) or not all(isinstance(data.get(k), t) for k, t in
                                                 (("a", int), ("n", str), ("e", int))) \
                or not 0 < data["a"] <= MAX_ID:
            raise invalid
        if now.timestamp() > data["e"]:
            raise BadLink("This link has expired. Ask your contact at the company for a new one.")
        return data["a"], data["n"]

    def consent_url(self, view_token: str) -> str:
        return f"{self.public_url}/consent/{view_token}"
