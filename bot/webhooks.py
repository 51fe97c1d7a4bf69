"""Signed webhooks for survey and CRM tools: POST /webhooks/nps, /webhooks/accounts and /webhooks/opportunities.

Each request carries `X-Webhook-Timestamp` (Unix seconds) and `X-Webhook-Signature: sha256=<hex>`, the
HMAC-SHA256 of "<timestamp>.<raw body>" with WEBHOOK_SECRET. Requests more than five minutes off are refused,
so a captured request cannot be replayed later; within the window the sender's `event_id` makes a repeat a no-op.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from bot.context import BotContext
from bot.limits import UNIX_SECONDS, BadInput, read_json, refuse
from workflows import imports, sales
from workflows.errors import DomainError

WINDOW_SECONDS = 300
TIMESTAMP_HEADER = "x-webhook-timestamp"
SIGNATURE_HEADER = "x-webhook-signature"


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The signature header value a sender computes."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, headers, body: bytes, now: float) -> str | None:
    """Why the request is not authentic, or None."""
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    signature = headers.get(SIGNATURE_HEADER, "")
    if not timestamp or not signature:
        return f"unsigned: send {TIMESTAMP_HEADER} and {SIGNATURE_HEADER}"
    if not UNIX_SECONDS.fullmatch(timestamp):
        return f"{TIMESTAMP_HEADER} must be Unix seconds"
    if abs(now - int(timestamp)) > WINDOW_SECONDS:
        return "timestamp outside the 5-minute window (a replay, or the sender's clock is off)"
    if not hmac.compare_digest(sign(secret, timestamp, body), signature.strip()):
        return "bad signature"
    return None


def mount(app: FastAPI, ctx: BotContext) -> None:
    """Add the webhook routes; without WEBHOOK_SECRET they answer 503 and say why."""
    secret = ctx.settings.webhook_secret.get_secret_value()
    core = ctx.core
    ctx.surfaces["webhooks"] = "on: /webhooks/nps, /webhooks/accounts, /webhooks/opportunities" if secret else "off: WEBHOOK_SECRET not set"
    router = APIRouter()

    async def handle(request: Request, model: type[BaseModel], receive, kind: str) -> JSONResponse:
        if not secret:
            return refuse(request.scope, 503, "webhooks are off: set WEBHOOK_SECRET on the bot")
        body = await request.body()
        problem = verify(secret, request.headers, body, core.now().timestamp())
        if problem:
            return refuse(request.scope, 401, f"webhook {kind} not verified: {problem}", problem)
        try:
            event = model.model_validate(read_json(body))
        except BadInput as exc:
            return refuse(request.scope, 400, str(exc))
        except ValidationError as exc:
            return refuse(request.scope, 422, f"{exc.error_count()} invalid field(s)", imports.validation_message(exc))
        try:
            result = await asyncio.to_thread(receive, core, event)
        except DomainError as exc:
            return refuse(request.scope, 422, f"not accepted ({type(exc).__name__})", exc.message)
        return JSONResponse(result)

    @router.post("/webhooks/nps")
    async def nps(request: Request) -> JSONResponse:
        return await handle(request, imports.NpsEvent, imports.receive_nps, "nps")

    @router.post("/webhooks/accounts")
    async def accounts(request: Request) -> JSONResponse:
        return await handle(request, imports.AccountEvent, imports.receive_account, "accounts")

    @router.post("/webhooks/opportunities")
    async def opportunities(request: Request) -> JSONResponse:
        return await handle(request, sales.OpportunityEvent, sales.receive_opportunity, "opportunities")

    app.include_router(router)
