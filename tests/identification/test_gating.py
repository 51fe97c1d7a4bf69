"""Review gating guard: public review invitations ignore NPS and explain why; advocacy asks may target promoters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import MIA, SAM
from tests.identification.helpers import asked, customer
from workflows import gating
from workflows.errors import NotAllowed
from workflows.states import AskType


def test_the_note_explains_the_rule_for_public_review_types_only(config):
    note = gating.review_gating_note(AskType.STAR_REVIEW, config)
    assert "not only promoters" in note and "whatever you write" in note
    assert gating.review_gating_note(AskType.CASE_STUDY, config) == ""
    assert gating.review_gating_note(AskType.STAR_REVIEW) == note  # default rules without a config


@pytest.fixture
def audience(core, clock):
    core.config.fatigue.per_quarter[AskType.STAR_REVIEW] = 1
    names = {}
    for name, nps in (("Promoter", 10), ("Passive", 7), ("Detractor", 2), ("Unknown", None)):
        names[name] = customer(core, name, nps=nps)
    customer(core, "Opted Out", nps=10, opted_out=True)
    customer(core, "Other Region", nps=10, region="APAC")
    cooled = customer(core, "Recently Asked", nps=4)
    asked(core, *cooled, clock() - timedelta(days=5))
    capped = customer(core, "Capped", nps=9)
    asked(core, capped[0], None, clock() - timedelta(days=40), ask_type=AskType.STAR_REVIEW)
    return names


def test_public_review_campaign_cannot_target_promoters(core, audience):
    with pytest.raises(NotAllowed) as err:
        gating.review_campaign(core, MIA, AskType.STAR_REVIEW, min_nps=9)
    assert err.value.message.startswith("A star review campaign cannot be limited to customers with NPS 9 or more.")
    assert "review gating" in err.value.message


def test_public_review_campaign_reaches_everyone_within_the_ask_limits(core, audience):
    campaign = gating.review_campaign(core, SAM, AskType.STAR_REVIEW, region="emea")
    assert [a.name for a, _ in campaign.audience] == ["Promoter", "Passive", "Detractor", "Unknown"]
    assert campaign.held_back == 2
    assert campaign.message.startswith("Star review campaign: 4 contact(s) (2 held back by the ask limits).")


def test_advocacy_campaigns_may_target_promoters(core, audience):
    campaign = gating.review_campaign(core, SAM, AskType.CASE_STUDY, region="EMEA", min_nps=9)
    assert [a.name for a, _ in campaign.audience] == ["Promoter", "Capped"] and campaign.note == ""
