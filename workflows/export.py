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
from workflows.scoring import DETRACTOR_MAX, PROMOTER
from workflows.states import AskState, CloseLoopState, NominationState, StoryState

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
        session = unit.repo.session
        today = unit.now.astimezone(core.config.tz).date()
        facts = sq.advocate_facts(session)
        pairs = set().union(*(facts[k] for k in ("nomination", "ask", "story", "loop", "nps")))
        accounts, contacts = sq.accounts_and_contacts(session, {a for a, _ in pairs}, {c for _, c in pairs if c})
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
        pushed = sq.claimed_events(unit.repo.session, PUSH_SOURCE, [r.push_id for r in rows])
    return [r for r in rows if r.push_id not in pushed]


def mark_pushed(core: Core, rows: list[AdvocateRow]) -> None:
    """Remember rows the CRM accepted, so they are not sent again until they change."""
    with core.unit() as unit:
        for row in rows:
            unit.repo.claim_event(PUSH_SOURCE, row.push_id, unit.now)


def push_body(rows: list[AdvocateRow]) -> dict:
    """The JSON posted to crm_callback_url."""
    return {"event": "advocates.changed", "advocates": [row.to_json() for row in rows]}
