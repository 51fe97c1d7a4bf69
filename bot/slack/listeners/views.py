"""Modal submissions, and the options of the win modal's account picker.

Each runs its core command before acknowledging, so a problem lands on the field at fault
(response_action="errors") and a success replaces the modal with its result. The commands
only touch the database, well within Slack's 3 s; posts go through the outbox.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import BotContext
from bot.slack import modals
from bot.slack.listeners.common import actor_of, item_id, run
from bot.slack.listeners.home import publish_home
from bot.slack.middleware import listen, tell
from workflows import asks, lookups, sales, stories, wins
from workflows.errors import InvalidInput
from workflows.states import AskType, PlacementChannel, RecognitionKind, WinSource

SNOOZE_HOUR = 9  # a snooze ends at this hour, local time, on the chosen day


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


def register(app: AsyncApp, ctx: BotContext) -> None:
    core = ctx.core

    async def finish(ack, client, context, view: dict, title: str, text: str) -> None:
        """Replace the modal with the result; refresh the Home tab when the form came from it."""
        await ack(response_action="update", view=modals.notice(title, text))
        if modals.metadata(view).get("home"):
            await publish_home(client, core, actor_of(context))

    @listen(app.options(modals.ACCOUNT))
    async def account_options(ack, body: dict) -> None:
        """Matching accounts, plus "Create account: <typed>" for a new one."""
        typed = (body.get("value") or "").strip()
        found = await run(lookups.search_accounts, core, typed) if typed else []
        await ack(options=modals.account_options(found, typed))

    @listen(app.view(modals.WIN))
    async def flag_win(ack, view: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        form = win_form(view)
        outcome = await run(wins.flag_win, core, actor_of(context), form, event_key=f"slack:view:{view['id']}")
        await finish(ack, client, context, view, "Win recorded", outcome.message)

    @listen(app.view(modals.ASK))
    async def draft_ask(ack, view: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        ask_type = _choice(AskType, modals.values(view).get("ask_type"), "ask_type", "the kind of ask")
        nomination_id = item_id(modals.metadata(view).get("id"))
        draft = await run(asks.draft_ask, core, actor_of(context), nomination_id, ask_type)
        await ack(response_action="update", view=modals.ask_result(draft.ask.id, draft.text))
        if modals.metadata(view).get("home"):
            await publish_home(client, core, actor_of(context))

    @listen(app.view(modals.SNOOZE))
    async def snooze(ack, view: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        chosen = modals.values(view).get("until")
        try:
            day = date.fromisoformat(chosen or "")
        except ValueError:
            raise InvalidInput("Pick a date.", field="until") from None
        until = datetime.combine(day, time(SNOOZE_HOUR), tzinfo=core.config.tz)
        text = await run(asks.snooze, core, actor_of(context), item_id(modals.metadata(view).get("id")), until)
        await finish(ack, client, context, view, "Snoozed", text)

    @listen(app.view(modals.CHANGES))
    async def request_changes(ack, view: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        reason = modals.values(view).get("reason") or ""
        text = await run(stories.request_changes, core, actor_of(context), item_id(modals.metadata(view).get("id")),
                         reason)
        await finish(ack, client, context, view, "Changes requested", text)

    @listen(app.view(modals.PUBLISH))
    async def publish(ack, body: dict, view: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        data = modals.values(view)
        channel = _choice(PlacementChannel, data.get("channel"), "channel", "where the story goes live")
        meta = modals.metadata(view)
        published = await run(stories.publish, core, actor_of(context), item_id(meta.get("id")), channel,
                              data.get("url") or "")
        text = f"Published. Use this tracked link so visits are counted: {published.tracked_url}"
        await finish(ack, client, context, view, "Published", text)
        if meta.get("channel"):
            await tell(client, context, {**body, "channel": {"id": meta["channel"]}}, text)

    @listen(app.view(modals.DEAL))
    async def use_in_deal(ack, view: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        data = modals.values(view)
        amount = _number(data.get("amount"), "amount", "the amount", required=True)
        text = await run(sales.record_deal_usage, core, actor_of(context), item_id(modals.metadata(view).get("id")),
                         data.get("opportunity_id") or "", amount, data.get("stage") or "")
        await finish(ack, client, context, view, "Recorded", text)

    @listen(app.view(modals.RECOGNITION))
    async def log_thanks(ack, view: dict, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        data = modals.values(view)
        kind = _choice(RecognitionKind, data.get("kind"), "kind", "the kind of thank-you")
        value = _number(data.get("value"), "value", "the value") or 0
        text = await run(sales.recognise, core, actor_of(context), item_id(modals.metadata(view).get("id")), kind,
                         value, data.get("note") or "")
        await finish(ack, client, context, view, "Thank-you logged", text)
