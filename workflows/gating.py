"""Review gating guard: public review invitations go to customers whatever their score, with any incentive disclosed.

Choosing who to invite by how happy they are ("review gating") is forbidden by review sites (G2, Capterra,
app stores) and by consumer-protection rules; advocacy asks such as case studies may still target promoters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from storage import models as m
from storage import signals as sq
from workflows.actors import Actor, require_role
from workflows.asks import quarter_bounds
from workflows.config import ProgramConfig, ReviewGating
from workflows.core import Core
from workflows.errors import NotAllowed
from workflows.states import AskType, Role, label


def is_public_review(ask_type: AskType, config: ProgramConfig | None = None) -> bool:
    gating = config.review_gating if config else ReviewGating()
    return ask_type in gating.public_review_types


def review_gating_note(ask_type: AskType, config: ProgramConfig | None = None) -> str:
    """What the ask modal and card show for a public review ask type; "" for other ask types."""
    if not is_public_review(ask_type, config):
        return ""
    gating = config.review_gating if config else ReviewGating()
    return (f"{label(ask_type)} is a public review: invite customers whatever their NPS, not only promoters "
            "(selecting happy customers is review gating, which review sites and the law forbid). "
            f"The ask ends with the disclosure: \"{gating.incentive_disclosure}\"")


def check_targeting(ask_type: AskType, config: ProgramConfig, min_nps: int | None) -> None:
    """Refuse to target a public review ask by NPS, with the reason."""
    if min_nps is not None and is_public_review(ask_type, config):
        raise NotAllowed(f"A {label(ask_type).lower()} campaign cannot be limited to customers with NPS "
                         f"{min_nps} or more. {review_gating_note(ask_type, config)}")


@dataclass
class Campaign:
    ask_type: AskType
    audience: list[tuple[m.Account, m.Contact]] = field(default_factory=list)
    held_back: int = 0  # contacts left out by the cooldown or the quarterly limit, never by their score
    note: str = ""

    @property
    def message(self) -> str:
        held = f" ({self.held_back} held back by the ask limits)" if self.held_back else ""
        return f"{label(self.ask_type)} campaign: {len(self.audience)} contact(s){held}. {self.note}".strip()


def review_campaign(core: Core, actor: Actor, ask_type: AskType, segment: str = "", industry: str = "",
                    region: str = "", min_nps: int | None = None) -> Campaign:
    """Who to invite for an ask type across a segment, industry or region, within the ask limits.

    For public review types the audience never depends on NPS and `min_nps` is refused; for other ask types
    `min_nps` keeps contacts whose latest answer reaches it.
    """
    require_role(actor, core.config, Role.SUCCESS, Role.MARKETING, doing="plan ask campaigns")
    check_targeting(ask_type, core.config, min_nps)
    config = core.config
    with core.unit(read_only=True) as unit:
        session = unit.repo.session
        people = sq.campaign_audience(session, segment, industry, region)
        start, end = quarter_bounds(unit.now, config.tz)
        cap = config.fatigue.per_quarter.get(ask_type)
        used = sq.asks_in(session, ask_type, start, end) if cap is not None else {}
        last = sq.last_asks_to_contacts(session, [c.id for _, c in people])
        since = unit.now - timedelta(days=config.fatigue.cooldown_days)
        scores = sq.latest_nps_by_contact(session, [c.id for _, c in people]) if min_nps is not None else {}
    campaign = Campaign(ask_type, note=review_gating_note(ask_type, config))
    planned: dict[int, int] = {}
    for account, contact in people:
        if min_nps is not None and scores.get(contact.id, -1) < min_nps:
            continue
        capped = cap is not None and used.get(account.id, 0) + planned.get(account.id, 0) >= cap
        if capped or (contact.id in last and last[contact.id] > since):
            campaign.held_back += 1
            continue
        planned[account.id] = planned.get(account.id, 0) + 1
        campaign.audience.append((account, contact))
    return campaign
