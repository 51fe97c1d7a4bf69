"""The leadership digest: a period's numbers against the previous period, as data and as a neutral card.

Posting claims the period with a unique DigestRun row in the same transaction that writes the outbox
rows, so however many replicas or commands try, each period is posted once (re-posts are explicit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable

from storage import digest_queries as q
from storage import models as m
from storage import outcomes as oq
from workflows.core import Core
from workflows.effects import Button, Card, Effect, Fact, Image
from workflows.errors import Conflict, InvalidInput
from workflows.periods import Period, containing
from workflows.states import PlacementChannel, label
from workflows.text import clip, stamp

TREND = 6  # periods in the NPS trend
TOP = 3  # people thanked by name
STUCK_SHOWN = 3  # oldest items listed per kind
TEXT_LIMIT = 2900  # under Block Kit's 3000 characters per section
DIMENSIONS = ("segment", "industry", "region")
FUNNEL = (("wins", "Wins flagged"), ("nominations", "Nominations"), ("asks_sent", "Asks sent"),
          ("responses", "Responses"), ("approved", "Approved"), ("published", "Published"))
STUCK_KINDS = ("nomination", "ask", "review", "customer")
STUCK_NAMES = {"nomination": "nomination", "ask": "ask", "review": "review", "customer": "final version"}
CYCLES = (("win_to_ask", "win → ask"), ("ask_to_response", "ask → response"), ("review", "review"),
          ("win_to_published", "win → published"))


@dataclass
class Share:
    value: str
    accounts: int
    advocates: int
    account_share: float
    advocate_share: float


@dataclass
class Digest:
    """A period's numbers; `previous_*` are the period before, `nps_trend` ends with this period."""

    period: Period
    generated_at: datetime
    activity: q.Activity
    previous_activity: q.Activity
    cycles: q.CycleTimes
    previous_cycles: q.CycleTimes
    deals: q.Deals
    previous_deals: q.Deals
    nps_trend: list[tuple[Period, q.Nps]]
    placements: dict[str, int]
    clicks: dict[str, int]
    advocates: list[q.Person]
    flaggers: list[q.Person]
    coverage: dict[str, list[Share]]
    stuck: dict[str, tuple[int, list[q.StuckItem]]]
    stuck_after_days: int
    timezone: str = "UTC"

    @property
    def previous(self) -> Period:
        return self.period.previous()

    @property
    def partial(self) -> bool:
        return not self.period.is_complete(self.generated_at)

    @property
    def nps(self) -> q.Nps:
        return self.nps_trend[-1][1]

    @property
    def quiet(self) -> bool:
        """Nothing at all happened in the period: no activity, NPS answer, closed deal or click."""
        return not (self.activity.any or self.nps.responses or self.deals.closed or self.deals.opportunities
                    or any(self.clicks.values()))

    @property
    def previous_nps(self) -> q.Nps:
        return self.nps_trend[-2][1]


def build_digest(core: Core, period: Period, now: datetime | None = None) -> Digest:
    """Compute the digest of a period (to date, when it is not over yet)."""
    now = now or core.now()
    trend = period.trend(TREND)
    edges = [p.start_utc for p in trend] + [period.end_utc]
    with core.unit(read_only=True) as unit:
        session = unit.repo.session
        activity = q.activity(session, edges[-3:])
        cycles = q.cycle_times(session, edges[-3:])
        deals = q.deals(session, edges[-3:])
        nps = q.nps(session, edges)
        start, end = period.start_utc, period.end_utc
        digest = Digest(
            period=period, generated_at=now, activity=activity[1], previous_activity=activity[0],
            cycles=cycles[1], previous_cycles=cycles[0], deals=deals[1], previous_deals=deals[0],
            nps_trend=list(zip(trend, nps)), placements=q.placements_by_channel(session, start, end),
            clicks=q.clicks_by_channel(session, start, end),
            advocates=q.top_advocates(session, start, end, TOP), flaggers=q.top_flaggers(session, start, end, TOP),
            coverage=_coverage(q.coverage(session, min(end, now))),
            stuck=q.stuck(session, now - timedelta(days=core.config.digest.stuck_after_days), STUCK_SHOWN),
            stuck_after_days=core.config.digest.stuck_after_days, timezone=core.config.timezone)
    return digest


def _coverage(cells: list[q.CoverageCell]) -> dict[str, list[Share]]:
    """Per dimension: each value's share of all accounts and of accounts with proof, biggest first."""
    out = {}
    for dim in DIMENSIONS:
        totals: dict[str, list[int]] = {}
        for cell in cells:
            bucket = totals.setdefault(getattr(cell, dim) or "unspecified", [0, 0])
            bucket[0] += cell.accounts
            bucket[1] += cell.advocates
        all_accounts = sum(a for a, _ in totals.values())
        all_advocates = sum(p for _, p in totals.values())
        shares = [Share(value, a, p, a / all_accounts if all_accounts else 0, p / all_advocates if all_advocates else 0)
                  for value, (a, p) in totals.items()]
        out[dim] = sorted(shares, key=lambda s: (-s.accounts, s.value))
    return out


# --- the card ------------------------------------------------------------------------------------

def rounded(value: float, places: int = 0, scale: int = 0) -> Decimal:
    """Half away from zero, as people round (-2.5 → -3, 2.5 → 3), not to even; `scale` shifts the decimal
    point first (2: a share as a percentage), on the digits shown, so 0.575 gives 58, not 57.4999…"""
    return Decimal(repr(value)).scaleb(scale).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) + 0


def _num(value: float) -> str:
    return f"{rounded(value):,}"


def _change(current: float, previous: float) -> str:
    """The change between two figures as they are shown (whole numbers), so it matches them."""
    now, before = rounded(current), rounded(previous)
    if now == before:
        return "same as before"
    return f"{'up' if now > before else 'down'} {abs(now - before):,}"


def _pct(part: float, whole: float) -> str:
    return f"{rounded(part * 100 / whole)}%" if whole else "–"


def nps_score(n: q.Nps) -> float | None:
    return (n.promoters - n.detractors) * 100 / n.responses if n.responses else None


def signed(score: float | None) -> str:
    """'+12', '-3', '+0' (whole points, half away from zero), or 'no answers'."""
    return "no answers" if score is None else f"{int(rounded(score)):+d}"


def _days(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{rounded(value, 1)}" if value < 10 else f"{rounded(value)}"


def average_rating(a: q.Activity) -> float | None:
    return a.rating_sum / a.rated if a.rated else None


def close_rate(won: int, lost: int) -> float | None:
    """Won deals out of those decided (won or lost); withdrawn deals are decided by nobody."""
    return won / (won + lost) if won + lost else None


def _funnel(a: q.Activity) -> str:
    steps = []
    before = None
    for attr, name in FUNNEL:
        value = getattr(a, attr)
        steps.append(f"{name if not steps else name.lower()} {value:,}" +
                     (f" ({_pct(value, before)})" if before is not None else ""))
        before = value
    return " → ".join(steps)


def _cycle_text(c: q.CycleTimes) -> str:
    parts = []
    for attr, name in CYCLES:
        spread: q.Spread = getattr(c, attr)
        parts.append(f"{name} {_days(spread.median)} / {_days(spread.p90)} days" if spread.count else
                     f"{name} –")
    return "; ".join(parts)


def _people(people: list[q.Person]) -> str:
    return ", ".join(f"{p.name} ({p.count})" for p in people)


def _coverage_text(coverage: dict[str, list[Share]]) -> str:
    shares = coverage.get("segment", [])
    if not any(s.advocates for s in shares):
        return "Coverage: no account has an approved story yet, so the proof library says nothing about any segment."
    lines = ["Coverage (share of accounts with approved stories vs share of all accounts):"]
    gaps = []
    for dim in DIMENSIONS:
        values = coverage[dim][:6]
        lines.append(f"{dim.capitalize()}: " + ", ".join(
            f"{s.value} {_rate(s.advocate_share)} vs {_rate(s.account_share)}" for s in values))
        gaps += [f"{s.value} ({dim})" for s in coverage[dim]
                 if s.account_share >= 0.1 and s.advocate_share < s.account_share / 2]
    if gaps:
        lines.append("Under-represented: " + ", ".join(gaps[:8]) + ".")
    return "\n".join(lines)


def _stuck_text(d: Digest) -> tuple[str, list[Button]]:
    """The stuck items, oldest first; owners by their person key (shown by name where the card is delivered)."""
    counts = {kind: d.stuck[kind][0] for kind in STUCK_KINDS}
    if not any(counts.values()):
        return f"Nothing stuck: no nomination, ask or review has waited more than {d.stuck_after_days} days.", []
    summary = ", ".join(f"{n} {STUCK_NAMES[k]}{'s' if n != 1 else ''}" for k, n in counts.items() if n)
    lines = [f"Stuck for more than {d.stuck_after_days} days: {summary}. Oldest:"]
    buttons = []
    waiting = {"nomination": "not acted on", "ask": "no answer", "review": "waiting for review",
               "customer": "waiting for the customer"}
    for kind in STUCK_KINDS:
        for item in d.stuck[kind][1]:
            age = (d.generated_at - item.since).days
            owner = f", owner {item.owner}" if item.owner else ""
            lines.append(f"• {STUCK_NAMES[kind].capitalize()} #{item.item_id} for {item.account}: {waiting[kind]} "
                         f"for {age} days{owner}")
            if kind == "nomination":
                buttons.append(Button(clip(f"Ask {item.account}", 75), "nomination.ask", str(item.item_id)))
    return "\n".join(lines), buttons


def _deals_text(deal: q.Deals) -> str:
    """Deals closed in the period with and without proof, and the sales cycles of the won ones."""
    if not deal.closed:
        return "Deals: none closed this period."
    with_proof, without = (spread.median if spread else None for spread in (deal.cycle_with_proof,
                                                                             deal.cycle_without_proof))
    cycle = f"median sales cycle of won deals {_days(with_proof)} days with proof, {_days(without)} without"
    return (f"Deals closed: {deal.closed:,} ({deal.won:,} won, {deal.lost:,} lost, {deal.withdrawn:,} withdrawn); "
            f"with proof {deal.proof_closed:,} ({deal.proof_won:,} won, {deal.proof_lost:,} lost, "
            f"{deal.proof_withdrawn:,} withdrawn); {cycle}.")


def _usage_text(d: Digest) -> str:
    """New placements and counted clicks per channel, and stories used in deals."""
    channels = sorted(set(d.placements) | set(d.clicks),
                      key=lambda c: (-d.clicks.get(c, 0), -d.placements.get(c, 0), c))
    parts = [f"{label(PlacementChannel(c))} {d.placements.get(c, 0):,} new, {d.clicks.get(c, 0):,} clicks"
             for c in channels]
    a = d.activity
    parts.append(f"sales {a.deal_stories:,} stor{'y' if a.deal_stories == 1 else 'ies'} used "
                 f"{a.deal_uses:,} time{'' if a.deal_uses == 1 else 's'} in deals")
    return "Usage and clicks by channel: " + "; ".join(parts) + "."


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{rounded(value, scale=2)}%"


def quiet_card(d: Digest) -> Card:
    """One line for a period in which nothing happened, instead of a page of zeros."""
    when = d.period.label.removesuffix(f" {d.period.year}") if d.period.kind == "monthly" else d.period.label
    return Card(title=f"Advocacy digest: {d.period.label}" + (" so far" if d.partial else ""),
                body=[f"No advocacy activity in {when}."])


def digest_card(d: Digest) -> Card:
    """The digest as a neutral card: readable without the chart and within Block Kit and Adaptive Card limits."""
    if d.quiet:
        return quiet_card(d)
    a, b = d.activity, d.previous_activity
    deal, before = d.deals, d.previous_deals
    prev = d.previous.short
    title = f"Advocacy digest: {d.period.label}" + (" so far" if d.partial else "")
    average = average_rating(a)
    rating = f", average {rounded(average, 1)} of 5" if average is not None else ""
    score, previous_score = nps_score(d.nps), nps_score(d.previous_nps)
    nps_fact = signed(score)
    if score is not None and previous_score is not None:
        nps_fact += f" ({_change(score, previous_score)})"
    facts = [
        Fact("Wins flagged", f"{a.wins:,} ({_change(a.wins, b.wins)})"),
        Fact("Stories published", f"{a.published:,} ({_change(a.published, b.published)})"),
        Fact("NPS", nps_fact),
        Fact("Reviews", f"{a.reviews:,}{rating} ({_change(a.reviews, b.reviews)})"),
        Fact("Referrals", f"{a.referrals_made:,} made ({_change(a.referrals_made, b.referrals_made)}), "
                          f"{a.referrals_converted:,} converted, {_num(a.referral_revenue)} revenue"),
        Fact("Revenue influenced", f"{_num(deal.revenue)} won with proof ({_change(deal.revenue, before.revenue)})"),
        Fact("Close rate", f"{_rate(close_rate(deal.proof_won, deal.proof_lost))} with proof, "
                           f"{_rate(close_rate(deal.won, deal.lost))} all deals"),
        Fact("Pipeline influenced", f"{_num(deal.pipeline)} in {deal.opportunities:,} opportunit"
                                    f"{'y' if deal.opportunities == 1 else 'ies'} "
                                    f"({_change(deal.pipeline, before.pipeline)})" +
             (f"; {a.consent_ended:,} deal use(s) no longer counted, consent withdrawn or expired"
              if a.consent_ended else "")),
    ]
    trend = ", ".join(f"{p.short} {signed(nps_score(n)) if n.responses else '–'}" for p, n in d.nps_trend)
    n = d.nps
    nps_line = (f"NPS {signed(score)}: {_pct(n.promoters, n.responses)} promoters, "
                f"{_pct(n.detractors, n.responses)} detractors, {n.responses:,} answers "
                f"({prev}: {signed(previous_score)}). " if n.responses else "No NPS answers this period. ")
    thanks = []
    if d.advocates:
        thanks.append(f"Most stories and referrals from {_people(d.advocates)}.")
    if d.flaggers:
        thanks.append(f"Most wins flagged by {_people(d.flaggers)}.")
    stuck, buttons = _stuck_text(d)
    body = [
        f"Funnel: {_funnel(a)}.\n{prev}: {_funnel(b)}.\nAsks declined by the customer: {a.declined:,} "
        f"({prev}: {b.declined:,}).",
        f"Cycle times, median / 90th percentile: {_cycle_text(d.cycles)}.\n{prev}: {_cycle_text(d.previous_cycles)}.",
        f"{nps_line}Trend: {trend}.",
        _deals_text(deal),
        _usage_text(d),
        ("Thank you! " + " ".join(thanks)) if thanks else "No wins or stories to thank anyone for yet.",
        _coverage_text(d.coverage),
        stuck,
    ]
    note = (f"Compared with {d.previous.label}. Periods in {d.timezone}. "
            f"Generated {stamp(d.generated_at, d.period.tz)}.")
    owners = sorted({item.owner for kind in STUCK_KINDS for item in d.stuck[kind][1] if item.owner})
    return Card(title=title, body=[clip(text, TEXT_LIMIT) for text in body], facts=facts, buttons=buttons[:STUCK_SHOWN],
                note=note, body_people=owners)


def digest_text(card: Card) -> str:
    """The card as plain text, for the terminal."""
    lines = [card.title, "=" * len(card.title), ""]
    width = max((len(f.label) for f in card.facts), default=0)
    lines += [f"{f.label:<{width}}  {f.value}" for f in card.facts]
    for paragraph in card.body:
        lines += ["", paragraph]
    if card.buttons:
        lines += ["", "Act: " + ", ".join(f"{b.label} ({b.action} {b.value})" for b in card.buttons)]
    if card.note:
        lines += ["", card.note]
    return "\n".join(lines)


# --- posting once --------------------------------------------------------------------------------

ChartMaker = Callable[[Digest], Image | None]


@dataclass
class Posted:
    period: Period
    run_id: int
    run_key: str  # '2026-10', or '2026-10#2' for a re-post
    outbox_rows: int
    card: Card


def posted_runs(core: Core, period: Period) -> list[m.DigestRun]:
    with core.unit(read_only=True) as unit:
        return q.digest_runs(unit.repo.session, period.kind, period.key)


def _already(period: Period, run: m.DigestRun, tz) -> Conflict:
    who = "" if run.requested_by == "scheduler" else f" by {run.requested_by}"
    return Conflict(f"The {period.label} digest was already posted on {stamp(run.created_at, tz)}{who}. "
                    "Use --again to post it once more.")


def post_digest(core: Core, period: Period, requested_by: str = "scheduler", chart: ChartMaker | None = None,
                again: bool = False) -> Posted:
    """Post a period's digest to every digest channel, once.

    Without `again`, a period already claimed raises Conflict. With `again`, this call claims the next
    re-post key ('2026-10#2', …), so it also posts exactly once whoever else is posting.
    """
    if not core.config.platforms_for("digest"):
        raise InvalidInput("No digest channel is configured: set channels.<platform>.digest in app.yaml.",
                           field="channels")
    runs = posted_runs(core, period)
    if runs and not again:
        raise _already(period, runs[0], core.config.tz)
    digest = build_digest(core, period)
    card = digest_card(digest)
    if chart is not None and not digest.quiet:
        card.image = chart(digest)
    attempt = len(runs)
    while True:
        key = period.key if attempt == 0 else f"{period.key}#{attempt + 1}"
        with core.unit() as unit:
            run_id = unit.repo.claim_once(
                m.DigestRun, {"kind": period.kind, "period": key, "requested_by": requested_by[:200],
                              "created_at": unit.now}, ["kind", "period"])
            if run_id is not None:
                unit.emit(Effect("post", card, purpose="digest"))
                unit.audit("digest", run_id, "posted", requested_by, period=key, kind=period.kind)
                return Posted(period, run_id, key, len(unit.emitted), card)
        if not again:
            raise _already(period, posted_runs(core, period)[0], core.config.tz)
        attempt += 1


def due_period(kind: str, fired_at: datetime, tz) -> Period:
    """The period a scheduled run at `fired_at` reports on: the last one complete by then."""
    return containing(fired_at, tz, kind).previous()


FIRST_STARTED = "first_started_at"


def first_started(core: Core) -> datetime:
    """When the bot was first started on this database (recorded now if nobody recorded it before)."""
    with core.unit() as unit:
        oq.record_fact_once(unit.repo.session, FIRST_STARTED, "", unit.now)
        return oq.fact(unit.repo.session, FIRST_STARTED).at


def post_due(core: Core, period: Period, chart: ChartMaker | None = None) -> Posted | None:
    """Post a scheduled digest unless it was posted already (by this replica, another one, or a person),
    or the period ended before the bot was first started (a new installation reports nothing it did not see)."""
    if period.end_utc <= first_started(core) or posted_runs(core, period):
        return None
    try:
        return post_digest(core, period, "scheduler", chart)
    except Conflict:
        return None  # another replica claimed it first
