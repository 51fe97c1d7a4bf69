"""A realistic generated sample: a program that has run for months, so the digest, the queues and the chart
look like the real thing.

Every step goes through the same workflows people use, on a clock set back to when it happened: wins are
flagged through the months, asks go out days later, customers answer (or decline, or never answer), stories
are reviewed and published, sellers use them in deals that are won, lost or withdrawn, advocates refer
prospects and post reviews, and visitors follow the placements' short links. Nothing is posted to chat.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from storage import models as m
from workflows import asks, calls, final, nudges, sales, stories, wins
from workflows.actors import Actor
from workflows.core import Core
from workflows.errors import AlreadyDone, Conflict, DomainError
from workflows.links import new_nonce
from workflows.states import (AskType, ConsentChannel, ConsentScope, DealOutcome, OutcomeType, PlacementChannel,
                              ReferralState, ReviewSite, Role, StoryState)

SEGMENTS = ["enterprise", "mid-market", "smb"]
INDUSTRIES = ["fintech", "healthcare", "retail", "logistics", "saas", "manufacturing"]
REGIONS = ["EMEA", "NA", "APAC", "LATAM"]
WORDS = ["Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Adatum", "Proseware", "Woodgrove",
         "Lamna", "Trey", "Relecloud", "Wingtip", "Alpine", "Coho", "Fourth", "Margie", "Humongous", "Blue"]
SUFFIXES = ["Bank", "Health", "Foods", "Freight", "Labs", "Systems", "Retail", "Logistics", "Works", "Group"]
OUTCOMES = [(OutcomeType.TIME_SAVED, 6, "hours/week", "Automated the weekly reconciliation."),
            (OutcomeType.REVENUE_GAINED, 120000, "USD/year", "New upsell motion from usage insights."),
            (OutcomeType.ERRORS_REDUCED, 80, "% fewer errors", "Validation rules caught bad orders."),
            (OutcomeType.RISK_REMOVED, 1, "audit finding closed", "Passed the audit with no findings.")]
ASK_TYPES = [AskType.SHORT_QUOTE, AskType.CASE_STUDY, AskType.STORY_CALL, AskType.STAR_REVIEW, AskType.STAR_REVIEW]

DEMO_ACTOR = Actor(platform="cli", user_id="demo-admin", name="Demo data")
DAY = timedelta(days=1)


class _Clock:
    """The demo's clock: set to the moment each step happened."""

    def __init__(self, now: datetime):
        self.current = now

    def __call__(self) -> datetime:
        return self.current


def _demo_core(core: Core, clock: _Clock) -> Core:
    """The same core with the demo actor as an admin, no chat channels (nothing is posted) and the demo clock."""
    config = core.config.model_copy(deep=True)
    config.roles.setdefault(Role.ADMIN, []).append(DEMO_ACTOR.user_id)
    config.channels = {}
    demo = copy.copy(core)
    demo.config, demo.clock = config, clock
    return demo


@dataclass
class _Run:
    core: Core
    clock: _Clock
    rng: random.Random
    now: datetime
    counts: dict

    def at(self, moment: datetime) -> bool:
        """Move the clock to a moment; False when that moment has not come yet."""
        if moment >= self.now:
            return False
        self.clock.current = moment
        return True

    def later(self, moment: datetime, low: float, high: float) -> datetime:
        return moment + timedelta(days=self.rng.uniform(low, high))

    def add(self, *objects) -> None:
        with self.core.unit() as unit:
            for obj in objects:
                unit.repo.add(obj)

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


def load_demo(core: Core, accounts: int = 300, seed: int = 7, months: int = 12,
              progress: Callable[[int], None] = lambda n: None) -> dict:
    """Fill an empty database with `months` of a sample program; returns counts of what was created."""
    _refuse_filled(core)
    now = core.now()
    start = now - timedelta(days=round(months * 30.44))
    clock = _Clock(start)
    run = _Run(_demo_core(core, clock), clock, random.Random(seed), now, {})
    people = _accounts(run, accounts, start, months)
    progress(accounts // 4)
    flagged = sorted(run.later(start, 0, (now - start).days) for _ in range(max(1, accounts * months // 12)))
    for n, moment in enumerate(flagged):
        account, contact = run.rng.choice(people)
        _win_to_story(run, account, contact, moment)
        progress(accounts // 4 + (n + 1) * (accounts - accounts // 4) // len(flagged))
    _deals_without_proof(run, start, max(1, accounts * months // 10))
    clock.current = now
    run.count("expired", nudges.ask_expired(run.core))  # asks nobody answered in time, as the nudges would
    return run.counts


def _refuse_filled(core: Core) -> None:
    """The sample goes into an empty database only: loaded twice, or mixed with real accounts, it would mislead."""
    with core.unit(read_only=True) as unit:
        if unit.repo.wins_by([DEMO_ACTOR.key], limit=1):
            raise AlreadyDone("Demo data is already loaded; nothing changed. For a fresh sample, set DATABASE_URL "
                              "to a new database (e.g. sqlite:///./demo.db).")
        if unit.repo.any_of(m.Account):
            raise Conflict("This database already holds accounts, and demo data goes into an empty one only; "
                           "nothing changed. Set DATABASE_URL to a new database (e.g. sqlite:///./demo.db).")


def _accounts(run: _Run, accounts: int, start: datetime, months: int) -> list[tuple[m.Account, m.Contact]]:
    """Accounts with a contact, monthly NPS answers (not every month), usage and support."""
    rng, created = run.rng, []
    run.at(start)
    with run.core.unit() as unit:
        success = (run.core.config.roles.get(Role.SUCCESS) or [DEMO_ACTOR.user_id])[0]
        for i in range(accounts):
            name = f"{rng.choice(WORDS)} {rng.choice(SUFFIXES)} {i + 1}"
            account = unit.repo.add(m.Account(
                name=name, name_key=name.casefold(), segment=rng.choice(SEGMENTS), industry=rng.choice(INDUSTRIES),
                region=rng.choice(REGIONS), owner=success, crm_id=f"CRM-{10000 + i}", created_at=start))
            contact = unit.repo.add(m.Contact(account_id=account.id, name=f"Contact {i + 1}",
                                              title=rng.choice(["CFO", "VP Operations", "Head of IT", "COO"]),
                                              email=f"contact{i + 1}@example.com", created_at=start))
            mood = rng.gauss(7.5, 1.5)
            for month in range(months):
                answered = run.later(start, 30.44 * month, 30.44 * (month + 1))
                if rng.random() < 0.35 and answered < run.now:
                    score = min(10, max(0, round(rng.gauss(mood, 1.8))))
                    unit.repo.add(m.NpsResponse(account_id=account.id, contact_id=contact.id, score=score,
                                                responded_at=answered))
                    run.count("nps")
            unit.repo.add(m.UsageSnapshot(account_id=account.id, measured_on=run.now.date(),
                                          active_users=rng.randint(5, 500), usage_percentile=rng.uniform(1, 99),
                                          time_to_value_days=rng.randint(7, 150)))
            unit.repo.add(m.SupportSnapshot(account_id=account.id, measured_on=run.now.date(),
                                            open_tickets=rng.randint(0, 6), open_escalations=rng.choice([0, 0, 0, 1])))
            created.append((account, contact))
    run.count("accounts", accounts)
    return created


def _win_to_story(run: _Run, account: m.Account, contact: m.Contact, flagged: datetime) -> None:
    """One win and as far along the pipeline as it got by now, each step days after the one before."""
    rng, core = run.rng, run.core
    outcome_type, value, unit_text, story = rng.choice(OUTCOMES)
    run.at(flagged)
    try:
        outcome = wins.flag_win(core, DEMO_ACTOR, wins.WinForm(
            account_id=account.id, contact_email=contact.email, outcome_type=outcome_type,
            metric_value=value, metric_unit=unit_text, story=story, source="cli"))
    except DomainError:
        return
    run.count("wins")
    nomination = outcome.nomination
    if nomination is None or not run.at(run.later(flagged, 0.2, 6)):
        return
    if rng.random() < 0.15:
        asks.dismiss(core, DEMO_ACTOR, nomination.id)
        return
    ask_type = rng.choice(ASK_TYPES)
    try:
        draft = asks.draft_ask(core, DEMO_ACTOR, nomination.id, ask_type)
    except DomainError:
        return
    if not run.at(run.later(core.now(), 0, 1.5)):
        return
    asks.mark_sent(core, DEMO_ACTOR, draft.ask.id)
    run.count("asks")
    roll, sent = rng.random(), core.now()
    if roll < 0.12:
        if run.at(run.later(sent, 1, 8)):
            stories.decline_ask(core, draft.link.rsplit("/", 1)[1], "Not this quarter, sorry.")
            run.count("declined")
        return
    if roll < 0.22 or not run.at(run.later(sent, 0.5, 14)):
        return  # no answer (yet)
    submitted = stories.submit_story(core, draft.link.rsplit("/", 1)[1], stories.StoryForm(
        goal="Faster month-end", change=story, result=f"{value:g} {unit_text}", metrics=f"{value:g} {unit_text}",
        body=f"{story} The team now spends its time on analysis.",
        rating=rng.choice([3, 4, 4, 5, 5, 5]) if ask_type == AskType.STAR_REVIEW else None,
        consent=stories.ConsentForm(scope=list(ConsentScope), channels=list(ConsentChannel),
                                    expires_on=(run.now + timedelta(days=365)).date(), signer_name=contact.name)))
    if ask_type == AskType.STAR_REVIEW:
        _site_review(run, account, contact, draft.ask.id, submitted.story.rating)
    if submitted.story.state == StoryState.CALL_PENDING:  # the call is held, then written up
        if not run.at(run.later(core.now(), 1, 7)):
            return
        calls.write_up(core, DEMO_ACTOR, submitted.story.id, calls.CallNotes(
            title=f"{account.name}: {value:g} {unit_text}", body=f"{story} The team now spends its time on analysis."))
    if not run.at(run.later(core.now(), 0.3, 6)):
        return
    stories.approve(core, DEMO_ACTOR, submitted.story.id)
    if not _customer_approves(core, submitted.story.id, run):
        return
    run.count("approved")
    _referral(run, account, contact)
    if rng.random() < 0.6 and run.at(run.later(core.now(), 1, 12)):
        channel = rng.choice([PlacementChannel.WEBSITE, PlacementChannel.SALES_DECK, PlacementChannel.SOCIAL,
                              PlacementChannel.EMAIL])
        published = stories.publish(core, DEMO_ACTOR, submitted.story.id, channel,
                                    f"https://example.com/customers/{account.id}")
        run.count("published")
        _clicks(run, published.placement, core.now())
    _deals_with_proof(run, submitted.story.id, core.now())
    if rng.random() < 0.04 and run.at(run.later(core.now(), 10, 60)):
        stories.withdraw_consent(core, submitted.consent.view_token)
        run.count("withdrawn")


def _customer_approves(core: Core, story_id: int, run: _Run) -> bool:
    """A final version waiting for the customer is approved on their page a few days later."""
    with core.unit(read_only=True) as unit:
        story = unit.repo.get(m.Story, story_id)
        if story.state != StoryState.AWAITING_CUSTOMER:
            return True
        link = core.links.final_url(story.id, story.final_nonce, story.final_issued_at)
    if not run.at(run.later(core.now(), 1, 5)):
        return False
    final.approve(core, link.rsplit("/", 1)[1])
    return True


def _site_review(run: _Run, account: m.Account, contact: m.Contact, ask_id: int, rating: int | None) -> None:
    moment = run.later(run.core.now(), 0, 3)
    if run.rng.random() < 0.6 and run.at(moment):
        site = run.rng.choice(list(ReviewSite))
        run.add(m.SiteReview(ask_id=ask_id, account_id=account.id, contact_id=contact.id, site=site, rating=rating,
                             url=f"https://{site.value}.example.com/reviews/{new_nonce()}", confirmed_at=moment))
        run.count("site reviews")


def _referral(run: _Run, account: m.Account, contact: m.Contact) -> None:
    rng = run.rng
    made = run.later(run.core.now(), 3, 40)
    if rng.random() > 0.5 or made >= run.now:
        return
    converted = run.later(made, 20, 90)
    won = rng.random() < 0.35 and converted < run.now
    run.add(m.Referral(account_id=account.id, contact_id=contact.id, code=f"DEMO{rng.randrange(10 ** 6):06d}",
                       referred_company=f"{rng.choice(WORDS)} {rng.choice(SUFFIXES)}",
                       state=ReferralState.CONVERTED if won else ReferralState.MADE,
                       amount=rng.randint(10, 90) * 1000 if won else 0, created_at=made,
                       converted_at=converted if won else None))
    run.count("referrals")


def _clicks(run: _Run, placement: m.Placement, since: datetime) -> None:
    """Visitors following the short link, fewer as the placement ages."""
    rng, days = run.rng, (run.now - since).days
    moments = [since + timedelta(days=days * rng.random() ** 2, minutes=rng.randrange(1440))
               for _ in range(rng.randint(3, 40))]
    run.add(*(m.PlacementClick(placement_id=placement.id, clicked_at=t) for t in moments if t < run.now))


def _close(run: _Run, opportunity_id: str, opened: datetime, closed: datetime, won_share: float, amount: int,
           name: str) -> None:
    """The CRM reports the deal's outcome when it closes (if it has closed by now)."""
    if not run.at(closed):
        return
    roll = run.rng.random()
    outcome = DealOutcome.WON if roll < won_share else (
        DealOutcome.LOST if roll < won_share + (1 - won_share) * 0.8 else DealOutcome.WITHDRAWN)
    with run.core.unit() as unit:
        sales.upsert_opportunity(unit, sales.OpportunityRow(
            opportunity_id=opportunity_id, name=name, outcome=outcome, stage=f"closed {outcome.value}",
            amount=amount, close_date=closed, created_date=opened, owner="U0SALES"), "demo")
    run.count(f"deals {outcome.value}")


def _deals_with_proof(run: _Run, story_id: int, ready: datetime) -> None:
    """Sellers use the story in one or two deals; deals with proof close sooner and more often."""
    rng = run.rng
    for _ in range(rng.choice([0, 1, 1, 2])):
        used = run.later(ready, 1, 30)
        if not run.at(used):
            return
        opportunity_id = f"DEMO-{rng.randrange(10 ** 8):08d}"
        amount = rng.randint(10, 200) * 1000
        try:
            sales.record_deal_usage(run.core, DEMO_ACTOR, story_id, opportunity_id, amount, "proposal")
        except DomainError:
            return
        run.count("deal uses")
        _close(run, opportunity_id, run.later(used, -40, -5), run.later(used, 10, 60), 0.55, amount,
               f"Opportunity {opportunity_id}")


def _deals_without_proof(run: _Run, start: datetime, count: int) -> None:
    """Deals that never used a story: longer cycles, a lower close rate."""
    for i in range(count):
        opened = run.later(start, -60, (run.now - start).days)
        _close(run, f"CRM-OPP-{i + 1:05d}", opened, run.later(opened, 30, 150), 0.35,
               run.rng.randint(10, 200) * 1000, f"Deal {i + 1}")
