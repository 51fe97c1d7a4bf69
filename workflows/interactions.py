"""Everything a person can do in chat, in one table both shells read.

An entry names the interaction (the action id buttons carry and the shells route on), who may use
it, its input model (pydantic; the form is rendered from it), the command it runs, and how its
form and result read. A shell turns a click, a typed command or a form submission into
``dispatch(core, actor, name, raw)`` and renders the returned :class:`Outcome`; it shows forms with
``form_for``. Adding a command is a core function plus an entry here.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Callable, Literal, get_args

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from workflows import (asks, calls, clicks, closeloop, final, gating, lookups, queue, references, sales, stories,
                       views, wins)
from workflows.actors import Actor, require_role
from workflows.core import Core
from workflows.digest import Digest, build_digest, digest_card
from workflows.effects import Button, Card
from workflows.errors import DomainError, InvalidInput, NotFound
from workflows.outcome import Outcome
from workflows.periods import asked_for
from workflows.states import (DEAL_CLOSINGS, DEAL_CLOSINGS_TEXT, AskType, DealOutcome, PlacementChannel,
                              RecognitionKind, Role, label)

FRIENDLY_ERROR = "Sorry, something went wrong; it has been logged."
STALE = "This button no longer points at anything. Open the latest message instead."

FieldKind = Literal["text", "long_text", "number", "date", "choice", "account"]


# input models --------------------------------------------------------------------------------------

def _ui(kind: FieldKind | None = None, what: str = "", hint: str = "", placeholder: str = "",
        missing: str = "") -> dict:
    """Form metadata on a model field: how it is shown, how its errors name it (`what`), and what an
    empty required field says (`missing`, when "Enter <what>." is not enough)."""
    return {k: v for k, v in {"kind": kind, "what": what, "hint": hint, "placeholder": placeholder,
                              "missing": missing}.items() if v}


class Input(BaseModel):
    """Base of every input model: surrounding whitespace stripped, unknown keys ignored."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")


class ItemInput(Input):
    id: int  # the item the button was on


class AskInput(ItemInput):
    ask_type: AskType = Field(title="Kind of ask", json_schema_extra=_ui(what="the kind of ask"))


class SnoozeInput(ItemInput):
    until: date | None = Field(None, title="Snooze until", json_schema_extra=_ui(what="a date"))


class ReasonInput(ItemInput):
    reason: str = Field("", title="Reason", max_length=1000, json_schema_extra=_ui("long_text"))


class ChangesInput(ItemInput):
    reason: str = Field(..., title="What should change?", max_length=1000, json_schema_extra=_ui(
        "long_text", what="the reason", missing="Say what should change, so the owner can act on it."))


class PublishInput(ItemInput):
    channel: PlacementChannel = Field(title="Where it goes live",
                                      json_schema_extra=_ui(what="where the story goes live"))
    url: str = Field(..., title="Address of the page", max_length=1000,
                     json_schema_extra=_ui(what="the address of the page", placeholder="https://"))


class ResubmitInput(ItemInput):
    title: str = Field("", title="Headline", max_length=200)
    body: str = Field("", title="Story", max_length=stories.TEXT_MAX, json_schema_extra=_ui("long_text"))
    goal: str = Field("", title="Goal", max_length=stories.TEXT_MAX, json_schema_extra=_ui("long_text"))
    change: str = Field("", title="What changed", max_length=stories.TEXT_MAX, json_schema_extra=_ui("long_text"))
    result: str = Field("", title="Result", max_length=stories.TEXT_MAX, json_schema_extra=_ui("long_text"))
    metrics: str = Field("", title="Numbers", max_length=500)


class CallNotesInput(ResubmitInput):
    body: str = Field(..., title="What the customer told you", max_length=calls.TEXT_MAX, json_schema_extra=_ui(
        "long_text", what="the notes", missing="Write what the customer told you."))


class DealInput(ItemInput):
    opportunity_id: str = Field(..., title="Opportunity id", max_length=64,
                                json_schema_extra=_ui(what="the opportunity id"))
    amount: float = Field(..., title="Amount", json_schema_extra=_ui(what="the amount"))
    stage: str = Field("", title="Stage", max_length=64)


class RecognitionInput(ItemInput):
    kind: RecognitionKind = Field(title="Thank-you", json_schema_extra=_ui(what="the kind of thank-you"))
    value: float = Field(0, title="Value", json_schema_extra=_ui(what="the value", hint="What it cost, if anything"))
    note: str = Field("", title="Note", max_length=1000, json_schema_extra=_ui("long_text"))


class CloseLoopInput(ItemInput):
    note: str = Field(..., title="What did you fix or agree with the customer?", max_length=1000, json_schema_extra=_ui(
        "long_text", what="the note", missing="Say what you fixed or agreed with the customer."))


class OutcomeNoteInput(ItemInput):
    outcome: str = Field(..., title="How did the reference call go?", max_length=500, json_schema_extra=_ui(
        "long_text", what="the outcome", missing="Say how the call went in up to 500 characters."))


class DealCloseInput(Input):
    opportunity_id: str = Field(..., max_length=64, validation_alias=AliasChoices("opportunity_id", "id"))
    outcome: DealOutcome = Field(title="Outcome", json_schema_extra={**_ui(what=DEAL_CLOSINGS_TEXT),
                                                                     "choices": [o.value for o in DEAL_CLOSINGS]})
    amount: float = Field(..., title="Final amount", json_schema_extra=_ui(what="the final amount"))
    closed_on: date = Field(title="Closed on", json_schema_extra=_ui(what="the date the deal closed"))


class TextInput(Input):
    text: str = Field("", max_length=500)  # what followed the typed command


class CampaignInput(Input):
    ask_type: AskType = Field(AskType.STAR_REVIEW, title="Kind of review", json_schema_extra=_ui(
        what="the kind of review"))
    sample: int = Field(50, title="How many to invite", ge=1, le=5000, json_schema_extra=_ui(
        what="how many to invite", hint="Drawn at random, whatever their NPS: passives and detractors too."))
    incentive: str = Field("", title="Thank-you offered", max_length=150, json_schema_extra=_ui(
        hint="Disclosed in every invitation, e.g. a $25 gift card.", placeholder="a $25 gift card"))
    segment: str = Field("", title="Segment", max_length=64)
    industry: str = Field("", title="Industry", max_length=64)
    region: str = Field("", title="Region", max_length=64)


# what some interactions show besides a message ---------------------------------------------------

@dataclass(kw_only=True)
class QueueShown(Outcome):
    queue: queue.Queue


@dataclass(kw_only=True)
class ProofFound(Outcome):
    query: str
    proofs: list[sales.Proof]
    deals: list[queue.QueueItem] = field(default_factory=list)  # the person's open deals, to mark won or lost


@dataclass(kw_only=True)
class DigestShown(Outcome):
    digest: Digest
    card: Card


@dataclass(kw_only=True)
class CampaignSent(Outcome):
    campaign: gating.CampaignSent


def _show_queue(core: Core, actor: Actor, _: TextInput) -> QueueShown:
    found = queue.my_queue(core, actor)
    return QueueShown(message=f"Your queue: {found.total} open item(s)", queue=found)


def _find_proof(core: Core, actor: Actor, given: TextInput) -> ProofFound:
    proofs = sales.find_proof(core, given.text)
    deals = queue.deal_items([astuple(deal) for deal in sales.open_deals(core, actor)])
    return ProofFound(message=f"Proof for {given.text}" if given.text else "Most recent approved stories",
                      query=given.text, proofs=proofs, deals=deals)


def _show_digest(core: Core, actor: Actor, given: TextInput) -> DigestShown:
    """The digest of a period ('2026-10', '2026-Q3'; the month so far by default), with its chart."""
    period = asked_for(given.text, core.now(), core.config.tz)
    digest = build_digest(core, period)
    card = digest_card(digest)
    if core.chart is not None:
        card.image = core.chart(digest)
    return DigestShown(message=card.title, digest=digest, card=card)


@dataclass(kw_only=True)
class PlacementsShown(Outcome):
    placements: list[clicks.PlacementClicks]


PLACEMENTS_SHOWN = 20  # the most clicked placements a chat answer lists


def _show_placements(core: Core, actor: Actor, _: TextInput) -> PlacementsShown:
    """Each placement's short link and the clicks counted on it, most clicked first."""
    found = clicks.clicks_per_placement(core)
    lines = [f"• {p.clicks:,} click{'' if p.clicks == 1 else 's'}: {p.short_link or 'no short link'} "
             f"({p.account}, story {p.placement.story_id}, {label(p.placement.channel)}, {p.placement.state.value}) "
             f"opens {p.placement.url}" for p in found[:PLACEMENTS_SHOWN]]
    more = [f"and {len(found) - PLACEMENTS_SHOWN} more"] if len(found) > PLACEMENTS_SHOWN else []
    heading = "Clicks per placement, most clicked first:" if found else clicks.none_to_list()
    return PlacementsShown(message="\n".join([heading] + lines + more), placements=found)


def _send_campaign(core: Core, actor: Actor, given: CampaignInput) -> CampaignSent:
    """Invite a random sample to review, whatever their score; the answer shows the disclosure every invitation
    ends with, and the account owners get the invitations to send."""
    sent = gating.send_review_campaign(core, actor, given.ask_type, given.sample, given.incentive, given.segment,
                                       given.industry, given.region)
    told = " Each account owner has their invitations, with the customers' links, in a direct message." \
        if sent.invitations else ""
    return CampaignSent(message=f"{sent.message} Every invitation ends with: “{sent.disclosure}”{told}",
                        campaign=sent)


# what a form shows before it is filled -----------------------------------------------------------

@dataclass
class Prefill:
    """Checks passed before a form opens, and what it starts with."""

    intro: str = ""  # the item the form is about, e.g. "Acme Corp: Short quote"
    notes: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    choices: dict[str, list[StrEnum]] = field(default_factory=dict)  # narrower choices than the model's


def _ask_prefill(core: Core, actor: Actor, item_id: int) -> Prefill:
    """Only the kinds of ask not at their quarterly cap are offered (the others are listed as notes)."""
    choices = views.ask_choices(core, actor, item_id)
    kinds = choices.types
    notes = [note for kind in kinds if (note := gating.review_gating_note(kind, core.config))]
    return Prefill(intro=f"Ask {choices.account_name} to advocate. The next step shows a text to send them.",
                   notes=choices.at_limit + notes, choices={"ask_type": kinds},
                   values={"ask_type": AskType.SHORT_QUOTE if AskType.SHORT_QUOTE in kinds else kinds[0]})


def _snooze_prefill(core: Core, actor: Actor, item_id: int) -> Prefill:
    account = lookups.nomination_to_act_on(core, actor, item_id)
    return Prefill(intro=f"Snooze {account}'s nomination until 09:00 on the day you choose.",
                   values={"until": asks.default_snooze_day(core.now(), core.config.tz)})


def _story_prefill(doing: str) -> Callable[[Core, Actor, int], Prefill]:
    return lambda core, actor, item_id: Prefill(intro=lookups.story_for_marketing(core, actor, item_id, doing))


def _revision_prefill(core: Core, actor: Actor, item_id: int) -> Prefill:
    """The story as it stands, and why marketing sent it back."""
    edit, reason = stories.revision_form(core, actor, item_id)
    return Prefill(intro=f"Marketing asked: {reason}" if reason else "Marketing sent this story back for changes.",
                   values=edit.model_dump())


def _call_prefill(core: Core, actor: Actor, item_id: int) -> Prefill:
    return Prefill(intro="Your notes become a draft story: marketing reviews it, then the customer approves it "
                         "before anything is published.", values=calls.notes_prefill(core, actor, item_id))


def _deal_prefill(core: Core, actor: Actor, opportunity_id: str) -> Prefill:
    """The deal's amount so far and today's date, ready to confirm."""
    deal = next((d for d in sales.open_deals(core, actor, limit=50) if d.opportunity_id == opportunity_id), None)
    values: dict[str, Any] = {"closed_on": core.now().astimezone(core.config.tz).date()}
    if deal is None:
        return Prefill(intro=f"Opportunity {opportunity_id}", values=values)
    [item] = queue.deal_items([(deal.opportunity_id, deal.name, deal.amount, deal.stories)])
    return Prefill(intro=f"{item.title}: {item.detail}", values={**values, "amount": deal.amount})


def _story_fields(given: ResubmitInput) -> dict[str, str]:
    return given.model_dump(exclude={"id"})


def _story_label(core: Core, actor: Actor, item_id: int) -> Prefill:
    return Prefill(intro=lookups.story_label(core, item_id))


# the table ---------------------------------------------------------------------------------------

Run = Callable[[Core, Actor, Any], Outcome]


@dataclass(frozen=True)
class Interaction:
    name: str  # the action id buttons carry ("review.approve"), or the typed command ("digest")
    title: str  # the form's title, and the heading of its result
    input: type[Input]
    run: Run
    roles: tuple[Role, ...] = ()  # who may use it; () = the command decides (e.g. owner or requester)
    doing: str = ""  # completes "Only people with the … role can <doing>."
    label: str = ""  # the button's label
    style: Literal["primary", "danger", ""] = ""
    submit: str = ""  # the form's submit label; "" when a click runs it at once
    prefill: Callable[[Core, Actor, Any], Prefill] | None = None
    parse: Callable[[dict], Input] | None = None  # a model's own parser, when it names errors itself
    typed: str = ""  # for commands: what to type after the word, e.g. "<period>"
    help: str = ""  # for commands: one line of help


def _by_id(fn: Callable[..., Outcome], *fields: str) -> Run:
    """Run `fn(core, actor, id, *fields of the input)`."""
    return lambda core, actor, given: fn(core, actor, given.id, *(getattr(given, f) for f in fields))


TABLE: list[Interaction] = [
    # nominations (success managers, on their accounts)
    Interaction("nomination.ask", "Ask the customer", AskInput, _by_id(asks.draft_ask, "ask_type"),
                (Role.SUCCESS,), "ask this customer", "Ask", "primary", "Draft the ask", _ask_prefill),
    Interaction("nomination.dismiss", "Not now", ItemInput, _by_id(asks.dismiss),
                (Role.SUCCESS,), "act on this nomination", "Not now"),
    Interaction("nomination.snooze", "Snooze nomination", SnoozeInput, _by_id(asks.snooze, "until"),
                (Role.SUCCESS,), "act on this nomination", "Snooze", "", "Snooze", _snooze_prefill),
    Interaction("ask.mark_sent", "Ask sent", ItemInput, _by_id(asks.mark_sent),
                (Role.SUCCESS,), "send this ask", "Mark as sent", "primary"),
    Interaction("ask.decline", "Customer declined", ReasonInput, _by_id(asks.decline, "reason"),
                (Role.SUCCESS,), "record this answer", "Customer declined", "", "Record"),
    # review and publishing (marketing)
    Interaction("review.approve", "Approved", ItemInput, _by_id(stories.approve),
                (Role.MARKETING,), "review stories", "Approve", "primary"),
    Interaction("review.changes", "Request changes", ChangesInput, _by_id(stories.request_changes, "reason"),
                (Role.MARKETING,), "review stories", "Request changes", "", "Send", _story_prefill("review stories")),
    Interaction("review.reject", "Reject story", ReasonInput, _by_id(stories.reject, "reason"),
                (Role.MARKETING,), "review stories", "Reject", "danger", "Reject", _story_prefill("review stories")),
    Interaction("story.publish", "Publish story", PublishInput, _by_id(stories.publish, "channel", "url"),
                (Role.MARKETING,), "publish stories", "Publish", "primary", "Publish",
                _story_prefill("publish stories")),
    Interaction("story.resubmit", "Revise story", ResubmitInput,
                lambda core, actor, given: stories.resubmit(core, actor, given.id,
                                                            stories.StoryEdit(**_story_fields(given))),
                label="Revise", style="primary", submit="Send to review", prefill=_revision_prefill),
    Interaction("call.write_up", "Write up the call", CallNotesInput,
                lambda core, actor, given: calls.write_up(core, actor, given.id, calls.CallNotes(**_story_fields(given))),
                label="Write up the call", style="primary", submit="Send to review", prefill=_call_prefill),
    Interaction("final.mark_sent", "Final version sent", ItemInput, _by_id(final.mark_sent),
                label="Mark as sent", style="primary"),
    Interaction("recognition.log", "Log a thank-you", RecognitionInput,
                _by_id(sales.recognise, "kind", "value", "note"), (Role.SUCCESS, Role.MARKETING),
                "record recognition", "Log a thank-you", "", "Save"),
    # sales
    Interaction("proof.use", "Use in a deal", DealInput, _by_id(sales.record_deal_usage, "opportunity_id", "amount",
                                                                 "stage"),
                (Role.SALES, Role.MARKETING, Role.LEADERSHIP), "record story use in deals", "Use in a deal", "primary",
                "Record", _story_label),
    Interaction("deal.close", "Close the deal", DealCloseInput,
                lambda core, actor, given: sales.close_deal(core, actor, given.opportunity_id, given.outcome,
                                                            given.amount, given.closed_on),
                (Role.SALES, Role.MARKETING, Role.LEADERSHIP), "record deal outcomes", "Mark won / lost", "", "Record",
                prefill=_deal_prefill),
    # references (requested by sellers, approved by the account owner)
    Interaction("reference.approve", "Reference approved", ItemInput, _by_id(references.approve_reference),
                (Role.SUCCESS,), "approve this reference", "Approve", "primary"),
    Interaction("reference.decline", "Reference declined", ReasonInput,
                _by_id(references.decline_reference, "reason"), (Role.SUCCESS,), "decline this reference", "Decline"),
    Interaction("reference.complete", "Reference outcome", OutcomeNoteInput,
                _by_id(references.complete_reference, "outcome"), label="Record outcome", style="primary",
                submit="Record"),
    # detractors
    Interaction("closeloop.resolve", "Close the loop", CloseLoopInput, _by_id(closeloop.resolve_close_loop, "note"),
                (Role.SUCCESS,), "resolve this feedback", "Resolve", "primary", "Resolve"),
    # flagging a win (a form on every surface)
    Interaction("win", "Flag a customer win", wins.WinForm,
                lambda core, actor, given: wins.flag_win(core, actor, given, event_key=given.event_key),
                label="Flag a win", style="primary", submit="Flag win", parse=wins.parse_win_form,
                typed="[what happened]",
                help="flags a customer win (opens the form); on any message, Flag as customer win does the same."),
    # typed commands
    Interaction("proof", "Proof", TextInput, _find_proof, typed="<customer, industry or outcome>",
                help="finds approved, consented stories to use with prospects."),
    Interaction("queue", "Your advocacy queue", TextInput, _show_queue, label="My queue",
                help="lists your open items, with buttons to act on them."),
    Interaction("digest", "Digest", TextInput, _show_digest, typed="[period, e.g. 2026-10 or 2026-Q3]",
                help="shows the leadership digest with its chart: this month so far, or the period you name."),
    Interaction("reference", "Reference request", TextInput,
                lambda core, actor, given: references.request_reference(core, actor, given.text),
                (Role.SALES, Role.SUCCESS, Role.MARKETING), "request customer references",
                typed="<criteria>", help="asks for a customer reference, e.g. fintech, enterprise, EMEA, for opp 123; "
                "the account owner approves it."),
    Interaction("campaign", "Review campaign", CampaignInput, _send_campaign,
                (Role.SUCCESS, Role.MARKETING), "plan ask campaigns", submit="Send invitations",
                help="invites a random sample of customers to review us, whatever their score, "
                     "with the thank-you disclosed (opens a form first)"),
    Interaction("placements", "Clicks per placement", TextInput, _show_placements,
                (Role.MARKETING, Role.LEADERSHIP), "see clicks per placement",
                help="lists each placement's short link and the clicks counted on it, most clicked first."),
]
INTERACTIONS: dict[str, Interaction] = {i.name: i for i in TABLE}
COMMANDS = [i for i in TABLE if i.help]  # what `help` lists, in this order
HELP_TITLE = "Customer advocacy"

# the buttons of each kind of queue item, in order
QUEUE_BUTTONS = {
    "nomination": ["nomination.ask", "nomination.dismiss", "nomination.snooze"],
    "ask": ["ask.mark_sent", "ask.decline"],
    "call": ["call.write_up"],
    "revise": ["story.resubmit"],
    "final_unsent": ["final.mark_sent"],
    "review": ["review.approve", "review.changes", "review.reject"],
    "publish": ["story.publish"],
    "deal": ["deal.close"],
}


def get(name: str) -> Interaction:
    try:
        return INTERACTIONS[name]
    except KeyError:
        raise NotFound("This button is no longer available. Ask for help to see what I can do.") from None


def button(name: str, item_id: int | str) -> Button:
    entry = INTERACTIONS[name]
    return Button(entry.label or entry.title, name, str(item_id), entry.style)


def queue_buttons(item: queue.QueueItem) -> list[Button]:
    return [button(name, item.item_id) for name in QUEUE_BUTTONS.get(item.kind, [])]


# forms -------------------------------------------------------------------------------------------

@dataclass
class FormField:
    name: str
    label: str
    kind: FieldKind
    required: bool
    value: str = ""  # the initial value, as text ("" for none)
    choices: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    max_length: int | None = None
    hint: str = ""
    placeholder: str = ""


@dataclass
class Form:
    """A platform-neutral form: Slack renders it as a modal, Teams as a dialog or an inline card."""

    name: str  # the interaction it submits to
    title: str
    submit: str
    item: str | None  # the button's value: the item the form is about
    fields: list[FormField]
    intro: str = ""
    notes: list[str] = field(default_factory=list)


def _kind(annotation: Any, extra: dict) -> FieldKind:
    if extra.get("kind"):
        return extra["kind"]
    types = [a for a in (get_args(annotation) or (annotation,)) if a is not type(None)]
    base = types[0] if types else str
    if isinstance(base, type) and issubclass(base, StrEnum):
        return "choice"
    if base is date:
        return "date"
    if base in (int, float):
        return "number"
    return "text"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 30000, not 30000.0
    return str(value)


def form_fields(model: type[BaseModel], values: dict[str, Any] | None = None,
                choices: dict[str, list[StrEnum]] | None = None) -> list[FormField]:
    """The fields a person fills in (the item id is carried by the button, not typed)."""
    values, choices = values or {}, choices or {}
    found = []
    for name, info in model.model_fields.items():
        if info.title is None:  # the item id, event keys: carried by the button or the shell, not typed
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        kind = _kind(info.annotation, extra)
        options: list[tuple[str, str]] = []
        if kind == "choice":
            enum_cls = next(a for a in (get_args(info.annotation) or (info.annotation,)) if isinstance(a, type))
            allowed = choices.get(name) or [enum_cls(v) for v in extra.get("choices", [])] or list(enum_cls)
            options = [(v.value, label(v)) for v in allowed]
        default = values.get(name, extra.get("initial", None if info.is_required() else info.default))
        max_length = next((m.max_length for m in info.metadata if hasattr(m, "max_length")), None)
        found.append(FormField(name, info.title, kind, info.is_required(), _text(default), options, max_length,
                               extra.get("hint", ""), extra.get("placeholder", "")))
    return found


def blank_form(name: str, values: dict[str, Any] | None = None, item: str | None = None,
               prefill: Prefill | None = None) -> Form:
    """An interaction's form without checks: the fields with their defaults and `values`."""
    entry, prefill = get(name), prefill or Prefill()
    return Form(name, entry.title, entry.submit or "Send", item,
                form_fields(entry.input, {**prefill.values, **(values or {})}, prefill.choices),
                prefill.intro, prefill.notes)


def form_for(core: Core, actor: Actor, name: str, item: Any = None, values: dict[str, Any] | None = None) -> Form:
    """The form to show before running `name` on an item (the button's value); refuses (NotAllowed,
    Conflict…) as the command would."""
    entry = get(name)
    _check_role(core, actor, entry)
    prefill = entry.prefill(core, actor, _item_key(entry, item)) if entry.prefill and item is not None else None
    return blank_form(name, values, None if item is None else str(item), prefill)


def asks_first(name: str) -> bool:
    """Whether a click opens the interaction's form (else it runs at once)."""
    return bool(get(name).submit)


def _item_key(entry: Interaction, item: Any) -> int | str:
    """The item a button carries: a number, or text where the input takes it as text (an opportunity id)."""
    carried = next((f for name, f in entry.input.model_fields.items()
                    if name == "id" or "id" in getattr(f.validation_alias, "choices", ())), None)
    return str(item) if carried is not None and carried.annotation is str else item_id(item)


def item_id(value: Any) -> int:
    """The item id a button carries."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(STALE) from None


# reading input -----------------------------------------------------------------------------------

def _what(model: type[BaseModel], name: str) -> str:
    info = model.model_fields.get(name)
    extra = info.json_schema_extra if info and isinstance(info.json_schema_extra, dict) else {}
    return extra.get("what") or (f"the {info.title.lower()}" if info and info.title else name)


def _input_error(model: type[BaseModel], error: dict) -> InvalidInput:
    """One clear sentence for the first thing wrong with a form, naming the field at fault."""
    name = str(error["loc"][0]) if error["loc"] else ""
    if name == "id":
        return InvalidInput(STALE)
    info = model.model_fields.get(name)
    extra = info.json_schema_extra if info and isinstance(info.json_schema_extra, dict) else {}
    kind = _kind(info.annotation, extra) if info else "text"
    what, kind_of = _what(model, name), error["type"]
    if extra.get("missing") and kind_of == "missing":
        text = extra["missing"]
    elif kind == "choice":
        text = f"Choose {what}."
    elif kind == "date":
        text = "Pick a date."
    elif kind == "number":
        text = f"Enter {what}." if kind_of == "missing" else f"Enter {what} as a number."
    elif kind_of == "string_too_long":
        text = f"Keep {what} under {error['ctx']['max_length']} characters."
    else:
        text = f"Enter {what}."
    return InvalidInput(text[0].upper() + text[1:], field=name)


def parse(entry: Interaction, raw: dict[str, Any]) -> Input:
    """Form values (strings, or None when empty) as the entry's input model, or InvalidInput on a field."""
    data = {k: v for k, v in raw.items() if v is not None and not (isinstance(v, str) and not v.strip())}
    if entry.parse is not None:
        return entry.parse(data)
    try:
        return entry.input.model_validate(data)
    except ValidationError as exc:
        raise _input_error(entry.input, exc.errors()[0]) from None


def _check_role(core: Core, actor: Actor, entry: Interaction) -> None:
    if entry.roles:
        require_role(actor, core.config, *entry.roles, doing=entry.doing)


def accept(core: Core, actor: Actor, name: str, raw: dict[str, Any]) -> tuple[Interaction, Input]:
    """The role, then the input: refuses before any database work (NotAllowed, InvalidInput on a field)."""
    entry = get(name)
    _check_role(core, actor, entry)
    return entry, parse(entry, raw)


def dispatch(core: Core, actor: Actor, name: str, raw: dict[str, Any]) -> Outcome:
    """Run an interaction for a person (synchronous: shells call it off their event loop)."""
    entry, given = accept(core, actor, name, raw)
    return entry.run(core, actor, given)


def refusal(error: Exception) -> str:
    """What to tell the person when an interaction failed (the shell logs unexpected errors)."""
    return error.message if isinstance(error, DomainError) else FRIENDLY_ERROR


def command(text: str) -> tuple[str, str]:
    """Typed text → (interaction name, the rest); ("help", "") for help, ("", word) for an unknown word."""
    word, _, rest = text.strip().partition(" ")
    word = word.lower()
    if word in ("", "help", "hi", "hello"):
        return "help", ""
    entry = INTERACTIONS.get(word)
    return (word, rest.strip()) if entry and entry.help else ("", word)
