"""The Bolt AsyncApp and how it joins the web server: POST /slack/events, or Socket Mode.

With SLACK_APP_TOKEN set the app connects out over Socket Mode (no public URL, no route);
otherwise events, commands, shortcuts and interactivity all arrive at POST /slack/events, whose
signature and timestamp are checked on the raw bytes before Bolt or anything else reads the body.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Awaitable, Callable

import aiohttp
from fastapi import FastAPI, Request
from slack_bolt.adapter.starlette.async_handler import to_async_bolt_request, to_starlette_response
from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.context.respond.internals import _build_message
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient
from tenacity import AsyncRetrying, RetryCallState, wait_exponential

from bot import ackfirst, metrics
from bot.context import BotContext
from bot.environment import slack_missing
from bot.limits import BadInput, control_character, refuse
from bot.slack.listeners import register_all
from bot.slack.middleware import Directory, actor_middleware, on_error
from bot.slack.sender import SlackSender
from bot.slack.verify import mark_verified, missing_fields, problem

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
API_TIMEOUT = 10.0
TOKEN_SKIPPED = warning_client_prioritized_and_token_skipped()


class _OneToken(logging.Filter):
    """Bolt also reads SLACK_BOT_TOKEN from the environment and warns that it goes unused: it is the
    token the client already holds, so the warning only alarms operators."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != TOKEN_SKIPPED


_one_token = _OneToken()


def build_app(ctx: BotContext) -> AsyncApp:
    """The Bolt app: listeners, the actor middleware and the error handler.

    Its client has no rate-limit retry handler: a listener must never sleep on a Retry-After
    (Bolt copies the client's base_url and retry handlers into every request's client).
    """
    settings = ctx.settings
    socket_mode = bool(settings.slack_app_token.get_secret_value())
    client = AsyncWebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url,
                            timeout=API_TIMEOUT)
    logging.getLogger("slack_bolt").addFilter(_one_token)  # added once: the same filter is not added twice
    app = AsyncApp(client=client, signing_secret=settings.slack_signing_secret.get_secret_value(),
                   request_verification_enabled=not socket_mode, process_before_response=False,
                   logger=logging.getLogger("slack_bolt"), name="advocacy-bot")
    app.use(pooled_respond(client))
    app.use(actor_middleware(Directory(ctx.core.config)))
    app.error(on_error)
    register_all(app, ctx)
    return app


class PooledRespond(AsyncRespond):
    """Bolt's `respond`, posting to the response_url over the server's shared connection pool
    (Bolt's own opens a new session and connection for every answer)."""

    def __init__(self, response_url: str, client: AsyncWebClient):
        super().__init__(response_url=response_url)
        self.client = client

    async def __call__(self, text: str | dict = "", **fields) -> WebhookResponse:
        await ackfirst.later()
        message = _build_message(text=text, **fields) if isinstance(text, str) else _build_message(**text)
        webhook = AsyncWebhookClient(url=self.response_url, session=self.client.session, timeout=API_TIMEOUT)
        return await webhook.send_dict(message)


def pooled_respond(client: AsyncWebClient):
    """Global middleware giving listeners a `respond` that shares the app client's session."""

    async def middleware(context: AsyncBoltContext, next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse:
        if context.response_url:
            context["respond"] = PooledRespond(context.response_url, client)
        return await next()

    return middleware


def shared_session(*clients: AsyncWebClient) -> Callable[[], Awaitable[None]]:
    """A background task giving the clients one aiohttp session while the server runs.

    Calls to Slack then reuse pooled (TLS) connections instead of opening one per call; Bolt
    hands the app client's session to every request's client.
    """

    async def keep() -> None:
        async with aiohttp.ClientSession() as session:
            for client in clients:
                client.session = session
            try:
                await asyncio.Event().wait()
            finally:
                for client in clients:
                    client.session = None

    return keep


def socket_mode_runner(app: AsyncApp, app_token: str) -> Callable[[], Awaitable[None]]:
    """A background task keeping a Socket Mode connection open (it reconnects by itself once up)."""

    def failed(state: RetryCallState) -> None:
        log.error("Slack Socket Mode could not connect (%s); retrying in %.0fs", state.outcome.exception(),
                  state.next_action.sleep)

    async def run() -> None:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler  # only in Socket Mode

        async for attempt in AsyncRetrying(wait=wait_exponential(multiplier=1, max=60), before_sleep=failed):
            with attempt:
                handler = AsyncSocketModeHandler(app, app_token)
                try:
                    await handler.connect_async()
                    log.info("Slack Socket Mode connected")
                    await asyncio.Event().wait()
                finally:
                    await handler.close_async()

    return run


def mount(web: FastAPI, ctx: BotContext) -> None:
    """Add Slack to the server: the sender for the outbox, and the events route or Socket Mode."""
    settings = ctx.settings
    if not settings.slack_enabled:
        ctx.surfaces["slack"] = f"off: {slack_missing(settings) or 'set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN)'}"
        return
    app = build_app(ctx)
    sender = SlackSender(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    ctx.senders["slack"] = sender
    ctx.background.append(shared_session(app.client, sender.client))
    app_token = settings.slack_app_token.get_secret_value()
    if app_token:
        ctx.background.append(socket_mode_runner(app, app_token))
        ctx.surfaces["slack"] = "on: Socket Mode"
        return

    signing_secret = settings.slack_signing_secret.get_secret_value()

    async def slack_events(request: Request):
        """A verified request counts as waiting until answered: the work that follows acknowledgements waits."""
        started = time.perf_counter()
        body = await request.body()
        unverified = problem(signing_secret, request.headers, body)
        if unverified:
            return refuse(request.scope, 401, f"not from Slack: {unverified}", "invalid request")
        answered, gate = ctx.acks.arrived(), ackfirst.current.set(ctx.acks)
        try:
            return await answer(request, body, started)
        finally:
            answered()
            ackfirst.current.reset(gate)

    async def answer(request: Request, body: bytes, started: float):
        try:  # Bolt parses the body, and fails on non-object JSON or binary
            bolt_request = mark_verified(to_async_bolt_request(request, body))
            hostile = control_character(bolt_request.body)
        except BadInput as exc:
            return refuse(request.scope, 400, str(exc))
        except (ValueError, AttributeError, TypeError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            return refuse(request.scope, 400, f"unreadable Slack request ({type(exc).__name__})", "unreadable request")
        if hostile:
            return refuse(request.scope, 400, f"{hostile} holds a control character")
        missing = missing_fields(bolt_request.body)
        if missing:
            return refuse(request.scope, 400, f"Slack command without {missing}")
        try:  # a signed payload of the wrong shape breaks Bolt's listener matching
            response = to_starlette_response(await app.async_dispatch(bolt_request))
        except Exception as exc:
            return refuse(request.scope, 400, f"Slack payload of an unexpected shape ({type(exc).__name__})",
                          "could not handle this request")
        metrics.ACK_LATENCY.labels("slack").observe(time.perf_counter() - started)
        return response

    web.add_api_route(EVENTS_PATH, slack_events, methods=["POST"], include_in_schema=False)
    ctx.surfaces["slack"] = f"on: POST {EVENTS_PATH}"
