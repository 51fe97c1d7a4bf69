"""Mounts Teams on the web server: ``POST /api/messages``, the outbox sender and the surface status."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from bot.context import BotContext
from bot.teams.conversations import Conversations, Roster
from bot.teams.handler import AdvocacyTeams
from bot.teams.sender import TeamsOutbox
from bot.teams.transport import TeamsCredentials, TeamsRuntime

log = logging.getLogger(__name__)

ANONYMOUS = ("ANONYMOUS local mode: /api/messages is not authenticated and only answers this machine; "
             "set TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID for Teams")


def credentials(ctx: BotContext) -> TeamsCredentials:
    s = ctx.settings
    return TeamsCredentials(s.teams_app_id.strip() or None, s.teams_app_password.get_secret_value() or None,
                            s.teams_tenant_id.strip() or None)


def mount(app: FastAPI, ctx: BotContext) -> None:
    try:
        creds = credentials(ctx)
    except ValueError as exc:
        log.error("Teams is off: %s", exc)
        ctx.surfaces["teams"] = f"off: {exc}"
        return
    runtime = TeamsRuntime(creds)
    roster = Roster(runtime)
    outbox = TeamsOutbox(ctx.core, runtime, roster, creds.tenant_id or "")
    AdvocacyTeams(ctx.core, runtime, roster, Conversations(ctx.core), names=outbox.names, dm=outbox.dm)
    runtime.mount(app, ctx.acks)
    ctx.senders["teams"] = outbox
    if creds.anonymous:
        log.warning("Teams runs in %s", ANONYMOUS)
        ctx.surfaces["teams"] = f"on: {ANONYMOUS}"
    else:
        ctx.surfaces["teams"] = f"on: /api/messages, single-tenant app {creds.app_id} (tenant {creds.tenant_id})"
