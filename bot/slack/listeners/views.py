"""Modal submissions, and the options of the win modal's account picker.

Input is checked before the acknowledgement, so a problem lands on the field at fault
(response_action="errors"). The core command then runs against a deadline: usually it is
done in time and its outcome replaces the modal; when the database is busy the modal says
so and is updated once the command completes. Posts go through the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import re

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import BotContext
from bot.slack import modals
from bot.slack.listeners.common import actor_of, run, time_left, worth_waiting
from bot.slack.listeners.home import publish_home
from bot.slack.middleware import explain, modal_answer, tell
from workflows import interactions, lookups
from workflows.errors import DomainError
from workflows.outcome import Outcome
from workflows.states import WinSource

log = logging.getLogger(__name__)

FORMS = re.compile(rf"^({'|'.join(re.escape(i.name) for i in interactions.TABLE if i.submit)})$")


def form_values(view: dict) -> dict:
    """What was typed, by the core's field names: the account picker's choice read, the item and source added."""
    data = modals.values(view)
    meta = modals.metadata(view)
    account = data.pop("account", None) or ""
    if account.startswith(modals.EXISTING_ACCOUNT):
        data["account_id"] = account[len(modals.EXISTING_ACCOUNT):]
    elif account:
        data["account_name"] = account.removeprefix(modals.NEW_ACCOUNT)
    if view.get("callback_id") == modals.WIN:
        data.update(source=meta.get("source") if meta.get("source") in set(WinSource) else WinSource.COMMAND,
                    source_link=meta.get("link") or "", event_key=f"slack:view:{view['id']}")
    return {**data, "id": meta.get("id")}


def result_view(title: str, outcome: Outcome) -> View:
    """The modal after a submission: the drafted ask ready to copy, else the outcome's message."""
    if hasattr(outcome, "ask"):
        return modals.ask_result(outcome.ask.id, outcome.text)
    return modals.notice(title, outcome.message)


def register(app: AsyncApp, ctx: BotContext) -> None:
    core = ctx.core

    @app.options(modals.ACCOUNT)
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

    @app.view(FORMS)
    async def submitted(ack, body: dict, view: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        """Run the form's interaction and show its outcome in the modal, acknowledging in time either way.

        Done before the ack deadline: the modal shows the outcome, or the refusal on the field at fault.
        Slower (a busy database, or commands queueing up under load): the modal says it is working and is
        updated when the command completes; if the person closed it meanwhile, the result reaches them in a
        direct message.
        """
        actor = actor_of(context)
        try:
            entry, given = interactions.accept(core, actor, view["callback_id"], form_values(view))
        except DomainError as refused:
            await ack(**modal_answer(body, refused, explain(refused, body, context)))
            return
        task = asyncio.ensure_future(run(entry.run, core, actor, given))
        done, _ = await asyncio.wait({task}, timeout=worth_waiting(context))
        if done:
            try:
                outcome = task.result()
            except DomainError as refused:
                await ack(**modal_answer(body, refused, explain(refused, body, context)))
                return
            await ack(response_action="update", view=result_view(entry.title, outcome))
        else:
            await ack(response_action="update", view=modals.notice(entry.title, "Working on it…"))
            try:
                outcome = await task
                text, shown = outcome.message, result_view(entry.title, outcome)
            except Exception as error:  # the person hears what happened, the log has the rest
                outcome, text = None, explain(error, body, context)
                shown = modals.notice("Not done", text)
            try:
                await client.views_update(view_id=view["id"], view=shown)
            except SlackApiError:
                await tell(client, context, body, text)
        meta = modals.metadata(view)
        if outcome is not None and meta.get("channel") and entry.name == "story.publish":
            # the link, also where marketing clicked Publish
            await tell(client, context, {**body, "channel": {"id": meta["channel"]}}, outcome.message)
        if meta.get("home"):
            await publish_home(client, core, actor)
