"""One table of interactions, run the same way in Slack and in Teams.

Each case sets up the same world through the core, has one person do one thing (click a button, fill
its form, type a command), and states what that person must be told and what must be stored. The
drivers (tests/parity/drivers.py) do it the way each platform sends it; the test compares both runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Callable

from storage import models as m
from tests.core.helpers import flag, rows, story_form, token_of
from tests.identification.helpers import customer, publish_story
from workflows import asks, imports, references, stories
from workflows.actors import Actor
from workflows.core import Core
from workflows.states import AskState, AskType

OWNER = Actor(platform="cli", email="sam@example.com", name="Sam Success")  # known on both platforms by email
MARKETER = Actor(platform="cli", email="mia@example.com", name="Mia Marketing")
SELLER = Actor(platform="cli", user_id="U0SALES", name="Sid Sales")


# worlds: each returns the id the interaction acts on ------------------------------------------------

def nomination(core: Core) -> int:
    return flag(core, actor=OWNER).nomination.id


def capped_nomination(core: Core) -> int:
    """A nomination whose account already had this quarter's one reference call."""
    item = nomination(core)
    with core.unit() as unit:
        nom = unit.repo.get(m.Nomination, item)
        unit.repo.add(m.Ask(account_id=nom.account_id, contact_id=nom.contact_id, ask_type=AskType.REFERENCE_CALL,
                            owner=nom.owner, created_by="sam@example.com", token_nonce="n", created_at=unit.now,
                            state=AskState.SENT, sent_at=unit.now))
    return item


def drafted_ask(core: Core) -> int:
    return asks.draft_ask(core, OWNER, nomination(core), AskType.SHORT_QUOTE).ask.id


def sent_ask(core: Core) -> int:
    ask = drafted_ask(core)
    asks.mark_sent(core, OWNER, ask)
    return ask


def in_review(core: Core) -> int:
    draft = asks.draft_ask(core, OWNER, nomination(core), AskType.SHORT_QUOTE)
    asks.mark_sent(core, OWNER, draft.ask.id)
    return stories.submit_story(core, token_of(draft.link), story_form()).story.id


def approved(core: Core) -> int:
    story = in_review(core)
    stories.approve(core, MARKETER, story)
    return story


def changes_requested(core: Core) -> int:
    story = in_review(core)
    stories.request_changes(core, MARKETER, story, "Add the numbers")
    return story


def call_to_hold(core: Core) -> int:
    draft = asks.draft_ask(core, OWNER, nomination(core), AskType.STORY_CALL)
    form = stories.StoryForm(preferred_time="Thursday 3pm", consent={"channels": ["website"], "signer_name": "Dana"})
    return stories.submit_story(core, token_of(draft.link), form).story.id


def awaiting_customer(core: Core) -> int:
    draft = asks.draft_ask(core, OWNER, nomination(core), AskType.SHORT_QUOTE)
    asks.mark_sent(core, OWNER, draft.ask.id)
    story = stories.submit_story(core, token_of(draft.link), story_form(review_before_publish=True)).story.id
    stories.approve(core, MARKETER, story)
    return story


def snoozed_twice(core: Core) -> int:
    item = nomination(core)
    asks.dismiss(core, OWNER, item)
    return item


def reference_request(core: Core) -> int:
    account, contact = customer(core, "Omega", owner="sam@example.com", industry="fintech")
    publish_story(core, account, contact, core.now() - timedelta(days=60))
    return references.request_reference(core, OWNER, "fintech").request.id


def approved_reference(core: Core) -> int:
    request = reference_request(core)
    references.approve_reference(core, OWNER, request)
    return request


def close_loop(core: Core) -> int:
    customer(core, "Omega", nps=None, owner="sam@example.com")
    answer = imports.NpsEvent(event_id="n1", account="Omega", contact_email="lead@omega.test", score=2,
                              responded_at=core.now())
    return imports.receive_nps(core, answer)["close_loop_item_id"]


def open_deal(core: Core) -> str:
    """An opportunity the seller used a story in, with no outcome yet (the button carries its id)."""
    story = approved(core)
    with core.unit() as unit:
        unit.repo.add(m.DealUsage(story_id=story, opportunity_id="OPP-9", amount=30000, recorded_by="U0SALES",
                                  recorded_at=unit.now))
    return "OPP-9"


def nothing(core: Core) -> None:
    return None


# what is stored: a summary both runs must agree on --------------------------------------------------

def campaigns(engine) -> tuple:
    return tuple((c.incentive, c.ask_type.value) for c in rows(engine, m.ReviewCampaign))


def states(model) -> Callable[[Any], tuple]:
    return lambda engine: tuple(row.state.value for row in rows(engine, model))


def story_and_placements(engine) -> tuple:
    return (states(m.Story)(engine), tuple((p.channel.value, p.url) for p in rows(engine, m.Placement)))


def snooze_end(engine) -> tuple:
    return tuple((n.state.value, n.snoozed_until.isoformat() if n.snoozed_until else "")
                 for n in rows(engine, m.Nomination))


def deals(engine) -> tuple:
    return tuple((d.opportunity_id, d.amount) for d in rows(engine, m.DealUsage))


def closed_deals(engine) -> tuple:
    return tuple((d.opportunity_id, d.outcome.value, d.amount) for d in rows(engine, m.Deal))


def recognitions(engine) -> tuple:
    return tuple((r.kind.value, r.note) for r in rows(engine, m.Recognition))


def wins(engine) -> tuple:
    return tuple((w.account_id, w.story, w.metric_value, w.outcome_type.value) for w in rows(engine, m.Win))


def references_and_asks(engine) -> tuple:
    return (states(m.ReferenceRequest)(engine), states(m.Ask)(engine))


# the table -------------------------------------------------------------------------------------------

@dataclass
class Case:
    name: str
    world: Callable[[Core], int | str | None]
    who: str  # sam (success, owner) | olu (success, not the owner) | mia (marketing) | sid (sales) | nobody
    action: str  # the interaction: a button, a form, or a typed command
    values: dict[str, str] = field(default_factory=dict)  # form fields, or {"text": …} after a command
    told: str = ""  # what the person must be shown (a part of it)
    stored: Callable[[Any], Any] | None = None  # a summary of the stored state both runs must share
    expect: Any = None  # that summary, when the case pins it
    card: str = ""  # the item whose card both runs must leave the same ("nomination" → "nomination:<id>")
    shown: list[str] = field(default_factory=list)  # more texts the person must see (e.g. a form's choices)
    hidden: list[str] = field(default_factory=list)  # texts the person must not see


ROLE_SUCCESS = "Only people with the success role"
ROLE_MARKETING = "Only people with the marketing role can review stories."
TODAY = date.today()

CASES = [
    # nominations
    Case("not now", nomination, "sam", "nomination.dismiss", told="Nomination set aside.",
         stored=states(m.Nomination), expect=("dismissed",), card="nomination"),
    Case("not now without the role", nomination, "nobody", "nomination.dismiss",
         told=f"{ROLE_SUCCESS} can act on this nomination.", stored=states(m.Nomination), expect=("proposed",)),
    Case("not now on someone else's account", nomination, "olu", "nomination.dismiss",
         told="Only the account owner (sam@example.com) can act on this nomination.",
         stored=states(m.Nomination), expect=("proposed",)),
    Case("not now twice", snoozed_twice, "sam", "nomination.dismiss", told="Already dismissed by Sam Success",
         stored=states(m.Nomination), expect=("dismissed",)),
    Case("snooze ends at 09:00 local time on the chosen day", nomination, "sam", "nomination.snooze",
         {"until": (TODAY + timedelta(days=20)).isoformat()}, told="Snoozed until", stored=snooze_end,
         card="nomination"),
    Case("snooze into the past", nomination, "sam", "nomination.snooze",
         {"until": (TODAY - timedelta(days=1)).isoformat()}, told="Pick a date in the future.",
         stored=states(m.Nomination), expect=("proposed",)),
    Case("ask", nomination, "sam", "nomination.ask", {"ask_type": "short_quote"}, told="Dana",
         stored=lambda engine: (states(m.Nomination)(engine), states(m.Ask)(engine)),
         expect=(("accepted",), ("drafted",)), card="nomination"),
    Case("ask without the role", nomination, "mia", "nomination.ask", {"ask_type": "short_quote"},
         told=f"{ROLE_SUCCESS} can ask this customer.", stored=states(m.Ask), expect=()),
    Case("ask offers only kinds under their quarterly cap", capped_nomination, "sam", "nomination.ask", {},
         shown=["Short quote", "reference call ask(s) this quarter (limit 1)"], hidden=["Reference call"],
         stored=states(m.Ask), expect=("sent",)),
    Case("mark as sent", drafted_ask, "sam", "ask.mark_sent", told="Marked as sent.", stored=states(m.Ask),
         expect=("sent",), card="nomination"),
    Case("mark as sent twice", sent_ask, "sam", "ask.mark_sent", told="Already sent by", stored=states(m.Ask),
         expect=("sent",)),
    # review
    Case("approve", in_review, "mia", "review.approve", told="Approved. Publish it when it goes live.",
         stored=states(m.Story), expect=("approved",), card="story"),
    Case("approve without the role", in_review, "sid", "review.approve", told=ROLE_MARKETING,
         stored=states(m.Story), expect=("in_review",)),
    Case("approve twice", approved, "mia", "review.approve", told="Already approved by Mia Marketing",
         stored=states(m.Story), expect=("approved",)),
    Case("request changes", in_review, "mia", "review.changes", {"reason": "Add the numbers"},
         told="Changes requested. The owner has been told why.", stored=states(m.Story),
         expect=("changes_requested",), card="story"),
    Case("request changes without a reason", in_review, "mia", "review.changes", {"reason": " "},
         told="Say what should change, so the owner can act on it.", stored=states(m.Story), expect=("in_review",)),
    Case("reject", in_review, "mia", "review.reject", {"reason": "Not on brand"}, told="Rejected.",
         stored=states(m.Story), expect=("rejected",), card="story"),
    Case("customer declined", sent_ask, "sam", "ask.decline", {"reason": "Busy quarter"},
         told="Recorded as declined.", stored=states(m.Ask), expect=("declined",)),
    Case("revise", changes_requested, "sam", "story.resubmit", {"body": "With the numbers: 60% faster"},
         told="Revised and sent back to marketing for review.", stored=states(m.Story), expect=("in_review",)),
    Case("revise someone else's story", changes_requested, "olu", "story.resubmit", {"body": "Mine now"},
         told="Only the story's owner can edit it.", stored=states(m.Story), expect=("changes_requested",)),
    Case("write up the call", call_to_hold, "sam", "call.write_up", {"body": "Dana: close in 2 days"},
         told="Sent to marketing for review.", stored=states(m.Story), expect=("in_review",)),
    Case("mark the final version as sent", awaiting_customer, "sam", "final.mark_sent", told="Marked as sent.",
         stored=lambda engine: tuple(bool(s.final_sent_at) for s in rows(engine, m.Story)), expect=(True,)),
    Case("publish while the customer has not approved", awaiting_customer, "mia", "story.publish",
         {"channel": "website", "url": "https://example.com/acme"},
         told="Not yet: Waiting for Dana Lee (the customer) to approve the final version",
         stored=story_and_placements, expect=(("awaiting_customer",), ())),
    Case("publish", approved, "mia", "story.publish", {"channel": "website", "url": "https://example.com/acme"},
         told="Published. Share https://advocacy.example.com/p/", shown=["utm_source=website"],
         stored=story_and_placements, expect=(("published",), (("website", "https://example.com/acme"),)),
         card="story"),
    Case("publish without an address", approved, "mia", "story.publish", {"channel": "website", "url": "acme"},
         told="Enter the full address of the page, starting with https://", stored=story_and_placements,
         expect=(("approved",), ())),
    Case("publish where the customer did not consent", approved, "mia", "story.publish",
         {"channel": "social", "url": "https://example.com/acme"},
         told="Cannot publish on social: the customer did not allow social.", stored=story_and_placements,
         expect=(("approved",), ())),
    Case("publish before approval", in_review, "mia", "story.publish",
         {"channel": "website", "url": "https://example.com/acme"},
         told="Only approved stories can be published; this one is in review.", stored=story_and_placements,
         expect=(("in_review",), ())),
    # sales
    Case("use in a deal", approved, "sid", "proof.use", {"opportunity_id": "OPP-7", "amount": "50000"},
         told="Recorded: story used in opportunity OPP-7 (50,000).", stored=deals, expect=(("OPP-7", 50000.0),)),
    Case("use in a deal without an amount", approved, "sid", "proof.use", {"opportunity_id": "OPP-7"},
         told="Enter the amount.", stored=deals, expect=()),
    Case("use in a deal without the role", approved, "nobody", "proof.use",
         {"opportunity_id": "OPP-7", "amount": "5"}, told="can record story use in deals.", stored=deals, expect=()),
    Case("mark a deal won", open_deal, "sid", "deal.close",
         {"outcome": "won", "amount": "42000", "closed_on": (TODAY - timedelta(days=1)).isoformat()},
         told="Recorded: opportunity OPP-9 won, 42,000", stored=closed_deals, expect=(("OPP-9", "won", 42000.0),)),
    Case("mark a deal won without the role", open_deal, "sam", "deal.close",
         {"outcome": "won", "amount": "42000", "closed_on": (TODAY - timedelta(days=1)).isoformat()},
         told="can record deal outcomes.", stored=closed_deals, expect=()),
    Case("log a thank-you", approved, "sam", "recognition.log", {"kind": "swag", "note": "Mug"},
         told="Thank-you recorded (swag, for your time, not your opinion).", stored=recognitions,
         expect=(("swag", "Mug"),)),
    Case("log a thank-you without the role", approved, "sid", "recognition.log", {"kind": "swag"},
         told="Only people with the success or marketing role can record recognition.", stored=recognitions,
         expect=()),
    # references
    Case("approve a reference", reference_request, "sam", "reference.approve",
         told="Omega's reference call counts towards this quarter's limit.", stored=references_and_asks,
         expect=(("approved",), ("sent",))),
    Case("approve a reference on someone else's account", reference_request, "olu", "reference.approve",
         told="Only the account owner (sam@example.com) can approve this reference.", stored=references_and_asks,
         expect=(("open",), ())),
    Case("decline a reference", reference_request, "sam", "reference.decline", {"reason": "Busy quarter"},
         told="Declined. The seller has been told.", stored=references_and_asks, expect=(("declined",), ())),
    Case("record a reference call", approved_reference, "sam", "reference.complete", {"outcome": "Went well"},
         told="Outcome recorded. Thank you.", stored=references_and_asks, expect=(("completed",), ("responded",))),
    Case("record a reference call without saying how", approved_reference, "sam", "reference.complete",
         {"outcome": ""}, told="Say how the call went in up to 500 characters.", stored=references_and_asks,
         expect=(("approved",), ("sent",))),
    # detractors
    Case("close the loop", close_loop, "sam", "closeloop.resolve", {"note": "Fixed the export"},
         told="Resolved. Omega can be nominated", stored=states(m.CloseLoopItem), expect=("resolved",)),
    Case("close the loop without a note", close_loop, "sam", "closeloop.resolve", {"note": ""},
         told="Say what you fixed or agreed with the customer.", stored=states(m.CloseLoopItem), expect=("open",)),
    # flagging a win
    Case("flag a win", nothing, "sam", "win", {"account_name": "Initech", "story": "Cut close from 5 days to 2",
                                               "outcome_type": "time_saved", "metric_value": "3"},
         told="Win recorded for Initech.", stored=wins, expect=((1, "Cut close from 5 days to 2", 3.0, "time_saved"),)),
    Case("flag a win without a story", nothing, "sam", "win", {"account_name": "Initech", "story": ""},
         told="What happened is required.", stored=wins, expect=()),
    # typed commands
    Case("digest of a period, with its chart", nothing, "mia", "digest", {"text": "2026-10"},
         told="October 2026", shown=["Bar chart of the advocacy funnel for October 2026"]),
    Case("digest of a period that is not one", nothing, "mia", "digest", {"text": "someday"},
         told="2026-10"),
    Case("queue", in_review, "mia", "queue", told="Reviews", shown=["Acme Corp"]),
    Case("proof", approved, "sid", "proof", {"text": "acme"}, told="Acme Corp"),
    Case("reference without the role", nothing, "nobody", "reference", {"text": "fintech"},
         told="Only people with the sales or success or marketing role can request customer references."),
    Case("placements", nothing, "mia", "placements", told="No placements yet."),
    Case("placements without the role", nothing, "sid", "placements",
         told="Only people with the marketing or leadership role can see clicks per placement."),
    Case("help", nothing, "nobody", "help", shown=["queue", "digest", "reference", "proof", "campaign"]),
    # a typed command with a form: the form first, then the invitations
    Case("review campaign", nothing, "mia", "campaign", {"sample": "3", "incentive": "a $25 gift card"},
         told="The thank-you is a $25 gift card.", stored=campaigns, expect=(("a $25 gift card", "star_review"),)),
    Case("review campaign without the role", nothing, "sid", "campaign",
         told="Only people with the success or marketing role can plan ask campaigns.", stored=campaigns, expect=()),
]
