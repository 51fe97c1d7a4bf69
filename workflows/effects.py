"""Chat effects as neutral data: the Slack and Teams renderers turn them into Block Kit and Adaptive Cards.

All text here is plain text: renderers escape it for their platform, so nothing a
user typed can ping, link or format.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from typing import Literal


@dataclass
class Button:
    label: str
    action: str  # e.g. "review.approve"; the adapters route on it
    value: str  # the item id the action applies to
    style: Literal["primary", "danger", ""] = ""
    url: str = ""  # a link button when set


@dataclass
class Fact:
    label: str
    value: str
    person: str = ""  # a person key (platform id or email): shown by name where the platform knows it


@dataclass
class Image:
    """A picture sent with the card (the digest chart)."""

    png_base64: str
    alt: str
    filename: str = "chart.png"


@dataclass
class Card:
    """A message card: title, paragraphs, facts, links and buttons."""

    title: str
    body: list[str] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    note: str = ""  # small print under the card (who decided, when)
    more_url: str = ""  # where to read the full text when it is cut
    image: Image | None = None
    body_people: list[str] = field(default_factory=list)  # person keys written as such in the body text

    def to_dict(self) -> dict:
        return asdict(self)

    def people(self) -> set[str]:
        """The person keys the card shows."""
        return {f.person for f in self.facts if f.person} | set(self.body_people)

    def named(self, names: dict[str, str]) -> Card:
        """A copy showing each person by the name in `names`; unknown people keep their fallback value (the key)."""
        facts = [replace(f, value=names[f.person]) if names.get(f.person) else f for f in self.facts]
        known = {key: names[key] for key in self.body_people if names.get(key)}
        if not known:
            return replace(self, facts=facts)
        longest_first = sorted(known, key=len, reverse=True)
        keys = re.compile("|".join(rf"(?<![\w.@+-]){re.escape(k)}(?![\w@-])" for k in longest_first))
        body = [keys.sub(lambda match: known[match.group(0)], text) for text in self.body]
        return replace(self, facts=facts, body=body)

    @classmethod
    def from_dict(cls, data: dict) -> Card:
        data = dict(data)
        data["facts"] = [Fact(**f) for f in data.get("facts", [])]
        data["buttons"] = [Button(**b) for b in data.get("buttons", [])]
        data["image"] = Image(**data["image"]) if data.get("image") else None
        return cls(**data)


@dataclass
class Effect:
    """Post a card to a channel purpose, update an earlier card, or message a person.

    op: "post" (to `purpose`: wins | nominations | approvals | digest), "update" (the
    card posted earlier under `ref_key`), or "dm" (to `person`, a platform id or email).
    A post with a `ref_key` remembers where it landed so later updates find it.
    """

    op: Literal["post", "update", "dm"]
    card: Card
    purpose: str = ""
    person: str = ""
    ref_key: str = ""

    def to_dict(self) -> dict:
        return {"op": self.op, "card": self.card.to_dict(), "purpose": self.purpose,
                "person": self.person, "ref_key": self.ref_key}

    @classmethod
    def from_dict(cls, data: dict) -> Effect:
        return cls(op=data["op"], card=Card.from_dict(data["card"]), purpose=data.get("purpose", ""),
                   person=data.get("person", ""), ref_key=data.get("ref_key", ""))


def person_platforms(person: str, configured: list[str]) -> list[str]:
    """Which platforms can reach a person key: Slack ids start with U/W, Teams ids are GUIDs."""
    if "@" in person:
        return configured[:1]
    if person[:1] in ("U", "W") and person[1:].isalnum():
        return ["slack"] if "slack" in configured else []
    if len(person) == 36 and person.count("-") == 4:
        return ["teams"] if "teams" in configured else []
    return []
