"""GET /p/<code>: a placement's short link. Redirects to the UTM-tagged page; a person's visit is counted,
link previews and crawlers (known bot user agents, HEAD requests) are not. No visitor data is stored."""

from __future__ import annotations

import crawleruseragents
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from bot.context import BotContext
from workflows import clicks

HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer-when-downgrade",
           "X-Robots-Tag": "noindex"}


def is_person(request: Request) -> bool:
    agent = request.headers.get("user-agent", "")
    return request.method == "GET" and bool(agent) and not crawleruseragents.is_crawler(agent)


def mount(app: FastAPI, ctx: BotContext) -> None:
    core = ctx.core
    ctx.surfaces["links"] = f"on: {core.config.public_url.rstrip('/')}/p/<code> (placement clicks)"
    router = APIRouter()

    @router.api_route("/p/{code}", methods=["GET", "HEAD"])
    async def follow(request: Request, code: str):
        target = await run_in_threadpool(clicks.follow, core, code, is_person(request))
        if target is None:
            return PlainTextResponse("This link is not in use any more.", status_code=404, headers=HEADERS)
        return RedirectResponse(target, status_code=302, headers=HEADERS)

    app.include_router(router)
