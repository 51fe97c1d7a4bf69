"""A person's open items, by the roles they hold."""

from __future__ import annotations

from dataclasses import dataclass, field

from storage import models as m
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
    queue = Queue()
    with core.unit(read_only=True) as unit:
        repo = unit.repo
        names = {}

        def account_name(account_id: int) -> str:
            if account_id not in names:
                names[account_id] = repo.get(m.Account, account_id).name
            return names[account_id]

        if Role.SUCCESS in roles:
            any_account = Role.ADMIN in roles or core.config.permissions.success_acts_on_any_account
            owners = None if any_account else actor.record_keys()
            queue.sections["Nominations"] = [
                QueueItem("nomination", n.id, account_name(n.account_id),
                          f"score {n.score:.1f}; {n.state.value}")
                for n in order_nominations(repo.session, core.config, unit.now, repo.nominations_owned(owners))]
            queue.sections["Open asks"] = [
                QueueItem("ask", a.id, account_name(a.account_id),
                          f"{label(a.ask_type)}, {a.state.value} {day_label(a.sent_at or a.created_at, tz)}")
                for a in repo.asks_owned(actor.record_keys())]
        if Role.MARKETING in roles:
            queue.sections["Reviews"] = [
                QueueItem("review", s.id, account_name(s.account_id),
                          f"{label(s.ask_type)} submitted {day_label(s.submitted_at or s.created_at, tz)}")
                for s in repo.stories_in([StoryState.IN_REVIEW])]
            queue.sections["Ready to publish"] = [
                QueueItem("publish", s.id, account_name(s.account_id), label(s.ask_type))
                for s in repo.stories_in([StoryState.APPROVED])]
        queue.sections["My wins"] = [
            QueueItem("win", w.id, account_name(w.account_id), w.story[:80])
            for w in repo.wins_by(actor.record_keys())]
    return queue
