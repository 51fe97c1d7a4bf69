"""Advocate scoring: explainable points from signals, in bulk or for one account, and the hard rules that exclude
a customer.

Each signal is normalised to 0..1 and multiplied by its weight in app.yaml (`scoring.weights`); the score is the
sum, and every signal that adds points becomes a reason in words. A missing signal adds nothing and is named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Protocol

from storage import models as m
from storage import signals as sq
from storage.repo import Repo
from storage.signals import Signals
from workflows.config import PROFILE_KEYS, SCORE_SIGNALS, ProgramConfig
from workflows.states import OutcomeType, label
from workflows.text import clip, day_label, metric_text

NPS_POINTS = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.3, 0.3, 0.8, 1.0)  # index = NPS answer 0..10
PROMOTER = 9
DETRACTOR_MAX = 6
TTV_BEST, TTV_WORST = 14, 120  # days to first value: full points at or under 14, none at 120 or more
WIN_FADE_DAYS = 90  # a win's points fade to none over 90 days
TREND_FULL = 3  # NPS up by 3 or more points earns the full trend weight


@dataclass
class Score:
    value: float
    max_value: float
    reasons: list[str] = field(default_factory=list)  # top reasons first, in words
    missing: list[str] = field(default_factory=list)  # signals with no data

    @property
    def share(self) -> float:
        return self.value / self.max_value if self.max_value else 0.0

    def card_reasons(self, limit: int = 4) -> list[str]:
        """What a nomination shows: the top reasons, then which signals had no data."""
        shown = self.reasons[:limit]
        if self.missing:
            shown.append(f"no data on {', '.join(self.missing)}")
        return shown


class Scorer(Protocol):
    def score(self, repo: Repo, account: m.Account, contact: m.Contact | None,
              win: m.Win | None, now: datetime) -> Score: ...


def nps_points(score: int) -> float:
    return NPS_POINTS[max(0, min(10, score))]


def is_turnaround(sig: Signals) -> bool:
    return sig.loop_resolved_at is not None


def is_candidate(sig: Signals) -> bool:
    """Whom the sweep looks at: promoters, and detractors whose loop was closed (turnaround stories)."""
    return not sig.opted_out and sig.nps is not None and (sig.nps >= PROMOTER or is_turnaround(sig))


class Profile:
    """The weights and ideal customer profile from app.yaml, prepared for fast scoring."""

    def __init__(self, config: ProgramConfig):
        weights = config.scoring.weights
        (self.nps, self.nps_trend, self.usage, self.time_to_value, self.fit, self.support, self.win_recency,
         self.turnaround) = (weights.get(key, 0.0) for key in SCORE_SIGNALS)
        # NPS points and the turnaround bonus never both apply: the maximum counts the larger one.
        self.max_value = (sum(weights.values()) - min(self.nps, self.turnaround)) or 1.0
        icp = config.scoring.ideal_customer_profile
        self.segments, self.industries, self.regions = (
            {v.casefold() for v in icp[key]} if icp.get(key) else None for key in PROFILE_KEYS)
        self.icp_size = sum(1 for key in PROFILE_KEYS if icp.get(key))
        self.tz = config.tz

    def matches(self, sig: Signals) -> list[str]:
        """The account's values that fit the ideal customer profile."""
        pairs = ((self.segments, sig.segment), (self.industries, sig.industry), (self.regions, sig.region))
        return [value for wanted, value in pairs if wanted is not None and value.casefold() in wanted]


def points(sig: Signals, p: Profile, now: datetime, parts: dict[str, float] | None = None) -> float:
    """The score: each signal normalised to 0..1 times its weight, summed. `parts` collects each signal's points.

    One function for the bulk path (no parts, about a microsecond per account) and for explaining one account.
    """
    total = 0.0
    nps = sig.nps
    if nps is not None:
        value = p.nps * NPS_POINTS[nps]
        prev = sig.nps_prev
        trend = p.nps_trend * min(1.0, (nps - prev) / TREND_FULL) if prev is not None and nps > prev else 0.0
        total += value + trend
        if parts is not None:
            parts["nps"], parts["nps_trend"] = value, trend
    if sig.usage_percentile is not None:
        value = p.usage * sig.usage_percentile / 100
        total += value
        if parts is not None:
            parts["usage"] = value
    ttv = sig.time_to_value_days
    if ttv is not None:
        value = p.time_to_value * min(1.0, max(0.0, (TTV_WORST - ttv) / (TTV_WORST - TTV_BEST)))
        total += value
        if parts is not None:
            parts["time_to_value"] = value
    if p.icp_size:
        hits = ((p.segments is not None and sig.segment.casefold() in p.segments)
                + (p.industries is not None and sig.industry.casefold() in p.industries)
                + (p.regions is not None and sig.region.casefold() in p.regions))
        value = p.fit * hits / p.icp_size
        total += value
        if parts is not None:
            parts["fit"] = value
    if sig.open_escalations == 0:
        total += p.support
        if parts is not None:
            parts["support"] = p.support
    if sig.win_at is not None:
        value = p.win_recency * max(0.0, 1.0 - max(0, (now - sig.win_at).days) / WIN_FADE_DAYS)
        total += value
        if parts is not None:
            parts["win_recency"] = value
    if sig.loop_resolved_at is not None:
        total += p.turnaround
        if parts is not None:
            parts["turnaround"] = p.turnaround
    return total


def values(signals: Iterable[Signals], profile: Profile, now: datetime) -> list[float]:
    """Scores of many accounts at once (no reasons): the sweep and the benchmark use this."""
    return [round(points(sig, profile, now), 3) for sig in signals]


def rank_key(sig: Signals, value: float) -> tuple:
    """Higher score first; ties go to the fresher NPS answer, then the older account."""
    return (-value, -(sig.nps_at.timestamp() if sig.nps_at else 0.0), sig.account_id)


def _when(days: int) -> str:
    return "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} ago"


def explain(sig: Signals, profile: Profile, now: datetime) -> Score:
    """The score of one account with its reasons in words, strongest first."""
    tz = profile.tz
    parts: dict[str, float] = {}
    total = points(sig, profile, now, parts)
    texts: dict[str, str] = {}
    if sig.nps is not None:
        texts["nps"] = f"NPS {sig.nps} on {day_label(sig.nps_at, tz)}"
        if sig.nps_prev is not None:
            texts["nps_trend"] = f"NPS up from {sig.nps_prev}"
    if sig.usage_percentile is not None:
        texts["usage"] = f"usage top {max(1, round(100 - sig.usage_percentile))}%"
    if sig.time_to_value_days is not None:
        texts["time_to_value"] = f"value reached in {sig.time_to_value_days} days"
    matched = profile.matches(sig)
    if matched:
        texts["fit"] = f"fits the ideal customer profile ({', '.join(matched)})"
    if sig.open_escalations is not None:
        texts["support"] = "no open escalations"
    if sig.win_at is not None:
        what = metric_text(sig.win_value, sig.win_unit) or label(OutcomeType(sig.win_outcome)).lower()
        texts["win_recency"] = f"won {what} {_when(max(0, (now - sig.win_at).days))}"
    reasons = [texts[key] for key, pts in sorted(parts.items(), key=lambda kv: -kv[1]) if pts > 0 and key in texts]
    if is_turnaround(sig):
        note = f" ({clip(sig.loop_note, 80)})" if sig.loop_note else ""
        reasons.insert(0, f"turnaround: NPS {sig.nps} on {day_label(sig.nps_at, tz)}, loop closed "
                          f"{day_label(sig.loop_resolved_at, tz)}{note}")
    missing = [name for name, absent in (("NPS", sig.nps is None), ("usage", sig.usage_percentile is None),
                                         ("support", sig.open_escalations is None)) if absent]
    return Score(value=round(total, 3), max_value=profile.max_value, reasons=reasons, missing=missing)


class WeightedScorer:
    """Weighted sum of normalised signals; scores one account (per win) with the same code as the bulk path."""

    def __init__(self, config: ProgramConfig):
        self.config = config
        self.profile = Profile(config)

    def signals(self, repo: Repo, account: m.Account, contact: m.Contact | None, win: m.Win | None) -> Signals:
        sig = sq.load_signals(repo, [account.id], contact.id if contact else None).get(account.id) \
            or Signals(account.id)
        if win is not None:
            sig.win_at, sig.win_value, sig.win_unit, sig.win_outcome = (win.created_at, win.metric_value,
                                                                        win.metric_unit, str(win.outcome_type))
        return sig

    def score(self, repo, account, contact, win, now) -> Score:
        return explain(self.signals(repo, account, contact, win), self.profile, now)


def exclusion(repo: Repo, config: ProgramConfig, account: m.Account, contact: m.Contact | None,
              now: datetime) -> str | None:
    """Why this customer must not be nominated now, or None.

    A detractor (latest NPS 0-6) is excluded until the close-the-loop item for that answer is resolved; then they
    may be nominated as a turnaround story. The cooldown applies to the contact, or to the account without one.
    """
    if account.opted_out or (contact and contact.opted_out):
        return "the customer opted out of advocacy requests"
    nps = repo.latest_nps(account.id, contact.id if contact else None, limit=1)
    if nps and nps[0].score <= DETRACTOR_MAX:
        item = sq.close_loop_for(repo, nps[0].id)
        if item is None or item.resolved_at is None:
            return f"their latest NPS is {nps[0].score} (a detractor): close the loop first"
    if repo.open_asks(account.id):
        return "an ask to this customer is still open"
    cooldown = timedelta(days=config.fatigue.cooldown_days)
    if contact:
        last = repo.last_ask_to(contact.id)
        who = contact.name
    else:
        last = next((a for a in repo.recent_asks(account.id, limit=5) if a.state.value != "drafted"), None)
        who = account.name
    asked = (last.declined_at or last.created_at) if last else None
    if asked and now - asked < cooldown:
        days = config.fatigue.cooldown_days
        verb = "declined an ask" if last.declined_at else "was asked"
        return f"{who} {verb} on {day_label(asked, config.tz)} (cooldown {days} days)"
    return None
