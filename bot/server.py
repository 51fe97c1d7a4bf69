"""The one web server: Slack events, Teams messages, intake pages, webhooks, health and metrics."""

from __future__ import annotations

import asyncio
import hmac
import importlib
import ipaddress
import logging
import time
import uuid
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.engine import Engine
from starlette.datastructures import MutableHeaders
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import metrics
from bot.context import BotContext
from bot.delivery import OutboxWorker
from bot.intake import mount as mount_intake
from bot.limits import BodyLimit, path_problem, safe_request_id
from bot.routines import mount as mount_routines
from bot.logs import refusal, refused, request_id
from bot.scheduler import mount as mount_scheduler
from bot.settings import Settings
from bot.shortlinks import mount as mount_shortlinks
from bot.slack.app import mount as mount_slack
from bot.webhooks import mount as mount_webhooks
from storage.db import make_engine, ping
from storage.migrate import upgrade
from workflows.config import ProgramConfig, load_config
from workflows.core import Core, system_clock

log = logging.getLogger(__name__)

TEAMS_PATH = "/api/messages"


def mount_teams(app: FastAPI, ctx: BotContext) -> None:
    """Teams, mounted at start when it has credentials or channels; otherwise (anonymous local use)
    the Agents SDK, the largest import of all, loads on the first request to /api/messages."""
    s = ctx.settings
    if "teams" in ctx.core.platforms or s.teams_app_id or s.teams_tenant_id or s.teams_app_password.get_secret_value():
        from bot.teams.surface import mount

        mount(app, ctx)
        return
    app.router.routes.append(Route(TEAMS_PATH, _TeamsOnFirstRequest(ctx), methods=["POST"], include_in_schema=False))
    ctx.surfaces["teams"] = f"loads on the first request to {TEAMS_PATH} (no Teams credentials or channels)"


class _TeamsOnFirstRequest:
    """An ASGI app that mounts the Teams surface on an app of its own when the first request comes."""

    def __init__(self, ctx: BotContext):
        self.ctx = ctx
        self.teams = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        self.loaded = asyncio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with self.loaded:
            if not self.ctx.surfaces["teams"].startswith("on"):
                surface = await asyncio.to_thread(importlib.import_module, "bot.teams.surface")
                surface.mount(self.teams, self.ctx)
        await self.teams(scope, receive, send)


# Each surface mounts its routes and senders, and says in ctx.surfaces whether it is on.
SURFACES: list[Callable[[FastAPI, BotContext], None]] = [
    mount_slack,
    mount_teams,
    mount_intake,
    mount_routines,
    mount_scheduler,
    mount_webhooks,
    mount_shortlinks,
]


# stopping, the server waits this long for work that follows an answer (well within a 30 s grace period)
DRAIN_SECONDS = 10.0

# inbound chat requests whose answer time is the platform's ack (Slack's is observed by its handler)
ACK_ROUTES = {TEAMS_PATH: "teams"}


# on every answer, JSON included; HSTS only when the request arrived over https (directly or via a trusted proxy)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()",
}
HSTS = "max-age=31536000"


def _is_operator(request: Request, token: str) -> bool:
    """A caller on this machine, or one sending `Authorization: Bearer <METRICS_TOKEN>`."""
    sent = request.headers.get("authorization", "").encode()
    if token and hmac.compare_digest(sent, f"Bearer {token}".encode()):
        return True
    try:
        return ipaddress.ip_address(request.client.host if request.client else "").is_loopback
    except ValueError:
        return False


def _route(scope: Scope) -> str:
    """The route template, never the raw path: customer links carry their token in the path."""
    return getattr(scope.get("route"), "path", "unmatched")


class RequestContext:
    """ASGI middleware: a request id (for logs and the answer), security headers, the request counter,
    ack latency, one log line per answer, and a JSON 500 instead of a stack trace for an unhandled error."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = safe_request_id(sent) or uuid.uuid4().hex[:16]
        request_id.set(rid)
        started, status = time.perf_counter(), 0

        async def stamped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["x-request-id"] = rid
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if scope.get("scheme") == "https":
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        unreadable = path_problem(scope)
        try:
            if unreadable:
                refused(scope, unreadable)
                await JSONResponse({"error": unreadable}, status_code=400)(scope, receive, stamped)
            else:
                await self.app(scope, receive, stamped)
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], _route(scope))
            if not status:
                await JSONResponse({"error": "internal error"}, status_code=500)(scope, receive, stamped)
        route, elapsed = _route(scope), time.perf_counter() - started
        metrics.REQUESTS.labels(route, str(status)).inc()
        if route in ACK_ROUTES:
            metrics.ACK_LATENCY.labels(ACK_ROUTES[route]).observe(elapsed)
        level = logging.WARNING if status in (401, 403) else logging.INFO if status >= 400 else logging.DEBUG
        reason = refusal(scope)
        log.log(level, "%s %s %s %.1fms%s", scope["method"], route, status, elapsed * 1000,
                f" refused: {reason}" if reason else "")


def build_context(settings: Settings, config: ProgramConfig | None = None, clock: Callable = system_clock,
                  schema: Callable[[Engine], object] = upgrade) -> BotContext:
    """Load configuration, see to the schema (by default: migrate the database) and build the core."""
    config = config or load_config(settings.advocacy_config)
    engine = make_engine(settings.database_url)
    schema(engine)
    return BotContext(settings=settings, core=Core(engine, config, settings.link_secret(), clock=clock,
                                                   chart=_digest_chart))


def _digest_chart(digest):
    """The digest's chart (matplotlib is loaded by the first chart drawn)."""
    from bot.charts import digest_chart
    return digest_chart(digest)


def create_app(ctx: BotContext) -> FastAPI:
    """Mount every surface on one FastAPI app; background work starts with the server."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        worker = OutboxWorker(ctx.core.engine, ctx.senders, ctx.core.clock,
                              lease=timedelta(seconds=ctx.settings.outbox_lease_seconds), turn=ctx.acks.turn)
        delivering = asyncio.create_task(worker.run_forever(ctx.settings.outbox_poll_seconds))
        others = [asyncio.create_task(start()) for start in ctx.background]
        yield
        stop_by = time.monotonic() + DRAIN_SECONDS
        await ctx.acks.drain(DRAIN_SECONDS)  # what people were told is under way is finished first,
        delivering.cancel()
        await asyncio.gather(delivering, return_exceptions=True)
        await worker.last_round(stop_by - time.monotonic())  # and what it posted is delivered
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    app = FastAPI(title="Advocacy bot", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = ctx
    for mount in SURFACES:
        mount(app, ctx)
    app.add_middleware(BodyLimit)  # inside the request context below, so refusals are logged and counted

    app.add_middleware(RequestContext)  # outermost: ids, headers, counts and logs every answer, refusals included

    metrics_token = ctx.settings.metrics_token.get_secret_value()

    @app.get("/healthz")
    async def healthz(request: Request):
        """ok / unavailable for anyone; the database and surface detail for operators only."""
        detail = _is_operator(request, metrics_token)
        try:
            await asyncio.to_thread(ping, ctx.core.engine)
        except Exception as exc:
            log.error("health check failed: %s", type(exc).__name__)
            return JSONResponse({"status": "unavailable"} | ({"database": "unreachable"} if detail else {}),
                                status_code=503)
        return {"status": "ok"} | ({"database": "ok", "surfaces": ctx.surfaces} if detail else {})

    @app.get("/metrics")
    async def prometheus(request: Request):
        if not _is_operator(request, metrics_token):
            refused(request.scope, "metrics need Authorization: Bearer <METRICS_TOKEN> or a local caller")
            return JSONResponse({"error": "send Authorization: Bearer <METRICS_TOKEN>"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
