"""A person's open items, by the roles they hold."""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.actors import Actor, roles_of
from workflows.core import Core
from workflows.fairness import order_nominations
from workflows.states import Role, StoryState, label
from workflows.text import day_label


@dataclass
class QueueItem:
    kind: str  # nomination | ask | review | publish | win
    item_id: int
    title: str
    detail: str


@dataclass
class Queue:
    sections: dict[str, list[QueueItem]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(len(items) for items in self.sections.values())


def my_queue(core: Core, actor: Actor) -> Queue:
    roles = roles_of(actor, core.config)
    tz = core.config.tz
    found: dict[str, list] = {}
    with core.unit(read_only=True) as unit:
        repo = unit.repo
        if Role.SUCCESS in roles:
            any_account = Role.ADMIN in roles or core.config.permissions.success_acts_on_any_account
            owners = None if any_account else actor.record_keys()
            found["Nominations"] = order_nominations(repo, core.config, unit.now,
                                                     repo.nominations_owned(owners))
            found["Open asks"] = repo.asks_owned(actor.record_keys())
        if Role.MARKETING in roles:
            found["Reviews"] = repo.stories_in([StoryState.IN_REVIEW])
            found["Ready to publish"] = repo.stories_in([StoryState.APPROVED])
        found["My wins"] = repo.wins_by(actor.record_keys())
        names = repo.account_names(row.account_id for rows in found.values() for row in rows)
    describe = {
        "Nominations": ("nomination", lambda n: f"score {n.score:.1f}; {n.state.value}"),
        "Open asks": ("ask", lambda a: f"{label(a.ask_type)}, {a.state.value} "
                                       f"{day_label(a.sent_at or a.created_at, tz)}"),
        "Reviews": ("review", lambda s: f"{label(s.ask_type)} submitted "
                                        f"{day_label(s.submitted_at or s.created_at, tz)}"),
        "Ready to publish": ("publish", lambda s: label(s.ask_type)),
        "My wins": ("win", lambda w: w.story[:80]),
    }
    return Queue({section: [QueueItem(describe[section][0], row.id, names[row.account_id], describe[section][1](row))
                            for row in rows] for section, rows in found.items()})
