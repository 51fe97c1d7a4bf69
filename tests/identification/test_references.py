"""Reference requests: criteria from chat text, consenting matches within limits, owner approval, outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage import models as m
from tests.conftest import NOBODY, SAM, SID
from tests.core.helpers import outbox, rows
from tests.identification.helpers import asked, customer, publish_story
from workflows import references
from workflows.errors import Conflict, InvalidInput, NotAllowed, NotFound
from workflows.states import AskState, AskType, ReferenceState

VOCABULARY = {"industry": {"fintech", "healthcare"}, "segment": {"enterprise", "mid-market"},
              "region": {"EMEA", "NA"}, "role": {"finance"}}


@pytest.mark.parametrize("text, wanted, opp, ignored", [
    ("fintech, enterprise, EMEA, for opp 123", {"industry": {"fintech"}, "segment": {"enterprise"},
                                                 "region": {"emea"}}, "123", []),
    ("Need a Mid-Market finance person in banking for opportunity OPP-77",
     {"segment": {"mid-market"}, "role": {"finance"}}, "OPP-77", ["person", "banking"]),
    ("healthcare in NA or EMEA", {"industry": {"healthcare"}, "region": {"na", "emea"}}, "", []),
])
def test_criteria_are_read_from_free_text(text, wanted, opp, ignored):
    criteria = references.parse_criteria(text, VOCABULARY)
    assert (criteria.wanted, criteria.opportunity_id, criteria.ignored) == (wanted, opp, ignored)


@pytest.fixture
def advocates(core, clock):
    """Acme (full match), Beta (industry only), Gamma (full match, but its quarterly reference call is used),
    Delta (APAC, no consent): returns their account ids."""
    made = {}
    for name, segment, region, consent in (("Acme", "enterprise", "EMEA", True), ("Beta", "smb", "NA", True),
                                           ("Gamma", "enterprise", "EMEA", True),
                                           ("Delta", "enterprise", "APAC", False)):
        acc, person = customer(core, name, segment=segment, region=region)
        if consent:
            publish_story(core, acc, person, clock() - timedelta(days=60))
        made[name] = (acc, person)
    asked(core, *made["Gamma"], clock() - timedelta(days=40), ask_type=AskType.REFERENCE_CALL)
    return made


def test_seller_gets_ranked_matches_and_the_owner_is_asked_to_approve(core, engine, advocates):
    proposal = references.request_reference(core, SID, "fintech, enterprise, EMEA, for opp 123")
    assert [x.label for x in proposal.matches] == ["Acme Lead at Acme: enterprise, fintech, EMEA",
                                                   "Beta Lead at Beta: fintech"]
    assert proposal.message == ("Asked the account owner, by direct message, to approve Acme Lead at Acme: enterprise, fintech, EMEA. "
                                "Other matches: Beta Lead at Beta: fintech.")
    request = rows(engine, m.ReferenceRequest)[0]
    assert (request.opportunity_id, request.account_id, request.requested_by) == (
        "123", advocates["Acme"][0], "U0SALES")
    dm = outbox(engine)[-1]
    assert dm["person"] == "U0SUCCESS" and dm["card"]["title"] == "Reference request: Acme Lead at Acme"
    assert [(b["action"], b["value"]) for b in dm["card"]["buttons"]] == [
        ("reference.approve", str(request.id)), ("reference.decline", str(request.id))]


def test_approval_counts_as_a_reference_call_and_the_outcome_is_recorded(core, engine, advocates):
    request = references.request_reference(core, SID, "fintech enterprise EMEA").request
    assert "counts towards this quarter's limit" in references.approve_reference(core, SAM, request.id).message
    with pytest.raises(Conflict, match="Already approved by Sam Success"):
        references.approve_reference(core, SAM, request.id)
    ask = rows(engine, m.Ask, m.Ask.account_id == advocates["Acme"][0])[0]
    assert (ask.ask_type, ask.state) == (AskType.REFERENCE_CALL, AskState.SENT)
    seller_dm = outbox(engine)[-1]
    assert seller_dm["person"] == "U0SALES" and "lead@acme.test" in seller_dm["card"]["body"][0]
    with pytest.raises(NotAllowed):
        references.complete_reference(core, NOBODY, request.id, "Went well")
    references.complete_reference(core, SID, request.id, "Call held; the prospect signed")
    assert rows(engine, m.ReferenceRequest)[0].state == ReferenceState.COMPLETED
    assert rows(engine, m.Ask, m.Ask.id == ask.id)[0].state == AskState.RESPONDED
    audit = rows(engine, m.AuditEvent, m.AuditEvent.entity == "reference", m.AuditEvent.action == "completed")
    assert audit[0].detail["outcome"] == "Call held; the prospect signed"
    # Acme used its reference call this quarter: the next request goes elsewhere.
    assert references.request_reference(core, SID, "fintech enterprise EMEA").matches[0].account.name == "Beta"


def test_decline_tells_the_seller_why_and_who_else_matches(core, engine, advocates):
    request = references.request_reference(core, SID, "fintech enterprise EMEA").request
    references.decline_reference(core, SAM, request.id, "They are mid-migration")
    dm = outbox(engine)[-1]
    assert dm["person"] == "U0SALES" and dm["card"]["title"] == "Reference declined: Acme"
    assert dm["card"]["body"] == ["Reason: They are mid-migration",
                                  "Other matches: Beta Lead at Beta: fintech. Ask again to approach one."]
    assert rows(engine, m.Ask) == [rows(engine, m.Ask)[0]]  # only Gamma's earlier ask: nothing counted


def test_no_match_and_no_criteria_are_explained(core, engine, advocates):
    with pytest.raises(NotFound, match="No consenting advocate matches apac within the ask limits"):
        references.request_reference(core, SID, "APAC please")
    with pytest.raises(InvalidInput, match="Known: APAC, EMEA, NA, enterprise, fintech, smb"):
        references.request_reference(core, SID, "someone nice")
    with pytest.raises(NotAllowed):
        references.request_reference(core, NOBODY, "fintech")
    assert rows(engine, m.ReferenceRequest) == []
