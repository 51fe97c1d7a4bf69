"""Small text helpers shared by commands and cards."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def metric_text(value: float | None, unit: str) -> str:
    """'2 hours/week' from 2.0 and 'hours/week'."""
    if value is None:
        return unit.strip()
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{number} {unit}".strip()


def day_label(moment: datetime, tz: ZoneInfo) -> str:
    """'3 Nov' (with the year when it is not this year's)."""
    local = moment.astimezone(tz)
    text = f"{local.day} {local:%b}"
    return text if local.year == datetime.now(tz).year else f"{text} {local.year}"


def stamp(moment: datetime, tz: ZoneInfo) -> str:
    """'3 Nov 2026 14:05 GMT'."""
    local = moment.astimezone(tz)
    return f"{local.day} {local:%b %Y %H:%M %Z}"


def clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def looks_like_email(value: str) -> bool:
    """A light check for typed emails: an @ and no spaces (the mail server has the final word)."""
    return "@" in value and " " not in value
