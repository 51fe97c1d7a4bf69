"""Modal views (slack_sdk.models) and reading what was typed into them.

Forms are the core's (workflows.interactions.Form) rendered as modals: each callback_id is the
interaction (e.g. "review.changes") and input block ids are the field names, so a core
InvalidInput(field=…) lands on the right field.
"""

from __future__ import annotations

import functools
import json

from slack_sdk.models.blocks import (ActionsBlock, Block, ButtonElement, ContextBlock, DatePickerElement,
                                     ExternalDataSelectElement, InputBlock, NumberInputElement, Option,
                                     PlainTextInputElement, RichTextBlock, RichTextElementParts,
                                     RichTextPreformattedElement, SectionBlock, StaticSelectElement)
from slack_sdk.models.views import View

from bot.slack.render import READ_ALL, fit, long_text, mrkdwn, plain
from workflows.interactions import Form, FormField, blank_form

WIN = "win"
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

def _input(field: FormField) -> InputBlock:
    """One input block per form field; its block id is the field name (the picker's is "account")."""
    optional = not field.required
    if field.kind == "account":
        return InputBlock(block_id="account", label=field.label, element=ExternalDataSelectElement(
            action_id=ACCOUNT, min_query_length=1, placeholder="Search, or type a new account's name"))
    if field.kind == "choice":
        options = [Option(text=plain(text, 75), value=value) for value, text in field.choices]
        chosen = next((o for o in options if o.value == field.value), None)
        element = StaticSelectElement(action_id="value", options=options, initial_option=chosen, placeholder="Choose")
    elif field.kind == "date":
        element = DatePickerElement(action_id="value", initial_date=field.value or None)
    elif field.kind == "number":
        element = NumberInputElement(action_id="value", is_decimal_allowed=True,
                                     initial_value=field.value if field.value not in ("", "0", "0.0") else None)
    else:
        initial = field.value[:field.max_length] if field.max_length else field.value
        element = PlainTextInputElement(action_id="value", multiline=field.kind == "long_text",
                                        max_length=field.max_length, initial_value=initial or None,
                                        placeholder=plain(field.placeholder, 150) if field.placeholder else None)
    return InputBlock(block_id=field.name, label=plain(field.label, 2000), element=element, optional=optional,
                      hint=plain(field.hint, 2000) if field.hint else None)


def form_view(form: Form, meta: dict, context: str = "") -> View:
    """A core form as a modal: callback_id is the interaction, private metadata the item and where it came from."""
    blocks: list[Block] = [SectionBlock(text=mrkdwn(form.intro))] if form.intro else []
    blocks += [_input(field) for field in form.fields]
    blocks += [ContextBlock(block_id=f"note_{n}", elements=[mrkdwn(note, 2000)]) for n, note in enumerate(form.notes)]
    if context:
        blocks.append(ContextBlock(elements=[mrkdwn(context, 2000)]))
    if form.item is not None:
        meta = {**meta, "id": form.item}
    return View(type="modal", callback_id=form.name, title=_title(form.title), submit=_title(form.submit),
                close="Cancel", blocks=blocks, private_metadata=json.dumps(meta)[:3000])


def win(story: str = "", link: str = "", source: str = "command") -> View:
    """Flag a win: account (searchable, or a new one), contact, outcome, metric and story."""
    return form_view(blank_form(WIN, {"story": story}), {"source": source, "link": link[:1000]},
                     f"From {link}" if link else "")


@functools.cache
def blank_win() -> dict:
    """The empty win form, built once (Block Kit models validate on every to_dict)."""
    return win().to_dict()


@functools.lru_cache(maxsize=10_000)
def _account_option(account_id: int, name: str) -> dict:
    """An existing account as a picker option (built once: the picker asks at every keystroke)."""
    return Option(text=plain(name, 75), value=f"{EXISTING_ACCOUNT}{account_id}").to_dict()


def account_options(found: list[tuple[int, str]], typed: str) -> list[dict]:
    """Options for the account picker: matches, then "Create account: <typed>" unless it exists."""
    options = [_account_option(account_id, name) for account_id, name in found[:99]]
    typed = typed.strip()[:140]
    if typed and not any(name.casefold() == typed.casefold() for _, name in found):
        options.append(Option(text=plain(f"Create account: {typed}", 75), value=f"{NEW_ACCOUNT}{typed}").to_dict())
    return options


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


def notice(title: str, text: str) -> View:
    """A closing view with a message (after a submission, or to explain a refusal)."""
    return View(type="modal", title=_title(title), close="Close", blocks=long_text(text, 20))


@functools.cache
def working(title: str) -> dict:
    """What a submitted modal shows while its command runs (built once per title)."""
    return notice(title, "Working on it…").to_dict()


def field_block(view: dict, field: str, or_first: bool = False) -> str | None:
    """The input block of the view holding a core field, if it has one (else its first input, if asked)."""
    inputs = [b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"]
    block = block_for_field(field, inputs) if field else None
    return block or (inputs[0] if or_first and inputs else None)


_TYPED = {"static_select": ("selected_option", "initial_option"),
          "external_select": ("selected_option", "initial_option"),
          "datepicker": ("selected_date", "initial_date")}  # other inputs: "value" → "initial_value"


def refilled(view: dict, block_id: str | None, problem: str) -> dict:
    """The submitted modal again, holding what was typed, with the problem under its field (else on top)."""
    typed = (view.get("state") or {}).get("values") or {}
    note = ContextBlock(block_id="problem", elements=[mrkdwn(f"⚠️ {problem}", 2000)]).to_dict()
    blocks: list[dict] = [] if block_id else [note]
    for block in view.get("blocks") or []:
        if block.get("block_id") == "problem":
            continue  # the note of an earlier attempt
        block = json.loads(json.dumps(block))
        element = block.get("element") or {}
        state = next(iter((typed.get(block.get("block_id")) or {}).values()), None)
        if block.get("type") == "input" and state is not None:
            sent, initial = _TYPED.get(element.get("type"), ("value", "initial_value"))
            element.pop(initial, None)
            if state.get(sent) not in (None, ""):
                element[initial] = state[sent]
        blocks.append(block)
        if block_id and block.get("block_id") == block_id:
            blocks.append(note)
    kept = {k: view[k] for k in ("type", "callback_id", "title", "submit", "close", "private_metadata") if k in view}
    return {**kept, "blocks": blocks}


def read_all(title: str, text: str) -> View:
    blocks: list[Block] = [SectionBlock(text=mrkdwn(title, 3000))]
    return View(type="modal", callback_id=READ_ALL, title=_title("Read all"), close="Close",
                blocks=blocks + long_text(text, 95))
