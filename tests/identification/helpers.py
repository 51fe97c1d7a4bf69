"""Building accounts with signals for identification tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage import models as m
from workflows.links import new_nonce
from workflows.states import AskState, AskType


def customer(core, name: str, nps: int | None = 10, owner: str = "U0SUCCESS", contact: str = "",
             segment: str = "enterprise", industry: str = "fintech", region: str = "EMEA", role: str = "",
             days_ago: int = 3, **account) -> tuple[int, int | None]:
    """An account with one contact and (optionally) an NPS answer; returns (account id, contact id)."""
    with core.unit() as unit:
        repo = unit.repo
        acc = repo.add(m.Account(name=name, name_key=name.casefold(), segment=segment, industry=industry,
                                 region=region, owner=owner, created_at=unit.now, **account))
        person = repo.add(m.Contact(account_id=acc.id, name=contact or f"{name} Lead", role=role,
                                    email=f"lead@{name.lower().replace(' ', '')}.test", created_at=unit.now))
        if nps is not None:
            repo.add(m.NpsResponse(account_id=acc.id, contact_id=person.id, score=nps,
                                   responded_at=unit.now - timedelta(days=days_ago)))
        return acc.id, person.id


def add_contact(core, account_id: int, name: str, **extra) -> int:
    with core.unit() as unit:
        return unit.repo.add(m.Contact(account_id=account_id, name=name, created_at=unit.now,
                                       email=f"{name.split()[0].lower()}@x{account_id}.test", **extra)).id


def asked(core, account_id: int, contact_id: int | None, at: datetime, ask_type=AskType.SHORT_QUOTE,
          state=AskState.DECLINED) -> int:
    """An ask recorded at a moment (state other than drafted counts for fatigue)."""
    with core.unit() as unit:
        return unit.repo.add(m.Ask(account_id=account_id, contact_id=contact_id, ask_type=ask_type, state=state,
                                   owner="U0SUCCESS", token_nonce=new_nonce(), created_at=at)).id


def publish_story(core, account_id: int, contact_id: int | None, at: datetime,
                  channels=("website", "sales", "references")) -> int:
    """A published story with consent in force."""
    with core.unit() as unit:
        story = unit.repo.add(m.Story(account_id=account_id, contact_id=contact_id, state="published",
                                      owner="U0SUCCESS", published_at=at, approved_at=at, created_at=at))
        unit.repo.add(m.Consent(story_id=story.id, scope=["name"], channels=list(channels), signer_name="S",
                                view_token=new_nonce(), granted_at=at))
        return story.id
