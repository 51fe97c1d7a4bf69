"""Reference requests: a seller asks for a reference in chat, the bot proposes consenting advocates within fatigue
limits, the account owner approves or declines, and the seller records how it went."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from storage import models as m
from storage import signals as sq
from workflows import cards, scoring
from workflows.actors import Actor, is_owner, require_role, roles_of
from workflows.asks import check_fatigue, quarter_bounds
from workflows.core import Core, Unit
from workflows.effects import Button, Effect
from workflows.errors import InvalidInput, NotAllowed, NotFound
from workflows.guards import load, require_account_owner, transition
from workflows.links import new_nonce
from workflows.outcome import Outcome
from workflows.states import AskState, AskType, ConsentChannel, ReferenceState, Role
from workflows.text import clip

_OPP = re.compile(r"\b(?:opp(?:ortunity)?|deal)\s*[#:]?\s*([A-Za-z0-9][A-Za-z0-9_-]{0,63})", re.IGNORECASE)
_FILLER = {"for", "a", "an", "and", "in", "with", "the", "of", "please", "need", "needs", "reference", "ref",
           "customer", "customers", "someone", "who", "is", "from", "to", "call", "any", "or"}


@dataclass
class Criteria:
    wanted: dict[str, set[str]] = field(default_factory=dict)  # dimension -> case-folded values
    opportunity_id: str = ""
    ignored: list[str] = field(default_factory=list)

    @property
    def words(self) -> str:
        return ", ".join(v for values in self.wanted.values() for v in sorted(values))


def parse_criteria(text: str, vocabulary: dict[str, set[str]]) -> Criteria:
    """'fintech, enterprise, EMEA, for opp 123' -> industry, segment, region and opportunity 123."""
    criteria = Criteria()
    if match := _OPP.search(text):
        criteria.opportunity_id = match[1]
        text = text[:match.start()] + " " + text[match.end():]
    rest = f" {text.casefold()} "
    for dim, values in vocabulary.items():
        for value in sorted(values, key=len, reverse=True):
            pattern = rf"(?<![\w-]){re.escape(value.casefold())}(?![\w-])"
            if value and re.search(pattern, rest):
                criteria.wanted.setdefault(dim, set()).add(value.casefold())
                rest = re.sub(pattern, " ", rest)
    criteria.ignored = [w for w in re.findall(r"[\w-]+", rest) if w not in _FILLER]
    return criteria


@dataclass
class Match:
    account: m.Account
    contact: m.Contact
    matched: list[str]
    score: float

    @property
    def label(self) -> str:
        title = f" ({self.contact.title})" if self.contact.title else ""
        return f"{self.contact.name}{title} at {self.account.name}: {', '.join(self.matched)}"


def candidates(unit: Unit, criteria: Criteria, skip_contacts: set[int] = frozenset(), limit: int = 5) -> list[Match]:
    """Advocates who agreed to reference calls (consent in force), matching at least one criterion, within fatigue
    limits, best first."""
    config = unit.core.config
    repo = unit.repo
    today = unit.now.astimezone(config.tz).date()
    busy = sq.busy_reference_contacts(repo) | set(skip_contacts)
    pool = sq.consenting_advocates(repo, today)
    pool = [c for c in pool if c.contact.id not in busy and ConsentChannel.REFERENCES.value in c.channels]
    if not pool:
        return []
    account_ids = {c.account.id for c in pool}
    start, end = quarter_bounds(unit.now, config.tz)
    used = sq.asks_in(repo, AskType.REFERENCE_CALL, start, end, account_ids)
    cap = config.fatigue.per_quarter.get(AskType.REFERENCE_CALL)
    last = sq.last_asks_to_contacts(repo, [c.contact.id for c in pool])
    since = unit.now - timedelta(days=config.fatigue.cooldown_days)
    signals = sq.load_signals(repo, account_ids)
    profile = scoring.Profile(config)
    found = []
    for entry in pool:
        account, contact = entry.account, entry.contact
        sig = signals.get(account.id)
        if cap is not None and used.get(account.id, 0) >= cap:
            continue
        if last.get(contact.id) and last[contact.id] > since:
            continue
        if sig and sig.nps is not None and sig.nps <= scoring.DETRACTOR_MAX and not scoring.is_turnaround(sig):
            continue
        values = {"segment": account.segment, "industry": account.industry, "region": account.region,
                  "role": contact.role}
        matched = [values[dim] for dim, wanted in criteria.wanted.items() if values[dim].casefold() in wanted]
        if matched:
            score = scoring.values([sig], profile, unit.now)[0] if sig else 0.0
            found.append(Match(account, contact, matched, score))
    found.sort(key=lambda x: (-len(x.matched), -x.score, used.get(x.account.id, 0), x.contact.id))
    return found[:limit]


@dataclass(kw_only=True)
class Proposal(Outcome):
    request: m.ReferenceRequest
    matches: list[Match]


def _approval_card(request: m.ReferenceRequest, match: Match, seller: str) -> cards.Card:
    opp = f" (opportunity {request.opportunity_id})" if request.opportunity_id else ""
    value = str(request.id)
    return cards.notice(f"Reference request: {match.contact.name} at {match.account.name}",
                        f"{seller} asks for a reference{opp}: {request.criteria}",
                        f"Why them: matches {', '.join(match.matched)}; score {match.score:.1f}.",
                        "Approve if the customer is happy to take one call; the quarterly limit counts it.",
                        buttons=[Button("Approve", "reference.approve", value, "primary"),
                                 Button("Decline", "reference.decline", value)])


def request_reference(core: Core, actor: Actor, text: str) -> Proposal:
    """Parse the seller's criteria, propose ranked matches, and ask the top match's owner to approve."""
    require_role(actor, core.config, Role.SALES, Role.SUCCESS, Role.MARKETING, doing="request customer references")
    text = " ".join(text.split())
    if not text or len(text) > 500:
        raise InvalidInput("Describe the reference you need in up to 500 characters, e.g. "
                           "'fintech, enterprise, EMEA, for opp 123'.", field="text")
    with core.unit() as unit:
        vocabulary = sq.vocabulary(unit.repo)
        criteria = parse_criteria(text, vocabulary)
        if not criteria.wanted:
            known = ", ".join(sorted(vocabulary["industry"] | vocabulary["segment"] | vocabulary["region"])[:15])
            raise InvalidInput(f"I could not find an industry, segment, region or role in that. Try e.g. "
                               f"'fintech, enterprise, EMEA, for opp 123'. Known: {known}.", field="text")
        matches = candidates(unit, criteria)
        if not matches:
            raise NotFound(f"No consenting advocate matches {criteria.words} within the ask limits right now. "
                           "Try fewer criteria, or ask marketing for a published story instead.")
        top = matches[0]
        request = unit.repo.add(m.ReferenceRequest(
            requested_by=actor.key, criteria=text, opportunity_id=criteria.opportunity_id,
            account_id=top.account.id, contact_id=top.contact.id, created_at=unit.now))
        unit.audit("reference", request.id, "requested", actor.key, to_state=request.state.value,
                   by_name=actor.display, proposed=[x.label for x in matches])
        unit.emit(Effect("dm", _approval_card(request, top, actor.display), person=top.account.owner))
    others = "; ".join(x.label for x in matches[1:])
    message = (f"Asked the account owner, by direct message, to approve {top.label}."
               + (f" Other matches: {others}." if others else "")
               + (f" Ignored: {', '.join(criteria.ignored)}." if criteria.ignored else ""))
    return Proposal.of(unit, message, request=request, matches=matches)


def _load(unit: Unit, request_id: int) -> tuple[m.ReferenceRequest, m.Account, m.Contact | None]:
    request = load(unit, m.ReferenceRequest, request_id, "reference request")
    return request, unit.repo.get(m.Account, request.account_id), unit.repo.get(m.Contact, request.contact_id)


def approve_reference(core: Core, actor: Actor, request_id: int) -> Outcome:
    """The owner agrees: it counts as a reference-call ask (quarterly limit, cooldown); the seller hears who."""
    with core.unit() as unit:
        request, account, contact = _load(unit, request_id)
        require_account_owner(unit, actor, account.owner, "approve this reference")
        transition(unit, request, "reference", (ReferenceState.OPEN,), ReferenceState.APPROVED, actor, "approved",
                   {"decided_by": actor.key, "decided_at": unit.now})
        check_fatigue(unit, account, AskType.REFERENCE_CALL)
        expires = unit.now + timedelta(days=core.config.nudges.ask_expire_days)
        ask = unit.repo.add(m.Ask(account_id=account.id, contact_id=request.contact_id,
                                  ask_type=AskType.REFERENCE_CALL, state=AskState.SENT, owner=account.owner,
                                  created_by=actor.key, token_nonce=new_nonce(), sent_at=unit.now,
                                  expires_at=expires, created_at=unit.now,
                                  text=f"Reference call for {request.criteria}"))
        unit.audit("ask", ask.id, "sent", actor.key, to_state=AskState.SENT.value, reference_request=request.id)
        who = f"{contact.name} ({contact.email})" if contact and contact.email else (contact.name if contact else "")
        unit.emit(Effect("dm", cards.notice(f"Reference approved: {account.name}",
                                            f"{actor.display} approved a call with {who}. They will introduce you.",
                                            "Record how it went when it is done.",
                                            buttons=[Button("Record outcome", "reference.complete", str(request.id),
                                                            "primary")]), person=request.requested_by))
    return Outcome.of(unit, f"Approved. {account.name}'s reference call counts towards this quarter's limit.")


def decline_reference(core: Core, actor: Actor, request_id: int, reason: str = "") -> Outcome:
    """The owner (or the customer, through the owner) says no; the seller hears why and who else matches."""
    reason = reason.strip()[:500]
    with core.unit() as unit:
        request, account, contact = _load(unit, request_id)
        require_account_owner(unit, actor, account.owner, "decline this reference")
        was = request.state
        transition(unit, request, "reference", (ReferenceState.OPEN, ReferenceState.APPROVED), ReferenceState.DECLINED,
                   actor, "declined",
                   {"decided_by": actor.key, "decided_at": unit.now}, reason=reason)
        if was == ReferenceState.APPROVED:
            ask = sq.open_reference_ask(unit.repo, account.id, request.contact_id)
            if ask:
                transition(unit, ask, "ask", (AskState.SENT,), AskState.DECLINED, actor, "declined", reason=reason)
        criteria = parse_criteria(request.criteria, sq.vocabulary(unit.repo))
        others = candidates(unit, criteria, skip_contacts={request.contact_id} if request.contact_id else set())
        lines = [f"Reason: {reason}" if reason else "",
                 ("Other matches: " + "; ".join(x.label for x in others) + ". Ask again to approach one.")
                 if others else "No other consenting advocate matches right now."]
        unit.emit(Effect("dm", cards.notice(f"Reference declined: {account.name}", *lines),
                         person=request.requested_by))
    return Outcome.of(unit, "Declined. The seller has been told.")


def complete_reference(core: Core, actor: Actor, request_id: int, outcome: str) -> Outcome:
    """The call happened: record the outcome (the seller, the owner or an admin)."""
    outcome = outcome.strip()
    if not outcome or len(outcome) > 500:
        raise InvalidInput("Say how the call went in up to 500 characters.", field="outcome")
    with core.unit() as unit:
        request, account, _ = _load(unit, request_id)
        allowed = is_owner(actor, request.requested_by) or is_owner(actor, account.owner) \
            or Role.ADMIN in roles_of(actor, core.config)
        if not allowed:
            raise NotAllowed("Only the seller who asked, the account owner or an admin can record the outcome.")
        transition(unit, request, "reference", (ReferenceState.APPROVED,), ReferenceState.COMPLETED, actor,
                   "completed", outcome=outcome)
        ask = sq.open_reference_ask(unit.repo, account.id, request.contact_id)
        if ask:
            transition(unit, ask, "ask", (AskState.SENT,), AskState.RESPONDED, actor, "responded",
                       {"responded_at": unit.now})
        unit.emit(Effect("dm", cards.notice(f"Reference call done: {account.name}", clip(outcome, 500),
                                            "Thank the advocate for their time."), person=account.owner))
    return Outcome.of(unit, "Outcome recorded. Thank you.")
