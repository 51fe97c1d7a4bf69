"""Review gating guard: public review invitations go to customers whatever their score, with any incentive disclosed.

Choosing who to invite by how happy they are ("review gating") is forbidden by review sites (G2, Capterra,
app stores) and by consumer-protection rules; advocacy asks such as case studies may still target promoters.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from storage import models as m
from storage import signals as sq
from workflows.actors import Actor, require_role
from workflows.asks import compose_ask_text, quarter_bounds
from workflows.config import ProgramConfig, ReviewGating
from workflows.core import Core, Unit
from workflows.effects import Card, Effect
from workflows.errors import InvalidInput, NotAllowed
from workflows.links import new_nonce
from workflows.scoring import DETRACTOR_MAX, PROMOTER
from workflows.states import AskState, AskType, Role, label


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
        repo = unit.repo
        people = sq.campaign_audience(repo, segment, industry, region)
        start, end = quarter_bounds(unit.now, config.tz)
        cap = config.fatigue.per_quarter.get(ask_type)
        used = sq.asks_in(repo, ask_type, start, end) if cap is not None else {}
        last = sq.last_asks_to_contacts(repo, [c.id for _, c in people])
        since = unit.now - timedelta(days=config.fatigue.cooldown_days)
        scores = sq.latest_nps_by_contact(repo, [c.id for _, c in people]) if min_nps is not None else {}
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


GROUPS = ("promoters", "passives", "detractors", "unscored")


def nps_group(score: int | None) -> str:
    if score is None:
        return "unscored"
    return "promoters" if score >= PROMOTER else "detractors" if score <= DETRACTOR_MAX else "passives"


def stratified_sample(people: list, group_of, size: int, rng: random.Random) -> list:
    """`size` people drawn at random, each NPS group in proportion to its share (largest remainders), so
    passives and detractors are invited as often as their numbers say, never filtered out."""
    if size >= len(people):
        return list(people)
    groups: dict[str, list] = {}
    for person in people:
        groups.setdefault(group_of(person), []).append(person)
    quotas = {g: size * len(members) / len(people) for g, members in groups.items()}
    counts = {g: int(q) for g, q in quotas.items()}
    for g in sorted(quotas, key=lambda g: (counts[g] - quotas[g], g))[:size - sum(counts.values())]:
        counts[g] += 1
    return [p for g, members in groups.items() for p in rng.sample(members, counts[g])]


@dataclass
class Invitation:
    account: m.Account
    contact: m.Contact
    ask_id: int
    link: str
    text: str
    owner: str  # who sends it: the account owner


@dataclass
class CampaignSent:
    campaign_id: int
    invitations: list[Invitation]
    groups: dict[str, int]  # invited per NPS group
    held_back: int
    disclosure: str  # what every invitation ends with

    @property
    def message(self) -> str:
        mix = ", ".join(f"{n} {g}" for g, n in self.groups.items() if n)
        held = f"; {self.held_back} held back by the ask limits" if self.held_back else ""
        return f"Review campaign {self.campaign_id}: {len(self.invitations)} invitation(s) ({mix or 'nobody'}){held}."


INVITATIONS_PER_MESSAGE = 10


def _tell_owners(unit: Unit, campaign_id: int, invitations: list[Invitation]) -> None:
    """Each account owner gets the invitations to send for their accounts, each text with its link."""
    by_owner: dict[str, list[Invitation]] = {}
    for invitation in invitations:
        by_owner.setdefault(invitation.owner, []).append(invitation)
    for owner, theirs in by_owner.items():
        for start in range(0, len(theirs), INVITATIONS_PER_MESSAGE):
            batch = theirs[start:start + INVITATIONS_PER_MESSAGE]
            body = [f"{i.contact.name} ({i.contact.email}) at {i.account.name}:\n{i.text}" for i in batch]
            unit.emit(Effect("dm", Card(title=f"Review invitations to send (campaign {campaign_id})", body=body,
                                        note="Send each text as it is: it carries the customer's own link."),
                             person=owner))


def require_review_kind(ask_type: AskType, config: ProgramConfig) -> None:
    """Review campaigns invite public reviews only (review_gating.public_review_types in app.yaml)."""
    if not is_public_review(ask_type, config):
        raise InvalidInput(f"{label(ask_type)} is not a public review kind; review campaigns invite reviews.",
                           field="ask_type")


def send_review_campaign(core: Core, actor: Actor, ask_type: AskType = AskType.STAR_REVIEW, sample: int = 50,
                         incentive: str = "", segment: str = "", industry: str = "", region: str = "",
                         seed: int | None = None) -> CampaignSent:
    """Invite a random sample of the audience to review, whatever their score, each with the incentive disclosed.

    Every invitation is an ask of its own (sent, with the customer's link and text); the campaign row keeps how
    many promoters, passives, detractors and unscored contacts were invited, which shows there was no gating.
    """
    require_review_kind(ask_type, core.config)
    if not 1 <= sample <= 5000:
        raise InvalidInput("Invite between 1 and 5,000 people.", field="sample")
    incentive = incentive.strip()
    if len(incentive) > 150:
        raise InvalidInput("Describe the thank-you in up to 150 characters.", field="incentive")
    plan = review_campaign(core, actor, ask_type, segment, industry, region)
    with core.unit() as unit:
        scores = sq.latest_nps_by_contact(unit.repo, [c.id for _, c in plan.audience])
        chosen = stratified_sample(plan.audience, lambda p: nps_group(scores.get(p[1].id)), sample,
                                   random.Random(seed))
        groups = {g: 0 for g in GROUPS}
        for _, contact in chosen:
            groups[nps_group(scores.get(contact.id))] += 1
        disclosure = core.config.review_gating.incentive_disclosure + (f" The thank-you is {incentive}." if incentive
                                                                         else "")
        campaign = unit.repo.add(m.ReviewCampaign(
            ask_type=ask_type, segment=segment, industry=industry, region=region, incentive=incentive,
            disclosure=disclosure, invited=len(chosen), created_by=actor.key, created_at=unit.now, **groups))
        expires = unit.now + timedelta(days=core.config.nudges.ask_expire_days)
        invitations = []
        for account, contact in chosen:
            nonce = new_nonce()
            ask = unit.repo.add(m.Ask(account_id=account.id, contact_id=contact.id, ask_type=ask_type,
                                      state=AskState.SENT, owner=account.owner or actor.key, created_by=actor.key,
                                      token_nonce=nonce, campaign_id=campaign.id, created_at=unit.now,
                                      sent_at=unit.now, expires_at=expires))
            link = core.links.intake_url(ask.id, nonce, unit.now)
            ask.text = compose_ask_text(unit, ask_type, account, contact, None, link, actor.display)
            if incentive:
                ask.text += f" The thank-you is {incentive}."
            unit.repo.add(ask)
            unit.audit("ask", ask.id, "sent", actor.key, to_state=AskState.SENT.value, campaign_id=campaign.id)
            invitations.append(Invitation(account, contact, ask.id, link, ask.text, ask.owner))
        unit.audit("review_campaign", campaign.id, "sent", actor.key, invited=len(chosen), **groups)
        _tell_owners(unit, campaign.id, invitations)
    return CampaignSent(campaign.id, invitations, groups, plan.held_back, disclosure)
