"""Modal submissions, and the options of the win modal's account picker.

What was typed is checked before the acknowledgement, so a malformed field gets its error at once
(response_action="errors"). A well-formed submission is acknowledged at once with "Working on it…"
and its command runs after the acknowledgement; the modal is then updated with the outcome, or with
the form as it was typed and the refusal under the field at fault (else above the form). If the
person closed the modal meanwhile, the result reaches them in a direct message. Posts go through the
outbox.
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

from bot.account_names import AccountNames
from bot.context import BotContext
from bot.slack import modals
from bot.slack.listeners.common import actor_of, run, run_now, time_left
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
    accounts = AccountNames(core)
    ctx.background.append(accounts.keep_fresh)

    @app.options(modals.ACCOUNT)
    async def account_options(ack, body: dict, context: AsyncBoltContext) -> None:
        """Matching accounts, plus "Create account: <typed>" for a new one (just that when the search is slow)."""
        typed = (body.get("value") or "").strip()
        found: list[tuple[int, str]] = []
        if typed and accounts.loaded:
            found = accounts.search(typed)
        elif typed:  # before the names are first read
            try:
                found = await asyncio.wait_for(run_now(lookups.search_accounts, core, typed), time_left(context))
            except asyncio.TimeoutError:
                log.warning("account search for the picker was too slow; offering only a new account")
        await ack(options=modals.account_options(found, typed))

    @app.view(FORMS)
    async def submitted(ack, body: dict, view: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        """Check what was typed, acknowledge, then run the form's interaction and show its outcome."""
        name, raw = view["callback_id"], form_values(view)
        try:
            entry = interactions.get(name)
            interactions.parse(entry, raw)
        except DomainError as refused:
            await ack(**modal_answer(body, refused, explain(refused, body, context)))
            return
        await ack(response_action="update", view=modals.working(entry.title))
        outcome = None
        try:
            actor = await actor_of(context)
            entry, given = interactions.accept(core, actor, name, raw)
            outcome = await run(entry.run, core, actor, given)
            text, shown = outcome.message, result_view(entry.title, outcome).to_dict()
        except Exception as error:  # the form again as typed, the problem under its field (the log has the rest)
            text = explain(error, body, context)
            shown = modals.refilled(view, modals.field_block(view, getattr(error, "field", "")), text)
        try:
            await client.views_update(view_id=view["id"], view=shown)
        except SlackApiError:
            await tell(client, context, body, text)
        if outcome is None:
            return
        if entry.name == modals.WIN:
            accounts.changed()
        meta = modals.metadata(view)
        if meta.get("channel") and entry.name == "story.publish":
            # the link, also where marketing clicked Publish
            await tell(client, context, {**body, "channel": {"id": meta["channel"]}}, outcome.message)
        if meta.get("home"):
            await publish_home(client, core, actor)
