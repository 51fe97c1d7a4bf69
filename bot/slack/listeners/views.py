"""Modal submissions, and the options of the win modal's account picker.

Input is checked before the acknowledgement, so a problem lands on the field at fault
(response_action="errors"). The core command then runs against a deadline: usually it is
done in time and its result replaces the modal; when the database is busy the modal says
so and is updated once the command completes. Posts go through the outbox.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from enum import StrEnum
from typing import Awaitable

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import BotContext
from bot.slack import modals
from bot.slack.listeners.common import actor_of, item_id, run, time_left, worth_waiting
from bot.slack.listeners.home import publish_home
from bot.slack.middleware import explain, listen, tell
from workflows import asks, closeloop, lookups, references, sales, stories, wins
from workflows.errors import InvalidInput
from workflows.states import AskType, PlacementChannel, RecognitionKind, WinSource

log = logging.getLogger(__name__)

def _choice(enum: type[StrEnum], value: str | None, field: str, what: str) -> StrEnum:
    try:
        return enum(value)
    except ValueError:
        raise InvalidInput(f"Choose {what}.", field=field) from None


def _number(value: str | None, field: str, what: str, required: bool = False) -> float | None:
    if value is None:
        if required:
            raise InvalidInput(f"Enter {what}.", field=field)
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidInput(f"Enter {what} as a number.", field=field) from None


def win_form(view: dict) -> wins.WinForm:
    """The win modal's values as the core's form (validated there, naming the field at fault)."""
    data = modals.values(view)
    meta = modals.metadata(view)
    account = data.get("account") or ""
    form: dict = {key: data.get(key) or "" for key in ("contact_name", "contact_email", "metric_unit", "story")}
    if account.startswith(modals.EXISTING_ACCOUNT):
        form["account_id"] = account[len(modals.EXISTING_ACCOUNT):]
    else:
        form["account_name"] = account.removeprefix(modals.NEW_ACCOUNT)
    form.update(outcome_type=data.get("outcome_type") or "other", metric_value=data.get("metric_value"),
                source=meta.get("source") if meta.get("source") in set(WinSource) else WinSource.COMMAND,
                source_link=meta.get("link") or "")
    return wins.parse_win_form(form)


def _shown(title: str, result: str | View) -> View:
    return result if isinstance(result, View) else modals.notice(title, result)


def register(app: AsyncApp, ctx: BotContext) -> None:
    core = ctx.core

    async def answer(ack, client: AsyncWebClient, context: AsyncBoltContext, body: dict, title: str,
                     work: Awaitable[str | View]) -> str | View | None:
        """Run the command and show its result in the modal, acknowledging in time either way.

        Done before the ack deadline: the modal shows the result, or the field at fault. Slower (a busy
        database, or commands queueing up under load): the modal says it is working and is updated
        when the command completes; if the person closed it meanwhile, the result reaches them in a
        direct message.
        """
        view = body["view"]
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=worth_waiting(context))
        if done:
            result = task.result()  # a DomainError here becomes the modal's field error
            await ack(response_action="update", view=_shown(title, result))
        else:
            await ack(response_action="update", view=modals.notice(title, "Working on it…"))
            try:
                result = await task
            except Exception as error:
                result = explain(error, body, context)
                title = "Not done"
            try:
                await client.views_update(view_id=view["id"], view=_shown(title, result))
            except SlackApiError:
                await tell(client, context, body, result if isinstance(result, str) else title)
        if modals.metadata(view).get("home"):
            await publish_home(client, core, actor_of(context))
        return result

    async def text_of(command, *args) -> str:
        return (await run(command, core, *args)).message

    @listen(app.options(modals.ACCOUNT))
    async def account_options(ack, body: dict, context: AsyncBoltContext) -> None:
        """Matching accounts, plus "Create account: <typed>" for a new one (just that when the search is slow)."""
        typed = (body.get("value") or "").strip()
        found: list[tuple[int, str]] = []
        if typed:
            try:
                found = await asyncio.wait_for(run(lookups.search_accounts, core, typed), time_left(context))
            except asyncio.TimeoutError:
                log.warning("account search for the picker was too slow; offering only a new account")
        await ack(options=modals.account_options(found, typed))

    @listen(app.view(modals.WIN))
    async def flag_win(ack, body: dict, view: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        form = win_form(view)

        async def record() -> str:
            outcome = await run(wins.flag_win, core, actor_of(context), form, event_key=f"slack:view:{view['id']}")
            return outcome.message
        await answer(ack, client, context, body, "Win recorded", record())

    @listen(app.view(modals.ASK))
    async def draft_ask(ack, body: dict, view: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        ask_type = _choice(AskType, modals.values(view).get("ask_type"), "ask_type", "the kind of ask")
        nomination_id = item_id(modals.metadata(view).get("id"))

        async def draft() -> View:
            drafted = await run(asks.draft_ask, core, actor_of(context), nomination_id, ask_type)
            return modals.ask_result(drafted.ask.id, drafted.text)
        await answer(ack, client, context, body, "Ask ready", draft())

    @listen(app.view(modals.SNOOZE))
    async def snooze(ack, body: dict, view: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        chosen = modals.values(view).get("until")
        try:
            day = date.fromisoformat(chosen or "")
        except ValueError:
            raise InvalidInput("Pick a date.", field="until") from None
        nomination_id = item_id(modals.metadata(view).get("id"))
        await answer(ack, client, context, body, "Snoozed",
                     text_of(asks.snooze, actor_of(context), nomination_id, day))

    @listen(app.view(modals.CHANGES))
    async def request_changes(ack, body: dict, view: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        reason = modals.values(view).get("reason") or ""
        story_id = item_id(modals.metadata(view).get("id"))
        await answer(ack, client, context, body, "Changes requested",
                     text_of(stories.request_changes, actor_of(context), story_id, reason))

    @listen(app.view(modals.PUBLISH))
    async def publish(ack, body: dict, view: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        data = modals.values(view)
        channel = _choice(PlacementChannel, data.get("channel"), "channel", "where the story goes live")
        meta = modals.metadata(view)

        async def go_live() -> str:
            published = await run(stories.publish, core, actor_of(context), item_id(meta.get("id")), channel,
                                  data.get("url") or "")
            return published.message
        text = await answer(ack, client, context, body, "Published", go_live())
        if meta.get("channel") and isinstance(text, str) and text.startswith("Published."):
            await tell(client, context, {**body, "channel": {"id": meta["channel"]}}, text)

    @listen(app.view(modals.DEAL))
    async def use_in_deal(ack, body: dict, view: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        data = modals.values(view)
        amount = _number(data.get("amount"), "amount", "the amount", required=True)
        story_id = item_id(modals.metadata(view).get("id"))
        await answer(ack, client, context, body, "Recorded",
                     text_of(sales.record_deal_usage, actor_of(context), story_id, data.get("opportunity_id") or "",
                             amount, data.get("stage") or ""))

    @listen(app.view(modals.CLOSE_LOOP))
    async def resolve_feedback(ack, body: dict, view: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        note = modals.values(view).get("note") or ""
        item = item_id(modals.metadata(view).get("id"))
        await answer(ack, client, context, body, "Loop closed",
                     text_of(closeloop.resolve_close_loop, actor_of(context), item, note))

    @listen(app.view(modals.REFERENCE_OUTCOME))
    async def reference_outcome(ack, body: dict, view: dict, context: AsyncBoltContext,
                                client: AsyncWebClient) -> None:
        outcome = modals.values(view).get("outcome") or ""
        request = item_id(modals.metadata(view).get("id"))
        await answer(ack, client, context, body, "Outcome recorded",
                     text_of(references.complete_reference, actor_of(context), request, outcome))

    @listen(app.view(modals.RECOGNITION))
    async def log_thanks(ack, body: dict, view: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        data = modals.values(view)
        kind = _choice(RecognitionKind, data.get("kind"), "kind", "the kind of thank-you")
        value = _number(data.get("value"), "value", "the value") or 0
        story_id = item_id(modals.metadata(view).get("id"))
        await answer(ack, client, context, body, "Thank-you logged",
                     text_of(sales.recognise, actor_of(context), story_id, kind, value, data.get("note") or ""))
