"""Data in: CSV imports of accounts, contacts and signals, and the same rows pushed by survey and CRM webhooks.

Every write is an upsert on a natural key, so importing a file again (or a retried webhook) changes nothing.
An empty CSV cell leaves the stored value as it is.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import IO, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from storage import models as m
from storage import signals as sq
from workflows import closeloop
from workflows.core import Core, Unit
from workflows.errors import InvalidInput
from workflows.identification import sweep_unit
from workflows.sales import OpportunityRow, upsert_opportunity
from workflows.scoring import PROMOTER
from workflows.text import looks_like_email


class RowError(InvalidInput):
    """One row cannot be applied; the message says why."""


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _email(value: str | None) -> str | None:
    if value and not looks_like_email(value):
        raise ValueError("is not an email address")
    return value.lower() if value else value


class AccountRow(_Row):
    crm_id: str | None = Field(None, min_length=1, max_length=64)
    name: str | None = Field(None, min_length=1, max_length=200)
    segment: str = Field("", max_length=64)
    industry: str = Field("", max_length=64)
    region: str = Field("", max_length=64)
    owner: str = Field("", max_length=200)  # success manager: email or chat user id
    opted_out: bool = False

    @model_validator(mode="after")
    def _key(self) -> AccountRow:
        if not (self.crm_id or self.name):
            raise ValueError("give crm_id or name")
        return self


class ContactRow(_Row):
    account: str = Field(..., min_length=1, max_length=200)  # the account's crm_id or exact name
    email: str = Field(..., min_length=3, max_length=254)
    name: str | None = Field(None, min_length=1, max_length=200)
    title: str = Field("", max_length=200)
    role: str = Field("", max_length=64)
    opted_out: bool = False

    check_email = field_validator("email")(_email)


class NpsRow(_Row):
    response_id: str = Field("", max_length=120)
    account: str = Field(..., min_length=1, max_length=200)
    contact_email: str = Field("", max_length=254)
    contact_name: str = Field("", max_length=200)
    score: int = Field(..., ge=0, le=10)
    responded_at: datetime  # a date alone means midnight in the program's timezone
    comment: str = Field("", max_length=2000)

    check_email = field_validator("contact_email")(_email)


class UsageRow(_Row):
    account: str = Field(..., min_length=1, max_length=200)
    measured_on: date
    active_users: int = Field(0, ge=0)
    usage_percentile: float = Field(0, ge=0, le=100)
    time_to_value_days: int | None = Field(None, ge=0)


class SupportRow(_Row):
    account: str = Field(..., min_length=1, max_length=200)
    measured_on: date
    open_tickets: int = Field(0, ge=0)
    open_escalations: int = Field(0, ge=0)
    csat: float | None = Field(None, ge=0, le=100)


class NpsEvent(NpsRow):
    """POST /webhooks/nps: one survey answer, with the sender's event id."""

    event_id: str = Field(..., min_length=1, max_length=200)


class AccountEvent(AccountRow):
    """POST /webhooks/accounts: one account created or changed in the CRM, with the sender's event id."""

    event_id: str = Field(..., min_length=1, max_length=200)


def validation_message(exc: ValidationError) -> str:
    """'score: Input should be less than or equal to 10' (every problem, joined)."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        message = "is required" if err["type"] == "missing" else err["msg"]
        if err["type"] == "extra_forbidden":
            message = "is not a known field"
        elif err["type"].startswith(("date", "datetime")):
            message = "use a date like 2026-11-03 or a time like 2026-11-03T09:30:00Z"
        parts.append(f"{where}: {message}" if where else message.removeprefix("Value error, "))
    return "; ".join(p.replace("Value error, ", "") for p in parts)


# applying one row ----------------------------------------------------------------
def _find_account(unit: Unit, ref: str) -> m.Account:
    account = unit.repo.account_by_crm(ref) or unit.repo.account_by_name(ref)
    if account is None:
        raise RowError(f"unknown account {ref!r} (import accounts first, by crm_id or name)")
    return account


def _apply(obj, values: dict[str, Any]) -> bool:
    """Set changed attributes; True if anything changed."""
    changed = {k: v for k, v in values.items() if getattr(obj, k) != v}
    for key, value in changed.items():
        setattr(obj, key, value)
    return bool(changed)


def upsert_account(unit: Unit, row: AccountRow, source: str) -> tuple[m.Account, str]:
    repo = unit.repo
    account = (repo.account_by_crm(row.crm_id) if row.crm_id else None) or \
        (repo.account_by_name(row.name) if row.name else None)
    values = row.model_dump(exclude_unset=True, exclude={"name", "event_id"})
    if row.name:
        clash = repo.account_by_name(row.name)
        if clash is not None and account is not None and clash.id != account.id:
            raise RowError(f"another account is already named {row.name!r}")
        values |= {"name": row.name, "name_key": row.name.casefold()}
    if account is None:
        if not row.name:
            raise RowError(f"unknown crm_id {row.crm_id!r}: a new account needs a name")
        account = repo.add(m.Account(created_at=unit.now, **values))
        unit.audit("account", account.id, "created", source, owner=account.owner)
        return account, "created"
    if account.crm_id and row.crm_id and account.crm_id != row.crm_id:
        raise RowError(f"{account.name!r} already has crm_id {account.crm_id!r}")
    if not _apply(account, values):
        return account, "unchanged"
    repo.add(account)
    unit.audit("account", account.id, "updated", source, fields=sorted(values))
    return account, "updated"


def upsert_contact(unit: Unit, row: ContactRow, source: str) -> tuple[m.Contact, str]:
    account = _find_account(unit, row.account)
    contact = unit.repo.find_contact(account.id, email=row.email)
    values = row.model_dump(exclude_unset=True, exclude={"account"})
    if contact is None:
        if not row.name:
            raise RowError(f"a new contact needs a name ({row.email})")
        contact = unit.repo.add(m.Contact(account_id=account.id, created_at=unit.now, **values))
        unit.audit("contact", contact.id, "created", source)
        return contact, "created"
    if not _apply(contact, values):
        return contact, "unchanged"
    unit.repo.add(contact)
    return contact, "updated"


def _moment(value: datetime, unit: Unit) -> datetime:
    moment = value if value.tzinfo else value.replace(tzinfo=unit.core.config.tz)
    if moment > unit.now + timedelta(days=1):
        raise RowError("responded_at is in the future")
    return moment


def upsert_nps(unit: Unit, row: NpsRow, source: str) -> tuple[m.NpsResponse, str]:
    account = _find_account(unit, row.account)
    responded_at = _moment(row.responded_at, unit)
    contact = None
    if row.contact_email:
        contact = unit.repo.find_contact(account.id, email=row.contact_email)
        if contact is None:
            contact = unit.repo.add(m.Contact(account_id=account.id, name=row.contact_name or row.contact_email,
                                              email=row.contact_email, created_at=unit.now))
            unit.audit("contact", contact.id, "created", source)
    key = row.response_id or "auto:" + hashlib.sha256(
        f"{account.id}|{row.contact_email}|{responded_at.timestamp()}".encode()).hexdigest()[:40]
    existing = sq.nps_by_external_id(unit.repo, key)
    values = {"account_id": account.id, "contact_id": contact.id if contact else None, "score": row.score,
              "comment": row.comment, "responded_at": responded_at}
    if existing is None:
        return unit.repo.add(m.NpsResponse(external_id=key, **values)), "created"
    if not _apply(existing, values):
        return existing, "unchanged"
    unit.repo.add(existing)
    return existing, "updated"


def _upsert_snapshot(unit: Unit, model, row: UsageRow | SupportRow) -> tuple[Any, str]:
    account = _find_account(unit, row.account)
    existing = sq.snapshot_on(unit.repo, model, account.id, row.measured_on)
    values = row.model_dump(exclude_unset=True, exclude={"account", "measured_on"})
    if existing is None:
        return unit.repo.add(model(account_id=account.id, measured_on=row.measured_on, **values)), "created"
    if not _apply(existing, values):
        return existing, "unchanged"
    unit.repo.add(existing)
    return existing, "updated"


# CSV files -----------------------------------------------------------------------
@dataclass(frozen=True)
class Kind:
    model: type[_Row]
    required: tuple[str, ...]
    key: tuple[str, ...]  # columns that identify a row; a repeat within one file is refused


KINDS: dict[str, Kind] = {
    "accounts": Kind(AccountRow, ("name",), ("crm_id", "name")),
    "contacts": Kind(ContactRow, ("account", "email"), ("account", "email")),
    "nps": Kind(NpsRow, ("account", "score", "responded_at"), ("response_id", "account", "contact_email",
                                                               "responded_at")),
    "usage": Kind(UsageRow, ("account", "measured_on"), ("account", "measured_on")),
    "support": Kind(SupportRow, ("account", "measured_on"), ("account", "measured_on")),
    "opportunities": Kind(OpportunityRow, ("opportunity_id",), ("opportunity_id",)),
}


def _apply_row(unit: Unit, kind: str, row: _Row, source: str):
    if kind == "accounts":
        return upsert_account(unit, row, source)
    if kind == "contacts":
        return upsert_contact(unit, row, source)
    if kind == "nps":
        return upsert_nps(unit, row, source)
    if kind == "opportunities":
        return upsert_opportunity(unit, row, source)
    return _upsert_snapshot(unit, m.UsageSnapshot if kind == "usage" else m.SupportSnapshot, row)


@dataclass
class ImportReport:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    close_loop_items: int = 0

    @property
    def summary(self) -> str:
        text = f"{self.kind}: {self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        if self.close_loop_items:
            text += f", {self.close_loop_items} close-the-loop item(s) opened"
        if self.errors:
            text += f"; {len(self.errors)} bad row(s) skipped"
        return text


def _header(kind: str, fieldnames: list[str] | None) -> None:
    spec = KINDS[kind]
    columns = [c.strip() for c in fieldnames or []]
    known = list(spec.model.model_fields)
    unknown = [c for c in columns if c not in known]
    missing = [c for c in spec.required if c not in columns]
    if not columns:
        raise InvalidInput("The file is empty: the first line must name the columns.", field="file")
    if unknown or missing:
        problems = ([f"unknown column(s) {', '.join(unknown)}"] if unknown else []) + \
                   ([f"missing column(s) {', '.join(missing)}"] if missing else [])
        raise InvalidInput(f"{'; '.join(problems)}. Columns for {kind}: {', '.join(known)}.", field="file")


def decode(data: bytes) -> str:
    """A CSV file's text: UTF-8, with or without a byte order mark (as Excel's "CSV UTF-8" writes it)."""
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body[:exc.start].count(b"\n") + 1
        raise InvalidInput(f"line {line} is not UTF-8 text, so nothing was imported; save the file as UTF-8 (in "
                           "Excel: Save As, \"CSV UTF-8 (Comma delimited)\") and import it again.",
                           field="file") from None


def import_csv(core: Core, kind: str, stream: IO[str], source: str = "import") -> ImportReport:
    """Import one CSV file in one transaction: good rows are applied, bad rows reported by line and skipped."""
    if kind not in KINDS:
        raise InvalidInput(f"Unknown kind {kind!r}: use one of {', '.join(KINDS)}.", field="kind")
    spec = KINDS[kind]
    reader = csv.DictReader(stream)
    _header(kind, reader.fieldnames)
    report = ImportReport(kind)
    seen: dict[tuple, int] = {}
    new_answers: list[m.NpsResponse] = []
    with core.unit() as unit:
        for raw in reader:
            line = reader.line_num
            try:
                if None in raw:
                    raise RowError("more cells than columns")
                cells = {k.strip(): v.strip() for k, v in raw.items() if v is not None and v.strip()}
                try:
                    row = spec.model.model_validate(cells)
                except ValidationError as exc:
                    raise RowError(validation_message(exc)) from None
                key = tuple(str(cells.get(c, "")).casefold() for c in spec.key)
                if key in seen:
                    raise RowError(f"repeats line {seen[key]} (same {', '.join(c for c in spec.key if cells.get(c))})")
                seen[key] = line
                obj, status = _apply_row(unit, kind, row, source)
            except InvalidInput as exc:  # RowError, or a value the row's own rules refuse
                report.errors.append((line, exc.message))
                continue
            setattr(report, status, getattr(report, status) + 1)
            if kind == "nps" and status == "created":
                new_answers.append(obj)
        unit.repo.session.flush()
        for answer in new_answers:
            if closeloop.on_nps(unit, answer):
                report.close_loop_items += 1
    return report


# webhooks ------------------------------------------------------------------------
def receive_nps(core: Core, event: NpsEvent) -> dict:
    """A survey tool pushed an answer: record it once per event id, run the detractor rule, and sweep a promoter."""
    with core.unit() as unit:
        if not unit.repo.claim_event("webhook:nps", event.event_id, unit.now):
            return {"status": "duplicate"}
        response, status = upsert_nps(unit, event, "webhook")
        result: dict[str, Any] = {"status": "processed", "nps_response_id": response.id, "change": status}
        if status == "created":
            item = closeloop.on_nps(unit, response)
            if item:
                result["close_loop_item_id"] = item.id
            elif response.score >= PROMOTER:
                report = sweep_unit(unit, [response.account_id], limit=1)
                if report.nominated:
                    result["nomination_id"] = report.nominated[0]
    return result


def receive_account(core: Core, event: AccountEvent) -> dict:
    """A CRM pushed an account: create or update it once per event id."""
    with core.unit() as unit:
        if not unit.repo.claim_event("webhook:accounts", event.event_id, unit.now):
            return {"status": "duplicate"}
        account, status = upsert_account(unit, event, "webhook")
        return {"status": "processed", "account_id": account.id, "change": status}
