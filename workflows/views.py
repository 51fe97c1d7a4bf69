"""Read-only views for surfaces that open an item on demand (a queue entry, a dialog): the item's
current card, the asks a person may draft, and a drafted ask's text. Nothing here changes state."""

from __future__ import annotations

from dataclasses import dataclass

from storage import models as m
from workflows import cards
from workflows.actors import Actor
from workflows.asks import OPEN_NOMINATION, check_fatigue
from workflows.core import Core
from workflows.effects import Card
from workflows.errors import Conflict
from workflows.guards import already_message, load, require_account_owner
from workflows.states import AskType


def nomination_card(core: Core, nomination_id: int) -> Card:
    with core.unit(read_only=True) as unit:
        nom = load(unit, m.Nomination, nomination_id, "nomination")
        account = unit.repo.get(m.Account, nom.account_id)
        return cards.nomination_card(nom, account, unit.repo.get(m.Contact, nom.contact_id),
                                     unit.repo.get(m.Win, nom.win_id), unit.repo.recent_asks(account.id),
                                     core.config.tz, core.config.scoring.weak_below)


def review_card(core: Core, story_id: int) -> Card:
    with core.unit(read_only=True) as unit:
        story = load(unit, m.Story, story_id, "story")
        return cards.review_card(story, unit.repo.get(m.Account, story.account_id),
                                 unit.repo.get(m.Contact, story.contact_id), unit.repo.consent_for(story.id),
                                 core.config.tz)


@dataclass
class AskChoices:
    nomination_id: int
    account_name: str
    contact_name: str
    types: list[AskType]  # within this quarter's limits
    at_limit: list[str]  # why the other types are unavailable


def ask_choices(core: Core, actor: Actor, nomination_id: int) -> AskChoices:
    """What this person may ask the nominated customer for; refuses like `asks.draft_ask` would."""
    with core.unit(read_only=True) as unit:
        nom = load(unit, m.Nomination, nomination_id, "nomination")
        require_account_owner(unit, actor, nom.owner, "ask this customer")
        if nom.state not in OPEN_NOMINATION:
            raise Conflict(already_message(unit, "nomination", nom))
        account = unit.repo.get(m.Account, nom.account_id)
        contact = unit.repo.get(m.Contact, nom.contact_id)
        types, at_limit = [], []
        for ask_type in AskType:
            try:
                check_fatigue(unit, account, ask_type)
                types.append(ask_type)
            except Conflict as refused:
                at_limit.append(refused.message)
        if not types:
            raise Conflict(f"Every kind of ask for {account.name} is at its limit this quarter.")
        return AskChoices(nom.id, account.name, contact.name if contact else "", types, at_limit)


@dataclass
class AskText:
    ask_id: int
    account_name: str
    ask_type: AskType
    text: str
    sent: bool


def ask_text(core: Core, actor: Actor, ask_id: int) -> AskText:
    """A drafted or sent ask's text (it carries the customer's link: owners only)."""
    with core.unit(read_only=True) as unit:
        ask = load(unit, m.Ask, ask_id, "ask")
        require_account_owner(unit, actor, ask.owner, "see this ask")
        account = unit.repo.get(m.Account, ask.account_id)
        return AskText(ask.id, account.name, ask.ask_type, ask.text, ask.sent_at is not None)
