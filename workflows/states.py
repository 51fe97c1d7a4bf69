"""Vocabularies and state machines of the advocacy pipeline."""

from enum import StrEnum


class OutcomeType(StrEnum):
    TIME_SAVED = "time_saved"
    REVENUE_GAINED = "revenue_gained"
    ERRORS_REDUCED = "errors_reduced"
    RISK_REMOVED = "risk_removed"
    OTHER = "other"


class WinSource(StrEnum):
    COMMAND = "command"
    SHORTCUT = "shortcut"
    REACTION = "reaction"
    TEAMS = "teams"
    CLI = "cli"
    IMPORT = "import"


class NominationState(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"
    SNOOZED = "snoozed"


class AskType(StrEnum):
    STAR_REVIEW = "star_review"
    SHORT_QUOTE = "short_quote"
    STORY_CALL = "story_call"
    CASE_STUDY = "case_study"
    REFERENCE_CALL = "reference_call"
    USER_CONTENT = "user_content"
    REFERRAL = "referral"


class AskState(StrEnum):
    DRAFTED = "drafted"
    SENT = "sent"
    RESPONDED = "responded"
    DECLINED = "declined"
    EXPIRED = "expired"


class StoryState(StrEnum):
    CALL_PENDING = "call_pending"  # the customer chose a call: the owner holds it and writes it up
    IN_REVIEW = "in_review"
    AWAITING_CUSTOMER = "awaiting_customer"  # marketing approved; the customer approves the final version
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class Decision(StrEnum):
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"


class PlacementChannel(StrEnum):
    WEBSITE = "website"
    SALES_DECK = "sales_deck"
    SOCIAL = "social"
    EMAIL = "email"
    REVIEW_SITE = "review_site"
    COMMUNITY = "community"


class PlacementState(StrEnum):
    LIVE = "live"
    RETIRED = "retired"


class ConsentScope(StrEnum):
    NAME = "name"
    TITLE = "title"
    COMPANY = "company"
    LOGO = "logo"
    QUOTE = "quote"
    METRICS = "metrics"


class ConsentChannel(StrEnum):
    """Where the customer allows the story to appear."""

    WEBSITE = "website"
    SALES = "sales"
    SOCIAL = "social"
    EMAIL = "email"
    REVIEW_SITES = "review_sites"
    REFERENCES = "references"  # reference calls with prospects


PLACEMENT_NEEDS_CONSENT = {
    PlacementChannel.WEBSITE: ConsentChannel.WEBSITE,
    PlacementChannel.SALES_DECK: ConsentChannel.SALES,
    PlacementChannel.SOCIAL: ConsentChannel.SOCIAL,
    PlacementChannel.EMAIL: ConsentChannel.EMAIL,
    PlacementChannel.REVIEW_SITE: ConsentChannel.REVIEW_SITES,
    PlacementChannel.COMMUNITY: ConsentChannel.SOCIAL,
}


class RecognitionKind(StrEnum):
    THANK_YOU_NOTE = "thank_you_note"
    BADGE = "badge"
    EARLY_ACCESS = "early_access"
    SWAG = "swag"
    EVENT_INVITE = "event_invite"


class ReferralState(StrEnum):
    MADE = "made"
    CONVERTED = "converted"
    LOST = "lost"


class DealOutcome(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"
    WITHDRAWN = "withdrawn"  # closed without a decision: the buyer withdrew


class ReviewSite(StrEnum):
    G2 = "g2"
    CAPTERRA = "capterra"
    TRUSTRADIUS = "trustradius"


class ReferenceState(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    DECLINED = "declined"
    COMPLETED = "completed"


class CloseLoopState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Role(StrEnum):
    SUCCESS = "success"
    MARKETING = "marketing"
    SALES = "sales"
    LEADERSHIP = "leadership"
    ADMIN = "admin"


class Platform(StrEnum):
    SLACK = "slack"
    TEAMS = "teams"
    CLI = "cli"
    WEB = "web"


class OutboxState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


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
