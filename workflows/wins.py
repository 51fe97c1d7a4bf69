"""Flagging a customer win, and the nomination it produces."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from storage import models as m
from workflows import cards
from workflows.actors import Actor
from workflows.core import Core, Unit
from workflows.effects import Effect
from workflows.errors import AlreadyDone, InvalidInput, NotFound
from workflows.identification import nominate
from workflows.outcome import Outcome
from workflows.states import OutcomeType, WinSource
from workflows.text import looks_like_email

STORY_MAX = 3000


class WinForm(BaseModel):
    """What the person flagging a win states."""

    model_config = ConfigDict(str_strip_whitespace=True)

    account_id: int | None = None
    account_name: str = Field("", title="Account", max_length=200, json_schema_extra={"kind": "account"})
    contact_name: str = Field("", title="Contact", max_length=200,
                              json_schema_extra={"placeholder": "Name at the customer"})
    contact_email: str = Field("", title="Contact email", max_length=254)
    contact_title: str = Field("", title="Contact title", max_length=200)
    outcome_type: OutcomeType = Field(OutcomeType.OTHER, title="Outcome", json_schema_extra={"initial": "time_saved"})
    metric_value: float | None = Field(None, title="Metric",
                                       json_schema_extra={"hint": "The number, e.g. 2 (hours a week saved)"})
    metric_unit: str = Field("", title="Metric unit", max_length=64, json_schema_extra={"placeholder": "hours/week"})
    story: str = Field(..., title="What happened", min_length=1, max_length=STORY_MAX, json_schema_extra={
        "kind": "long_text", "placeholder": "The customer's result, in a sentence or two"})
    source: WinSource = WinSource.COMMAND
    source_link: str = Field("", max_length=1000)
    event_key: str = Field("", max_length=300)  # the chat event or form id: a redelivery records nothing twice

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not looks_like_email(value):
            raise ValueError("is not an email address")
        return value.lower()


def parse_win_form(data: dict) -> WinForm:
    """Validate raw form data, naming the field at fault."""
    try:
        form = WinForm.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else ""
        message = err["msg"]
        if err["type"] == "missing" or (err["type"] == "string_too_short" and field == "story"):
            message = "is required"
        name = WinForm.model_fields[field].title if field in WinForm.model_fields else None
        raise InvalidInput(f"{name or field.replace('_', ' ').capitalize()} {message}.", field=field) from None
    if form.account_id is None and not form.account_name:
        raise InvalidInput("Account is required: pick one or type a new name.", field="account_name")
    return form


@dataclass(kw_only=True)
class WinOutcome(Outcome):
    win: m.Win
    account: m.Account
    nomination: m.Nomination | None
    excluded_because: str | None


def _account(unit: Unit, form: WinForm, actor: Actor) -> m.Account:
    repo = unit.repo
    if form.account_id is not None:
        account = repo.get(m.Account, form.account_id)
        if account is None:
            raise NotFound("That account no longer exists. Pick another or type its name.")
        return account
    account = repo.account_by_name(form.account_name)
    if account is None:
        # Two people may name the same new account at once: one insert wins, the other reads it.
        new_id = repo.claim_once(m.Account, {"name": form.account_name, "name_key": form.account_name.casefold(),
                                             "owner": actor.key, "created_at": unit.now, "segment": "",
                                             "industry": "", "region": "", "opted_out": False}, ["name_key"])
        if new_id is not None:
            unit.audit("account", new_id, "created", actor.key, to_state="active", owner=actor.key)
        account = repo.account_by_name(form.account_name)
    return account


def _contact(unit: Unit, form: WinForm, account: m.Account, actor: Actor) -> m.Contact | None:
    if not (form.contact_email or form.contact_name):
        return None
    contact = unit.repo.find_contact(account.id, form.contact_email, form.contact_name)
    if contact is None and form.contact_email and form.contact_name:
        contact = unit.repo.find_contact(account.id, name=form.contact_name)
    if contact is None:
        contact = unit.repo.add(m.Contact(account_id=account.id, name=form.contact_name or form.contact_email,
                                          email=form.contact_email or None, title=form.contact_title,
                                          created_at=unit.now))
        unit.audit("contact", contact.id, "created", actor.key)
    return contact


def flag_win(core: Core, actor: Actor, form: WinForm, event_key: str = "") -> WinOutcome:
    """Record a win, celebrate it in the wins channel, and nominate the customer unless a hard rule excludes them.

    `event_key` (the chat platform's event or view id) makes a retried delivery a no-op.
    """
    with core.unit() as unit:
        if event_key and not unit.repo.claim_event("win", event_key, unit.now):
            raise AlreadyDone("This win was already recorded.")
        account = _account(unit, form, actor)
        contact = _contact(unit, form, account, actor)
        win = unit.repo.add(m.Win(
            account_id=account.id, contact_id=contact.id if contact else None, outcome_type=form.outcome_type,
            metric_value=form.metric_value, metric_unit=form.metric_unit, story=form.story, source=form.source,
            source_link=form.source_link, flagged_by=actor.key, flagged_by_name=actor.display,
            created_at=unit.now))
        unit.audit("win", win.id, "flagged", actor.key, to_state="flagged", source=form.source.value)
        unit.emit(Effect("post", cards.win_celebration(win, account, contact), purpose="wins"))
        nomination, why_not = nominate(unit, account, contact, win)
    if nomination:
        message = f"Win recorded for {account.name}. Nominated as an advocate (score {nomination.score:.1f})."
    else:
        message = f"Win recorded for {account.name}. Not nominated: {why_not}."
    return WinOutcome.of(unit, message, win=win, account=account, nomination=nomination, excluded_because=why_not)
