"""Modal views (slack_sdk.models) and reading what was typed into them.

Each form's callback_id is the action that opens it (e.g. "review.changes"); input block ids
are the core's form field names, so a core InvalidInput(field=…) lands on the right field.
"""

from __future__ import annotations

import functools
import json
from datetime import date
from enum import StrEnum

from slack_sdk.models.blocks import (ActionsBlock, Block, ButtonElement, ContextBlock, DatePickerElement,
                                     ExternalDataSelectElement, InputBlock, NumberInputElement, Option,
                                     PlainTextInputElement, RichTextBlock, RichTextElementParts,
                                     RichTextPreformattedElement, SectionBlock, StaticSelectElement)
from slack_sdk.models.views import View

from bot.slack.render import READ_ALL, fit, long_text, mrkdwn, plain
from workflows.states import AskType, OutcomeType, PlacementChannel, RecognitionKind, label
from workflows.wins import STORY_MAX

WIN = "win.flag"
ASK = "nomination.ask"
SNOOZE = "nomination.snooze"
CHANGES = "review.changes"
PUBLISH = "story.publish"
DEAL = "proof.use"
RECOGNITION = "recognition.log"
CLOSE_LOOP = "closeloop.resolve"
REFERENCE_OUTCOME = "reference.complete"
ASK_RESULT = "ask.result"
MARK_SENT = "ask.mark_sent"
ACCOUNT = "account"  # the account picker's action_id (its options load from the bot)
NEW_ACCOUNT = "new:"
EXISTING_ACCOUNT = "id:"

# core field name -> input block id, where they differ
_FIELD_BLOCKS = {"account_id": "account", "account_name": "account"}


def block_for_field(field: str, blocks: list[str]) -> str | None:
    block = _FIELD_BLOCKS.get(field, field)
    return block if block in blocks else None


def _title(text: str) -> str:
    return fit(text, 24)[0]


def _options(values: list[StrEnum]) -> list[Option]:
    return [Option(text=plain(label(v), 75), value=v.value) for v in values]


def _text_input(block_id: str, label_text: str, optional: bool = False, multiline: bool = False,
                max_length: int | None = None, initial: str = "", placeholder: str = "") -> InputBlock:
    element = PlainTextInputElement(action_id="value", multiline=multiline, max_length=max_length,
                                    initial_value=initial[:max_length] if initial else None,
                                    placeholder=placeholder or None)
    return InputBlock(block_id=block_id, label=label_text, element=element, optional=optional)


def _select(block_id: str, label_text: str, values: list[StrEnum], initial: StrEnum | None = None,
            optional: bool = False) -> InputBlock:
    options = _options(values)
    chosen = next((o for o in options if initial is not None and o.value == initial.value), None)
    return InputBlock(block_id=block_id, label=label_text, optional=optional,
                      element=StaticSelectElement(action_id="value", options=options, initial_option=chosen,
                                                  placeholder="Choose"))


def _number(block_id: str, label_text: str, optional: bool = True, hint: str = "") -> InputBlock:
    return InputBlock(block_id=block_id, label=label_text, optional=optional, hint=hint or None,
                      element=NumberInputElement(action_id="value", is_decimal_allowed=True))


def _modal(callback_id: str, title: str, blocks: list[Block], submit: str | None, meta: dict) -> View:
    return View(type="modal", callback_id=callback_id, title=_title(title), submit=_title(submit) if submit else None,
                close="Cancel" if submit else "Close", blocks=blocks, private_metadata=json.dumps(meta)[:3000])


def metadata(view: dict) -> dict:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def values(view: dict) -> dict[str, str | None]:
    """Each input block's value as a string (None when empty)."""
    found: dict[str, str | None] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for state in actions.values():
            kind = state.get("type")
            if kind in ("static_select", "external_select"):
                value = (state.get("selected_option") or {}).get("value")
            elif kind == "datepicker":
                value = state.get("selected_date")
            else:
                value = state.get("value")
            found[block_id] = value if value not in ("", None) else None
    return found


# forms -----------------------------------------------------------------------

def win(story: str = "", link: str = "", source: str = "command") -> View:
    """Flag a win: account (searchable, or a new one), contact, outcome, metric and story."""
    blocks: list[Block] = [
        InputBlock(block_id="account", label="Account",
                   element=ExternalDataSelectElement(action_id=ACCOUNT, min_query_length=1,
                                                     placeholder="Search, or type a new account's name")),
        _text_input("contact_name", "Contact", optional=True, max_length=200, placeholder="Name at the customer"),
        _text_input("contact_email", "Contact email", optional=True, max_length=254),
        _select("outcome_type", "Outcome", list(OutcomeType), initial=OutcomeType.TIME_SAVED),
        _number("metric_value", "Metric", hint="The number, e.g. 2 (hours a week saved)"),
        _text_input("metric_unit", "Metric unit", optional=True, max_length=64, placeholder="hours/week"),
        _text_input("story", "What happened", multiline=True, max_length=STORY_MAX, initial=story,
                    placeholder="The customer's result, in a sentence or two"),
    ]
    if link:
        blocks.append(ContextBlock(elements=[mrkdwn(f"From {link}", 2000)]))
    return _modal(WIN, "Flag a customer win", blocks, "Flag win", {"source": source, "link": link[:1000]})


@functools.cache
def blank_win() -> dict:
    """The empty win form, built once (Block Kit models validate on every to_dict)."""
    return win().to_dict()


def account_options(found: list[tuple[int, str]], typed: str) -> list[dict]:
    """Options for the account picker: matches, then "Create account: <typed>" unless it exists."""
    options = [Option(text=plain(name, 75), value=f"{EXISTING_ACCOUNT}{account_id}").to_dict()
               for account_id, name in found[:99]]
    typed = typed.strip()[:140]
    if typed and not any(name.casefold() == typed.casefold() for _, name in found):
        options.append(Option(text=plain(f"Create account: {typed}", 75), value=f"{NEW_ACCOUNT}{typed}").to_dict())
    return options


def ask(nomination_id: int, account: str, meta: dict, notes: list[str] = ()) -> View:
    """Choose the kind of ask; `notes` (e.g. the review gating rule for public review kinds) show under it."""
    blocks: list[Block] = [
        SectionBlock(text=mrkdwn(f"Ask {account} to advocate. The next step shows a text to send them.")),
        _select("ask_type", "Kind of ask", list(AskType), initial=AskType.SHORT_QUOTE)]
    blocks += [ContextBlock(block_id=f"note_{n}", elements=[mrkdwn(note, 2000)]) for n, note in enumerate(notes)]
    return _modal(ASK, "Ask the customer", blocks, "Draft the ask", {**meta, "id": nomination_id})


def ask_result(ask_id: int, text: str, sent_note: str = "") -> View:
    """The drafted ask, in a block that copies cleanly, with Mark as sent (until it is marked)."""
    blocks: list[Block] = [
        SectionBlock(text=mrkdwn("Copy this text and send it to your contact:")),
        RichTextBlock(block_id="ask_text", elements=[
            RichTextPreformattedElement(elements=[RichTextElementParts.Text(text=text[:3900] or " ")])]),
    ]
    if sent_note:
        blocks.append(ContextBlock(elements=[mrkdwn(sent_note)]))
    else:
        blocks.append(ContextBlock(elements=[mrkdwn("The link in it is personal to this customer.")]))
        blocks.append(ActionsBlock(block_id="ask_actions", elements=[
            ButtonElement(text="Mark as sent", action_id=MARK_SENT, value=str(ask_id), style="primary")]))
    return View(type="modal", callback_id=ASK_RESULT, title=_title("Ask ready"), close="Done", blocks=blocks,
                private_metadata=json.dumps({"ask": ask_id}))


def ask_text(view: dict) -> str:
    """The drafted text shown in an ask result view."""
    for block in view.get("blocks") or []:
        if block.get("block_id") == "ask_text":
            return "".join(part.get("text", "") for element in block.get("elements", [])
                           for part in element.get("elements", []))
    return ""


def snooze(nomination_id: int, default_until: date, meta: dict) -> View:
    blocks = [InputBlock(block_id="until", label="Snooze until",
                         element=DatePickerElement(action_id="value", initial_date=default_until.isoformat()))]
    return _modal(SNOOZE, "Snooze nomination", blocks, "Snooze", {**meta, "id": nomination_id})


def changes(story_id: int, story: str, meta: dict) -> View:
    blocks = [SectionBlock(text=mrkdwn(story)),
              _text_input("reason", "What should change?", multiline=True, max_length=1000)]
    return _modal(CHANGES, "Request changes", blocks, "Send", {**meta, "id": story_id})


def publish(story_id: int, story: str, meta: dict) -> View:
    blocks = [SectionBlock(text=mrkdwn(story)),
              _select("channel", "Where it goes live", list(PlacementChannel)),
              _text_input("url", "Address of the page", max_length=1000, placeholder="https://")]
    return _modal(PUBLISH, "Publish story", blocks, "Publish", {**meta, "id": story_id})


def deal(story_id: int, story: str, meta: dict) -> View:
    blocks = [SectionBlock(text=mrkdwn(story)),
              _text_input("opportunity_id", "Opportunity id", max_length=64),
              _number("amount", "Amount", optional=False),
              _text_input("stage", "Stage", optional=True, max_length=64)]
    return _modal(DEAL, "Use in a deal", blocks, "Record", {**meta, "id": story_id})


def recognition(story_id: int, meta: dict) -> View:
    blocks = [_select("kind", "Thank-you", list(RecognitionKind)),
              _number("value", "Value", hint="What it cost, if anything"),
              _text_input("note", "Note", optional=True, multiline=True, max_length=1000)]
    return _modal(RECOGNITION, "Log a thank-you", blocks, "Save", {**meta, "id": story_id})


def close_loop(item_id: int, meta: dict) -> View:
    blocks = [_text_input("note", "What did you fix or agree with the customer?", multiline=True, max_length=1000)]
    return _modal(CLOSE_LOOP, "Close the loop", blocks, "Resolve", {**meta, "id": item_id})


def reference_outcome(request_id: int, meta: dict) -> View:
    blocks = [_text_input("outcome", "How did the reference call go?", multiline=True, max_length=500)]
    return _modal(REFERENCE_OUTCOME, "Reference outcome", blocks, "Record", {**meta, "id": request_id})


def notice(title: str, text: str) -> View:
    """A closing view with a message (after a submission, or to explain a refusal)."""
    return View(type="modal", title=_title(title), close="Close", blocks=long_text(text, 20))


def read_all(title: str, text: str) -> View:
    blocks: list[Block] = [SectionBlock(text=mrkdwn(title, 3000))]
    return View(type="modal", callback_id=READ_ALL, title=_title("Read all"), close="Close",
                blocks=blocks + long_text(text, 95))
