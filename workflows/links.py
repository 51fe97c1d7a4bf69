"""Signed, expiring customer links (intake, the final version to approve, a call's invitation) and
permanent consent links."""

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
        self._final = URLSafeSerializer(secret, salt="advocacy-final")
        self._call = URLSafeSerializer(secret, salt="advocacy-call")
        self.public_url = public_url.rstrip("/")
        self.valid_seconds = valid_days * 86400

    def expiry(self, issued: datetime) -> int:
        return int(issued.timestamp()) + self.valid_seconds

    def intake_url(self, ask_id: int, nonce: str, issued: datetime) -> str:
        return f"{self.public_url}/intake/{self._serializer.dumps({'a': ask_id, 'n': nonce, 'e': self.expiry(issued)})}"

    def read_intake(self, token: str, now: datetime) -> tuple[int, str]:
        """(ask id, nonce) from a token, or BadLink."""
        return self._read(self._serializer, token, now)

    def final_url(self, story_id: int, nonce: str, issued: datetime) -> str:
        """The customer's page to approve the final version of their story."""
        return f"{self.public_url}/final/{self._final.dumps({'a': story_id, 'n': nonce, 'e': self.expiry(issued)})}"

    def read_final(self, token: str, now: datetime) -> tuple[int, str]:
        """(story id, nonce) from a final-version token, or BadLink."""
        return self._read(self._final, token, now)

    def call_invitation_url(self, story_id: int, issued: datetime) -> str:
        """Where the owner downloads a call's invitation (.ics)."""
        token = self._call.dumps({'a': story_id, 'n': '', 'e': self.expiry(issued)})
        return f"{self.public_url}/calls/{token}/invitation.ics"

    def read_call(self, token: str, now: datetime) -> int:
        return self._read(self._call, token, now)[0]

    @staticmethod
    def _read(serializer: URLSafeSerializer, token: str, now: datetime) -> tuple[int, str]:
        invalid = BadLink("This link is not valid. Check that it was copied in full.")
        try:
            data = serializer.loads(token)
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
