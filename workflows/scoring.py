"""Advocate scoring: explainable points from signals, and the hard rules that exclude a customer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from storage import models as m
from storage.repo import Repo
from workflows.config import ProgramConfig
from workflows.text import day_label, metric_text
from workflows.states import label


@dataclass
class Score:
    value: float
    max_value: float
    reasons: list[str] = field(default_factory=list)  # top reasons first, in words

    @property
    def share(self) -> float:
        return self.value / self.max_value if self.max_value else 0.0


class Scorer(Protocol):
    def score(self, repo: Repo, account: m.Account, contact: m.Contact | None,
              win: m.Win | None, now: datetime) -> Score: ...


def nps_points(score: int) -> float:
    if score >= 10:
        return 1.0
    if score == 9:
        return 0.8
    if score >= 7:
        return 0.3
    return 0.0


class WeightedScorer:
    """Weighted sum of normalised signals; each contributing signal becomes a reason."""

    def __init__(self, config: ProgramConfig):
        self.config = config

    def score(self, repo, account, contact, win, now) -> Score:
        weights = self.config.scoring.weights
        tz = self.config.tz
        parts: list[tuple[float, str]] = []

        nps = repo.latest_nps(account.id, contact.id if contact else None)
        if nps:
            latest = nps[0]
            parts.append((weights.get("nps", 0) * nps_points(latest.score),
                          f"NPS {latest.score} on {day_label(latest.responded_at, tz)}"))
            if len(nps) > 1 and latest.score > nps[1].score:
                parts.append((weights.get("nps_trend", 0), f"NPS up from {nps[1].score}"))
        usage = repo.latest_usage(account.id)
        if usage:
            top = max(1, round(100 - usage.usage_percentile))
            parts.append((weights.get("usage", 0) * usage.usage_percentile / 100, f"usage top {top}%"))
            if usage.time_to_value_days is not None:
                ttv = min(1.0, max(0.0, (120 - usage.time_to_value_days) / (120 - 14)))
                parts.append((weights.get("time_to_value", 0) * ttv,
                              f"value reached in {usage.time_to_value_days} days"))
        icp = self.config.scoring.ideal_customer_profile
        fits = [key for key, attr in (("segments", account.segment), ("industries", account.industry))
                if icp.get(key) and attr.lower() in {v.lower() for v in icp[key]}]
        if fits:
            parts.append((weights.get("fit", 0) * len(fits) / 2, "fits the ideal customer profile"))
        support = repo.latest_support(account.id)
        if support and support.open_escalations == 0:
            parts.append((weights.get("support", 0), "no open escalations"))
        win = win or repo.latest_win(account.id)
        if win:
            age = max(0, (now - win.created_at).days)
            recency = max(0.0, 1 - age / 90)
            what = metric_text(win.metric_value, win.metric_unit) or label(win.outcome_type).lower()
            when = "today" if age == 0 else f"{age} day{'s' if age != 1 else ''} ago"
            parts.append((weights.get("win_recency", 0) * recency, f"won {what} {when}"))

        value = round(sum(points for points, _ in parts), 3)
        reasons = [reason for points, reason in sorted(parts, key=lambda p: -p[0]) if points > 0]
        return Score(value=value, max_value=sum(weights.values()) or 1.0, reasons=reasons)


def exclusion(repo: Repo, config: ProgramConfig, account: m.Account, contact: m.Contact | None,
              now: datetime) -> str | None:
    """Why this customer must not be nominated now, or None."""
    if account.opted_out or (contact and contact.opted_out):
        return "the customer opted out of advocacy requests"
    nps = repo.latest_nps(account.id, contact.id if contact else None, limit=1)
    if nps and nps[0].score <= 6:
        return f"their latest NPS is {nps[0].score} (a detractor): close the loop first"
    if repo.open_asks(account.id):
        return "an ask to this customer is still open"
    if contact:
        last = repo.last_ask_to(contact.id)
        cooldown = timedelta(days=config.fatigue.cooldown_days)
        if last and now - last.created_at < cooldown:
            return f"{contact.name} was asked on {day_label(last.created_at, config.tz)} (cooldown {config.fatigue.cooldown_days} days)"
    return None
