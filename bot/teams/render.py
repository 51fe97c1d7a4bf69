"""Neutral cards to Adaptive Cards 1.5 for Teams.

Text from people and records only ever goes into ``TextRun`` elements (plain text: Teams does not
render markdown there) or input values, after :func:`plain` breaks up ``<at>`` tags, so nothing a
user typed can mention, link or format. Buttons are ``Action.Execute`` with an ``Action.Submit``
fallback; buttons that need input open a ``Action.ShowCard`` form, and the ask opens a dialog.
"""

from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import replace
from typing import Any, Iterable
from urllib.parse import urlsplit

from bot.teams.transport import ADAPTIVE_CARD
from workflows import interactions
from workflows.asks import AskDraft
from workflows.cards import consent_summary
from workflows.effects import Button, Card
from workflows.interactions import Form, FormField
from workflows.queue import Queue, QueueItem
from workflows.sales import Proof
from workflows.states import StoryState, label
from workflows.text import clip

VERSION = "1.5"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
MAX_CARD_BYTES = 26_000  # Teams refuses messages over about 28 KB
FLAG_WIN_COMMAND = "flagWin"  # the message action's command id in the app manifest
IN_LIST = "in_list"  # on a button acting on one entry of a list card: the card stays as it is

_MENTION_TAG = re.compile(r"<(?=\s*/?\s*at\b)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain(text: Any) -> str:
    """User text made inert: control characters dropped, ``<at>`` tags broken with a zero-width space."""
    return _MENTION_TAG.sub("<\u200b", _CONTROL.sub("", str(text)))


# elements ---------------------------------------------------------------------------------------

def run(text: Any, **style: Any) -> dict:
    return {"type": "TextRun", "text": plain(text), **style}


def para(*runs: dict | str, **props: Any) -> dict:
    """A RichTextBlock: plain runs, wrapped, never markdown."""
    inlines = [run(r) if isinstance(r, str) else r for r in runs]
    return {"type": "RichTextBlock", "inlines": inlines, **props}


def heading(text: str) -> dict:
    return para(run(text, size="Large", weight="Bolder"))


def subtle(text: str) -> dict:
    return para(run(text, isSubtle=True, size="Small"), spacing="Small")


def said(text: str) -> dict:
    """What the bot did for the person who clicked."""
    return para(run(text, weight="Bolder", color="Good"))


def error(text: str) -> dict:
    return para(run(text, color="Attention", weight="Bolder"))


def fact(name: str, value: str) -> dict:
    return para(run(f"{name}: ", weight="Bolder"), run(value), spacing="Small")


def _required(element: dict, name: str, required: bool) -> dict:
    """Mark an input required, with the message Teams shows beside it when left empty."""
    return {**element, "isRequired": True, "errorMessage": f"{name} is required"} if required else element


def text_input(id: str, name: str, value: str = "", *, required: bool = False, multiline: bool = False,
               placeholder: str = "", max_length: int | None = None) -> dict:
    element = {"type": "Input.Text", "id": id, "label": name, "isMultiline": multiline}
    if value:
        element["value"] = plain(value)
    if placeholder:
        element["placeholder"] = placeholder
    if max_length:
        element["maxLength"] = max_length
    return _required(element, name, required)


def number_input(id: str, name: str, value: Any = None, *, required: bool = False) -> dict:
    element = {"type": "Input.Number", "id": id, "label": name, "min": 0}
    try:
        element["value"] = float(value)
    except (TypeError, ValueError):
        pass  # empty, or not a number: show the input empty
    return _required(element, name, required)


def date_input(id: str, name: str, value: str = "", *, required: bool = False) -> dict:
    element = {"type": "Input.Date", "id": id, "label": name}
    return _required({**element, "value": value} if value else element, name, required)


def choice_input(id: str, name: str, choices: Iterable[tuple[str, str]], value: str = "", *,
                 expanded: bool = False, required: bool = True) -> dict:
    items = [{"title": title, "value": key} for key, title in choices]
    return _required({"type": "Input.ChoiceSet", "id": id, "label": name,
                      "style": "expanded" if expanded else "compact", "choices": items,
                      "value": value or items[0]["value"]}, name, required)


# actions ----------------------------------------------------------------------------------------

def execute(title: str, verb: str, data: dict, style: str = "") -> dict:
    """Action.Execute (Universal Actions) with an Action.Submit fallback for older clients."""
    action = {"type": "Action.Execute", "title": title, "verb": verb, "data": data,
              "fallback": {"type": "Action.Submit", "title": title, "data": {**data, "verb": verb}}}
    if style:
        action["style"] = "positive" if style == "primary" else "destructive"
        action["fallback"]["style"] = action["style"]
    return action


def dialog_button(title: str, verb: str, data: dict, style: str = "") -> dict:
    """A button opening a dialog: ``task/fetch`` routed by ``verb``."""
    button = {"type": "Action.Submit", "title": title,
              "data": {**data, "verb": verb, "msteams": {"type": "task/fetch"}}}
    if style:
        button["style"] = "positive" if style == "primary" else "destructive"
    return button


def submit(title: str, data: dict, style: str = "positive") -> dict:
    """A dialog's submit button."""
    return {"type": "Action.Submit", "title": title, "data": data, "style": style}


def open_url(title: str, url: str) -> dict | None:
    return {"type": "Action.OpenUrl", "title": title, "url": url} if urlsplit(url).scheme in ("http", "https") \
        else None


def adaptive(body: list[dict], actions: list[dict] | None = None) -> dict:
    card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body,
            "msteams": {"width": "Full"}}
    if actions:
        card["actions"] = actions
    return card


# neutral cards ----------------------------------------------------------------------------------

def button(b: Button) -> dict | None:
    """A card button: a link, a dialog for an interaction that needs a form first, or Action.Execute."""
    if b.url:
        return open_url(b.label, b.url)
    data = {"id": b.value}
    if b.action in interactions.INTERACTIONS and interactions.asks_first(b.action):
        return dialog_button(b.label, b.action, data, b.style)
    return execute(b.label, b.action, data, b.style)


def card(c: Card, extra: list[dict] | None = None, actions: list[dict] | None = None) -> dict:
    """A neutral card as an Adaptive Card; ``extra`` body elements go before the note."""
    body = [heading(c.title)]
    body += [para(text, spacing="Medium") for text in c.body if text]
    body += [fact(f.label, f.value) for f in c.facts]
    if c.image:
        body.append({"type": "Image", "url": f"data:image/png;base64,{c.image.png_base64}",
                     "altText": plain(c.image.alt), "size": "Stretch"})
    body += extra or []
    if c.note:
        body.append(subtle(c.note))
    buttons = [button(b) for b in c.buttons]
    if c.more_url:
        buttons.append(open_url("Read in full", c.more_url))
    return adaptive(body, [b for b in buttons if b] + (actions or []))


def notice(title: str, *lines: str, actions: list[dict] | None = None) -> dict:
    return card(Card(title=title, body=[line for line in lines if line]), actions=actions)


def message(content: dict, summary: str = "") -> dict:
    """A message activity carrying one Adaptive Card."""
    activity = {"type": "message", "attachments": [{"contentType": ADAPTIVE_CARD, "content": content}]}
    if summary:
        activity["summary"] = plain(clip(summary, 200))
    return activity


def text(value: str) -> dict:
    return {"type": "message", "text": plain(value), "textFormat": "plain"}


def card_message(c: Card) -> dict:
    """The activity for a neutral card."""
    return message(fitted(c), c.title)


def fitted(c: Card) -> dict:
    """The Adaptive Card for a neutral card, shrinking or dropping its chart to stay under Teams' size limit."""
    content = card(c)
    if c.image and _size(content) > MAX_CARD_BYTES:
        smaller = _shrink_png(c.image.png_base64)
        if smaller:
            c = replace(c, image=replace(c.image, png_base64=smaller))
            content = card(c)
        if _size(content) > MAX_CARD_BYTES:
            content = card(replace(c, image=None), extra=[subtle(f"Chart not shown (too large for Teams): "
                                                                 f"{c.image.alt}")])
    return content


def _size(content: dict) -> int:
    return len(json.dumps(content).encode())


def _shrink_png(png_base64: str, width: int = 480) -> str | None:
    from PIL import Image  # noqa: PLC0415 - only for oversized charts

    try:
        image = Image.open(io.BytesIO(base64.b64decode(png_base64)))
        image.thumbnail((width, width))
        out = io.BytesIO()
        image.convert("RGB").quantize(colors=64).save(out, format="PNG", optimize=True)
    except (OSError, ValueError):
        return None
    return base64.b64encode(out.getvalue()).decode()


# forms and dialogs ------------------------------------------------------------------------------

def field_input(f: FormField) -> dict:
    """The Adaptive Card input for a form field."""
    shown = f.value
    if f.kind == "choice":
        return choice_input(f.name, f.label, f.choices, shown, required=f.required)
    if f.kind == "number":
        return number_input(f.name, f.label, shown or None, required=f.required)
    if f.kind == "date":
        return date_input(f.name, f.label, shown, required=f.required)
    return text_input(f.name, f.label, shown, required=f.required, multiline=f.kind == "long_text",
                      placeholder=f.placeholder or f.hint, max_length=f.max_length)


def form_card(form: Form, data: dict, *, problem: str = "", on_card: bool = False) -> dict:
    """A form as an Adaptive Card: in a dialog it submits with Action.Submit, on a card with Action.Execute."""
    body = [heading(form.title)]
    if problem:
        body.append(error(problem))
    if form.intro:
        body.append(para(form.intro))
    body += [field_input(f) for f in form.fields]
    body += [para(run(note, size="Small"), spacing="Small") for note in form.notes]
    data = {**data, "id": form.item} if form.item is not None else data
    action = (execute(form.submit, form.name, data, "primary") if on_card
              else submit(form.submit, {**data, "verb": form.name}))
    return adaptive(body, [action])


def ask_text_dialog(draft: AskDraft) -> dict:
    body = [heading(draft.message),
            para("Copy this text and send it to your contact yourself, then mark it as sent."),
            text_input("ask_text", "Ask text", draft.text, multiline=True)]
    return adaptive(body, [submit("Mark as sent", {"verb": "ask.mark_sent", "id": draft.ask.id})])


def help_card(channel_id: str = "", problem: str = "") -> dict:
    body = [heading("Advocacy bot")]
    if problem:
        body.append(error(problem))
    body.append(para("In a channel, mention me first (@Advocacy …). In our personal chat just type:"))
    body += [fact(f"{entry.name} {entry.typed}".strip(), entry.help) for entry in interactions.COMMANDS]
    body += [fact("help", "this message"), para("On any message: More actions (…) → Flag as customer win.")]
    if channel_id:
        body.append(subtle(f"This channel's id (for app.yaml channels.teams): {channel_id}"))
    return adaptive(body, [button(interactions.button("win", ""))])


def queue_card(queue: Queue, who: str) -> dict:
    body = [heading(f"Your queue, {who}" if who else "Your queue")]
    if not queue.total:
        body.append(para("Nothing is waiting for you."))
    for section, items in queue.sections.items():
        if not items:
            continue
        body += queue_section(section, items)
    return adaptive(body, [execute("Refresh", "queue", {})])


def queue_section(title: str, items: list[QueueItem]) -> list[dict]:
    """A titled list of queue items, each with its buttons from the interaction table."""
    body = [para(run(f"{title} ({len(items)})", weight="Bolder", size="Medium"), spacing="Large")]
    for item in items:
        body.append(para(run(item.title, weight="Bolder"), run(f" · {item.detail}", isSubtle=True)))
        actions = [in_list(button(b)) for b in interactions.queue_buttons(item)]
        if actions:
            body.append({"type": "ActionSet", "actions": actions, "spacing": "Small"})
    return body


def proof_card(query: str, proofs: list[Proof], tz, deals: list[QueueItem] = ()) -> dict:
    """Search results, each with "Use in a deal"; then the person's open deals to mark won or lost."""
    body = [heading(f"Customer proof for \u201c{clip(query, 80)}\u201d" if query else "Latest customer proof")]
    if not proofs:
        body.append(para("No approved stories with consent match. Try a customer, industry or outcome word."))
    for proof in proofs:
        state = "published" if proof.story.state == StoryState.PUBLISHED else "approved"
        items = [para(run(f"{proof.account.name}: {clip(proof.headline, 120)}", weight="Bolder", size="Medium"),
                      spacing="Large")]
        if proof.story.body:
            items.append(para(clip(proof.story.body, 400)))
        items += [fact("Kind", f"{label(proof.story.ask_type)} ({state})"),
                  fact("Consent", consent_summary(proof.consent, tz))]
        if proof.story.metrics:
            items.append(fact("Metrics", proof.story.metrics))
        use = in_list(button(interactions.button("proof.use", proof.story.id)))
        body += items + [{"type": "ActionSet", "actions": [use]}]
    if deals:
        body += queue_section("Your open deals", deals)
    return adaptive(body)


def in_list(action: dict) -> dict:
    """A button acting on one entry of a list card: the list stays as it is after the click."""
    action["data"][IN_LIST] = True
    if "fallback" in action:
        action["fallback"]["data"][IN_LIST] = True
    return action
