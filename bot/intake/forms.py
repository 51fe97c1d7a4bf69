"""What the intake page asks for each kind of ask, and turning the posted form into a StoryForm."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from workflows.states import AskType, ConsentChannel, ConsentScope
from workflows.stories import TEXT_MAX, StoryForm


@dataclass(frozen=True)
class Prompt:
    name: str
    label: str
    hint: str = ""
    multiline: bool = True
    max_length: int = TEXT_MAX
    required: bool = False


GOAL = Prompt("goal", "What goal did you set out to reach?", "For example: close the books faster.")
CHANGE = Prompt("change", "What changed for your team?", "What you do differently now.")
RESULT = Prompt("result", "What result did you see?", "The outcome, in your words.")
METRICS = Prompt("metrics", "The numbers", "For example: month-end close in 2 days instead of 5.", False, 500)
CALL_TIME = Prompt("preferred_time", "When suits you for a 15-minute call?",
                   "Days and times, with your timezone. For example: Tue or Thu afternoon, UK time.", False, 200,
                   required=True)


@dataclass(frozen=True)
class Layout:
    """The page for one kind of ask: a heading, an introduction and its prompts."""

    heading: str
    intro: str
    prompts: tuple[Prompt, ...]
    rating: bool = False
    offer_call: bool = True  # offer a 15-minute call as an alternative, folded away
    disclose_incentive: bool = False
    optional_note: str = ""


OUTCOMES = (GOAL, CHANGE, RESULT, METRICS)
LAYOUTS: dict[AskType, Layout] = {
    AskType.STAR_REVIEW: Layout(
        "Rate your experience", "An honest review helps other teams decide. Good or bad, we want to hear it.",
        (Prompt("title", "A headline for your review", multiline=False, max_length=200),
         Prompt("body", "Your review", "What worked, what did not, and what changed for you.", required=True)),
        rating=True, disclose_incentive=True),
    AskType.SHORT_QUOTE: Layout(
        "Share what changed", "Three prompts, about two minutes. Use your own words, with numbers where you have them.",
        (*OUTCOMES, Prompt("body", "A sentence or two we may quote",
                           "Or leave it to us: we draft it from your answers for you to approve."))),
    AskType.CASE_STUDY: Layout(
        "Tell the story behind your results", "We will draft the case study from your answers and show you the "
        "final version to approve before it is published, unless you tell us not to.",
        (*OUTCOMES, Prompt("body", "Anything else we should know"))),
    AskType.STORY_CALL: Layout(
        "Book a 15-minute story call", "Pick a time that suits you; we will send an invitation.",
        (CALL_TIME,), offer_call=False,
        optional_note="So we come prepared (optional)"),
    AskType.REFERENCE_CALL: Layout(
        "Speak with a company weighing the same decision", "One short call, scheduled around you.",
        (CALL_TIME, Prompt("body", "What could you speak to?", "For example: the rollout, the support, the results.")),
        offer_call=False),
    AskType.USER_CONTENT: Layout(
        "Share a post, screenshot or video", "Paste a link to what you would like to share, and a line about it.",
        (Prompt("body", "Link and a line about it", required=True), RESULT, METRICS)),
}  # a referral ask has a page of its own (introduce.html): it records a referral, never a story
CALL_PREP = (GOAL, RESULT, METRICS)  # optional prompts shown with the call time on a story call
CALL_OFFER = Prompt("preferred_time", "When suits you for a call?", CALL_TIME.hint, False, 200)

SCOPES = [(ConsentScope.NAME, "My name"), (ConsentScope.TITLE, "My job title"),
          (ConsentScope.COMPANY, "My company's name"), (ConsentScope.LOGO, "My company's logo"),
          (ConsentScope.QUOTE, "My words (the quote or review)"), (ConsentScope.METRICS, "My figures (the metrics I gave)")]
CHANNELS = [(ConsentChannel.WEBSITE, "Our website"), (ConsentChannel.SALES, "Sales materials (decks, proposals)"),
            (ConsentChannel.SOCIAL, "Social media"), (ConsentChannel.EMAIL, "Email newsletters"),
            (ConsentChannel.REVIEW_SITES, "Public review sites"),
            (ConsentChannel.REFERENCES, "Reference calls with companies weighing the same decision")]
LABELS = {
    "goal": GOAL.label, "change": CHANGE.label, "result": RESULT.label, "metrics": METRICS.label,
    "preferred_time": CALL_TIME.label, "rating": "Your rating", "scope": "We may show", "channels": "Where",
    "expires_on": "Until", "signer_name": "Your full name", "signer_email": "Your email",
    "company": "Company", "contact_name": "Contact name", "contact_email": "Contact email",
    "call_at": "Proposed date and time"}
TEXT_FIELDS = ("title", "body", "goal", "change", "result", "metrics", "preferred_time", "signer_name",
               "signer_email", "expires_on", "rating", "call_at")


def layout_for(ask_type: AskType) -> Layout:
    return LAYOUTS[ask_type]


def labels_for(layout: Layout) -> dict[str, str]:
    """Field labels for the error summary."""
    return LABELS | {p.name: p.label for p in layout.prompts}


@dataclass
class Posted:
    """The posted form as typed (to show again) and its problems, by field."""

    values: dict[str, str | list[str]]
    errors: dict[str, str] = field(default_factory=dict)
    form: StoryForm | None = None


def blank() -> Posted:
    return Posted({name: "" for name in TEXT_FIELDS} | {"scope": [], "channels": [],
                                                         "review_before_publish": "on"})


def message(error: dict) -> str:
    """A pydantic error as a sentence for the person who typed it."""
    kind, ctx = error["type"], error.get("ctx", {})
    if kind in ("missing", "string_too_short"):
        return "This is required."
    if kind == "string_too_long":
        return f"Keep this under {ctx['max_length']} characters."
    if kind.startswith("date"):
        return "Enter a date like 2027-12-31."
    if kind == "enum":
        return "Choose from the options shown."
    if kind in ("int_parsing", "greater_than_equal", "less_than_equal"):
        return "Choose from 1 to 5 stars."
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return error["msg"]


# blank-looking letters that are not whitespace to Python
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}
ANSWER_FIELDS = ("body", "goal", "change", "result", "preferred_time")
NO_ANSWERS = "Please tell us a little about your results before sending."


def visible(text: str) -> str:
    """`text`, or "" when nothing in it shows (only spaces, zero-width or direction marks, combining marks)."""
    shows = any(unicodedata.category(char)[0] not in "CZM" and char not in _BLANK_LETTERS for char in text)
    return text if shows else ""


def first_text(raw: dict[str, list[str]], name: str) -> str:
    return visible((raw.get(name) or [""])[0])


def distinct(values: list[str]) -> list[str]:
    """Each value once, in the order first given (a box ticked twice by a replayed form)."""
    return list(dict.fromkeys(values))


def _call_at(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """A datetime-local value ('2026-12-03T14:30') in the program's timezone; ValueError when unreadable or past."""
    if not text:
        return None
    when = datetime.fromisoformat(text).replace(tzinfo=tz)
    if when <= now:
        raise ValueError("past")
    return when


def parse(raw: dict[str, list[str]], layout: Layout, now: datetime, tz: ZoneInfo) -> Posted:
    """Validate the posted fields; every problem is reported beside its field and nothing typed is dropped.

    Fields the page does not show (a rating on a quote form) are ignored.
    """
    today = now.astimezone(tz).date()
    values: dict[str, str | list[str]] = {name: first_text(raw, name) for name in TEXT_FIELDS}
    values |= {"scope": distinct(raw.get("scope", [])), "channels": distinct(raw.get("channels", [])),
               "review_before_publish": "on" if raw.get("review_before_publish") else ""}
    if not layout.rating:
        values["rating"] = ""
    posted = Posted(values)
    for prompt in layout.prompts:
        if prompt.required and not str(values[prompt.name]).strip():
            posted.errors[prompt.name] = "This is required."
    if layout.rating and not values["rating"]:
        posted.errors["rating"] = "Choose from 1 to 5 stars."
    if not any(str(values[name]).strip() for name in ANSWER_FIELDS) and not values["rating"]:
        posted.errors.setdefault(layout.prompts[0].name, NO_ANSWERS)
    email = str(values["signer_email"]).strip()
    if email and ("@" not in email or " " in email):
        posted.errors["signer_email"] = "Enter an email address like name@company.com, or leave it empty."
    try:
        if values["expires_on"] and date.fromisoformat(str(values["expires_on"])) <= today:
            posted.errors["expires_on"] = "Pick a date in the future, or leave it empty for no end date."
    except ValueError:
        pass  # reported by the form model below
    data = {name: values[name] for name in ("title", "body", "goal", "change", "result", "metrics",
                                            "preferred_time")}
    data["rating"] = values["rating"] or None
    try:
        data["call_at"] = _call_at(str(values["call_at"]).strip(), now, tz)
    except ValueError:
        posted.errors["call_at"] = "Pick a date and time in the future, or leave it empty."
    data["consent"] = {"scope": values["scope"], "channels": values["channels"],
                       "expires_on": values["expires_on"] or None,
                       "review_before_publish": bool(values["review_before_publish"]),
                       "signer_name": str(values["signer_name"]).strip(), "signer_email": email}
    try:
        form = StoryForm.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = [part for part in error["loc"] if isinstance(part, str) and part != "consent"]
            posted.errors.setdefault(loc[0] if loc else "body", message(error))
        return posted
    if not posted.errors:
        posted.form = form
    return posted
