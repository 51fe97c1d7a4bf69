"""Neutral cards for each moment of the pipeline; the adapters render them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from storage import models as m
from workflows.effects import Button, Card, Fact
from workflows.states import NominationState, StoryState, label
from workflows.text import day_label, metric_text, stamp


def _who(account: m.Account, contact: m.Contact | None) -> str:
    if contact:
        title = f", {contact.title}" if contact.title else ""
        return f"{contact.name}{title} at {account.name}"
    return account.name


def win_outcome(win: m.Win) -> str:
    metric = metric_text(win.metric_value, win.metric_unit)
    return f"{label(win.outcome_type)}: {metric}" if metric else label(win.outcome_type)


def win_celebration(win: m.Win, account: m.Account, contact: m.Contact | None) -> Card:
    facts = [Fact("Outcome", win_outcome(win)), Fact("Flagged by", win.flagged_by_name or win.flagged_by)]
    if win.source_link:
        facts.append(Fact("Source", win.source_link))
    return Card(title=f"Customer win: {_who(account, contact)}", body=[win.story], facts=facts)


def nomination_card(nom: m.Nomination, account: m.Account, contact: m.Contact | None, win: m.Win | None,
                    recent_asks: list[m.Ask], tz: ZoneInfo, weak_below: float, note: str = "") -> Card:
    share = nom.score / nom.max_score if nom.max_score else 0
    strength = "weak" if share < weak_below else ("strong" if share >= 0.7 else "moderate")
    facts = [Fact("Score", f"{nom.score:.1f} of {nom.max_score:.0f} ({strength})"),
             Fact("Why", "; ".join(nom.reasons) or "no signals recorded yet"),
             Fact("Owner", nom.owner or "unassigned", person=nom.owner)]
    if win:
        facts.append(Fact("Win", win_outcome(win)))
    if recent_asks:
        facts.append(Fact("Last asks", ", ".join(
            f"{label(a.ask_type)} ({a.state.value}, {day_label(a.created_at, tz)})" for a in recent_asks)))
    if nom.alternatives:
        facts.append(Fact("Also fits", ", ".join(nom.alternatives)))
    buttons: list[Button] = []
    if nom.state in (NominationState.PROPOSED, NominationState.SNOOZED):
        value = str(nom.id)
        buttons = [Button("Ask", "nomination.ask", value, "primary"),
                   Button("Not now", "nomination.dismiss", value),
                   Button("Snooze", "nomination.snooze", value)]
    if nom.state == NominationState.SNOOZED and nom.snoozed_until and not note:
        note = f"Snoozed until {day_label(nom.snoozed_until, tz)}"
    body = [win.story] if win and win.story else []
    return Card(title=f"Advocate nomination: {_who(account, contact)}", body=body, facts=facts,
                buttons=buttons, note=note)


def consent_summary(consent: m.Consent | None, tz: ZoneInfo) -> str:
    if consent is None:
        return "no consent recorded"
    if consent.withdrawn_at:
        return f"withdrawn on {day_label(consent.withdrawn_at, tz)}"
    scope = ", ".join(consent.scope) or "nothing"
    where = ", ".join(consent.channels) or "nowhere"
    until = f" until {consent.expires_on:%d %b %Y}" if consent.expires_on else ""
    review = "; wants to review before publishing" if consent.review_before_publish else ""
    return f"may publish {scope}; in {where}{until}{review}"


def review_card(story: m.Story, account: m.Account, contact: m.Contact | None, consent: m.Consent | None,
                tz: ZoneInfo, note: str = "") -> Card:
    body = [part for part in (story.title, story.body) if part]  # a review's headline, then its text
    for heading, text in (("Goal", story.goal), ("What changed", story.change), ("Result", story.result)):
        if text:
            body.append(f"{heading}: {text}")
    facts = [Fact("Kind", label(story.ask_type)), Fact("Consent", consent_summary(consent, tz))]
    if story.metrics:
        facts.append(Fact("Metrics", story.metrics))
    if story.rating:
        facts.append(Fact("Rating", f"{story.rating} of 5 stars"))
    if story.preferred_time:
        proposed = f"; proposed {stamp(story.call_at, tz)}" if story.call_at else ""
        facts.append(Fact("Call time", f"{story.preferred_time}{proposed}"))
    if story.written_up_at:
        facts.append(Fact("Written up", "from a call; the customer approves the final version"))
    if story.revision:
        facts.append(Fact("Revised", f"{_times(story.revision)}. {story.revision_note}"))
    if story.customer_note and story.state == StoryState.IN_REVIEW:
        facts.append(Fact("The customer asked", story.customer_note))
    if story.state == StoryState.AWAITING_CUSTOMER:
        since = f" since {day_label(story.awaiting_since, tz)}" if story.awaiting_since else ""
        facts.append(Fact("Status", f"waiting for the customer{since}"))
    value = str(story.id)
    buttons: list[Button] = []
    if story.state == StoryState.IN_REVIEW:
        buttons = [Button("Approve", "review.approve", value, "primary"),
                   Button("Request changes", "review.changes", value),
                   Button("Reject", "review.reject", value, "danger")]
    elif story.state in (StoryState.APPROVED, StoryState.PUBLISHED):
        buttons = [Button("Publish", "story.publish", value, "primary")]
    return Card(title=f"Story for review: {_who(account, contact)}", body=body, facts=facts,
                buttons=buttons, note=note)


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def decision_note(verb: str, who: str, when, tz: ZoneInfo, reason: str = "") -> str:
    text = f"{verb} by {who} on {stamp(when, tz)}"
    return f"{text}. Reason: {reason}" if reason else text


def notice(title: str, *lines: str, buttons: list[Button] | None = None) -> Card:
    """A short message to a person or channel."""
    return Card(title=title, body=[line for line in lines if line], buttons=buttons or [])
