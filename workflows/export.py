"""Data out: each advocate's status and tags, as CSV rows or JSON for the CRM, and which changed since the last push."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import IO

from storage import signals as sq
from workflows.core import Core
from workflows.digest import Digest, average_rating, build_digest, close_rate, nps_score, rounded
from workflows.periods import Period, started
from workflows.scoring import DETRACTOR_MAX, PROMOTER
from workflows.states import AskState, CloseLoopState, NominationState, PlacementChannel, StoryState

PUSH_SOURCE = "crm-export"
COLUMNS = ("account_crm_id", "account_name", "contact_email", "contact_name", "status", "status_since", "tags",
           "score", "owner")


@dataclass
class AdvocateRow:
    account_id: int
    contact_id: int | None
    account_crm_id: str
    account_name: str
    contact_email: str
    contact_name: str
    status: str
    status_since: str  # ISO 8601 UTC
    tags: list[str] = field(default_factory=list)
    score: float | None = None
    owner: str = ""

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("account_id"), data.pop("contact_id")
        return data

    @property
    def push_id(self) -> str:
        """Changes whenever the status, its date, the tags or the score change."""
        digest = hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()[:24]
        return f"{self.account_id}:{self.contact_id or 0}:{digest}"


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _consent_in_force(consent: tuple | None, today: date) -> bool:
    if consent is None:
        return False
    withdrawn_at, expires_on, _ = consent
    return withdrawn_at is None and (expires_on is None or expires_on >= today)


def _status(pair, facts, opted_out: bool, today: date) -> tuple[str, datetime | None, list[str]]:
    """The first status that applies, in the order below (docs/data.md), its start, and the tags."""
    nom = facts["nomination"].get(pair)
    ask = facts["ask"].get(pair)
    story = facts["story"].get(pair)
    loop = facts["loop"].get(pair)
    nps = facts["nps"].get(pair)
    tags = list(facts["published_kinds"].get(pair, ()))
    if pair in facts["references"]:
        tags.append("reference")
    if nps:
        tags.append("promoter" if nps[0] >= PROMOTER else "detractor" if nps[0] <= DETRACTOR_MAX else "passive")
    if loop and loop[0] == CloseLoopState.RESOLVED:
        tags.append("turnaround")
    consent_ok = bool(story) and _consent_in_force(facts["consent"].get(story[4]), today)
    if consent_ok:
        tags += [f"consent:{channel}" for channel in sorted(facts["consent"][story[4]][2] or [])]
    checks = [
        ("opted_out", opted_out, None),
        ("close_the_loop", loop and loop[0] == CloseLoopState.OPEN, loop and loop[1]),
        ("story_in_review", story and story[0] in (StoryState.IN_REVIEW, StoryState.CHANGES_REQUESTED),
         story and story[1]),
        ("story_approved", story and story[0] == StoryState.APPROVED and consent_ok, story and story[2]),
        ("asked", ask and ask[0] in (AskState.DRAFTED, AskState.SENT), ask and (ask[3] or ask[2])),
        ("nominated", nom and nom[0] in (NominationState.PROPOSED, NominationState.SNOOZED), nom and nom[1]),
        ("advocate", story and story[0] == StoryState.PUBLISHED and consent_ok, story and story[3]),
        ("declined", ask and ask[0] in (AskState.DECLINED, AskState.EXPIRED), ask and (ask[4] or ask[2])),
        ("promoter", nps and nps[0] >= PROMOTER, nps and nps[1]),
    ]
    for name, applies, since in checks:
        if applies:
            return name, since, sorted(set(tags))
    return "", None, []


def advocates(core: Core) -> list[AdvocateRow]:
    """Every contact (or account, for nominations without a contact) with an advocacy status, by account name."""
    with core.unit(read_only=True) as unit:
        repo = unit.repo
        today = unit.now.astimezone(core.config.tz).date()
        facts = sq.advocate_facts(repo)
        pairs = set().union(*(facts[k] for k in ("nomination", "ask", "story", "loop", "nps")))
        accounts, contacts = sq.accounts_and_contacts(repo, {a for a, _ in pairs}, {c for _, c in pairs if c})
        rows = []
        for pair in pairs:
            account, contact = accounts.get(pair[0]), contacts.get(pair[1])
            if account is None:
                continue
            opted_out = account.opted_out or bool(contact and contact.opted_out)
            status, since, tags = _status(pair, facts, opted_out, today)
            if not status:
                continue
            nom = facts["nomination"].get(pair)
            rows.append(AdvocateRow(
                account.id, pair[1], account.crm_id or "", account.name, (contact.email or "") if contact else "",
                contact.name if contact else "", status, _iso(since), tags, nom[2] if nom else None, account.owner))
    rows.sort(key=lambda r: (r.account_name.casefold(), r.contact_name.casefold(), r.contact_id or 0))
    return rows


def write_csv(rows: list[AdvocateRow], stream: IO[str]) -> None:
    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    for row in rows:
        data = row.to_json()
        data["tags"] = " ".join(row.tags)
        data["score"] = "" if row.score is None else f"{row.score:g}"
        writer.writerow([data[c] for c in COLUMNS])


def pending_push(core: Core) -> list[AdvocateRow]:
    """Advocates whose status, tags or score changed since they were last pushed to the CRM."""
    rows = advocates(core)
    with core.unit(read_only=True) as unit:
        pushed = sq.claimed_events(unit.repo, PUSH_SOURCE, [r.push_id for r in rows])
    return [r for r in rows if r.push_id not in pushed]


def mark_pushed(core: Core, rows: list[AdvocateRow]) -> None:
    """Remember rows the CRM accepted, so they are not sent again until they change."""
    with core.unit() as unit:
        for row in rows:
            unit.repo.claim_event(PUSH_SOURCE, row.push_id, unit.now)


def push_body(rows: list[AdvocateRow]) -> dict:
    """The JSON posted to crm_callback_url."""
    return {"event": "advocates.changed", "advocates": [row.to_json() for row in rows]}


# --- program metrics, per period, for a BI tool -------------------------------------------------

def _metric_columns() -> list[str]:
    base = ["period", "start", "end", "complete", "wins_flagged", "nominations", "asks_sent", "responses", "stories_approved",
            "stories_published", "nps", "nps_answers", "reviews", "average_rating", "referrals_made",
            "referrals_converted", "referral_revenue", "revenue_influenced", "deals_won", "deals_lost",
            "deals_withdrawn", "deals_won_with_proof", "deals_lost_with_proof", "deals_withdrawn_with_proof",
            "close_rate_with_proof_pct", "close_rate_all_pct", "median_sales_cycle_days_with_proof",
            "median_sales_cycle_days_without_proof", "pipeline_influenced", "opportunities_with_proof",
            "stories_used_in_deals", "deal_uses"]
    channels = [c.value for c in PlacementChannel]
    return base + [f"placements_{c}" for c in channels] + [f"clicks_{c}" for c in channels]


METRIC_COLUMNS = _metric_columns()


def _figure(value: float | None, places: int = 0) -> str:
    return "" if value is None else str(rounded(value, places))


def _percent(rate: float | None) -> str:
    return "" if rate is None else str(rounded(rate, 1, scale=2))


def metrics_row(d: Digest) -> dict[str, str | int]:
    """The digest's figures for one period, as one CSV row (rounded half away from zero)."""
    a, deal, n = d.activity, d.deals, d.nps
    cycle = {attr: getattr(deal, attr).median if getattr(deal, attr) else None
             for attr in ("cycle_with_proof", "cycle_without_proof")}
    row: dict[str, str | int] = {
        "period": d.period.key, "start": d.period.start.isoformat(), "end": d.period.end.isoformat(),
        "complete": "no" if d.partial else "yes",
        "wins_flagged": a.wins, "nominations": a.nominations, "asks_sent": a.asks_sent, "responses": a.responses,
        "stories_approved": a.approved, "stories_published": a.published,
        "nps": _figure(nps_score(n)), "nps_answers": n.responses,
        "reviews": a.reviews, "average_rating": _figure(average_rating(a), 2),
        "referrals_made": a.referrals_made, "referrals_converted": a.referrals_converted,
        "referral_revenue": _figure(a.referral_revenue, 2), "revenue_influenced": _figure(deal.revenue, 2),
        "deals_won": deal.won, "deals_lost": deal.lost, "deals_withdrawn": deal.withdrawn,
        "deals_won_with_proof": deal.proof_won, "deals_lost_with_proof": deal.proof_lost,
        "deals_withdrawn_with_proof": deal.proof_withdrawn,
        "close_rate_with_proof_pct": _percent(close_rate(deal.proof_won, deal.proof_lost)),
        "close_rate_all_pct": _percent(close_rate(deal.won, deal.lost)),
        "median_sales_cycle_days_with_proof": _figure(cycle["cycle_with_proof"], 1),
        "median_sales_cycle_days_without_proof": _figure(cycle["cycle_without_proof"], 1),
        "pipeline_influenced": _figure(deal.pipeline, 2), "opportunities_with_proof": deal.opportunities,
        "stories_used_in_deals": a.deal_stories, "deal_uses": a.deal_uses,
    }
    for channel in PlacementChannel:
        row[f"placements_{channel.value}"] = d.placements.get(channel.value, 0)
        row[f"clicks_{channel.value}"] = d.clicks.get(channel.value, 0)
    return row


def metrics(core: Core, periods: list[Period]) -> list[dict[str, str | int]]:
    """One row per period that has started; `complete` says whether the period is over."""
    return [metrics_row(build_digest(core, period)) for period in started(periods, core.now(), core.config.tz)]


def write_metrics_csv(rows: list[dict[str, str | int]], stream: IO[str]) -> None:
    writer = csv.DictWriter(stream, fieldnames=METRIC_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
