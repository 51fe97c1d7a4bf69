"""A realistic generated sample: accounts with NPS history and usage, and wins at every stage."""

from __future__ import annotations

import copy
import random
from datetime import date, timedelta
from typing import Callable

from storage import models as m
from workflows import asks, stories, wins
from workflows.actors import Actor
from workflows.core import Core
from workflows.errors import DomainError
from workflows.states import Role, AskType, ConsentChannel, ConsentScope, OutcomeType, PlacementChannel

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


DEMO_ACTOR = Actor(platform="cli", user_id="demo-admin", name="Demo data")


def _demo_core(core: Core) -> Core:
    """The same core with the demo actor as an admin, so it may act at every stage."""
    config = core.config.model_copy(deep=True)
    config.roles.setdefault(Role.ADMIN, []).append(DEMO_ACTOR.user_id)
    demo = copy.copy(core)
    demo.config = config
    return demo


def load_demo(core: Core, accounts: int = 300, seed: int = 7, progress: Callable[[int], None] = lambda n: None) -> dict:
    """Fill the database with a sample program; returns counts of what was created."""
    rng = random.Random(seed)
    core = _demo_core(core)
    success = (core.config.roles.get(Role.SUCCESS) or ["demo-admin"])[0]
    counts = {"accounts": 0, "nps": 0, "wins": 0, "published": 0}
    created = []
    with core.unit() as unit:
        for i in range(accounts):
            name = f"{rng.choice(WORDS)} {rng.choice(SUFFIXES)} {i + 1}"
            account = unit.repo.add(m.Account(
                name=name, name_key=name.casefold(), segment=rng.choice(SEGMENTS), industry=rng.choice(INDUSTRIES),
                region=rng.choice(REGIONS), owner=success, crm_id=f"CRM-{10000 + i}", created_at=unit.now))
            contact = unit.repo.add(m.Contact(account_id=account.id, name=f"Contact {i + 1}",
                                              title=rng.choice(["CFO", "VP Operations", "Head of IT", "COO"]),
                                              email=f"contact{i + 1}@example.com", created_at=unit.now))
            for months_ago in range(6, 0, -1):
                if rng.random() < 0.6:
                    score = min(10, max(0, int(rng.gauss(8, 2))))
                    unit.repo.add(m.NpsResponse(account_id=account.id, contact_id=contact.id, score=score,
                                                responded_at=unit.now - timedelta(days=30 * months_ago)))
                    counts["nps"] += 1
            unit.repo.add(m.UsageSnapshot(account_id=account.id, measured_on=unit.now.date(),
                                          active_users=rng.randint(5, 500), usage_percentile=rng.uniform(1, 99),
                                          time_to_value_days=rng.randint(7, 150)))
            unit.repo.add(m.SupportSnapshot(account_id=account.id, measured_on=unit.now.date(),
                                            open_tickets=rng.randint(0, 6), open_escalations=rng.choice([0, 0, 0, 1])))
            created.append((account, contact))
            counts["accounts"] += 1
    progress(accounts // 2)
    for n, (account, contact) in enumerate(rng.sample(created, k=min(len(created), max(1, accounts // 3)))):
        outcome_type, value, unit_text, story = rng.choice(OUTCOMES)
        try:
            outcome = wins.flag_win(core, DEMO_ACTOR, wins.WinForm(
                account_id=account.id, contact_email=contact.email, outcome_type=outcome_type,
                metric_value=value, metric_unit=unit_text, story=story, source="cli"))
        except DomainError:
            continue
        counts["wins"] += 1
        stage = n % 5  # 0 nominated, 1 asked, 2 in review, 3 approved, 4 published
        if outcome.nomination is None or stage == 0:
            continue
        try:
            draft = asks.draft_ask(core, DEMO_ACTOR, outcome.nomination.id, rng.choice(
                [AskType.SHORT_QUOTE, AskType.CASE_STUDY, AskType.STORY_CALL]))
            asks.mark_sent(core, DEMO_ACTOR, draft.ask.id)
            if stage == 1:
                continue
            submitted = stories.submit_story(core, draft.link.rsplit("/", 1)[1], stories.StoryForm(
                goal="Faster month-end", change=story, result=f"{value:g} {unit_text}", metrics=f"{value:g} {unit_text}",
                body=f"{story} The team now spends its time on analysis.",
                consent=stories.ConsentForm(scope=list(ConsentScope), channels=list(ConsentChannel),
                                            expires_on=date.today() + timedelta(days=365), signer_name=contact.name)))
            if stage >= 3:
                stories.approve(core, DEMO_ACTOR, submitted.story.id)
            if stage == 4:
                stories.publish(core, DEMO_ACTOR, submitted.story.id, PlacementChannel.WEBSITE,
                                f"https://example.com/customers/{account.id}")
                counts["published"] += 1
        except DomainError:
            continue
    progress(accounts)
    return counts
