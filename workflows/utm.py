"""UTM-tagged links, so traffic from each placement can be attributed to the story."""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from storage import models as m
from workflows.states import PlacementChannel


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:60] or "customer"


def tracked_url(url: str, story: m.Story, account: m.Account, channel: PlacementChannel) -> str:
    """The URL with utm_source/medium/campaign/content set (existing utm_ values are replaced)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    query += [("utm_source", channel.value), ("utm_medium", "customer-story"),
              ("utm_campaign", "advocacy"), ("utm_content", f"story-{story.id}-{slug(account.name)}")]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def short_code() -> str:
    """A placement's short-link code: 8 URL-safe characters, unguessable."""
    return secrets.token_urlsafe(6)


def short_link(public_url: str, code: str) -> str:
    """<public_url>/p/<code>: counts the click, then redirects to the UTM-tagged page."""
    return f"{public_url.rstrip('/')}/p/{code}"
