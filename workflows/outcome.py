"""What a command hands back to the shell that ran it: the message for the person who acted, the chat
effects it wrote to the outbox, and the current card of each item it touched.

Shells render an outcome; they never query for it. Commands with more to say (the drafted ask, the
tracked link) return a subclass with those fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from workflows.effects import Card, Effect


class _Emitting(Protocol):
    emitted: list[tuple[str, str, Effect]]


@dataclass(kw_only=True)
class Outcome:
    message: str
    effects: list[Effect] = field(default_factory=list, repr=False)
    cards: dict[str, Card] = field(default_factory=dict, repr=False)  # ref_key ("story:12") -> newest card

    @classmethod
    def of(cls, unit: _Emitting, message: str, **fields) -> Outcome:
        """The outcome of a unit of work: its effects (once each, whatever the platforms) and cards."""
        effects: list[Effect] = []
        for _, _, effect in unit.emitted:
            if not any(effect is seen for seen in effects):
                effects.append(effect)
        cards = {e.ref_key: e.card for e in effects if e.ref_key and e.op in ("post", "update")}
        return cls(message=message, effects=effects, cards=cards, **fields)

    def card(self, ref_key: str) -> Card | None:
        return self.cards.get(ref_key)
