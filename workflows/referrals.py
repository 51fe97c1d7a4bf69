"""Referral codes per advocate, the referrals they bring, and the revenue those referrals convert into."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from storage import models as m
from storage import referrals as q
from workflows import cards
from workflows.actors import Actor, require_role
from workflows.core import Core, Unit
from workflows.errors import InvalidInput, NotFound
from workflows.guards import load, transition
from workflows.links import BadLink
from workflows.states import AskType, ReferralState, Role
from workflows.final import tell_owner
from workflows.stories import open_ask, responded
from workflows.text import looks_like_email

CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (0/o, 1/l/i)
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def referral_url(core: Core, code: str) -> str:
    return f"{core.links.public_url}/r/{code}"


@dataclass
class ReferralLink:
    code: str
    url: str
    contact: m.Contact
    account: m.Account


def _ensure_code(unit: Unit, contact: m.Contact, by: str) -> str:
    existing = q.code_of(unit.repo, contact.id)
    if existing:
        return existing.code
    code = new_code()
    values = {"account_id": contact.account_id, "contact_id": contact.id, "code": code, "created_by": by,
              "created_at": unit.now}
    if unit.repo.claim_once(m.ReferralCode, values, ["contact_id"]) is None:
        return q.code_of(unit.repo, contact.id).code  # created at the same moment elsewhere
    unit.audit("contact", contact.id, "referral_code", by, code=code)
    return code


def referral_link(core: Core, actor: Actor, contact_email: str) -> ReferralLink:
    """The advocate's personal referral link, created on first use and the same ever after."""
    require_role(actor, core.config, Role.SUCCESS, Role.MARKETING, doing="hand out referral links")
    with core.unit() as unit:
        contact = q.contact_by_email(unit.repo, contact_email)
        if contact is None:
            raise NotFound(f"No contact with the email {contact_email.strip()} is known.")
        code = _ensure_code(unit, contact, actor.key)
        return ReferralLink(code, referral_url(core, code), contact, unit.repo.get(m.Account, contact.account_id))


@dataclass
class Referrer:
    contact_name: str
    account_name: str


def view_referrer(core: Core, code: str) -> Referrer:
    """Who a referral link belongs to, for the page; BadLink when the code is unknown."""
    with core.unit(read_only=True) as unit:
        row = q.by_code(unit.repo, code)
        if row is None:
            raise BadLink("This referral link is not valid. Check that it was copied in full.")
        contact = unit.repo.get(m.Contact, row.contact_id)
        return Referrer(contact.name.split()[0], unit.repo.get(m.Account, row.account_id).name)


class ReferralForm(BaseModel):
    """The team an advocate introduces."""

    model_config = ConfigDict(str_strip_whitespace=True)

    company: str = Field(..., min_length=1, max_length=200)
    contact_name: str = Field(..., min_length=1, max_length=200)
    contact_email: str = Field("", max_length=95)

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not looks_like_email(value):
            raise ValueError("Enter an email address like name@company.com, or leave it empty.")
        return value

    @property
    def referred_contact(self) -> str:
        return f"{self.contact_name} <{self.contact_email}>" if self.contact_email else self.contact_name


def record_referral(core: Core, code: str, form: ReferralForm) -> m.Referral:
    """A referral made through an advocate's link; the account owner is asked to follow up."""
    with core.unit() as unit:
        row = q.by_code(unit.repo, code)
        if row is None:
            raise BadLink("This referral link is not valid. Check that it was copied in full.")
        return _referred(unit, row.account_id, row.contact_id, code, form, "customer")


def answer_referral_ask(core: Core, token: str, form: ReferralForm) -> m.Referral:
    """A customer's answer to a referral ask: the team they introduce, recorded as a referral to follow up
    (never a story: nothing of it is published). The ask becomes responded."""
    with core.unit() as unit:
        ask = open_ask(unit, token)
        if ask.ask_type != AskType.REFERRAL:
            raise BadLink("This link is not valid. Check that it was copied in full.")
        customer = Actor(platform="web", user_id="customer")
        responded(unit, ask, customer)
        contact = unit.repo.get(m.Contact, ask.contact_id)
        code = _ensure_code(unit, contact, ask.owner) if contact else ""
        return _referred(unit, ask.account_id, ask.contact_id, code, form, customer.key, ask.owner)


def _referred(unit: Unit, account_id: int, contact_id: int | None, code: str, form: ReferralForm, by: str,
              owner: str = "") -> m.Referral:
    """Record the referral and ask the account's owner (or the wins channel) to follow up."""
    referral = unit.repo.add(m.Referral(
        account_id=account_id, contact_id=contact_id, code=code, referred_company=form.company,
        referred_contact=form.referred_contact, created_at=unit.now))
    unit.audit("referral", referral.id, "made", by, to_state=ReferralState.MADE.value)
    account = unit.repo.get(m.Account, account_id)
    contact = unit.repo.get(m.Contact, contact_id) if contact_id else None
    card = cards.notice(f"Referral from {account.name}: {form.company}",
                        f"{contact.name if contact else account.name} introduced {form.referred_contact} at "
                        f"{form.company}.",
                        f"Referral #{referral.id}. Thank them for their time; when the deal closes, record "
                        f"it with: advocacy-bot referral convert {referral.id} --amount <amount>")
    tell_owner(unit, owner or account.owner, card, "wins")
    return referral


def mark_converted(core: Core, actor: Actor, referral_id: int, amount: float) -> str:
    """The referred company became a customer: the amount counts as revenue influenced by advocacy."""
    require_role(actor, core.config, Role.SALES, Role.MARKETING, Role.LEADERSHIP, doing="record referral deals")
    if not 0 <= amount <= 1e12:
        raise InvalidInput("Enter the amount as a positive number.", field="amount")
    with core.unit() as unit:
        referral = load(unit, m.Referral, referral_id, "referral", typed=True)
        transition(unit, referral, "referral", (ReferralState.MADE,), ReferralState.CONVERTED, actor, "converted",
                   {"amount": amount, "converted_at": unit.now}, amount=amount)
    return f"Referral #{referral_id} ({referral.referred_company}) converted: {amount:,.0f}."


@dataclass
class ReferralTotals:
    made: int
    converted: int
    revenue: float


def referral_totals(core: Core, start: datetime, end: datetime) -> ReferralTotals:
    """Referrals made and converted in a period, and the revenue they brought (for digests)."""
    with core.unit(read_only=True) as unit:
        return ReferralTotals(*q.totals(unit.repo, start, end))
