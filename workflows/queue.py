"""A person's open items, by the roles they hold."""

from __future__ import annotations

from dataclasses import dataclass, field

from storage import outcomes as oq
from workflows.actors import Actor, roles_of
from workflows.core import Core
from workflows.fairness import order_nominations
from workflows.states import Role, StoryState, label
from workflows.text import day_label


@dataclass
class QueueItem:
    kind: str  # nomination | ask | call | revise | final | final_unsent | review | publish | win | deal
    item_id: int | str  # a deal's item is its opportunity id
    title: str
    detail: str


@dataclass
class Queue:
    sections: dict[str, list[QueueItem]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(len(items) for items in self.sections.values())


def _waiting(story, tz) -> str:
    since = day_label(story.awaiting_since, tz) if story.awaiting_since else "recently"
    sent = "link sent" if story.final_sent_at else "link not sent yet"
    return f"{label(story.ask_type)}: waiting for the customer since {since}; {sent}"


DEAL_ROLES = {Role.SALES, Role.MARKETING, Role.LEADERSHIP}  # who records deal outcomes


def deal_items(rows: list[tuple[str, str, float, int]]) -> list[QueueItem]:
    """Open deals that used proof (opportunity id, name, amount, stories used), to mark won or lost."""
    return [QueueItem("deal", opp, name or f"Opportunity {opp}",
                      f"opportunity {opp}; {amount:,.0f}; {n} {'story' if n == 1 else 'stories'} used")
            for opp, name, amount, n in rows]


def my_queue(core: Core, actor: Actor) -> Queue:
    roles = roles_of(actor, core.config)
    tz = core.config.tz
    found: dict[str, list] = {}
    reasons: dict[int, str] = {}
    with core.unit(read_only=True) as unit:
        repo = unit.repo
        if Role.SUCCESS in roles:
            any_account = Role.ADMIN in roles or core.config.permissions.success_acts_on_any_account
            owners = None if any_account else actor.record_keys()
            mine = actor.record_keys()
            found["Nominations"] = order_nominations(repo, core.config, unit.now,
                                                     repo.nominations_owned(owners))
            found["Open asks"] = repo.asks_owned(mine)
            found["Calls to hold"] = repo.stories_in([StoryState.CALL_PENDING], owners=mine)
            found["To revise"] = repo.stories_in([StoryState.CHANGES_REQUESTED], owners=mine)
            reasons = {s.id: decision.reason for s in found["To revise"] if (decision := repo.last_decision(s.id))}
            found["Waiting for the customer"] = repo.stories_in([StoryState.AWAITING_CUSTOMER], owners=mine)
        if Role.MARKETING in roles:
            found["Reviews"] = repo.stories_in([StoryState.IN_REVIEW])
            found["Ready to publish"] = repo.stories_in([StoryState.APPROVED])
            found.setdefault("Waiting for the customer", repo.stories_in([StoryState.AWAITING_CUSTOMER]))
        found["My wins"] = repo.wins_by(actor.record_keys())
        names = repo.account_names(row.account_id for rows in found.values() for row in rows)
        deals = oq.open_deals(repo.session, actor.record_keys()) if roles & DEAL_ROLES else []
    describe = {
        "Nominations": (lambda n: "nomination", lambda n: f"score {n.score:.1f}; {n.state.value}"),
        "Open asks": (lambda a: "ask", lambda a: f"{label(a.ask_type)}, {a.state.value} "
                                                 f"{day_label(a.sent_at or a.created_at, tz)}"),
        "Calls to hold": (lambda s: "call", lambda s: f"story call; they suggest {s.preferred_time or 'a time'}"),
        "To revise": (lambda s: "revise", lambda s: f"marketing asked: {reasons.get(s.id, '')}"),
        "Waiting for the customer": (lambda s: "final" if s.final_sent_at or Role.SUCCESS not in roles else
                                     "final_unsent",
                                     lambda s: _waiting(s, tz)),
        "Reviews": (lambda s: "review", lambda s: f"{label(s.ask_type)} submitted "
                                                  f"{day_label(s.submitted_at or s.created_at, tz)}"),
        "Ready to publish": (lambda s: "publish", lambda s: label(s.ask_type)),
        "My wins": (lambda w: "win", lambda w: w.story[:80]),
    }
    sections = {section: [QueueItem(describe[section][0](row), row.id, names[row.account_id],
                                    describe[section][1](row)) for row in rows]
                for section, rows in found.items()}
    if deals or Role.SALES in roles:
        sections["Open deals"] = deal_items(deals)
    return Queue(sections)
