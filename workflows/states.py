"""State machines of the advocacy pipeline and the labels of its vocabularies (defined in storage/vocabulary.py)."""

from enum import StrEnum

from storage.vocabulary import (  # noqa: F401 - the vocabularies, for the workflows and shells
    OutcomeType, WinSource, NominationState, AskType, AskState, StoryState, Decision, PlacementChannel,
    PlacementState, ConsentScope, ConsentChannel, RecognitionKind, ReferralState, DealOutcome, ReviewSite,
    ReferenceState, CloseLoopState, Role, OutboxState,
)

PLACEMENT_NEEDS_CONSENT = {
    PlacementChannel.WEBSITE: ConsentChannel.WEBSITE,
    PlacementChannel.SALES_DECK: ConsentChannel.SALES,
    PlacementChannel.SOCIAL: ConsentChannel.SOCIAL,
    PlacementChannel.EMAIL: ConsentChannel.EMAIL,
    PlacementChannel.REVIEW_SITE: ConsentChannel.REVIEW_SITES,
    PlacementChannel.COMMUNITY: ConsentChannel.SOCIAL,
}


# Legal transitions of each state machine: {from_state: {to_states}}.
NOMINATION_FLOW = {
    NominationState.PROPOSED: {NominationState.ACCEPTED, NominationState.DISMISSED, NominationState.SNOOZED},
    NominationState.SNOOZED: {NominationState.PROPOSED, NominationState.ACCEPTED, NominationState.DISMISSED},
}
ASK_FLOW = {
    AskState.DRAFTED: {AskState.SENT, AskState.DECLINED},
    AskState.SENT: {AskState.RESPONDED, AskState.DECLINED, AskState.EXPIRED},
}
STORY_FLOW = {
    StoryState.CALL_PENDING: {StoryState.IN_REVIEW, StoryState.WITHDRAWN},
    StoryState.IN_REVIEW: {StoryState.APPROVED, StoryState.AWAITING_CUSTOMER, StoryState.CHANGES_REQUESTED,
                           StoryState.REJECTED, StoryState.WITHDRAWN},
    StoryState.AWAITING_CUSTOMER: {StoryState.APPROVED, StoryState.IN_REVIEW, StoryState.WITHDRAWN},
    StoryState.CHANGES_REQUESTED: {StoryState.IN_REVIEW, StoryState.WITHDRAWN},
    StoryState.APPROVED: {StoryState.PUBLISHED, StoryState.WITHDRAWN},
    StoryState.PUBLISHED: {StoryState.WITHDRAWN},
}
REFERENCE_FLOW = {
    ReferenceState.OPEN: {ReferenceState.APPROVED, ReferenceState.DECLINED},
    ReferenceState.APPROVED: {ReferenceState.DECLINED, ReferenceState.COMPLETED},
}
CLOSE_LOOP_FLOW = {CloseLoopState.OPEN: {CloseLoopState.RESOLVED}}
REFERRAL_FLOW = {ReferralState.MADE: {ReferralState.CONVERTED, ReferralState.LOST}}
FLOWS = {"nomination": NOMINATION_FLOW, "ask": ASK_FLOW, "story": STORY_FLOW, "reference": REFERENCE_FLOW,
         "close_loop": CLOSE_LOOP_FLOW, "referral": REFERRAL_FLOW}
USABLE_STORY = (StoryState.APPROVED, StoryState.PUBLISHED)  # what sales and references may draw on
# what a seller may record a deal as (an open deal is the state before), and the same in words
DEAL_CLOSINGS = (DealOutcome.WON, DealOutcome.LOST, DealOutcome.WITHDRAWN)
DEAL_CLOSINGS_TEXT = ", ".join(o.value for o in DEAL_CLOSINGS[:-1]) + f" or {DEAL_CLOSINGS[-1].value}"


def sources(flow: dict, to: StrEnum) -> tuple[StrEnum, ...]:
    """Every state of `flow` that may move to `to`."""
    return tuple(state for state, targets in flow.items() if to in targets)

LABELS = {
    OutcomeType.TIME_SAVED: "Time saved",
    OutcomeType.REVENUE_GAINED: "Revenue gained",
    OutcomeType.ERRORS_REDUCED: "Errors reduced",
    OutcomeType.RISK_REMOVED: "Risk removed",
    OutcomeType.OTHER: "Other outcome",
    AskType.STAR_REVIEW: "Star review",
    AskType.SHORT_QUOTE: "Short quote",
    AskType.STORY_CALL: "15-minute story call",
    AskType.CASE_STUDY: "Case study",
    AskType.REFERENCE_CALL: "Reference call",
    AskType.USER_CONTENT: "User-generated content",
    AskType.REFERRAL: "Referral",
    PlacementChannel.WEBSITE: "Website",
    PlacementChannel.SALES_DECK: "Sales deck",
    PlacementChannel.SOCIAL: "Social",
    PlacementChannel.EMAIL: "Email",
    PlacementChannel.REVIEW_SITE: "Review site",
    PlacementChannel.COMMUNITY: "Community",
    ReviewSite.G2: "G2",
    ReviewSite.CAPTERRA: "Capterra",
    ReviewSite.TRUSTRADIUS: "TrustRadius",
    StoryState.CALL_PENDING: "Call to hold",
    StoryState.AWAITING_CUSTOMER: "Waiting for the customer",
    ConsentChannel.REFERENCES: "Reference calls",
}


def label(value: StrEnum) -> str:
    """Human label for a vocabulary value."""
    return LABELS.get(value, str(value).replace("_", " ").capitalize())
