"""Set-based aggregates for the leadership digest: counts, percentiles and breakdowns over time ranges.

Every function takes `edges`, ascending UTC datetimes [e0, e1, …, en] that split time into buckets
[e0, e1), [e1, e2), …; rows outside [e0, en) are not read. Results are keyed by bucket number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, and_, case, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from storage import models as m
from storage.vocabulary import AskState, DealOutcome, NominationState, StoryState

PROOF_STATES = (StoryState.APPROVED, StoryState.PUBLISHED)


def _bucket(column, edges: list[datetime]):
    """A CASE giving the bucket number of a timestamp."""
    inner = edges[1:-1]
    if not inner:
        return literal(0)
    return case(*[(column < edge, i) for i, edge in enumerate(inner)], else_=len(inner))


def _bucket_end(column, edges: list[datetime]):
    """A CASE giving the end of the bucket a timestamp falls in."""
    return case(*[(column < edge, edge) for edge in edges[1:-1]], else_=edges[-1])


def _in_range(column, edges: list[datetime]):
    return and_(column >= edges[0], column < edges[-1])


def _grouped(session: Session, column, edges: list[datetime], *aggregates, where=()) -> dict[int, tuple]:
    """{bucket: (aggregate values…)} for rows whose `column` falls in the range."""
    bucket = _bucket(column, edges).label("bucket")
    stmt = select(bucket, *aggregates).where(_in_range(column, edges), *where).group_by(bucket)
    return {row[0]: tuple(row[1:]) for row in session.execute(stmt)}


def _counts(session: Session, column, edges: list[datetime], where=()) -> list[int]:
    found = _grouped(session, column, edges, func.count(), where=where)
    return [int(found.get(i, (0,))[0]) for i in range(len(edges) - 1)]


@dataclass
class Activity:
    """What happened in one bucket."""

    wins: int = 0
    nominations: int = 0
    asks_sent: int = 0
    responses: int = 0
    approved: int = 0
    published: int = 0
    reviews: int = 0  # stories received with a rating, and site reviews confirmed (each ask counted once)
    rated: int = 0  # the reviews that carry a star rating
    rating_sum: int = 0
    referrals_made: int = 0
    referrals_converted: int = 0
    referral_revenue: float = 0.0
    deal_uses: int = 0  # (story, opportunity) pairs recorded
    deal_stories: int = 0
    placements: int = 0
    declined: int = 0  # asks the customer said no to
    consent_ended: int = 0  # deal uses no longer counted: the story's consent was withdrawn or expired

    @property
    def any(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)


def activity(session: Session, edges: list[datetime]) -> list[Activity]:
    """Funnel counts, reviews, referrals, deal use and placements per bucket."""
    n = len(edges) - 1
    out = [Activity() for _ in range(n)]
    simple = {
        "wins": m.Win.created_at,
        "nominations": m.Nomination.created_at,
        "asks_sent": m.Ask.sent_at,
        "responses": m.Ask.responded_at,
        "approved": m.Story.approved_at,
        "published": m.Story.published_at,
        "referrals_made": m.Referral.created_at,
        "placements": m.Placement.published_at,
        "declined": m.Ask.declined_at,
        "consent_ended": m.DealUsage.consent_ended_at,
    }
    for name, column in simple.items():
        for i, value in enumerate(_counts(session, column, edges)):
            setattr(out[i], name, value)
    rated = _grouped(session, m.Story.created_at, edges, func.count(), func.coalesce(func.sum(m.Story.rating), 0),
                     where=(m.Story.rating.is_not(None),))
    rated_story = (select(m.Story.id).where(m.Story.ask_id == m.SiteReview.ask_id, m.Story.rating.is_not(None))
                   .exists())
    sites = _grouped(session, m.SiteReview.confirmed_at, edges, func.count(), func.count(m.SiteReview.rating),
                     func.coalesce(func.sum(m.SiteReview.rating), 0),
                     where=(or_(m.SiteReview.ask_id.is_(None), ~rated_story),))
    converted = _grouped(session, m.Referral.converted_at, edges, func.count(),
                         func.coalesce(func.sum(m.Referral.amount), 0))
    deals = _grouped(session, m.DealUsage.recorded_at, edges, func.count(), func.count(m.DealUsage.story_id.distinct()))
    for i in range(n):
        stories, story_stars = (int(v) for v in rated.get(i, (0, 0)))
        site_count, site_rated, site_stars = (int(v) for v in sites.get(i, (0, 0, 0)))
        out[i].reviews, out[i].rated, out[i].rating_sum = (stories + site_count, stories + site_rated,
                                                           story_stars + site_stars)
        count, amount = converted.get(i, (0, 0))
        out[i].referrals_converted, out[i].referral_revenue = int(count), float(amount)
        out[i].deal_uses, out[i].deal_stories = (int(v) for v in deals.get(i, (0, 0)))
    return out


@dataclass
class Deals:
    """Deals closed in one bucket, all of them and those where a story was used, and proof-influenced pipeline."""

    won: int = 0
    lost: int = 0
    withdrawn: int = 0
    won_amount: float = 0.0
    proof_won: int = 0
    proof_lost: int = 0
    proof_withdrawn: int = 0
    revenue: float = 0.0  # amounts of won deals that used proof
    cycle_with_proof: Spread | None = None  # days from opened to won
    cycle_without_proof: Spread | None = None
    opportunities: int = 0  # opportunities where proof was used in the bucket
    pipeline: float = 0.0  # their amounts

    @property
    def closed(self) -> int:
        return self.won + self.lost + self.withdrawn

    @property
    def proof_closed(self) -> int:
        return self.proof_won + self.proof_lost + self.proof_withdrawn


def _used_proof(opportunity_id):
    """A story was used in the deal, and its consent had not ended when the deal closed (from the day it ends,
    the deals that used it no longer count as influenced by it)."""
    return select(m.DealUsage.id).where(
        m.DealUsage.opportunity_id == opportunity_id,
        or_(m.DealUsage.consent_ended_at.is_(None), m.DealUsage.consent_ended_at >= m.Deal.closed_at)).exists()


def deals(session: Session, edges: list[datetime]) -> list[Deals]:
    """Per bucket: deals closed (by close time) won/lost/withdrawn, with and without proof, revenue, sales
    cycles of won deals, and the pipeline of opportunities where proof was used (by time of use)."""
    n = len(edges) - 1
    out = [Deals() for _ in range(n)]
    proof = _used_proof(m.Deal.opportunity_id).label("proof")
    bucket = _bucket(m.Deal.closed_at, edges).label("bucket")
    stmt = (select(bucket, m.Deal.outcome, proof, func.count(), func.coalesce(func.sum(m.Deal.amount), 0))
            .where(_in_range(m.Deal.closed_at, edges), m.Deal.outcome != DealOutcome.OPEN)
            .group_by(bucket, m.Deal.outcome, proof))
    for i, outcome, used, count, amount in session.execute(stmt):
        d, outcome = out[i], DealOutcome(outcome)
        setattr(d, outcome.value, getattr(d, outcome.value) + int(count))
        if outcome == DealOutcome.WON:
            d.won_amount += float(amount)
        if used:
            setattr(d, f"proof_{outcome.value}", int(count))
            if outcome == DealOutcome.WON:
                d.revenue = float(amount)
    opened = func.coalesce(m.Deal.opened_at, m.Deal.created_at)
    for used, attr in ((True, "cycle_with_proof"), (False, "cycle_without_proof")):
        won = (m.Deal.outcome == DealOutcome.WON, _used_proof(m.Deal.opportunity_id) if used else
               ~_used_proof(m.Deal.opportunity_id))
        for i, spread in enumerate(_spreads(session, m.Deal.closed_at, opened, edges, where=won)):
            setattr(out[i], attr, spread)
    used_in = _bucket(m.DealUsage.recorded_at, edges).label("bucket")
    uses = (select(used_in, m.DealUsage.opportunity_id.label("opp"), func.max(m.DealUsage.amount).label("amount"))
            .where(_in_range(m.DealUsage.recorded_at, edges),  # consent that ended within its period: not counted
                   or_(m.DealUsage.consent_ended_at.is_(None),
                       m.DealUsage.consent_ended_at >= _bucket_end(m.DealUsage.recorded_at, edges)))
            .group_by(used_in, m.DealUsage.opportunity_id).subquery())
    amount = case((m.Deal.amount > 0, m.Deal.amount), else_=uses.c.amount)
    stmt = (select(uses.c.bucket, func.count(), func.coalesce(func.sum(amount), 0))
            .outerjoin(m.Deal, m.Deal.opportunity_id == uses.c.opp).group_by(uses.c.bucket))
    for i, count, total in session.execute(stmt):
        out[i].opportunities, out[i].pipeline = int(count), float(total)
    return out


def clicks_by_channel(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """Counted short-link clicks in the range, per channel of the placement clicked."""
    stmt = (select(m.Placement.channel, func.count())
            .select_from(m.PlacementClick).join(m.Placement, m.Placement.id == m.PlacementClick.placement_id)
            .where(_in_range(m.PlacementClick.clicked_at, [start, end])).group_by(m.Placement.channel))
    return {str(channel): int(count) for channel, count in session.execute(stmt)}


@dataclass
class Nps:
    responses: int = 0
    promoters: int = 0
    detractors: int = 0


def nps(session: Session, edges: list[datetime]) -> list[Nps]:
    """NPS answers per bucket: promoters score 9–10, detractors 0–6."""
    score = m.NpsResponse.score
    found = _grouped(session, m.NpsResponse.responded_at, edges, func.count(),
                     func.coalesce(func.sum(case((score >= 9, 1), else_=0)), 0),
                     func.coalesce(func.sum(case((score <= 6, 1), else_=0)), 0))
    return [Nps(*(int(v) for v in found.get(i, (0, 0, 0)))) for i in range(len(edges) - 1)]


@dataclass
class Spread:
    """Durations in days of the items that reached a step in a bucket."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


def _days(session: Session, later, earlier):
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def _spreads(session: Session, later, earlier, edges: list[datetime], joins=(), where=()) -> list[Spread]:
    """Median and 90th percentile (linear interpolation, like percentile_cont) of later − earlier per bucket."""
    n = len(edges) - 1
    days = _days(session, later, earlier).label("d")
    bucket = _bucket(later, edges).label("bucket")
    base = select(bucket, days)
    for target, on in joins:
        base = base.join(target, on)
    base = base.where(_in_range(later, edges), earlier.is_not(None), *where)
    if session.get_bind().dialect.name == "postgresql":
        sub = base.subquery()
        stmt = select(sub.c.bucket, func.count(), func.percentile_cont(0.5).within_group(sub.c.d),
                      func.percentile_cont(0.9).within_group(sub.c.d)).group_by(sub.c.bucket)
        found = {row[0]: Spread(int(row[1]), float(row[2]), float(row[3])) for row in session.execute(stmt)}
        return [found.get(i, Spread()) for i in range(n)]
    return _spreads_by_rank(session, base.subquery(), n)


def _spreads_by_rank(session: Session, sub, n: int) -> list[Spread]:
    """Percentiles without percentile_cont: rank rows per bucket and read the two neighbours of each position."""
    ranked = select(sub.c.bucket, sub.c.d,
                    (func.row_number().over(partition_by=sub.c.bucket, order_by=sub.c.d) - 1).label("i"),
                    func.count().over(partition_by=sub.c.bucket, order_by=sub.c.d, rows=(None, None)).label("n"),
                    ).subquery()
    wanted = []
    for p in (0.5, 0.9):
        position = (ranked.c.n - 1) * p
        low = cast(position, Integer)
        wanted += [ranked.c.i == low, ranked.c.i == low + 1]
    stmt = select(ranked.c.bucket, ranked.c.n, ranked.c.i, ranked.c.d).where(or_(*wanted))
    rows: dict[int, tuple[int, dict[int, float]]] = {}
    for bucket, count, index, value in session.execute(stmt):
        rows.setdefault(bucket, (count, {}))[1][index] = value
    out = []
    for i in range(n):
        if i not in rows:
            out.append(Spread())
            continue
        count, values = rows[i]
        out.append(Spread(count, *(_interpolate(values, (count - 1) * p) for p in (0.5, 0.9))))
    return out


def _interpolate(values: dict[int, float], position: float) -> float:
    low = int(position)
    if low + 1 not in values:
        return float(values[low])
    return float(values[low] + (values[low + 1] - values[low]) * (position - low))


@dataclass
class CycleTimes:
    win_to_ask: Spread
    ask_to_response: Spread
    review: Spread
    win_to_published: Spread


def cycle_times(session: Session, edges: list[datetime]) -> list[CycleTimes]:
    """Per bucket: win → ask sent, ask sent → response, submitted → approved, win → published."""
    win_to_ask = _spreads(session, m.Ask.sent_at, m.Win.created_at, edges, joins=(
        (m.Nomination, m.Nomination.id == m.Ask.nomination_id), (m.Win, m.Win.id == m.Nomination.win_id)))
    ask_to_response = _spreads(session, m.Ask.responded_at, m.Ask.sent_at, edges)
    review = _spreads(session, m.Story.approved_at, m.Story.submitted_at, edges)
    win_to_published = _spreads(session, m.Story.published_at, m.Win.created_at, edges,
                                joins=((m.Win, m.Win.id == m.Story.win_id),))
    return [CycleTimes(*parts) for parts in zip(win_to_ask, ask_to_response, review, win_to_published)]


def placements_by_channel(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    stmt = (select(m.Placement.channel, func.count()).where(_in_range(m.Placement.published_at, [start, end]))
            .group_by(m.Placement.channel))
    return {str(channel): int(count) for channel, count in session.execute(stmt)}


@dataclass
class Person:
    name: str
    count: int


def top_advocates(session: Session, start: datetime, end: datetime, limit: int = 3) -> list[Person]:
    """Customer contacts (or accounts) with the most stories submitted and referrals made in the range."""
    contributions = union_all(
        select(m.Story.account_id.label("account_id"), m.Story.contact_id.label("contact_id"))
        .where(_in_range(m.Story.created_at, [start, end])),
        select(m.Referral.account_id, m.Referral.contact_id).where(_in_range(m.Referral.created_at, [start, end])),
    ).subquery()
    counted = (select(contributions.c.account_id, contributions.c.contact_id, func.count().label("n"))
               .group_by(contributions.c.account_id, contributions.c.contact_id)
               .order_by(func.count().desc(), contributions.c.account_id, contributions.c.contact_id)
               .limit(limit).subquery())
    stmt = (select(m.Account.name, m.Contact.name, counted.c.n)
            .join(m.Account, m.Account.id == counted.c.account_id)
            .outerjoin(m.Contact, m.Contact.id == counted.c.contact_id)
            .order_by(counted.c.n.desc(), m.Account.name))
    return [Person(f"{contact} at {account}" if contact else account, int(n))
            for account, contact, n in session.execute(stmt)]


def top_flaggers(session: Session, start: datetime, end: datetime, limit: int = 3) -> list[Person]:
    """The people who flagged the most wins in the range."""
    n = func.count().label("n")
    stmt = (select(m.Win.flagged_by, func.max(m.Win.flagged_by_name), n)
            .where(_in_range(m.Win.created_at, [start, end]))
            .group_by(m.Win.flagged_by).order_by(n.desc(), m.Win.flagged_by).limit(limit))
    return [Person(name or key, int(count)) for key, name, count in session.execute(stmt)]


@dataclass
class CoverageCell:
    segment: str
    industry: str
    region: str
    accounts: int
    advocates: int  # accounts with an approved or published story


def coverage(session: Session, before: datetime) -> list[CoverageCell]:
    """Accounts and accounts with proof (approved before `before`, not withdrawn) per segment/industry/region."""
    proof = (select(m.Story.account_id).where(m.Story.approved_at < before, m.Story.state.in_(PROOF_STATES))
             .distinct().subquery())
    stmt = (select(m.Account.segment, m.Account.industry, m.Account.region, func.count(),
                   func.count(proof.c.account_id))
            .outerjoin(proof, proof.c.account_id == m.Account.id)
            .group_by(m.Account.segment, m.Account.industry, m.Account.region))
    return [CoverageCell(s or "", i or "", r or "", int(a), int(p)) for s, i, r, a, p in session.execute(stmt)]


@dataclass
class StuckItem:
    kind: str  # nomination | ask | review | customer (a final version waiting for the customer's approval)
    item_id: int
    account: str
    owner: str
    since: datetime


def stuck(session: Session, before: datetime, limit: int = 3) -> dict[str, tuple[int, list[StuckItem]]]:
    """Open items waiting since before `before`: {kind: (how many, the oldest few)}.

    Each part reads an index in time order: proposed nominations by creation, drafted asks by
    creation, sent asks by sending, stories in review by submission (their creation).
    """
    parts = {
        "nomination": [(m.Nomination, m.Nomination.created_at, m.Nomination.state == NominationState.PROPOSED)],
        "ask": [(m.Ask, m.Ask.created_at, m.Ask.state == AskState.DRAFTED),
                (m.Ask, m.Ask.sent_at, m.Ask.state == AskState.SENT)],
        "review": [(m.Story, m.Story.created_at, m.Story.state == StoryState.IN_REVIEW)],
        "customer": [(m.Story, m.Story.awaiting_since, m.Story.state == StoryState.AWAITING_CUSTOMER)],
    }
    out = {}
    for kind, queries in parts.items():
        total, oldest = 0, []
        for model, since, open_state in queries:
            where = (open_state, since < before)
            total += session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
            first = select(model.id, model.account_id, model.owner, since.label("since")).where(*where) \
                .order_by(since, model.id).limit(limit).subquery()
            stmt = select(first.c.id, m.Account.name, first.c.owner, first.c.since) \
                .join(m.Account, m.Account.id == first.c.account_id)
            oldest += [StuckItem(kind, item_id, account, owner, at) for item_id, account, owner, at in
                       session.execute(stmt)]
        out[kind] = (int(total), sorted(oldest, key=lambda item: (item.since, item.item_id))[:limit])
    return out


def digest_runs(session: Session, kind: str, period: str) -> list[m.DigestRun]:
    """Runs of a period: the first post ('2026-10') and any re-posts ('2026-10#2', …), oldest first."""
    stmt = (select(m.DigestRun).where(m.DigestRun.kind == kind,
                                      or_(m.DigestRun.period == period, m.DigestRun.period.like(f"{period}#%")))
            .order_by(m.DigestRun.id))
    return list(session.scalars(stmt))
