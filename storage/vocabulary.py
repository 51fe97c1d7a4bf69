"""The program's vocabularies and the states items pass through, as stored.

A leaf module: it imports nothing of the project, so storage and workflows can both use it. The
rules over these values (which transitions are legal, labels) live in workflows/states.py.
"""

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


class OutboxState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"
