"""Acting on nominations and running the ask: draft, send, decline, expire."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from storage import models as m
from workflows import cards
from workflows.actors import Actor
from workflows.core import Core, Unit
from workflows.effects import Effect
from workflows.errors import Conflict, InvalidInput
from workflows.guards import load, require_account_owner, transition
from workflows.links import new_nonce
from workflows.outcome import Outcome
from workflows.states import AskState, AskType, NominationState, label
from workflows.text import day_label, metric_text

OPEN_NOMINATION = (NominationState.PROPOSED, NominationState.SNOOZED)
DEFAULT_SNOOZE_DAYS = 14
SNOOZE_HOUR = 9  # a snooze ends at this hour, local time, on the chosen day


def refresh_nomination_card(unit: Unit, nom: m.Nomination, note: str) -> None:
    account = unit.repo.get(m.Account, nom.account_id)
    contact = unit.repo.get(m.Contact, nom.contact_id)
    win = unit.repo.get(m.Win, nom.win_id)
    config = unit.core.config
    card = cards.nomination_card(nom, account, contact, win, unit.repo.recent_asks(account.id), config.tz,
                                 config.scoring.weak_below, note=note)
    unit.emit(Effect("update", card, purpose="nominations", ref_key=f"nomination:{nom.id}"))


def dismiss(core: Core, actor: Actor, nomination_id: int) -> Outcome:
    """'Not now': the nomination leaves the queue."""
    with core.unit() as unit:
        nom = load(unit, m.Nomination, nomination_id, "nomination")
        require_account_owner(unit, actor, nom.owner, "act on this nomination")
        transition(unit, nom, "nomination", OPEN_NOMINATION, NominationState.DISMISSED, actor, "dismissed",
                   {"decided_by": actor.key, "decided_at": unit.now})
        refresh_nomination_card(unit, nom, cards.decision_note("Not now", actor.display, unit.now,
                                                                 core.config.tz))
    return Outcome.of(unit, "Nomination set aside.")


def default_snooze_day(now: datetime, tz) -> date:
    return (now + timedelta(days=DEFAULT_SNOOZE_DAYS)).astimezone(tz).date()


def snooze(core: Core, actor: Actor, nomination_id: int, day: date | None = None) -> Outcome:
    """Hide the nomination until 09:00 local time on a day (default two weeks on); the sweep brings it back."""
    with core.unit() as unit:
        tz = core.config.tz
        until = datetime.combine(day or default_snooze_day(unit.now, tz), time(SNOOZE_HOUR), tzinfo=tz)
        if until <= unit.now:
            raise InvalidInput("Pick a date in the future.", field="until")
        nom = load(unit, m.Nomination, nomination_id, "nomination")
        require_account_owner(unit, actor, nom.owner, "act on this nomination")
        transition(unit, nom, "nomination", (NominationState.PROPOSED,), NominationState.SNOOZED, actor,
                   "snoozed", {"snoozed_until": until}, until=until.isoformat())
        when = day_label(until, core.config.tz)
        refresh_nomination_card(unit, nom, f"Snoozed until {when} by {actor.display}")
    return Outcome.of(unit, f"Snoozed until {when}.")


def quarter_bounds(moment: datetime, tz) -> tuple[datetime, datetime]:
    local = moment.astimezone(tz)
    first_month = 3 * ((local.month - 1) // 3) + 1
    start = local.replace(month=first_month, day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if first_month == 10 else start.replace(month=first_month + 3)
    return start, end


def check_fatigue(unit: Unit, account: m.Account, ask_type: AskType) -> None:
    """Refuse an ask that exceeds the per-quarter cap for its type."""
    config = unit.core.config
    cap = config.fatigue.per_quarter.get(ask_type)
    if cap is None:
        return
    start, end = quarter_bounds(unit.now, config.tz)
    used = unit.repo.count_asks(account.id, ask_type, start, end)
    if used >= cap:
        raise Conflict(f"{account.name} already had {used} {label(ask_type).lower()} ask(s) this quarter "
                       f"(limit {cap}). Choose another kind of ask or wait until next quarter.")


def compose_ask_text(unit: Unit, ask_type: AskType, account: m.Account, contact: m.Contact | None,
                     win: m.Win | None, link: str, sender: str) -> str:
    config = unit.core.config
    template = config.template(ask_type)
    if win:
        outcome = metric_text(win.metric_value, win.metric_unit) or label(win.outcome_type).lower()
    else:  # an ask with no win behind it (a review campaign): no outcome to name in brackets
        outcome, template = "the results you reached", template.replace(" ({outcome})", "")
    text = template.format(contact=contact.name.split()[0] if contact else "there",
                           company=account.name, outcome=outcome, link=link, sender=sender)
    if ask_type in config.review_gating.public_review_types:
        text = f"{text.rstrip()}\n{config.review_gating.incentive_disclosure}"
    return text.strip()


@dataclass(kw_only=True)
class AskDraft(Outcome):
    ask: m.Ask
    text: str
    link: str


def draft_ask(core: Core, actor: Actor, nomination_id: int, ask_type: AskType) -> AskDraft:
    """Accept a nomination by drafting an ask: the text with outcome prompts and the customer's link."""
    with core.unit() as unit:
        nom = load(unit, m.Nomination, nomination_id, "nomination")
        require_account_owner(unit, actor, nom.owner, "ask this customer")
        account = unit.repo.get(m.Account, nom.account_id)
        contact = unit.repo.get(m.Contact, nom.contact_id)
        check_fatigue(unit, account, ask_type)
        transition(unit, nom, "nomination", OPEN_NOMINATION, NominationState.ACCEPTED, actor, "accepted",
                   {"decided_by": actor.key, "decided_at": unit.now}, ask_type=ask_type.value)
        nonce = new_nonce()
        ask = unit.repo.add(m.Ask(nomination_id=nom.id, account_id=account.id, contact_id=nom.contact_id,
                                  ask_type=ask_type, owner=nom.owner or actor.key, created_by=actor.key,
                                  token_nonce=nonce, created_at=unit.now))
        link = core.links.intake_url(ask.id, nonce, unit.now)
        ask.text = compose_ask_text(unit, ask_type, account, contact, unit.repo.get(m.Win, nom.win_id), link,
                                    actor.display)
        unit.repo.add(ask)
        unit.audit("ask", ask.id, "drafted", actor.key, to_state=AskState.DRAFTED.value, by_name=actor.display)
        refresh_nomination_card(unit, nom, f"{label(ask_type)} ask drafted by {actor.display}")
    return AskDraft.of(unit, f"{label(ask_type)} ask drafted. Send the text to your contact.", ask=ask,
                       text=ask.text, link=link)


def mark_sent(core: Core, actor: Actor, ask_id: int) -> Outcome:
    with core.unit() as unit:
        ask = load(unit, m.Ask, ask_id, "ask")
        require_account_owner(unit, actor, ask.owner, "send this ask")
        expires = unit.now + timedelta(days=core.config.nudges.ask_expire_days)
        transition(unit, ask, "ask", (AskState.DRAFTED,), AskState.SENT, actor, "sent",
                   {"sent_at": unit.now, "expires_at": expires})
        nom = unit.repo.get(m.Nomination, ask.nomination_id)
        if nom:
            refresh_nomination_card(unit, nom, f"{label(ask.ask_type)} ask sent by {actor.display}")
    return Outcome.of(unit, f"Marked as sent. The link stays valid until {day_label(expires, core.config.tz)}.")


def decline(core: Core, actor: Actor, ask_id: int, reason: str = "") -> Outcome:
    """The owner records that the customer said no."""
    with core.unit() as unit:
        ask = load(unit, m.Ask, ask_id, "ask")
        require_account_owner(unit, actor, ask.owner, "record this answer")
        record_decline(unit, ask, actor, reason)
    return Outcome.of(unit, "Recorded as declined. Thank you for asking respectfully.")


def record_decline(unit: Unit, ask: m.Ask, actor: Actor, reason: str = "") -> None:
    """The ask is declined (by the customer on their page, or recorded by the owner): no reminder follows,
    its link stops working, the cooldown counts from today, and the owner is told."""
    reason = reason.strip()[:500]
    transition(unit, ask, "ask", (AskState.DRAFTED, AskState.SENT), AskState.DECLINED, actor, "declined",
               {"declined_at": unit.now, "decline_reason": reason}, reason=reason)
    account = unit.repo.get(m.Account, ask.account_id)
    who = "They" if actor.platform == "web" else f"{actor.display} recorded that they"
    until = day_label(unit.now + timedelta(days=unit.core.config.fatigue.cooldown_days), unit.core.config.tz)
    unit.emit(Effect("dm", cards.notice(f"{account.name} declined the {label(ask.ask_type).lower()} ask",
                                        f"{who} said no thanks" + (f": {reason}" if reason else "."),
                                        f"No reminder will follow. They will not be asked again before {until}."),
                     person=ask.owner))
    nom = unit.repo.get(m.Nomination, ask.nomination_id)
    if nom:
        refresh_nomination_card(unit, nom, f"{label(ask.ask_type)} ask declined by the customer")
