"""The Teams surface: messages, card buttons, the message action and dialogs, translated into
workflow commands (run in a worker thread) and their results into Adaptive Cards."""

from __future__ import annotations

import asyncio
import html
import logging
import re
from datetime import date, datetime, time
from typing import Any, Awaitable, Callable

from bot.charts import digest_chart
from bot.teams import render
from bot.teams.conversations import Conversations, Roster
from bot.teams.transport import TeamsDeliveryError, TeamsSender, TurnInfo
from storage import emitted
from workflows import asks, closeloop, lookups, references, sales, stories, views, wins
from workflows.actors import Actor
from workflows.core import Core
from workflows.digest import build_digest, digest_card
from workflows.effects import Card
from workflows.errors import DomainError, InvalidInput
from workflows.gating import review_gating_note
from workflows.periods import containing, parse_period
from workflows.queue import my_queue
from workflows.states import AskType, PlacementChannel, RecognitionKind, WinSource

log = logging.getLogger(__name__)

STALE = "This card is out of date. Type help to start again."
Verb = Callable[[TurnInfo, Actor, dict], Awaitable[dict]]


def _id(data: dict) -> int:
    try:
        return int(data.get("id"))
    except (TypeError, ValueError):
        raise InvalidInput(STALE) from None


def _text(data: dict, key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _number(data: dict, key: str, name: str) -> float | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a number.", field=key) from None


def _choice(enum_cls, value: Any, name: str):
    try:
        return enum_cls(str(value))
    except ValueError:
        raise InvalidInput(f"Pick a {name} from the list.") from None


def event_key(ctx: TurnInfo, item_id: str | None = None) -> str:
    """A Teams message or activity id made unique across conversations (ids are only unique within one)."""
    return f"teams:{item_id or ctx.activity_id}@{ctx.conversation_id.split(';', 1)[0]}"[:200]


def html_text(content: str) -> str:
    """Teams message HTML as plain text (for prefilling a form)."""
    text = re.sub(r"<br\s*/?>|</p>|</div>|</li>", "\n", content or "", flags=re.IGNORECASE)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return re.sub(r"[ \t\xa0]+", " ", re.sub(r"\n\s*\n+", "\n", text)).strip()


class AdvocacyTeams:
    """Implements the transport's TeamsHandler for the advocacy workflows."""

    def __init__(self, core: Core, sender: TeamsSender, roster: Roster, conversations: Conversations):
        self.core = core
        self.sender = sender
        self.roster = roster
        self.conversations = conversations
        self.verbs: dict[str, Verb] = {
            "nomination.dismiss": self._dismiss, "nomination.snooze": self._snooze,
            "review.approve": self._approve, "review.changes": self._changes, "review.reject": self._reject,
            "story.publish": self._publish, "recognition.log": self._recognise, "proof.use": self._use_proof,
            "win.submit": self._win_from_card, "queue.open": self._open, "queue.show": self._queue,
            "reference.approve": self._approve_reference, "reference.decline": self._decline_reference,
            "reference.complete": self._complete_reference, "closeloop.resolve": self._resolve_close_loop,
        }

    async def _run(self, fn: Callable, *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    async def _actor(self, ctx: TurnInfo) -> Actor:
        email = await self.roster.email(ctx)
        return Actor(platform="teams", user_id=ctx.from_aad_object_id or ctx.from_id or "", email=email,
                     name=ctx.from_name or "")

    async def _reply(self, ctx: TurnInfo, activity: dict, attempts: int = 3) -> None:
        """Answer in the conversation (in the thread, for a channel), waiting out short rate limits."""
        for attempt in range(1, attempts + 1):
            try:
                await self.sender.send(ctx.conversation, activity)
                return
            except TeamsDeliveryError as exc:
                if not exc.retryable or attempt == attempts:
                    raise
                await asyncio.sleep(min(exc.retry_after or attempt, 5))

    async def _update_for_everyone(self, ctx: TurnInfo, content: dict) -> None:
        """Replace the clicked card for everyone (the invoke answer only changes the clicker's view)."""
        if not ctx.reply_to_id:
            return
        try:
            await self.sender.update(ctx.conversation, ctx.reply_to_id, render.message(content))
        except TeamsDeliveryError as exc:
            log.warning("Could not update the Teams card for everyone (%s)", exc.status)

    # messages -----------------------------------------------------------------------------------

    def _addressed(self, ctx: TurnInfo) -> bool:
        """Channel messages reach the bot without a mention (RSC); only answer when mentioned."""
        if ctx.conversation_type == "personal" or not ctx.channel_id:
            return True
        bot = (ctx.raw.get("recipient") or {}).get("id")
        return any(e.get("type") == "mention" and (e.get("mentioned") or {}).get("id") == bot
                   for e in ctx.raw.get("entities") or [] if isinstance(e, dict))

    async def on_message(self, ctx: TurnInfo) -> None:
        await self.conversations.remember(ctx)
        if not self._addressed(ctx) or not ctx.activity_id:
            return
        if not await self._run(lookups.first_delivery, self.core, "teams", event_key(ctx)):
            return  # a redelivery
        command, _, rest = html_text(ctx.text).partition(" ")
        command, rest = command.lower(), rest.strip()
        if command == "win":
            content = render.win_form({"story": rest[:wins.STORY_MAX]}, {"event": event_key(ctx)}, dialog=False)
        elif command == "proof":
            proofs = await self._run(sales.find_proof, self.core, rest)
            content = render.proof_card(rest, proofs, self.core.config.tz)
        elif command == "queue":
            content = await self._queue_card(await self._actor(ctx))
        elif command == "reference":
            content = await self._request_reference(await self._actor(ctx), rest)
        elif command == "digest":
            content = await self._digest(rest)
        elif command in ("help", "hi", "hello", ""):
            content = render.help_card(ctx.channel_id or "")
        else:
            content = render.help_card(ctx.channel_id or "", problem=f"I don't know \u201c{command}\u201d.")
        await self._reply(ctx, render.message(content))

    async def _request_reference(self, actor: Actor, criteria: str) -> dict:
        try:
            proposal = await self._run(references.request_reference, self.core, actor, criteria)
        except DomainError as refused:
            return render.notice("Reference request", refused.message)
        return render.notice("Reference requested", proposal.message)

    async def _queue_card(self, actor: Actor) -> dict:
        queue = await self._run(my_queue, self.core, actor)
        return render.queue_card(queue, actor.name.split(" ")[0] if actor.name else "")

    async def _digest(self, period_text: str) -> dict:
        tz = self.core.config.tz
        try:
            period = parse_period(period_text, tz) if period_text else containing(self.core.now(), tz)
        except DomainError as exc:
            return render.notice("Digest", exc.message, "Try: digest 2026-10 or digest 2026-Q3.")
        digest = await self._run(build_digest, self.core, period)
        card = digest_card(digest)
        card.image = await self._run(digest_chart, digest)
        return render.fitted(card)

    async def on_installed(self, ctx: TurnInfo) -> None:
        if await self.conversations.remember(ctx):
            await self._reply(ctx, render.message(render.help_card(ctx.channel_id or "")))

    # card buttons -------------------------------------------------------------------------------

    async def on_card_action(self, ctx: TurnInfo, verb: str, data: dict) -> dict:
        await self.conversations.remember(ctx)
        handle = self.verbs.get(verb)
        if handle is None:
            return {"message": "This button is no longer available. Type help to see what I can do."}
        actor = await self._actor(ctx)
        try:
            return await handle(ctx, actor, data)
        except DomainError as refused:
            return {"message": refused.message}

    async def _decided(self, ref_key: str, command: Callable[[], Any], current: Callable[[], Card],
                       extra: Callable[[Any], list[dict]] = lambda _: []) -> dict:
        """Run a decision; show the clicker the card everyone else gets from the outbox."""
        before = await self._run(emitted.last_id, self.core.engine)
        result = await self._run(command)
        posted = await self._run(emitted.card_since, self.core.engine, before, ref_key)
        card = Card.from_dict(posted) if posted else await self._run(current)
        if not posted and isinstance(result, str):
            card.note = result
        return render.card(card, extra=extra(result))

    def _nomination(self, nomination_id: int, command: Callable[[], Any]) -> Awaitable[dict]:
        return self._decided(f"nomination:{nomination_id}", command,
                             lambda: views.nomination_card(self.core, nomination_id))

    def _story(self, story_id: int, command: Callable[[], Any], extra=lambda _: []) -> Awaitable[dict]:
        return self._decided(f"story:{story_id}", command, lambda: views.review_card(self.core, story_id), extra)

    async def _dismiss(self, ctx: TurnInfo, actor: Actor, data: dict) -> dict:
        nomination_id = _id(data)
        return await self._nomination(nomination_id, lambda: asks.dismiss(self.core, actor, nomination_id))

    async def _snooze(self, ctx: TurnInfo, actor: Actor, data: dict) -> dict:
        nomination_id, until = _id(data), None
        if _text(data, "until"):
            try:
                day = date.fromisoformat(_text(data, "until"))
            except ValueError:
                raise InvalidInput("Pick the date from the calendar.", field="until") from None
            until = datetime.combine(day, time(9), tzinfo=self.core.config.tz)
        return await self._nomination(nomination_id, lambda: asks.snooze(self.core, actor, nomination_id, until))

    async def _approve(self, ctx: TurnInfo, actor: Actor, data: dict) -> dict:
        story_id = _id(data)
        return await self._story(story_id, lambda: stories.approve(self.core, actor, story_id))

    async def _changes(self, ctx: TurnInfo, actor: Actor, data: dict) -> dict:
        story_id, reason = _id(data), _text(data, "changes_reason")
        return await self._story(story_id, lambda: stories.request_changes(self.core, actor, story_id, reason))

    async def _reject(self, ctx: TurnInfo, actor: Actor, data: dict) -> dict:
        story_id, reason = _id(data), _text(data, "reject_reason")
        return await self._story(story_id, lambda: stories.reject(self.core, actor, story_id, reason))

    async def _publish(self, ctx: TurnInfo, actor: Actor, data: dict) -> dict:
        story_id = _id(data)
        channel = _choice(PlacementChannel, data.get("channel"), "place")
        url = _text(data, "url")
        return await self._story(
            story_id, lambda: stories.publish(self.core, actor, story_id, channel, url),
            lambda published: [render.fact("Tracked link", published.tracked_url)])

    async def _recognise(self, ctx: TurnInfo, actor: Actor, data: dict) -> dict:
        story_id = _id(data)
        kind = _choice(RecognitionKind, data.get("kind"), "thank-you")
        done = await self._run(sales.recognise, self.core, actor, story_id, kind, 0, _text(data, "note"))
        content = render.notice("Thank-you recorded", done)
        await self._update_for_everyone(ctx, content)
        return content

    async def _use_proof(self, ctx: TurnInfo, actor: Actor, data: dict) -> dict:
        story_id, query = _id(data), _text(data, "query")
        amount = _number(data, f"amount_{story_id}", "Amount")
        if amount is None:
            raise InvalidInput("Enter the amount of the opportunity.", field="amount")
        opportunity = _text(data, f"opportunity_{story_id}")
        done = await self._run(sales.record_deal_usage, self.core, actor, story_id, opportunity, amount)
        proofs = await self._run(sales.find_proof, self.core, query)
        content = render.proof_card(query, proofs, self.core.config.tz, note=f"{done} By {actor.display}.")
        await self._update_for_everyone(ctx, content)
        return content

    async def _settled(self, ctx: TurnInfo, title: str, command: Callable[[], str]) -> dict:
        """Run a decision on a card sent to one person; the card is replaced by the result (its buttons gone)."""
        content = render.notice(title, await self._run(command))
        await self._update_for_everyone(ctx, content)
        return content

    async def _approve_reference(self, ctx: TurnInfo, actor: Actor, data: dict) -> dict:
        request_id = _id(data)
        return await self._settled(ctx, "Reference approved",
                                   lambda: references.approve_reference(self.core, actor, request_id))

    async def _decline_reference(self, ctx: TurnInfo, actor: Actor, data: dict) -> dict:
        request_id, reason = _id(data), _text(data, "decline_reason")
        return await self._settled(ctx, "Reference declined",
                                   lambda: references.decline_reference(self.core, actor, request_id, reason))

    async def _complete_reference(self, ctx: TurnInfo, actor: Actor, data: dict) -> dict:
        request_id, outcome = _id(data), _text(data, "outcome")
        return await self._settled(ctx, "Reference outcome recorded",
                                   lambda: references.complete_reference(self.core, actor, request_id, outcome))

    async def _resolve_close_loop(self, ctx: TurnInfo, actor: Actor, data: dict) -> dict:
        item_id, note = _id(data), _text(data, "resolve_note")
        return await self._settled(ctx, "Loop closed",
                                   lambda: closeloop.resolve_close_loop(self.core, actor, item_id, note))

    async def _open(self, ctx: TurnInfo, actor: Actor, data: dict) -> dict:
        item_id = _id(data)
        if data.get("kind") == "nomination":
            await self._run(lookups.nomination_to_act_on, self.core, actor, item_id)
            card = await self._run(views.nomination_card, self.core, item_id)
        else:
            await self._run(lookups.story_for_marketing, self.core, actor, item_id, "review stories")
            card = await self._run(views.review_card, self.core, item_id)
        return render.card(card, actions=[render.execute("Back to queue", "queue.show", {})])

    async def _queue(self, ctx: TurnInfo, actor: Actor, data: dict) -> dict:
        return await self._queue_card(actor)

    # flagging a win -----------------------------------------------------------------------------

    async def _flag(self, actor: Actor, data: dict, key: str, source_link: str = "") -> str:
        values = {k: data.get(k) for k in render.WIN_FIELDS if data.get(k) not in (None, "")}
        form = wins.parse_win_form({**values, "source": WinSource.TEAMS, "source_link": source_link[:1000]})
        outcome = await self._run(lambda: wins.flag_win(self.core, actor, form, event_key=key))
        return outcome.message

    async def _win_from_card(self, ctx: TurnInfo, actor: Actor, data: dict) -> dict:
        try:
            message = await self._flag(actor, data, str(data.get("event") or event_key(ctx)))
        except InvalidInput as bad:
            return render.win_form(data, {"event": data.get("event")}, dialog=False, problem=bad.message)
        content = render.notice("Customer win recorded", message, f"Flagged by {actor.display}.")
        await self._update_for_everyone(ctx, content)
        return content

    async def on_message_action_fetch(self, ctx: TurnInfo, value: dict) -> dict:
        await self.conversations.remember(ctx)
        payload = value.get("messagePayload") if isinstance(value.get("messagePayload"), dict) else {}
        body = payload.get("body") if isinstance(payload.get("body"), dict) else {}
        story = html_text(str(body.get("content") or ""))[:wins.STORY_MAX]
        return self._dialog("Flag as customer win", render.win_form({"story": story}, {}, dialog=True), "large")

    async def on_message_action_submit(self, ctx: TurnInfo, value: dict) -> str | dict | None:
        await self.conversations.remember(ctx)
        payload = value.get("messagePayload") if isinstance(value.get("messagePayload"), dict) else {}
        data = value.get("data") if isinstance(value.get("data"), dict) else {}
        event = event_key(ctx, f"message:{payload['id']}" if payload.get("id") else None)
        return await self._flag_in_dialog(ctx, data, event, str(payload.get("linkToMessage") or ""))

    async def _flag_in_dialog(self, ctx: TurnInfo, data: dict, event: str, link: str = "") -> str | dict:
        actor = await self._actor(ctx)
        try:
            return await self._flag(actor, data, event, link)
        except InvalidInput as bad:
            keep = {k: data[k] for k in ("step", "event") if k in data}
            return self._dialog("Flag as customer win", render.win_form(data, keep, dialog=True,
                                                                         problem=bad.message), "large")
        except DomainError as refused:
            return refused.message

    # dialogs ------------------------------------------------------------------------------------

    @staticmethod
    def _dialog(title: str, content: dict, height: str = "medium") -> dict:
        return {"title": title, "card": content, "height": height, "width": "medium"}

    async def on_task_fetch(self, ctx: TurnInfo, data: dict) -> dict:
        await self.conversations.remember(ctx)
        action = data.get("action")
        try:
            if action == "nomination.ask":
                choices = await self._run(views.ask_choices, self.core, await self._actor(ctx), _id(data))
                notes = [note for kind in choices.types if (note := review_gating_note(kind, self.core.config))]
                return self._dialog("Ask for advocacy", render.ask_type_dialog(choices, notes))
            if action == "ask.show":
                ask = await self._run(views.ask_text, self.core, await self._actor(ctx), _id(data))
                return self._dialog("Ask text", render.ask_text_dialog(ask), "large")
            if action == "win.form":
                form = render.win_form({}, {"step": "win.submit", "event": event_key(ctx)}, dialog=True)
                return self._dialog("Flag a customer win", form, "large")
        except DomainError as refused:
            return self._dialog("Not possible", render.notice("Not possible", refused.message), "small")
        return self._dialog("Not available", render.notice("Not available", STALE), "small")

    async def on_task_submit(self, ctx: TurnInfo, data: dict) -> str | dict | None:
        await self.conversations.remember(ctx)
        step = data.get("step")
        if step == "win.submit":
            return await self._flag_in_dialog(ctx, data, str(data.get("event") or event_key(ctx)))
        actor = await self._actor(ctx)
        try:
            if step == "ask.draft":
                ask_type = _choice(AskType, data.get("ask_type"), "kind of ask")
                draft = await self._run(asks.draft_ask, self.core, actor, _id(data), ask_type)
                ask = await self._run(views.ask_text, self.core, actor, draft.ask.id)
                return self._dialog("Ask text", render.ask_text_dialog(ask), "large")
            if step == "ask.sent":
                return await self._run(asks.mark_sent, self.core, actor, _id(data))
        except DomainError as refused:
            return refused.message
        return STALE
