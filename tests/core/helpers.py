"""Helpers that drive the core through the pipeline in tests."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from storage import models as m
from workflows import asks, stories, wins
from workflows.states import AskType, ConsentChannel, ConsentScope, OutcomeType
from tests.conftest import SAM


def rows(engine, model, *where):
    with Session(engine) as session:
        return list(session.exec(select(model).where(*where).order_by(model.id)))


def outbox(engine):
    return [row.effect for row in rows(engine, m.OutboxMessage)]


def flag(core, actor=SAM, account="Acme Corp", **extra):
    form = {"account_name": account, "outcome_type": OutcomeType.TIME_SAVED, "metric_value": 2,
            "metric_unit": "hours/week", "story": "Cut month-end close from 5 days to 2.",
            "contact_name": "Dana Lee", "contact_email": "dana@acme.test", "contact_title": "CFO"}
    form.update(extra)
    return wins.flag_win(core, actor, wins.parse_win_form(form))


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def story_form(**consent):
    consent_data = {"scope": [ConsentScope.NAME, ConsentScope.COMPANY, ConsentScope.QUOTE, ConsentScope.METRICS],
                    "channels": [ConsentChannel.WEBSITE, ConsentChannel.SALES],
                    "expires_on": date(2027, 12, 31), "signer_name": "Dana Lee"}
    consent_data.update(consent)
    return stories.StoryForm(goal="Close faster", change="Automated reconciliations",
                             result="Close takes 2 days instead of 5", metrics="60% faster close",
                             body="We got our weekends back.", consent=consent_data)


def to_review(core, **consent):
    """Flag a win, draft and send an ask, and submit the customer's story: returns (story, draft)."""
    outcome = flag(core)
    draft = asks.draft_ask(core, SAM, outcome.nomination.id, AskType.SHORT_QUOTE)
    asks.mark_sent(core, SAM, draft.ask.id)
    submitted = stories.submit_story(core, token_of(draft.link), story_form(**consent))
    return submitted, draft
