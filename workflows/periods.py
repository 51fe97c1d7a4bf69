"""Digest periods (months and quarters) and their bounds in the program's timezone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from workflows.errors import InvalidInput

MONTHLY = "monthly"
QUARTERLY = "quarterly"
KINDS = (MONTHLY, QUARTERLY)

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")


@dataclass(frozen=True)
class Period:
    """A calendar month or quarter; `start` and `end` are local midnights (end exclusive)."""

    kind: str
    year: int
    index: int  # month 1..12, or quarter 1..4
    tz: ZoneInfo

    @property
    def key(self) -> str:
        """'2026-10' or '2026-Q3'."""
        return f"{self.year}-{self.index:02d}" if self.kind == MONTHLY else f"{self.year}-Q{self.index}"

    @property
    def label(self) -> str:
        """'October 2026' or 'Q3 2026'."""
        if self.kind == MONTHLY:
            return f"{datetime(self.year, self.index, 1):%B} {self.year}"
        return f"Q{self.index} {self.year}"

    @property
    def short(self) -> str:
        """'Oct' or 'Q3' (with the year when it is January or Q1)."""
        if self.kind == MONTHLY:
            text = f"{datetime(self.year, self.index, 1):%b}"
            return f"{text} {self.year}" if self.index == 1 else text
        return f"Q{self.index} {self.year}" if self.index == 1 else f"Q{self.index}"

    @property
    def _first_month(self) -> int:
        return self.index if self.kind == MONTHLY else 3 * (self.index - 1) + 1

    @property
    def start(self) -> datetime:
        return datetime(self.year, self._first_month, 1, tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        return self.next().start

    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return self.end.astimezone(UTC)

    def _step(self, delta: int) -> Period:
        size = 12 if self.kind == MONTHLY else 4
        position = self.year * size + (self.index - 1) + delta
        return Period(self.kind, position // size, position % size + 1, self.tz)

    def next(self) -> Period:
        return self._step(1)

    def previous(self) -> Period:
        return self._step(-1)

    def trend(self, count: int) -> list[Period]:
        """This period and the `count - 1` before it, oldest first."""
        return [self._step(-back) for back in range(count - 1, -1, -1)]

    def is_complete(self, now: datetime) -> bool:
        return now >= self.end


def containing(moment: datetime, tz: ZoneInfo, kind: str = MONTHLY) -> Period:
    """The period that contains a moment, in the program's timezone."""
    local = moment.astimezone(tz)
    index = local.month if kind == MONTHLY else (local.month - 1) // 3 + 1
    return Period(kind, local.year, index, tz)


def last_complete(moment: datetime, tz: ZoneInfo, kind: str = MONTHLY) -> Period:
    """The most recent period that ended at or before a moment."""
    return containing(moment, tz, kind).previous()


def parse_period(text: str, tz: ZoneInfo) -> Period:
    """'2026-10' (a month) or '2026-Q3' (a quarter)."""
    text = (text or "").strip()
    if match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12 and year >= 2000:
            return Period(MONTHLY, year, month, tz)
    elif (match := _QUARTER.match(text)) and int(match[1]) >= 2000:
        return Period(QUARTERLY, int(match[1]), int(match[2]), tz)
    raise InvalidInput(f"Period {text!r} is not one I know: use a month like 2026-10 or a quarter like 2026-Q3.",
                       field="period")


def asked_for(text: str, now: datetime, tz: ZoneInfo) -> Period:
    """The period a person named ('' for the month under way), refused when it has not started yet."""
    period = parse_period(text, tz) if text else containing(now, tz)
    return started([period], now, tz)[0]


def started(periods: list[Period], now: datetime, tz: ZoneInfo) -> list[Period]:
    """The periods, refused when one has not started yet (its figures would read as real zeros)."""
    if late := next((p for p in periods if p.start > now), None):
        raise InvalidInput(f"{late.label} has not started yet; give {containing(now, tz).key} (this month so far) "
                           "or an earlier period.", field="period")
    return periods


MAX_RANGE = 120


def parse_periods(text: str, tz: ZoneInfo) -> list[Period]:
    """'2026-10', or a range of the same kind such as '2026-01..2026-10' or '2025-Q1..2026-Q3', oldest first."""
    first, _, last = (text or "").partition("..")
    start = parse_period(first, tz)
    end = parse_period(last, tz) if last else start
    if end.kind != start.kind:
        raise InvalidInput("A range runs from a month to a month, or from a quarter to a quarter.", field="period")
    periods = [start]
    while periods[-1] != end:
        if len(periods) >= MAX_RANGE or periods[-1].start > end.start:
            raise InvalidInput(f"Give the range oldest first, at most {MAX_RANGE} periods: 2026-01..2026-10.",
                               field="period")
        periods.append(periods[-1].next())
    return periods
