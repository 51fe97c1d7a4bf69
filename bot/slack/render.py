"""Neutral cards → Block Kit, with every piece of text escaped and cut to Block Kit's limits.

User text never pings, links or formats: `&`, `<` and `>` are escaped everywhere, mrkdwn
sections are `verbatim`, and only well-formed http(s) URLs become links. Paragraphs are
shown up to a preview length; when anything is cut the card gets a "Read all" button
(a link to `Card.more_url`, or a modal fed from the message's metadata).
"""

from __future__ import annotations

import re
from typing import Iterable

from slack_sdk.models.blocks import (ActionsBlock, Block, ButtonElement, ConfirmObject, ContextBlock, HeaderBlock,
                                     MarkdownTextObject, PlainTextObject, SectionBlock)

from workflows.effects import Button, Card

HEADER_MAX = 150
SECTION_MAX = 3000
FIELD_MAX = 2000
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
ACTIONS_MAX = 25
PARAGRAPH_PREVIEW = 700  # characters of each paragraph shown in chat
FACT_PREVIEW = 300
MAX_PARAGRAPHS = 20
FULL_TEXT_MAX = 12000  # kept in message metadata for "Read all"
READ_ALL = "card.read_all"
METADATA_TYPE = "advocacy_card"
ELLIPSIS = "…"

_URL = re.compile(r"https?://[^\s<>|\"'`]+[^\s<>|\"'`.,;:!?)\]]")


def escape(text: str) -> str:
    """Neutralise Slack's control characters (this disarms <!channel>, <@U…> and <url|label>)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _pieces(text: str, links: bool) -> Iterable[tuple[str, bool]]:
    """(piece, is_url) runs of `text`."""
    if not links:
        yield text, False
        return
    last = 0
    for match in _URL.finditer(text):
        if match.start() > last:
            yield text[last:match.start()], False
        yield match.group(0), True
        last = match.end()
    if last < len(text):
        yield text[last:], False


def fit(text: str, limit: int, links: bool = False) -> tuple[str, bool]:
    """`text` escaped (URLs as links when `links`), at most `limit` characters; True when cut."""
    text = text.strip()
    out: list[str] = []
    used = 0
    for piece, is_url in _pieces(text, links):
        rendered = f"<{escape(piece)}>" if is_url else escape(piece)
        if used + len(rendered) <= limit:
            out.append(rendered)
            used += len(rendered)
            continue
        room = limit - len(ELLIPSIS) - used
        if not is_url:
            for char in piece:
                char = escape(char)
                if len(char) > room:
                    break
                out.append(char)
                room -= len(char)
        return "".join(out).rstrip() + ELLIPSIS, True
    return "".join(out), False


def plain(text: str, limit: int) -> PlainTextObject:
    return PlainTextObject(text=fit(text, limit)[0] or " ", emoji=True)


def mrkdwn(text: str, limit: int = SECTION_MAX) -> MarkdownTextObject:
    """User text as a verbatim mrkdwn object: escaped, URLs linked, nothing else parsed."""
    return MarkdownTextObject(text=fit(text, limit, links=True)[0] or " ", verbatim=True)


def action_pattern(action: str) -> re.Pattern:
    """Matches a button's action_id (a card may suffix `#n` to keep ids unique in one block)."""
    return re.compile(rf"^{re.escape(action)}(#\d+)?$")


def button(btn: Button, action_id: str | None = None) -> ButtonElement:
    text = plain(btn.label, BUTTON_TEXT_MAX)
    if btn.url:
        return ButtonElement(text=text, url=btn.url[:3000], action_id=action_id or "link.open")
    confirm = None
    if btn.style == "danger":
        confirm = ConfirmObject(title=fit(btn.label, 90)[0] + "?", text="This cannot be undone.",
                                confirm=fit(btn.label, 30)[0], deny="Cancel")
    return ButtonElement(text=text, action_id=action_id or btn.action, value=btn.value[:BUTTON_VALUE_MAX],
                         style=btn.style or None, confirm=confirm)


def actions(buttons: list[Button], block_id: str | None = None) -> ActionsBlock:
    seen: dict[str, int] = {}
    elements = []
    for btn in buttons[:ACTIONS_MAX]:
        key = btn.action if not btn.url else "link.open"
        count = seen.get(key, 0)
        seen[key] = count + 1
        elements.append(button(btn, f"{key}#{count}" if count else key))
    return ActionsBlock(elements=elements, block_id=block_id)


def full_text(card: Card) -> str:
    """Everything the card says, as plain text (for "Read all")."""
    parts = [p.strip() for p in card.body if p.strip()]
    parts += [f"{f.label}: {f.value}" for f in card.facts]
    if card.note.strip():
        parts.append(card.note.strip())
    return "\n\n".join(parts)[:FULL_TEXT_MAX]


def card_blocks(card: Card, preview: int = PARAGRAPH_PREVIEW) -> tuple[list[Block], bool]:
    """Blocks for a card and whether any text was cut."""
    blocks: list[Block] = [HeaderBlock(text=plain(card.title, HEADER_MAX))]
    cut = fit(card.title, HEADER_MAX)[1]
    paragraphs = [p for p in card.body if p.strip()]
    cut |= len(paragraphs) > MAX_PARAGRAPHS
    for paragraph in paragraphs[:MAX_PARAGRAPHS]:
        text, was_cut = fit(paragraph, min(preview, SECTION_MAX), links=True)
        cut |= was_cut
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text, verbatim=True)))
    for start in range(0, min(len(card.facts), 20), 10):
        fields = []
        for fact in card.facts[start:start + 10]:
            label = fit(fact.label, 100)[0]
            value, was_cut = fit(fact.value or "-", min(FACT_PREVIEW, FIELD_MAX - len(label) - 4), links=True)
            cut |= was_cut
            fields.append(MarkdownTextObject(text=f"*{label}*\n{value}", verbatim=True))
        blocks.append(SectionBlock(fields=fields))
    cut |= len(card.facts) > 20
    if card.note.strip():
        note, was_cut = fit(card.note, FIELD_MAX, links=True)
        cut |= was_cut
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note, verbatim=True)]))
    buttons = list(card.buttons)
    if cut:
        buttons = buttons[:ACTIONS_MAX - 1] + [Button("Read all", READ_ALL, "", url=card.more_url)]
    if buttons:
        blocks.append(actions(buttons))
    return blocks, cut


def card_message(card: Card, preview: int = PARAGRAPH_PREVIEW) -> dict:
    """chat.postMessage / chat.update arguments (text, blocks and, when cut, metadata for "Read all")."""
    blocks, cut = card_blocks(card, preview)
    message = {"text": fit(card.title, 300)[0] or "Update", "blocks": [b.to_dict() for b in blocks]}
    if cut and not card.more_url:
        message["metadata"] = {"event_type": METADATA_TYPE,
                               "event_payload": {"title": card.title[:150], "text": full_text(card)}}
    return message


def _fits(text: str) -> bool:
    return not fit(text, SECTION_MAX, links=True)[1]


def _head(text: str) -> str:
    """The longest prefix of `text` that fits one section, ending at a space when one is near."""
    low, high = 1, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if _fits(text[:mid]) else (low, mid - 1)
    space = text.rfind(" ", 0, low)
    return text[:space + 1] if space > low // 2 else text[:low]


def long_text(text: str, max_blocks: int = 95) -> list[Block]:
    """Section blocks holding all of `text`, each within Block Kit's 3000 characters."""
    chunks: list[str] = []
    current = ""
    for line in text.strip().splitlines():
        candidate = f"{current}\n{line}" if current else line
        if _fits(candidate):
            current = candidate
            continue
        if current:
            chunks.append(current)
        current = line
        while not _fits(current):
            head = _head(current)
            chunks.append(head)
            current = current[len(head):]
    if current:
        chunks.append(current)
    return [SectionBlock(text=MarkdownTextObject(text=fit(c, SECTION_MAX, links=True)[0] or " ", verbatim=True))
            for c in chunks[:max_blocks]] or [SectionBlock(text=MarkdownTextObject(text=" "))]
