"""What the chat adapters ask the core besides commands: pickers, checks before a form opens,
and recording inbound events so a retried delivery is handled once.

The checks change nothing: the commands re-check everything when the form is submitted.
"""

from __future__ import annotations

from storage import models as m
from workflows.actors import Actor, require_role
from workflows.core import Core
from workflows.guards import load, require_account_owner
from workflows.states import Role, label


def first_delivery(core: Core, source: str, key: str) -> bool:
    """Record an inbound event key; False when it was seen before (a retry, or another replica got it)."""
    with core.unit() as unit:
        return unit.repo.claim_event(source, key, unit.now)


def search_accounts(core: Core, text: str, limit: int = 20) -> list[tuple[int, str]]:
    """(id, name) of accounts whose name contains `text`, for a searchable picker."""
    with core.unit(read_only=True) as unit:
        return [(a.id, a.name) for a in unit.repo.search_accounts(text, limit)]


def account_names(core: Core) -> list[tuple[int, str]]:
    """(id, name) of every account, by name: what a picker searches in memory."""
    with core.unit(read_only=True) as unit:
        return unit.repo.all_account_names()


def nomination_to_act_on(core: Core, actor: Actor, nomination_id: int) -> str:
    """The nomination's account name, or NotAllowed/NotFound when the actor may not act on it."""
    with core.unit(read_only=True) as unit:
        nom = load(unit, m.Nomination, nomination_id, "nomination")
        require_account_owner(unit, actor, nom.owner, "act on this nomination")
        return unit.repo.get(m.Account, nom.account_id).name


def story_for_marketing(core: Core, actor: Actor, story_id: int, doing: str) -> str:
    """'Acme Corp: Short quote' for a story, or NotAllowed when the actor is not in marketing."""
    require_role(actor, core.config, Role.MARKETING, doing=doing)
    return story_label(core, story_id)


def story_label(core: Core, story_id: int) -> str:
    """'Acme Corp: Short quote'."""
    with core.unit(read_only=True) as unit:
        story = load(unit, m.Story, story_id, "story")
        return f"{unit.repo.get(m.Account, story.account_id).name}: {label(story.ask_type)}"
