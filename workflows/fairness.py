"""Sample-bias balancing: which segments, industries, regions and roles recent published stories under-represent,
and a re-ranking that brings those customers forward.

A value's gap is how far its share of published stories falls below its share of the customer base, relative to
that share: 1.0 when it has no stories at all, 0 when it has its fair share or more. A candidate's boost is the
mean gap of its values; its rank uses score share x (1 + scoring.fairness_weight x boost).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Sequence, TypeVar


from storage import models as m
from storage import signals as sq
from storage.repo import Repo
from storage.signals import DIMENSIONS
from workflows.core import Core
from workflows.periods import Period, parse_period

T = TypeVar("T")
Profile = tuple[str, str, str, str]  # segment, industry, region, role


@dataclass
class CoverageRow:
    value: str
    stories: int
    story_share: float
    base_share: float  # share of accounts (contacts, for roles) with this value

    @property
    def gap(self) -> float:
        if self.base_share <= 0:
            return 0.0
        return max(0.0, self.base_share - self.story_share) / self.base_share


@dataclass
class Coverage:
    """Published stories per segment, industry, region and role over a period, against the customer base."""

    start: datetime
    end: datetime
    stories: int
    dimensions: dict[str, list[CoverageRow]] = field(default_factory=dict)
    _gaps: dict[tuple[str, str], float] | None = field(default=None, repr=False, compare=False)

    def gap(self, dimension: str, value: str) -> float:
        """Gap of a value; 0 for blanks and values no account holds."""
        if self._gaps is None:
            self._gaps = {(dim, row.value.casefold()): row.gap for dim, rows in self.dimensions.items() for row in rows}
        return self._gaps.get((dimension, value.casefold()), 0.0)

    def under_represented(self, limit: int = 5) -> list[tuple[str, CoverageRow]]:
        """The largest gaps first, e.g. [("industry", healthcare row), …]."""
        rows = [(dim, row) for dim, items in self.dimensions.items() for row in items if row.gap > 0]
        rows.sort(key=lambda item: (-item[1].gap, -item[1].base_share, item[0], item[1].value))
        return rows[:limit]

    def lines(self, limit: int = 5) -> list[str]:
        """'industry healthcare: 0 of 12 stories (18% of accounts)' for the digest."""
        return [f"{dim} {row.value}: {row.stories} of {self.stories} stories "
                f"({row.base_share:.0%} of {'contacts' if dim == 'role' else 'accounts'})"
                for dim, row in self.under_represented(limit)]


def measure(repo: Repo, start: datetime, end: datetime) -> Coverage:
    profiles = sq.published_profiles(repo, start, end)
    base = sq.population(repo)
    cover = Coverage(start=start, end=end, stories=len(profiles))
    for index, dim in enumerate(DIMENSIONS):
        counts = Counter(p[index] for p in profiles if p[index])
        told = sum(counts.values())
        total = sum(base[dim].values())
        values = set(base[dim]) | set(counts)
        cover.dimensions[dim] = sorted(
            (CoverageRow(value, counts.get(value, 0), counts.get(value, 0) / told if told else 0.0,
                         base[dim].get(value, 0) / total if total else 0.0) for value in values),
            key=lambda row: (-row.base_share, row.value))
    return cover


def coverage(core: Core, period: str | Period) -> Coverage:
    """Coverage of stories published in a month ('2026-10') or quarter ('2026-Q3'), for the digest."""
    if isinstance(period, str):
        period = parse_period(period, core.config.tz)
    with core.unit(read_only=True) as unit:
        return measure(unit.repo, period.start_utc, period.end_utc)


def recent(repo: Repo, config, now: datetime) -> Coverage:
    """Coverage of the last `scoring.coverage_days` days: what the re-ranking balances against."""
    return measure(repo, now - timedelta(days=config.scoring.coverage_days), now)


def boost(cover: Coverage, profile: Profile) -> float:
    """Mean gap over the dimensions this candidate has a value for (0..1)."""
    gaps = [cover.gap(dim, value) for dim, value in zip(DIMENSIONS, profile) if value]
    return sum(gaps) / len(gaps) if gaps else 0.0


def rerank(items: Sequence[T], share: Callable[[T], float], profile: Callable[[T], Profile], cover: Coverage,
           weight: float) -> list[T]:
    """Order by share x (1 + weight x boost), stable for ties (the incoming order breaks them)."""
    if weight <= 0 or cover.stories == 0:
        return list(items)
    keyed = [(-(share(item) * (1 + weight * boost(cover, profile(item)))), n, item) for n, item in enumerate(items)]
    keyed.sort(key=lambda k: (k[0], k[1]))
    return [item for _, _, item in keyed]


def order_nominations(repo: Repo, config, now: datetime, nominations: list[m.Nomination]) -> list[m.Nomination]:
    """The queue's nominations with under-represented customers brought forward."""
    if not nominations:
        return nominations
    profiles = sq.nomination_profiles(repo, [n.id for n in nominations])
    return rerank(nominations, lambda n: n.score / n.max_score if n.max_score else 0.0,
                  lambda n: profiles.get(n.id, ("", "", "", "")), recent(repo, config, now),
                  config.scoring.fairness_weight)
