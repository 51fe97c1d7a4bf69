"""The Teams surface: messages, card buttons, the message action and dialogs, translated into
workflow commands (run in a worker thread) and their results into Adaptive Cards."""

from __future__ import annotations

import asyncio
import html
import logging
import re
from datetime import date
from typing import Any, Awaitable, Callable

from microsoft_agents.activity import Activity, ActivityTypes, AdaptiveCardInvokeResponse
from microsoft_agents.hosting.core import AgentApplication, RouteRank, TurnContext, TurnState
from microsoft_agents.hosting.msteams import TeamsAgentExtension
from microsoft_teams.api.models import MessagingExtensionAction, TaskModuleRequest, TaskModuleResponse
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from bot.charts import digest_chart
from bot.teams import render
from bot.teams.conversations import Conversations, Roster
from bot.teams.transport import (
    ADAPTIVE_CARD,
    CONNECTOR_ERRORS,
    MESSAGE,
    TeamsDeliveryError,
    TeamsRuntime,
    TurnInfo,
    send_invoke_response,
    turn_info,
)
from workflows import asks, closeloop, lookups, references, sales, stories, views, wins
from workflows.actors import Actor
from workflows.core import Core
from workflows.digest import build_digest, digest_card
from workflows.effects import Card
from workflows.errors import DomainError, InvalidInput
from workflows.outcome import Outcome
from workflows.gating import review_gating_note
from workflows.periods import containing, parse_period
from workflows.queue import my_queue
from workflows.states import AskType, PlacementChannel, RecognitionKind, WinSource

log = logging.getLogger(__name__)

STALE = "This card is out of date. Type help to start again."
Verb = Callable[[TurnInfo, Actor, dict], Awaitable[dict]]
DialogStep = Callable[[TurnInfo, dict], Awaitable["str | TaskModuleResponse"]]
ANY = re.compile("")  # every verb: the routes for buttons no longer known
FALLBACK = RouteRank.LAST - 1  # routes of equal rank run in no set order: these before the last resort


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


def _busy(exc: BaseException) -> bool:
    return isinstance(exc, CONNECTOR_ERRORS) and TeamsDeliveryError.wrap(exc).retryable


def html_text(content: str) -> str:
    """Teams message HTML as plain text (for prefilling a form)."""
    text = re.sub(r"<br\s*/?>|</p>|</div>|</li>", "\n", content or "", flags=re.IGNORECASE)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return re.sub(r"[ \t\xa0]+", " ", re.sub(r"\n\s*\n+", "\n", text)).strip()


class AdvocacyTeams:
    """The advocacy bot's Teams routes on the SDK application: messages, card buttons (Action.Execute
    with an Action.Submit fallback), the "Flag as customer win" message action, dialogs and installs."""

    def __init__(self, core: Core, runtime: TeamsRuntime, roster: Roster, conversations: Conversations,
                 names: Callable[[set[str]], Awaitable[dict[str, str]]] | None = None):
        self.core = core
        self.runtime = runtime
        self.roster = roster
        self.conversations = conversations
        self.names = names  # display names for people on cards (the outbox's cached roster look-up)
        self.verbs: dict[str, Verb] = {
            "nomination.dismiss": self._dismiss, "nomination.snooze": self._snooze,
            "review.approve": self._approve, "review.changes": self._changes, "review.reject": self._reject,
            "story.publish": self._publish, "recognition.log": self._recognise, "proof.use": self._use_proof,
            "win.submit": self._win_from_card, "queue.open": self._open, "queue.show": self._queue,
            "reference.approve": self._approve_reference, "reference.decline": self._decline_reference,
            "reference.complete": self._complete_reference, "closeloop.resolve": self._resolve_close_loop,
        }
        self._register(runtime.app, runtime.teams)

    def _register(self, app: AgentApplication, teams: TeamsAgentExtension) -> None:
        for verb, handle in self.verbs.items():
            app.adaptive_card.action_execute(verb)(self._executed(handle))
            app.adaptive_card.action_submit(verb)(self._submitted(handle))
        app.adaptive_card.action_execute(ANY, rank=FALLBACK)(self._executed(self._gone))
        app.adaptive_card.action_submit(ANY, rank=FALLBACK)(self._submitted(self._gone))
        teams.message_extensions.fetch_action(render.FLAG_WIN_COMMAND)(self.on_flag_fetch)
        teams.message_extensions.submit_action(render.FLAG_WIN_COMMAND)(self.on_flag_submit)
        for verb, dialog in {"nomination.ask": self._ask_dialog, "ask.show": self._ask_text,
                             "win.form": self._win_dialog}.items():
            teams.task_modules.fetch(verb)(self._dialog_fetch(dialog))
        for verb, step in {"win.submit": self._win_submitted, "ask.draft": self._ask_drafted,
                           "ask.sent": self._ask_sent}.items():
            teams.task_modules.submit(verb)(self._dialog_submit(step))
        teams.task_modules.fetch(rank=FALLBACK)(self._dialog_fetch(self._stale_dialog))
        teams.task_modules.submit(rank=FALLBACK)(self._dialog_submit(self._stale))
        teams.activity(ActivityTypes.message, rank=RouteRank.LAST)(self.on_message)
        teams.installation_update()(self.on_installation)
        teams.conversation_update("membersAdded")(self.on_members_added)
        app.add_route(lambda context: context.activity.type == ActivityTypes.invoke, self.on_other_invoke,
                      is_invoke=True, rank=RouteRank.LAST)

    async def _run(self, fn: Callable, *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    async def _turn(self, context: TurnContext) -> TurnInfo:
        ctx = turn_info(context)
        await self.conversations.remember(ctx)
        return ctx

    async def _actor(self, ctx: TurnInfo) -> Actor:
        email = await self.roster.email(ctx)
        return Actor(platform="teams", user_id=ctx.from_aad_object_id or ctx.from_id or "", email=email,
                     name=ctx.from_name or "")

    @retry(retry=retry_if_exception(_busy), stop=stop_after_attempt(3), wait=wait_exponential_jitter(1, 5),
           reraise=True)
    async def _reply(self, ctx: TurnInfo, activity: dict) -> None:
        """Answer in the conversation (in the thread, for a channel), waiting out short rate limits."""
        await ctx.context.send_activity(Activity.model_validate({"type": ActivityTypes.message, **activity}))

    async def _update_for_everyone(self, ctx: TurnInfo, content: dict) -> None:
        """Replace the clicked card for everyone (the invoke answer only changes the clicker's view)."""
        if not ctx.reply_to_id:
            return
        activity = Activity.model_validate({"type": ActivityTypes.message, **render.message(content),
                                            "id": ctx.reply_to_id})
        try:
            await ctx.context.update_activity(activity)
        except CONNECTOR_ERRORS as exc:
            log.warning("Could not update the Teams card for everyone (%s)", TeamsDeliveryError.wrap(exc).status)

    # messages -----------------------------------------------------------------------------------

    @staticmethod
    def _addressed(ctx: TurnInfo) -> bool:
        """Channel messages reach the bot without a mention (RSC); only answer when mentioned."""
        return ctx.conversation_type == "personal" or not ctx.channel_id or ctx.mentions_bot

    async def on_message(self, context: TurnContext, _state: TurnState) -> None:
        ctx = await self._turn(context)
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

    async def on_installation(self, context: TurnContext, _state: TurnState) -> None:
        if (context.activity.action or "").startswith("add"):
            await self._installed(turn_info(context))

    async def on_members_added(self, context: TurnContext, _state: TurnState) -> None:
        bot = context.activity.recipient.id if context.activity.recipient else None
        if any(member.id == bot for member in context.activity.members_added or []):
            await self._installed(turn_info(context))

    async def _installed(self, ctx: TurnInfo) -> None:
        """App added to a team/chat or bot added to a conversation; Teams may say so twice per install."""
        if await self.conversations.remember(ctx):
            await self._reply(ctx, render.message(render.help_card(ctx.channel_id or "")))

    async def on_other_invoke(self, context: TurnContext, _state: TurnState) -> None:
        log.info("Ignoring Teams invoke %s", context.activity.name)
        await send_invoke_response(context, None)

    # card buttons -------------------------------------------------------------------------------

    def _executed(self, handle: Verb) -> Callable[[TurnContext, TurnState, Any], Awaitable[AdaptiveCardInvokeResponse]]:
        """An Action.Execute click: the answer replaces the card for the clicker."""
        async def on_execute(context: TurnContext, _state: TurnState, data: Any) -> AdaptiveCardInvokeResponse:
            result = await self._clicked(await self._turn(context), handle, data)
            if "message" in result and result.get("type") != "AdaptiveCard":
                return AdaptiveCardInvokeResponse(status_code=200, type=MESSAGE, value=result["message"])
            return AdaptiveCardInvokeResponse(status_code=200, type=ADAPTIVE_CARD, value=result)
        return on_execute

    def _submitted(self, handle: Verb) -> Callable[[TurnContext, TurnState, Any], Awaitable[None]]:
        """The Action.Submit fallback of older clients: the answer replaces the card, or is posted."""
        async def on_submit(context: TurnContext, _state: TurnState, data: Any) -> None:
            ctx = await self._turn(context)
            result = await self._clicked(ctx, handle, data)
            if "message" in result and result.get("type") != "AdaptiveCard":
                await self._reply(ctx, render.text(result["message"]))
            elif ctx.reply_to_id:
                await self._update_for_everyone(ctx, result)
            else:
                await self._reply(ctx, render.message(result))
        return on_submit

    async def _clicked(self, ctx: TurnInfo, handle: Verb, data: Any) -> dict:
        actor = await self._actor(ctx)
        try:
            return await handle(ctx, actor, data if isinstance(data, dict) else {})
        except DomainError as refused:
            return {"message": refused.message}

    async def _gone(self, ctx: TurnInfo, actor: Actor, data: dict) -> dict:
        return {"message": "This button is no longer available. Type help to see what I can do."}

    async def _decided(self, ref_key: str, command: Callable[[], Outcome], current: Callable[[], Card],
                       extra: Callable[[Any], list[dict]] = lambda _: []) -> dict:
        """Run a decision; show the clicker the card everyone else gets from the outbox."""
        outcome = await self._run(command)
        card = outcome.card(ref_key)
        if card is None:
            card = await self._run(current)
            card.note = outcome.message
        if self.names and card.people():
            card = card.named(await self.names(card.people()))
        return render.card(card, extra=extra(outcome))

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
            until = day
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
        content = render.notice("Thank-you recorded", done.message)
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
        content = render.proof_card(query, proofs, self.core.config.tz, note=f"{done.message} By {actor.display}.")
        await self._update_for_everyone(ctx, content)
        return content

    async def _settled(self, ctx: TurnInfo, title: str, command: Callable[[], Outcome]) -> dict:
        """Run a decision on a card sent to one person; the card is replaced by the result (its buttons gone)."""
        content = render.notice(title, (await self._run(command)).message)
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

    async def on_flag_fetch(self, context: TurnContext, _state: TurnState,
                            action: MessagingExtensionAction) -> TaskModuleResponse:
        """More actions (…) → Flag as customer win: the form, prefilled with the message."""
        await self._turn(context)
        payload = action.message_payload
        body = payload.body.content if payload and payload.body else ""
        story = html_text(str(body or ""))[:wins.STORY_MAX]
        return dialog("Flag as customer win", render.win_form({"story": story}, {}, dialog=True), "large")

    async def on_flag_submit(self, context: TurnContext, _state: TurnState,
                             action: MessagingExtensionAction) -> TaskModuleResponse | None:
        ctx = await self._turn(context)
        payload = action.message_payload
        event = event_key(ctx, f"message:{payload.id}" if payload and payload.id else None)
        link = str(payload.link_to_message or "") if payload else ""
        data = action.data if isinstance(action.data, dict) else {}
        return await self._answer(context, await self._flag_in_dialog(ctx, data, event, link))

    async def _flag_in_dialog(self, ctx: TurnInfo, data: dict, event: str, link: str = "") -> str | TaskModuleResponse:
        actor = await self._actor(ctx)
        try:
            return await self._flag(actor, data, event, link)
        except InvalidInput as bad:
            keep = {k: data[k] for k in ("verb", "event") if k in data}
            return dialog("Flag as customer win", render.win_form(data, keep, dialog=True, problem=bad.message),
                          "large")
        except DomainError as refused:
            return refused.message

    # dialogs ------------------------------------------------------------------------------------

    @staticmethod
    async def _answer(context: TurnContext, result: str | TaskModuleResponse | None) -> TaskModuleResponse | None:
        """A dialog submit's answer: None closes the dialog, a str is shown in it, else the next dialog."""
        if result is None:
            await send_invoke_response(context, None)
            return None
        return dialog_message(result) if isinstance(result, str) else result

    def _dialog_fetch(self, opened: DialogStep) -> Callable[..., Awaitable[TaskModuleResponse]]:
        async def on_fetch(context: TurnContext, _state: TurnState, request: TaskModuleRequest) -> TaskModuleResponse:
            ctx = await self._turn(context)
            try:
                return await opened(ctx, request.data if isinstance(request.data, dict) else {})
            except DomainError as refused:
                return dialog("Not possible", render.notice("Not possible", refused.message), "small")
        return on_fetch

    def _dialog_submit(self, step: DialogStep) -> Callable[..., Awaitable[TaskModuleResponse | None]]:
        async def on_submit(context: TurnContext, _state: TurnState,
                            request: TaskModuleRequest) -> TaskModuleResponse | None:
            ctx = await self._turn(context)
            try:
                result = await step(ctx, request.data if isinstance(request.data, dict) else {})
            except DomainError as refused:
                result = refused.message
            return await self._answer(context, result)
        return on_submit

    async def _ask_dialog(self, ctx: TurnInfo, data: dict) -> TaskModuleResponse:
        choices = await self._run(views.ask_choices, self.core, await self._actor(ctx), _id(data))
        notes = [note for kind in choices.types if (note := review_gating_note(kind, self.core.config))]
        return dialog("Ask for advocacy", render.ask_type_dialog(choices, notes))

    async def _ask_text(self, ctx: TurnInfo, data: dict) -> TaskModuleResponse:
        ask = await self._run(views.ask_text, self.core, await self._actor(ctx), _id(data))
        return dialog("Ask text", render.ask_text_dialog(ask), "large")

    async def _win_dialog(self, ctx: TurnInfo, data: dict) -> TaskModuleResponse:
        form = render.win_form({}, {"verb": "win.submit", "event": event_key(ctx)}, dialog=True)
        return dialog("Flag a customer win", form, "large")

    async def _stale_dialog(self, ctx: TurnInfo, data: dict) -> TaskModuleResponse:
        return dialog("Not available", render.notice("Not available", STALE), "small")

    async def _win_submitted(self, ctx: TurnInfo, data: dict) -> str | TaskModuleResponse:
        return await self._flag_in_dialog(ctx, data, str(data.get("event") or event_key(ctx)))

    async def _ask_drafted(self, ctx: TurnInfo, data: dict) -> TaskModuleResponse:
        actor = await self._actor(ctx)
        ask_type = _choice(AskType, data.get("ask_type"), "kind of ask")
        draft = await self._run(asks.draft_ask, self.core, actor, _id(data), ask_type)
        ask = await self._run(views.ask_text, self.core, actor, draft.ask.id)
        return dialog("Ask text", render.ask_text_dialog(ask), "large")

    async def _ask_sent(self, ctx: TurnInfo, data: dict) -> str:
        return (await self._run(asks.mark_sent, self.core, await self._actor(ctx), _id(data))).message

    async def _stale(self, ctx: TurnInfo, data: dict) -> str:
        return STALE


def dialog(title: str, content: dict, height: str = "medium") -> TaskModuleResponse:
    """A dialog showing an Adaptive Card."""
    return TaskModuleResponse.model_validate({"task": {"type": "continue", "value": {
        "title": title, "height": height, "width": "medium",
        "card": {"contentType": ADAPTIVE_CARD, "content": content}}}})


def dialog_message(text: str) -> TaskModuleResponse:
    """Closes the dialog showing a message."""
    return TaskModuleResponse.model_validate({"task": {"type": "message", "value": text}})
