"""Set-based reads for advocate identification: latest signals per account, fatigue, coverage, references, export.

Every function reads many accounts with a handful of queries (window functions and GROUP BY), never one query
per account, so scoring 100k accounts costs about as much as reading their rows once. Each takes the unit's
repository, as the workflows hold it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Iterable

from sqlalchemy import Select, and_, func, or_, select, text
from sqlmodel import Session, col

from storage import models as m
from storage.repo import Repo
from storage.vocabulary import AskState, CloseLoopState, NominationState, ReferenceState, StoryState

OPEN_ASK = (AskState.DRAFTED, AskState.SENT)
OPEN_NOMINATION = (NominationState.PROPOSED, NominationState.SNOOZED)
_NOMINATION_LOCK_ID = 0x73776570


@dataclass(slots=True)
class Signals:
    """One account's latest signals (for one contact when scored for a win with a contact)."""

    account_id: int
    segment: str = ""
    industry: str = ""
    region: str = ""
    opted_out: bool = False
    contact_id: int | None = None  # who gave the latest NPS answer
    nps: int | None = None
    nps_at: datetime | None = None
    nps_id: int | None = None
    nps_prev: int | None = None
    usage_percentile: float | None = None
    time_to_value_days: int | None = None
    open_escalations: int | None = None
    win_at: datetime | None = None
    win_value: float | None = None
    win_unit: str = ""
    win_outcome: str = ""
    loop_resolved_at: datetime | None = None  # the latest answer was a detractor's and its loop is closed
    loop_note: str = ""


def _ids(stmt: Select, column, account_ids: Iterable[int] | None) -> Select:
    return stmt if account_ids is None else stmt.where(column.in_(list(account_ids)))


def _latest(model, order: list):
    """A row_number() column numbering each account's rows newest first."""
    return func.row_number().over(partition_by=model.account_id, order_by=order).label("rn")


def _newest(model, moment, ids: list[int] | None, *columns) -> Select:
    """Each account's row at its latest `moment` (a GROUP BY MAX joined back: fast on both engines)."""
    newest = _ids(select(model.account_id, func.max(moment).label("at")), model.account_id, ids) \
        .group_by(model.account_id).subquery()
    return select(model.account_id, *columns).join(
        newest, and_(model.account_id == newest.c.account_id, moment == newest.c.at))


def signal_queries(account_ids: Iterable[int] | None = None, contact_id: int | None = None) -> dict[str, Select]:
    """The six set-based reads behind `load_signals`, by name (the benchmark times them alone)."""
    ids = None if account_ids is None else list(account_ids)
    acc, nps, use, sup, win, loop = (m.Account, m.NpsResponse, m.UsageSnapshot, m.SupportSnapshot, m.Win,
                                     m.CloseLoopItem)
    queries = {"accounts": _ids(select(acc.id, acc.segment, acc.industry, acc.region, acc.opted_out), acc.id, ids)}
    only = [] if contact_id is None else [or_(nps.contact_id == contact_id, nps.contact_id.is_(None))]
    rn = _latest(nps, [col(nps.responded_at).desc(), col(nps.id).desc()])
    sub = _ids(select(nps.account_id, nps.contact_id, nps.score, nps.responded_at, nps.id, rn).where(*only),
               nps.account_id, ids).subquery()
    queries["nps"] = select(sub).where(sub.c.rn <= 2)
    queries["usage"] = _newest(use, use.measured_on, ids, use.usage_percentile, use.time_to_value_days)
    queries["support"] = _newest(sup, sup.measured_on, ids, sup.open_escalations)
    queries["win"] = _newest(win, win.created_at, ids, win.created_at, win.metric_value, win.metric_unit,
                             win.outcome_type).order_by(win.id)
    queries["loop"] = _ids(select(loop.account_id, loop.nps_response_id, loop.resolved_at, loop.note)
                           .where(loop.state == CloseLoopState.RESOLVED), loop.account_id, ids)
    return queries


def load_signals(repo: Repo, account_ids: Iterable[int] | None = None,
                 contact_id: int | None = None) -> dict[int, Signals]:
    """Latest signals of the given accounts (all when None), keyed by account id: six queries in all.

    With `contact_id`, NPS answers are that contact's or account-wide ones (no contact).
    """
    queries = signal_queries(account_ids, contact_id)
    connection = repo.session.connection()  # Core rows, fetched all at once: no ORM or per-row fetch overhead

    def run(query: Select) -> list:
        return connection.execute(query).all()

    out = {aid: Signals(aid, segment, industry, region, opted_out)
           for aid, segment, industry, region, opted_out in run(queries["accounts"])}
    for aid, cid, score, at, nid, n in run(queries["nps"]):
        if sig := out.get(aid):
            if n == 1:
                sig.contact_id, sig.nps, sig.nps_at, sig.nps_id = cid, score, at, nid
            else:
                sig.nps_prev = score
    for aid, pct, ttv in run(queries["usage"]):
        if sig := out.get(aid):
            sig.usage_percentile, sig.time_to_value_days = pct, ttv
    for aid, escalations in run(queries["support"]):
        if sig := out.get(aid):
            sig.open_escalations = escalations
    for aid, at, value, unit, outcome in run(queries["win"]):
        if sig := out.get(aid):
            sig.win_at, sig.win_value, sig.win_unit, sig.win_outcome = at, value, unit, str(outcome)
    for aid, nid, resolved_at, note in run(queries["loop"]):
        sig = out.get(aid)
        if sig is not None and sig.nps_id == nid and sig.nps is not None and sig.nps <= 6:
            sig.loop_resolved_at, sig.loop_note = resolved_at, note
    return out


def lock_nominations(repo: Repo) -> None:
    """Serialise nominating (sweeps and wins), so no account gets two open nominations.

    PostgreSQL takes a transaction-level advisory lock; SQLite write transactions already hold the write lock.
    """
    if repo.session.get_bind().dialect.name == "postgresql":
        repo.session.execute(text(f"SELECT pg_advisory_xact_lock({_NOMINATION_LOCK_ID})"))


def busy_accounts(repo: Repo, since: datetime, account_ids: Iterable[int] | None = None) -> set[int]:
    """Accounts not to nominate again now: an open nomination or ask, an ask since `since`, or a recent 'Not now'."""
    ask, nom = m.Ask, m.Nomination
    asks = _ids(select(ask.account_id).where(or_(col(ask.state).in_(OPEN_ASK), ask.created_at >= since,
                                                 ask.declined_at >= since)),
                ask.account_id, account_ids)
    noms = _ids(select(nom.account_id).where(or_(
        col(nom.state).in_(OPEN_NOMINATION),
        (nom.state == NominationState.DISMISSED) & (nom.decided_at >= since))), nom.account_id, account_ids)
    return set(repo.session.scalars(asks.union(noms)))


def last_asks_to_contacts(repo: Repo, contact_ids: Iterable[int]) -> dict[int, datetime]:
    """When each contact was last asked (drafts do not count; a decline counts from the day they said no)."""
    ask = m.Ask
    stmt = (select(ask.contact_id, func.max(func.coalesce(ask.declined_at, ask.created_at))).where(
        col(ask.contact_id).in_(list(contact_ids)), ask.state != AskState.DRAFTED).group_by(ask.contact_id))
    return {cid: _aware(at) for cid, at in repo.session.execute(stmt)}


def asks_in(repo: Repo, ask_type: str, start: datetime, end: datetime,
            account_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Asks of one type per account in [start, end) (drafts do not count), for the quarterly caps."""
    ask = m.Ask
    stmt = _ids(select(ask.account_id, func.count()).where(
        ask.ask_type == ask_type, ask.created_at >= start, ask.created_at < end, ask.state != AskState.DRAFTED),
        ask.account_id, account_ids).group_by(ask.account_id)
    return dict(repo.session.execute(stmt).all())


def contacts_of(repo: Repo, account_ids: Iterable[int]) -> list[m.Contact]:
    stmt = select(m.Contact).where(col(m.Contact.account_id).in_(list(account_ids))).order_by(m.Contact.id)
    return list(repo.session.scalars(stmt))


def latest_nps_by_contact(repo: Repo, contact_ids: Iterable[int]) -> dict[int, int]:
    """Each contact's latest NPS score."""
    nps = m.NpsResponse
    rn = func.row_number().over(partition_by=nps.contact_id,
                                order_by=[col(nps.responded_at).desc(), col(nps.id).desc()]).label("rn")
    sub = select(nps.contact_id, nps.score, rn).where(col(nps.contact_id).in_(list(contact_ids))).subquery()
    return dict(repo.session.execute(select(sub.c.contact_id, sub.c.score).where(sub.c.rn == 1)).all())


def accounts_like(repo: Repo, industry: str, segment: str, exclude: int, limit: int = 500) -> list[int]:
    """Promoter accounts (latest NPS 9-10) sharing the industry (else the segment) of another, freshest answer
    first: the pool for 'who else fits'."""
    acc, nps = m.Account, m.NpsResponse
    if industry:
        cond = func.lower(acc.industry) == industry.lower()
    elif segment:
        cond = func.lower(acc.segment) == segment.lower()
    else:
        return []
    similar = [cond, acc.id != exclude, acc.opted_out.is_(False)]
    newest = (select(nps.account_id, func.max(nps.responded_at).label("at")).join(acc, acc.id == nps.account_id)
              .where(*similar).group_by(nps.account_id).subquery())
    stmt = (select(nps.account_id).join(newest, and_(nps.account_id == newest.c.account_id,
                                                     nps.responded_at == newest.c.at))
            .where(nps.score >= 9).order_by(newest.c.at.desc(), nps.account_id).limit(limit))
    return list(dict.fromkeys(repo.session.scalars(stmt)))


def close_loop_for(repo: Repo, nps_response_id: int) -> m.CloseLoopItem | None:
    stmt = select(m.CloseLoopItem).where(m.CloseLoopItem.nps_response_id == nps_response_id)
    return repo.session.scalars(stmt).first()


def open_close_loops(repo: Repo, older_than: datetime) -> list[m.CloseLoopItem]:
    stmt = select(m.CloseLoopItem).where(m.CloseLoopItem.state == CloseLoopState.OPEN,
                                         m.CloseLoopItem.created_at <= older_than).order_by(m.CloseLoopItem.id)
    return list(repo.session.scalars(stmt))


def nps_by_external_id(repo: Repo, external_id: str) -> m.NpsResponse | None:
    return repo.session.scalars(select(m.NpsResponse).where(m.NpsResponse.external_id == external_id)).first()


def snapshot_on(repo: Repo, model, account_id: int, day: date):
    """The usage or support snapshot of an account on a day."""
    return repo.session.scalars(select(model).where(model.account_id == account_id, model.measured_on == day)).first()


# fairness ------------------------------------------------------------------------
DIMENSIONS = ("segment", "industry", "region", "role")


def published_profiles(repo: Repo, start: datetime, end: datetime) -> list[tuple[str, str, str, str]]:
    """(segment, industry, region, contact role) of each story published in [start, end)."""
    story, acc, contact = m.Story, m.Account, m.Contact
    stmt = (select(acc.segment, acc.industry, acc.region, func.coalesce(contact.role, ""))
            .select_from(story).join(acc, acc.id == story.account_id)
            .outerjoin(contact, contact.id == story.contact_id)
            .where(story.published_at >= start, story.published_at < end))
    return [tuple(row) for row in repo.session.execute(stmt)]


def population(repo: Repo) -> dict[str, dict[str, int]]:
    """How many accounts (contacts, for roles) hold each value of each dimension; blanks left out."""
    out: dict[str, dict[str, int]] = {}
    for name, column in (("segment", m.Account.segment), ("industry", m.Account.industry),
                         ("region", m.Account.region), ("role", m.Contact.role)):
        stmt = select(column, func.count()).where(column != "").group_by(column)
        out[name] = {value: n for value, n in repo.session.execute(stmt)}
    return out


def nomination_profiles(repo: Repo, nomination_ids: Iterable[int]) -> dict[int, tuple[str, str, str, str]]:
    nom, acc, contact = m.Nomination, m.Account, m.Contact
    stmt = (select(nom.id, acc.segment, acc.industry, acc.region, func.coalesce(contact.role, ""))
            .join(acc, acc.id == nom.account_id).outerjoin(contact, contact.id == nom.contact_id)
            .where(col(nom.id).in_(list(nomination_ids))))
    return {row[0]: tuple(row[1:]) for row in repo.session.execute(stmt)}


def campaign_audience(repo: Repo, segment: str = "", industry: str = "",
                      region: str = "") -> list[tuple[m.Account, m.Contact]]:
    """Every contact with an email at accounts matching the filters, neither side opted out (NPS is not read)."""
    acc, contact = m.Account, m.Contact
    stmt = (select(acc, contact).join(contact, contact.account_id == acc.id)
            .where(acc.opted_out.is_(False), contact.opted_out.is_(False), contact.email.is_not(None)))
    for column, value in ((acc.segment, segment), (acc.industry, industry), (acc.region, region)):
        if value:
            stmt = stmt.where(func.lower(column) == value.lower())
    return [(a, c) for a, c in repo.session.execute(stmt.order_by(acc.id, contact.id))]


# references ----------------------------------------------------------------------
@dataclass
class Consenting:
    account: m.Account
    contact: m.Contact
    channels: set[str]


def consenting_advocates(repo: Repo, today: date) -> list[Consenting]:
    """Contacts with an approved or published story whose consent is in force, neither side opted out."""
    story, consent, acc, contact = m.Story, m.Consent, m.Account, m.Contact
    stmt = (select(acc, contact, consent.channels)
            .join(story, story.account_id == acc.id)
            .join(contact, contact.id == story.contact_id)
            .join(consent, consent.story_id == story.id)
            .where(col(story.state).in_([StoryState.APPROVED, StoryState.PUBLISHED]),
                   consent.withdrawn_at.is_(None),
                   or_(consent.expires_on.is_(None), consent.expires_on >= today),
                   acc.opted_out.is_(False), contact.opted_out.is_(False))
            .order_by(contact.id))
    found: dict[int, Consenting] = {}
    for account, person, channels in repo.session.execute(stmt):
        entry = found.setdefault(person.id, Consenting(account, person, set()))
        entry.channels.update(channels or [])
    return list(found.values())


def busy_reference_contacts(repo: Repo) -> set[int]:
    """Contacts already proposed in an open or approved reference request."""
    ref = m.ReferenceRequest
    stmt = select(ref.contact_id).where(col(ref.state).in_([ReferenceState.OPEN, ReferenceState.APPROVED]),
                                        ref.contact_id.is_not(None))
    return set(repo.session.scalars(stmt))


def vocabulary(repo: Repo) -> dict[str, set[str]]:
    """Known segments, industries, regions and roles, for reading a seller's criteria."""
    return {name: set(values) for name, values in population(repo).items()}


def open_reference_ask(repo: Repo, account_id: int, contact_id: int | None) -> m.Ask | None:
    stmt = select(m.Ask).where(m.Ask.account_id == account_id, m.Ask.contact_id == contact_id,
                               m.Ask.ask_type == "reference_call", m.Ask.state == AskState.SENT)
    return repo.session.scalars(stmt.order_by(col(m.Ask.id).desc()).limit(1)).first()


# export --------------------------------------------------------------------------
Pair = tuple[int, int | None]


def _by_pair(session: Session, model, *columns, order) -> dict[Pair, tuple]:
    """The latest row of `model` per (account, contact)."""
    rn = func.row_number().over(partition_by=[model.account_id, model.contact_id], order_by=order).label("rn")
    sub = select(model.account_id, model.contact_id, *columns, rn).subquery()
    rows = session.execute(select(sub).where(sub.c.rn == 1))
    return {(row[0], row[1]): tuple(row[2:-1]) for row in rows}


def advocate_facts(repo: Repo) -> dict[str, dict[Pair, tuple]]:
    """Latest nomination, ask, story, close-loop item and NPS per (account, contact), for the export."""
    nom, ask, story, loop, nps = m.Nomination, m.Ask, m.Story, m.CloseLoopItem, m.NpsResponse
    facts = {
        "nomination": _by_pair(repo.session, nom, nom.state, nom.created_at, nom.score,
                               order=[col(nom.created_at).desc(), col(nom.id).desc()]),
        "ask": _by_pair(repo.session, ask, ask.state, ask.ask_type, ask.created_at, ask.sent_at, ask.responded_at,
                        order=[col(ask.created_at).desc(), col(ask.id).desc()]),
        "story": _by_pair(repo.session, story, story.state, story.submitted_at, story.approved_at, story.published_at,
                          story.id, order=[col(story.created_at).desc(), col(story.id).desc()]),
        "loop": _by_pair(repo.session, loop, loop.state, loop.created_at, loop.resolved_at,
                         order=[col(loop.created_at).desc(), col(loop.id).desc()]),
        "nps": _by_pair(repo.session, nps, nps.score, nps.responded_at,
                        order=[col(nps.responded_at).desc(), col(nps.id).desc()]),
    }
    consent = m.Consent
    stmt = select(consent.story_id, consent.withdrawn_at, consent.expires_on, consent.channels)
    facts["consent"] = {row[0]: tuple(row[1:]) for row in repo.session.execute(stmt)}
    stmt = (select(story.account_id, story.contact_id, story.ask_type).distinct()
            .where(story.state == StoryState.PUBLISHED))
    done: dict[Pair, tuple] = {}
    for aid, cid, kind in repo.session.execute(stmt):
        done[(aid, cid)] = done.get((aid, cid), ()) + (str(kind),)
    facts["published_kinds"] = done
    ref = m.ReferenceRequest
    stmt = select(ref.account_id, ref.contact_id).where(ref.state == ReferenceState.COMPLETED).distinct()
    facts["references"] = {(aid, cid): () for aid, cid in repo.session.execute(stmt)}
    return facts


def accounts_and_contacts(repo: Repo, account_ids: Iterable[int], contact_ids: Iterable[int]):
    accounts = {a.id: a for a in repo.session.scalars(select(m.Account).where(col(m.Account.id).in_(list(account_ids))))}
    contacts = {c.id: c for c in repo.session.scalars(select(m.Contact).where(col(m.Contact.id).in_(list(contact_ids))))}
    return accounts, contacts


def claimed_events(repo: Repo, source: str, event_ids: list[str]) -> set[str]:
    """Which of these event ids were recorded already."""
    seen: set[str] = set()
    for start in range(0, len(event_ids), 500):
        chunk = event_ids[start:start + 500]
        stmt = select(m.ProcessedEvent.event_id).where(m.ProcessedEvent.source == source,
                                                       col(m.ProcessedEvent.event_id).in_(chunk))
        seen.update(repo.session.scalars(stmt))
    return seen


def _aware(value: datetime) -> datetime:
    """MAX() over a UTCDateTime column may come back naive or as text on SQLite: restore UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
