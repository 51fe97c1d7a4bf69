"""A story call is a call: the owner holds it with an invitation, then writes it up as a draft story."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from storage import models as m
from workflows import cards
from workflows.actors import Actor, is_owner, roles_of
from workflows.core import Core, Unit
from workflows.effects import Button, Effect
from workflows.errors import InvalidInput, NotAllowed
from workflows.final import review_card, tell_owner
from workflows.guards import load, transition
from workflows.links import BadLink
from workflows.outcome import Outcome
from workflows.states import AskType, Role, StoryState
from workflows.text import stamp

if TYPE_CHECKING:
    from icalendar import vCalAddress

WRITE_UP = "call.write_up"
CALL_MINUTES = 15
TEXT_MAX = 3000


def is_call(ask_type: AskType, has_story: bool, preferred_time: str) -> bool:
    """A story call, or a customer who offered a call instead of writing (reference calls have their own flow)."""
    if ask_type == AskType.STORY_CALL:
        return True
    return ask_type != AskType.REFERENCE_CALL and bool(preferred_time) and not has_story


def wants_call_too(ask_type: AskType, has_story: bool, preferred_time: str) -> bool:
    """A customer who wrote their story and also asked for a call: the story goes to review, the call is held."""
    return has_story and bool(preferred_time) and ask_type not in (AskType.STORY_CALL, AskType.REFERENCE_CALL)


def call_task(unit: Unit, story: m.Story, write_up: bool = True) -> None:
    """Tell the owner to hold the call: the customer's proposed time, the invitation, and (when the call is the
    story) the write-up."""
    account = unit.repo.get(m.Account, story.account_id)
    contact = unit.repo.get(m.Contact, story.contact_id)
    who = f"{contact.name} at {account.name}" if contact else account.name
    tz = unit.core.config.tz
    proposed = [f"They suggest: {story.preferred_time}" if story.preferred_time else "",
                f"Proposed time: {stamp(story.call_at, tz)}" if story.call_at else ""]
    prep = [f"{heading}: {text}" for heading, text in (("Goal", story.goal), ("Result", story.result),
                                                         ("Numbers", story.metrics)) if text]
    invitation = Button("Download invitation (.ics)", "link.open", str(story.id),
                        url=unit.core.links.call_invitation_url(story.id, unit.now))
    if write_up:
        card = cards.notice(
            f"Story call with {who}", *proposed, *prep,
            "Download the invitation and send it from your calendar. After the call, write it up: the notes "
            "become a draft story, which the customer approves before anything is published.",
            buttons=[invitation, Button("Write up the call", WRITE_UP, str(story.id), "primary")])
    else:
        card = cards.notice(
            f"Call with {who}", *proposed,
            "They sent their story (it is with marketing for review) and would also like a 15-minute call. "
            "Download the invitation and send it from your calendar.", buttons=[invitation])
    tell_owner(unit, story.owner, card, "nominations")
    unit.audit("story", story.id, "call_requested", "customer", to_state=story.state.value)


def _start(story: m.Story, tz) -> datetime:
    """The proposed time, or 10:00 on the next working day (the owner moves it in their calendar)."""
    if story.call_at:
        return story.call_at
    day = (story.submitted_at or story.created_at).astimezone(tz).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(10), tzinfo=tz)


def _address(email: str, name: str) -> vCalAddress | None:
    if not email:
        return None
    from icalendar import vCalAddress

    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = name
    return address


def invitation(core: Core, token: str) -> bytes:
    """The call's invitation as an iCalendar file (RFC 5545), to import or send from any calendar."""
    with core.unit(read_only=True) as unit:
        story = unit.repo.get(m.Story, core.links.read_call(token, unit.now))
        if story is None or story.state == StoryState.WITHDRAWN:
            raise BadLink("This invitation is no longer available.")
        account = unit.repo.get(m.Account, story.account_id)
        contact = unit.repo.get(m.Contact, story.contact_id)
        consent = unit.repo.consent_for(story.id)
        email = (consent.signer_email if consent else "") or (contact.email if contact and contact.email else "")
        name = (consent.signer_name if consent else "") or (contact.name if contact else "")
        from icalendar import Calendar, Event  # loaded when an invitation is asked for, not at start

        calendar = Calendar()
        calendar.add("prodid", "-//Advocacy bot//story call//EN")
        calendar.add("version", "2.0")
        event = Event()
        event.add("uid", f"story-call-{story.id}@{urlsplit(core.links.public_url).hostname or 'advocacy'}")
        event.add("dtstamp", unit.now)
        start = _start(story, core.config.tz).astimezone(UTC)  # UTC needs no VTIMEZONE for calendars to read it
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=CALL_MINUTES))
        event.add("summary", f"{CALL_MINUTES}-minute story call: {account.name}")
        lines = [f"{name or 'The customer'} would like to tell their story in a short call."]
        if story.preferred_time:
            lines.append(f"They suggested: {story.preferred_time}")
        lines += [f"{heading}: {text}" for heading, text in (("Goal", story.goal), ("Result", story.result),
                                                               ("Numbers", story.metrics)) if text]
        event.add("description", "\n".join(lines))
        organizer = _address(story.owner if "@" in story.owner else "", "")
        calendar.add("method", "REQUEST" if organizer is not None else "PUBLISH")  # a request names who sends it
        if organizer is not None:
            event.add("organizer", organizer)
        if (attendee := _address(email, name)) is not None:
            attendee.params["role"] = "REQ-PARTICIPANT"
            attendee.params["rsvp"] = "TRUE"
            event.add("attendee", attendee)
        calendar.add_component(event)
        return calendar.to_ical()


class CallNotes(BaseModel):
    """The owner's write-up of the call: it becomes the draft story."""

    model_config = ConfigDict(str_strip_whitespace=True)

    title: str = Field("", max_length=200)
    body: str = Field(..., min_length=1, max_length=TEXT_MAX)
    goal: str = Field("", max_length=TEXT_MAX)
    change: str = Field("", max_length=TEXT_MAX)
    result: str = Field("", max_length=TEXT_MAX)
    metrics: str = Field("", max_length=500)


def _require_owner(actor: Actor, story: m.Story, core: Core, doing: str) -> None:
    if not is_owner(actor, story.owner) and Role.ADMIN not in roles_of(actor, core.config):
        raise NotAllowed(f"Only the story's owner ({story.owner or 'unassigned'}) can {doing}.")


def notes_prefill(core: Core, actor: Actor, story_id: int) -> dict[str, str]:
    """What the write-up form starts with: what the customer gave to prepare the call."""
    with core.unit(read_only=True) as unit:
        story = load(unit, m.Story, story_id, "story")
        _require_owner(actor, story, core, "write up this call")
        return {"title": story.title, "body": story.body, "goal": story.goal, "change": story.change,
                "result": story.result, "metrics": story.metrics}


def write_up(core: Core, actor: Actor, story_id: int, notes: CallNotes) -> Outcome:
    """The call's notes become a draft story: it goes to review, then to the customer to approve."""
    if not notes.body:
        raise InvalidInput("Write what the customer told you.", field="body")
    with core.unit() as unit:
        story = load(unit, m.Story, story_id, "story")
        _require_owner(actor, story, core, "write up this call")
        transition(unit, story, "story", (StoryState.CALL_PENDING,), StoryState.IN_REVIEW, actor, "written_up",
                   {**notes.model_dump(), "written_up_at": unit.now, "submitted_at": unit.now})
        note = (f"Written up by {actor.display} after a call on {stamp(unit.now, core.config.tz)}. "
                "The customer approves the final version before it is published.")
        unit.emit(Effect("post", review_card(unit, story, note), purpose="approvals", ref_key=f"story:{story.id}"))
    return Outcome.of(unit, "Sent to marketing for review. Once approved, you get a link for the customer to "
                            "approve it.")
