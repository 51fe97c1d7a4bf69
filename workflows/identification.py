"""Finding advocates: nominating after a win or in the periodic sweep, and saying who else fits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from storage import models as m
from storage import signals as sq
from storage.signals import Signals
from workflows import cards, fairness, scoring
from workflows.core import Core, Unit
from workflows.effects import Effect
from workflows.scoring import DETRACTOR_MAX, Profile, exclusion

ALTERNATIVES = 3


def _cooldown_start(unit: Unit) -> datetime:
    return unit.now - timedelta(days=unit.core.config.fatigue.cooldown_days)


def alternatives(unit: Unit, account: m.Account, contact: m.Contact | None, limit: int = ALTERNATIVES) -> list[str]:
    """Who else fits: other contacts at the account who may be asked now, then similar promoter accounts."""
    repo = unit.repo
    since = _cooldown_start(unit)
    found: list[str] = []
    others = [c for c in sq.contacts_of(repo, [account.id])
              if not c.opted_out and (contact is None or c.id != contact.id)]
    if others and not account.opted_out:
        asked = sq.last_asks_to_contacts(repo, [c.id for c in others])
        scores = sq.latest_nps_by_contact(repo, [c.id for c in others])
        for person in others:
            if asked.get(person.id, since) > since or scores.get(person.id, 10) <= DETRACTOR_MAX:
                continue
            title = f", {person.title}" if person.title else ""
            found.append(f"{person.name}{title} at {account.name}")
    ids = sq.accounts_like(repo, account.industry, account.segment, exclude=account.id)
    if ids and len(found) < limit:
        busy = sq.busy_accounts(repo, since, ids)
        pool = [s for s in sq.load_signals(repo, ids).values()
                if s.account_id not in busy and scoring.is_candidate(s)]
        profile = Profile(unit.core.config)
        ranked = sorted(zip(scoring.values(pool, profile, unit.now), pool),
                        key=lambda vs: scoring.rank_key(vs[1], vs[0]))
        for value, sig in ranked[: limit - len(found)]:
            other = unit.repo.get(m.Account, sig.account_id)
            found.append(f"{other.name} (score {value:.1f}, NPS {sig.nps})")
    return found[:limit]


def _nomination_card(unit: Unit, nom: m.Nomination, account: m.Account, contact: m.Contact | None,
                     win: m.Win | None, note: str = ""):
    config = unit.core.config
    return cards.nomination_card(nom, account, contact, win, unit.repo.recent_asks(account.id), config.tz,
                                 config.scoring.weak_below, note=note)


def nominate(unit: Unit, account: m.Account, contact: m.Contact | None, win: m.Win | None,
             source: str = "win") -> tuple[m.Nomination | None, str | None]:
    """Nominate a customer and post the card, unless a hard rule excludes them (then the owner hears who else fits).

    An account has at most one open nomination: a new win refreshes it instead of adding another.
    """
    core = unit.core
    sq.lock_nominations(unit.repo)
    why_not = exclusion(unit.repo, core.config, account, contact, unit.now)
    if why_not:
        others = alternatives(unit, account, contact)
        unit.audit("account", account.id, "not_nominated", "system", reason=why_not, source=source,
                   alternatives=others)
        if others:
            why_not = f"{why_not}. Who else fits: {'; '.join(others)}"
            if source == "win" and account.owner:
                unit.emit(Effect("dm", cards.notice(f"Not nominated: {account.name}", why_not), person=account.owner))
        return None, why_not
    score = core.scorer.score(unit.repo, account, contact, win, unit.now)
    others = alternatives(unit, account, contact)
    values = {"score": score.value, "max_score": score.max_value, "reasons": score.card_reasons(),
              "alternatives": others}
    existing = unit.repo.open_nomination(account.id)
    if existing is not None:
        if win is not None:
            values["win_id"] = win.id
        if contact is not None:
            values["contact_id"] = contact.id
        unit.repo.guarded_update(m.Nomination, existing.id, {"state": existing.state}, values)
        unit.audit("nomination", existing.id, "refreshed", "system", source=source, win_id=win.id if win else None)
        contact = unit.repo.get(m.Contact, existing.contact_id)
        card = _nomination_card(unit, existing, account, contact, unit.repo.get(m.Win, existing.win_id),
                                note="Updated with a new win" if win else "")
        unit.emit(Effect("update", card, purpose="nominations", ref_key=f"nomination:{existing.id}"))
        return existing, None
    nomination = unit.repo.add(m.Nomination(
        account_id=account.id, contact_id=contact.id if contact else None, win_id=win.id if win else None,
        owner=account.owner, created_at=unit.now, **values))
    unit.audit("nomination", nomination.id, "proposed", "system", to_state=nomination.state.value, source=source)
    unit.emit(Effect("post", _nomination_card(unit, nomination, account, contact, win), purpose="nominations",
                     ref_key=f"nomination:{nomination.id}"))
    return nomination, None


@dataclass
class SweepReport:
    candidates: int = 0  # promoters and turnarounds not asked recently
    nominated: list[int] = field(default_factory=list)  # nomination ids
    skipped: dict[str, str] = field(default_factory=dict)  # account name -> why not

    @property
    def message(self) -> str:
        return f"Sweep: {len(self.nominated)} nominated from {self.candidates} candidate(s)."


def sweep_unit(unit: Unit, account_ids: list[int] | None = None, limit: int | None = None) -> SweepReport:
    """The sweep inside an open unit (a webhook runs it for one account with the answer it records)."""
    config = unit.core.config
    repo = unit.repo
    sq.lock_nominations(repo)
    report = SweepReport()
    busy = sq.busy_accounts(repo, _cooldown_start(unit), account_ids)
    pool: list[Signals] = [s for s in sq.load_signals(repo, account_ids).values()
                           if s.account_id not in busy and scoring.is_candidate(s)]
    report.candidates = len(pool)
    profile = Profile(config)
    scored = sorted(zip(scoring.values(pool, profile, unit.now), pool), key=lambda vs: scoring.rank_key(vs[1], vs[0]))
    cover = fairness.recent(repo, config, unit.now)
    roles = {c.id: c.role for c in sq.contacts_of(repo, [s.account_id for _, s in scored[:500]])} if scored else {}
    ordered = fairness.rerank(scored, lambda vs: vs[0] / profile.max_value,
                              lambda vs: (vs[1].segment, vs[1].industry, vs[1].region, roles.get(vs[1].contact_id, "")),
                              cover, config.scoring.fairness_weight)
    limit = config.scoring.sweep_limit if limit is None else limit
    for _, sig in ordered:
        if len(report.nominated) >= limit:
            break
        account = unit.repo.get(m.Account, sig.account_id)
        contact = unit.repo.get(m.Contact, sig.contact_id)
        nomination, why_not = nominate(unit, account, contact, None, source="sweep")
        if nomination:
            report.nominated.append(nomination.id)
        else:
            report.skipped[account.name] = why_not or ""
    return report


def sweep(core: Core, limit: int | None = None) -> SweepReport:
    """Nominate promoters (and closed-loop turnarounds) nobody asked recently, best and least-covered first.

    Skips accounts with an open nomination or ask, an ask within the cooldown, or a 'Not now' within it (snoozed
    nominations come back through the reminders, workflows/nudges.py). At most `scoring.sweep_limit` nominations per run. The scheduler
    calls this; `advocacy-bot sweep` runs it by hand. Concurrent sweeps run one after the other.
    """
    with core.unit() as unit:
        return sweep_unit(unit, None, limit)
