"""The Teams surface: the interaction table's commands and buttons registered as routes of the SDK
application, run in a worker thread, and their outcomes rendered as Adaptive Cards and dialogs."""

from __future__ import annotations

import asyncio
import html
import logging
import re
from typing import Any, Awaitable, Callable

from microsoft_agents.activity import Activity, ActivityTypes, AdaptiveCardInvokeResponse
from microsoft_agents.hosting.core import AgentApplication, RouteRank, TurnContext, TurnState
from microsoft_agents.hosting.msteams import TeamsAgentExtension
from microsoft_teams.api.models import MessagingExtensionAction, TaskModuleRequest, TaskModuleResponse
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from bot import ackfirst
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
from workflows import interactions, lookups
from workflows.actors import Actor
from workflows.asks import AskDraft
from workflows.core import Core
from workflows.effects import Card
from workflows.errors import AlreadyDone, DomainError, InvalidInput
from workflows.interactions import DigestShown, ProofFound, QueueShown
from workflows.outcome import Outcome
from workflows.states import WinSource

log = logging.getLogger(__name__)

ANY = re.compile("")  # every verb: the routes for buttons and dialogs no longer known
FALLBACK = RouteRank.LAST - 1  # routes of equal rank run in no set order: these before the last resort
FORMS = [entry.name for entry in interactions.TABLE if entry.submit]
_CARD_KEYS = ("verb", "msteams", render.IN_LIST)  # what a button carries besides the interaction's input
ORIGIN = ("source", "event_key", "card_id")  # where a form was opened, carried by its submit button
RECORDING = ("Recording the win: it will be announced in the wins channel. If it cannot be recorded, "
             "I will tell you in our chat.")


def event_key(ctx: TurnInfo) -> str:
    """A Teams activity id made unique across conversations (ids are only unique within one)."""
    return f"teams:{ctx.activity_id}@{ctx.conversation_id.split(';', 1)[0]}"[:200]


def html_text(content: str) -> str:
    """Teams message HTML as plain text (for prefilling a form)."""
    text = re.sub(r"<br\s*/?>|</p>|</div>|</li>", "\n", content or "", flags=re.IGNORECASE)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return re.sub(r"[ \t\xa0]+", " ", re.sub(r"\n\s*\n+", "\n", text)).strip()


def _raw(data: Any) -> dict:
    """A button's or form's values as the interaction's raw input."""
    return {k: v for k, v in data.items() if k not in _CARD_KEYS} if isinstance(data, dict) else {}


def _busy(exc: BaseException) -> bool:
    return isinstance(exc, CONNECTOR_ERRORS) and TeamsDeliveryError.wrap(exc).retryable


def dialog(title: str, content: dict, height: str = "large") -> TaskModuleResponse:
    """A dialog showing an Adaptive Card."""
    return TaskModuleResponse.model_validate({"task": {"type": "continue", "value": {
        "title": title, "height": height, "width": "medium",
        "card": {"contentType": ADAPTIVE_CARD, "content": content}}}})


def dialog_message(text: str) -> TaskModuleResponse:
    """Closes the dialog showing a message."""
    return TaskModuleResponse.model_validate({"task": {"type": "message", "value": text}})


class AdvocacyTeams:
    """The advocacy bot's Teams routes on the SDK application: typed commands, card buttons
    (Action.Execute with an Action.Submit fallback), forms in dialogs, the "Flag as customer win"
    message action and installs."""

    def __init__(self, core: Core, runtime: TeamsRuntime, roster: Roster, conversations: Conversations,
                 names: Callable[[set[str]], Awaitable[dict[str, str]]] | None = None,
                 dm: Callable[[str, Card], Awaitable[None]] | None = None):
        self.core = core
        self.roster = roster
        self.conversations = conversations
        self.names = names  # display names for people on cards (the outbox's cached roster look-up)
        self.dm = dm  # a card in the person's 1:1 chat with the bot
        self._after: set[asyncio.Task] = set()  # work that follows an answer
        self._register(runtime.app, runtime.teams)

    def _register(self, app: AgentApplication, teams: TeamsAgentExtension) -> None:
        for entry in interactions.TABLE:
            app.adaptive_card.action_execute(entry.name)(self._executed(entry.name))
            app.adaptive_card.action_submit(entry.name)(self._submitted(entry.name))
        app.adaptive_card.action_execute(ANY, rank=FALLBACK)(self._executed(""))
        app.adaptive_card.action_submit(ANY, rank=FALLBACK)(self._submitted(""))
        teams.message_extensions.fetch_action(render.FLAG_WIN_COMMAND)(self.on_flag_fetch)
        teams.message_extensions.submit_action(render.FLAG_WIN_COMMAND)(self.on_flag_submit)
        for name in FORMS:
            teams.task_modules.fetch(name)(self._form_fetched(name))
            teams.task_modules.submit(name)(self._form_submitted(name))
        teams.task_modules.fetch(rank=FALLBACK)(self._form_fetched(""))
        teams.task_modules.submit(rank=FALLBACK)(self._form_submitted(""))
        teams.activity(ActivityTypes.message, rank=RouteRank.LAST)(self.on_message)
        teams.installation_update()(self.on_installation)
        teams.conversation_update("membersAdded")(self.on_members_added)
        app.add_route(lambda context: context.activity.type == ActivityTypes.invoke, self.on_other_invoke,
                      is_invoke=True, rank=RouteRank.LAST)

    # running commands ---------------------------------------------------------------------------

    async def _turn(self, context: TurnContext) -> TurnInfo:
        ctx = turn_info(context)
        await self.conversations.remember(ctx)
        return ctx

    async def _actor(self, ctx: TurnInfo) -> Actor:
        email = await self.roster.email(ctx)
        return Actor(platform="teams", user_id=ctx.from_aad_object_id or ctx.from_id or "", email=email,
                     name=ctx.from_name or "")

    async def _dispatch(self, ctx: TurnInfo, name: str, raw: dict) -> Outcome:
        return await asyncio.to_thread(interactions.dispatch, self.core, await self._actor(ctx), name, raw)

    async def _form(self, ctx: TurnInfo, name: str, raw: dict) -> interactions.Form:
        """The interaction's form for the person (refused as the command would be), holding ``raw``."""
        return await asyncio.to_thread(interactions.form_for, self.core, await self._actor(ctx), name,
                                       raw.get("id") or None, raw)

    @retry(retry=retry_if_exception(_busy), stop=stop_after_attempt(3), wait=wait_exponential_jitter(1, 5),
           reraise=True)
    async def _reply(self, ctx: TurnInfo, activity: dict) -> None:
        """Answer in the conversation (in the thread, for a channel), waiting out short rate limits."""
        await ctx.context.send_activity(Activity.model_validate({"type": ActivityTypes.message, **activity}))

    async def _update_for_everyone(self, ctx: TurnInfo, content: dict, card_id: str | None = None) -> None:
        """Replace the clicked card for everyone (the invoke answer only changes the clicker's view)."""
        card_id = card_id or ctx.reply_to_id
        if not card_id:
            return
        activity = Activity.model_validate({"type": ActivityTypes.message, **render.message(content), "id": card_id})
        try:
            await ctx.context.update_activity(activity)
        except CONNECTOR_ERRORS as exc:
            log.warning("Could not update the Teams card for everyone (%s)", TeamsDeliveryError.wrap(exc).status)

    async def _shown(self, name: str, outcome: Outcome, actor: Actor) -> dict:
        """What an outcome looks like as a card: results, the item's new card, or a notice."""
        if isinstance(outcome, QueueShown):
            return render.queue_card(outcome.queue, actor.name.split(" ")[0] if actor.name else "")
        if isinstance(outcome, ProofFound):
            return render.proof_card(outcome.query, outcome.proofs, self.core.config.tz, outcome.deals)
        if isinstance(outcome, DigestShown):
            return render.fitted(await self._named(outcome.card))
        updated = next((effect.card for effect in outcome.effects if effect.op == "update"), None)
        if updated is not None:
            updated = await self._named(updated)  # the clicker sees it now with what happened; everyone gets it from the outbox
            return render.card(updated, extra=[render.said(outcome.message)])
        return render.notice(interactions.INTERACTIONS[name].title, outcome.message)

    async def _named(self, card: Card) -> Card:
        """The card showing people by the names the roster knows (never a mention)."""
        return card.named(await self.names(card.people())) if self.names and card.people() else card

    @staticmethod
    def _origin(ctx: TurnInfo, on_item: bool = False) -> dict:
        """Where a form was opened (a resubmitted form records nothing twice; the card of the item it
        was opened from is replaced by the result)."""
        card = {"card_id": ctx.reply_to_id} if on_item and ctx.reply_to_id else {}
        return {"source": WinSource.TEAMS.value, "event_key": event_key(ctx), **card}

    # messages -----------------------------------------------------------------------------------

    @staticmethod
    def _addressed(ctx: TurnInfo) -> bool:
        """Channel messages reach the bot without a mention (RSC); only answer when mentioned."""
        return ctx.conversation_type == "personal" or not ctx.channel_id or ctx.mentions_bot

    async def on_message(self, context: TurnContext, _state: TurnState) -> None:
        ctx = await self._turn(context)
        if not self._addressed(ctx) or not ctx.activity_id:
            return
        if not await asyncio.to_thread(lookups.first_delivery, self.core, "teams", event_key(ctx)):
            return  # a redelivery
        name, rest = interactions.command(html_text(ctx.text))
        if name == "help":
            content = render.help_card(ctx.channel_id or "")
        elif not name:
            content = render.help_card(ctx.channel_id or "", problem=f"I don't know \u201c{rest}\u201d.")
        elif name == "win":
            form = interactions.blank_form(name, {"story": rest})
            content = render.form_card(form, {"form": "1", **self._origin(ctx)}, on_card=True)
        else:
            try:
                if interactions.asks_first(name):  # a command with a form: show it, run nothing yet
                    form = await asyncio.to_thread(interactions.form_for, self.core, await self._actor(ctx), name)
                    content = render.form_card(form, {"form": "1", **self._origin(ctx)}, on_card=True)
                else:
                    outcome = await self._dispatch(ctx, name, {"text": rest})
                    content = await self._shown(name, outcome, await self._actor(ctx))
            except DomainError as refused:
                content = render.notice(interactions.INTERACTIONS[name].title, interactions.refusal(refused))
        await self._reply(ctx, render.message(content))

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

    async def _clicked(self, ctx: TurnInfo, name: str, data: Any) -> dict:
        """Run a button's interaction; the answer is the card to show (a refusal keeps the card)."""
        raw = _raw(data)
        try:
            outcome = await self._dispatch(ctx, name, raw)
        except InvalidInput as bad:
            if isinstance(data, dict) and data.get("form"):  # a form posted as a card: show it again
                form = await self._form(ctx, name, raw)
                return render.form_card(form, {k: data[k] for k in ("form", *ORIGIN) if k in data},
                                        problem=bad.message, on_card=True)
            return {"message": bad.message}
        except DomainError as refused:
            return {"message": interactions.refusal(refused)}
        content = await self._shown(name, outcome, await self._actor(ctx))
        if (_on_item(data) or raw.get("form")) and not _updates_a_card(outcome):
            await self._update_for_everyone(ctx, content)
        return content

    def _executed(self, name: str) -> Callable[[TurnContext, TurnState, Any], Awaitable[AdaptiveCardInvokeResponse]]:
        """An Action.Execute click: the answer replaces the card for the clicker."""
        async def on_execute(context: TurnContext, _state: TurnState, data: Any) -> AdaptiveCardInvokeResponse:
            ctx = await self._turn(context)
            result = await self._clicked(ctx, name or self._verb(context), data)
            if "message" in result and result.get("type") != "AdaptiveCard":
                return AdaptiveCardInvokeResponse(status_code=200, type=MESSAGE, value=result["message"])
            return AdaptiveCardInvokeResponse(status_code=200, type=ADAPTIVE_CARD, value=result)
        return on_execute

    def _submitted(self, name: str) -> Callable[[TurnContext, TurnState, Any], Awaitable[None]]:
        """The Action.Submit fallback of older clients: the new card replaces the old one, or is posted."""
        async def on_submit(context: TurnContext, _state: TurnState, data: Any) -> None:
            ctx = await self._turn(context)
            result = await self._clicked(ctx, name or str(_raw_verb(data)), data)
            if "message" in result and result.get("type") != "AdaptiveCard":
                await self._reply(ctx, render.text(result["message"]))
            elif ctx.reply_to_id:
                await self._update_for_everyone(ctx, result)
            else:
                await self._reply(ctx, render.message(result))
        return on_submit

    @staticmethod
    def _verb(context: TurnContext) -> str:
        action = context.activity.value.get("action") if isinstance(context.activity.value, dict) else None
        return str(action.get("verb") or "") if isinstance(action, dict) else ""

    # dialogs ------------------------------------------------------------------------------------

    def _form_fetched(self, name: str) -> Callable[..., Awaitable[TaskModuleResponse]]:
        """A button that needs input opens its form (refused as the command would refuse)."""
        async def on_fetch(context: TurnContext, _state: TurnState, request: TaskModuleRequest) -> TaskModuleResponse:
            ctx = await self._turn(context)
            raw, on_item = _raw(request.data), _on_item(request.data)
            try:
                form = await self._form(ctx, name or str(_raw_verb(request.data)), raw)
            except DomainError as refused:
                return dialog("Not possible", render.notice("Not possible", interactions.refusal(refused)), "small")
            return dialog(form.title, render.form_card(form, self._origin(ctx, on_item)))
        return on_fetch

    def _form_submitted(self, name: str) -> Callable[..., Awaitable[TaskModuleResponse | None]]:
        async def on_submit(context: TurnContext, _state: TurnState,
                            request: TaskModuleRequest) -> TaskModuleResponse | None:
            ctx = await self._turn(context)
            return await self._submit_form(ctx, name or str(_raw_verb(request.data)), _raw(request.data))
        return on_submit

    async def _submit_form(self, ctx: TurnInfo, name: str, raw: dict) -> TaskModuleResponse:
        """Run a dialog's interaction: a refusal or the result closes it, a bad field shows it again."""
        try:
            outcome = await self._dispatch(ctx, name, raw)
        except InvalidInput as bad:
            form = await self._form(ctx, name, raw)
            keep = {k: raw[k] for k in ORIGIN if k in raw}
            return dialog(form.title, render.form_card(form, keep, problem=bad.message))
        except DomainError as refused:
            return dialog_message(interactions.refusal(refused))
        if raw.get("card_id") and not _updates_a_card(outcome):
            await self._update_for_everyone(ctx, render.notice(interactions.INTERACTIONS[name].title, outcome.message),
                                            raw["card_id"])
        if isinstance(outcome, AskDraft):
            return dialog("Ask text", render.ask_text_dialog(outcome))
        return dialog_message(outcome.message)

    # the message action -------------------------------------------------------------------------

    async def on_flag_fetch(self, context: TurnContext, _state: TurnState,
                            action: MessagingExtensionAction) -> TaskModuleResponse:
        """More actions (…) → Flag as customer win: the form, prefilled with the message."""
        ctx = await self._turn(context)
        payload = action.message_payload
        story = html_text(str(payload.body.content or "")) if payload and payload.body else ""
        form = interactions.blank_form("win", {"story": story})
        return dialog(form.title, render.form_card(form, self._origin(ctx)))

    async def on_flag_submit(self, context: TurnContext, _state: TurnState,
                             action: MessagingExtensionAction) -> TaskModuleResponse:
        """The form is checked and answered at once; the win is recorded after the answer (its posts say
        so in the wins channel) and the person is messaged if it cannot be.

        Like a Slack modal, each opened form records one win: two people flagging one message record
        theirs; the same form submitted again (or redelivered) records nothing more."""
        ctx = await self._turn(context)
        payload = action.message_payload
        link = str(payload.link_to_message or "") if payload else ""
        raw = {"event_key": event_key(ctx), **_raw(action.data), "source": WinSource.TEAMS, "source_link": link[:1000]}
        actor = await self._actor(ctx)
        try:
            interactions.accept(self.core, actor, "win", raw)  # the role and the fields: no database work
        except DomainError:
            return await self._submit_form(ctx, "win", raw)  # shows the form again, or the refusal
        task = asyncio.ensure_future(self._record_win(actor, raw))
        self._after.add(task)
        task.add_done_callback(self._after.discard)
        return dialog_message(RECORDING)

    async def _record_win(self, actor: Actor, raw: dict) -> None:
        await ackfirst.later()
        try:
            await asyncio.to_thread(interactions.dispatch, self.core, actor, "win", raw)
        except AlreadyDone:  # a repeated submission: the first one recorded the win, nobody needs telling
            log.info("teams win by %s was already recorded", actor.user_id)
            return
        except Exception as error:
            if isinstance(error, DomainError):
                log.info("teams win by %s refused after the answer: %s", actor.user_id, error.message)
            else:
                log.error("teams win by %s failed after the answer", actor.user_id, exc_info=error)
            if self.dm is not None:
                try:
                    await self.dm(actor.user_id, Card(title="The win was not recorded",
                                                      body=[interactions.refusal(error)]))
                except Exception as exc:  # the log line above is all that is left
                    log.warning("could not tell %s the win was not recorded (%s)", actor.user_id, type(exc).__name__)


def _on_item(data: Any) -> bool:
    """Whether a button acted on the one item its card is about (not on an entry of a list)."""
    return isinstance(data, dict) and bool(data.get("id")) and not data.get(render.IN_LIST)


def _updates_a_card(outcome: Outcome) -> bool:
    """Whether the outbox replaces the item's card; otherwise the shell replaces the clicked one."""
    return any(effect.op == "update" for effect in outcome.effects)


def _raw_verb(data: Any) -> str:
    return data.get("verb", "") if isinstance(data, dict) else ""
