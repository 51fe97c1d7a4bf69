"""`advocacy-bot doctor`: checks the live installation and says how to fix what does not work."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from rich.markup import escape
from rich.table import Table
from sqlalchemy.engine import make_url
from slack_sdk.web.async_client import AsyncWebClient

from bot.checks import TIMEOUT, slack_client, slack_findings, teams_configured, teams_token_finding
from bot.environment import (GUID, Finding, database_error, database_fix, database_url_problem,
                             environment_findings)
from bot.settings import Settings
from bot.slack.sender import display_name
from bot.teams.conversations import Roster
from bot.teams.transport import ConversationRef, TeamsCredentials, TeamsRuntime
from storage import conversations
from storage.db import is_sqlite, make_engine, normalise_url, ping
from storage.migrate import is_current
from workflows.config import PURPOSES, ConfigError, ProgramConfig, load_config, unworkable_fixes


def diagnose(settings: Settings) -> list[Finding]:
    return asyncio.run(_diagnose(settings))


async def _diagnose(settings: Settings) -> list[Finding]:
    found = environment_findings(settings, need_a_platform=True)
    try:
        config = load_config(settings.advocacy_config)
    except ConfigError as exc:
        return [*found, Finding("app.yaml", False, str(exc), "run advocacy-bot check-config")]
    found += [Finding("app.yaml", False, problem, fix) for problem, fix in unworkable_fixes(config)] or [
        Finding("app.yaml", True, f"{settings.advocacy_config} is valid")]
    engine = await asyncio.to_thread(_database, settings, found)
    if settings.slack_bot_token.get_secret_value():
        slack = await slack_findings(settings, config)
        found += slack
        if slack[0].ok:
            found += await _slack_roles(slack_client(settings), config)
    if teams_configured(settings):
        found.append(await teams_token_finding(settings))
    if engine is not None and any(config.channel("teams", p) for p in PURPOSES):
        emails = not settings.slack_bot_token.get_secret_value()  # else Slack already looked them up
        found += await _teams(settings, config, engine, emails)
    found.append(await _public_url(config))
    return found


def _database(settings: Settings, found: list[Finding]):
    url = make_url(normalise_url(settings.database_url)) if not database_url_problem(settings.database_url) else None
    if url is not None and is_sqlite(url) and url.database and not Path(url.database).exists():
        found.append(Finding("Database", False, f"no database file yet at {url.database}",
                             "run advocacy-bot migrate (serve also creates it at start)"))
        return None
    try:
        engine = make_engine(settings.database_url)
        ping(engine)
        current = is_current(engine)
    except Exception as exc:
        found.append(Finding("Database", False, database_error(settings.database_url, exc),
                             database_fix(settings.database_url)))
        return None
    where = engine.url.render_as_string(hide_password=True)
    found.append(Finding("Database", current, f"{where}, " + ("migrated" if current else "not migrated"),
                         "" if current else "run advocacy-bot migrate (serve also migrates at start)"))
    return engine


async def _slack_person(client: AsyncWebClient, member: str, handles: set[str] | None) -> str:
    """The name Slack knows for a role member, or "" when Slack does not know them."""
    if member.startswith("@"):
        return member if handles is not None and member[1:].lower() in handles else ""
    try:
        return await display_name(client, member)
    except Exception:
        return ""


async def _slack_roles(client: AsyncWebClient, config: ProgramConfig) -> list[Finding]:
    try:
        groups = (await client.usergroups_list())["usergroups"]
        handles: set[str] | None = {g["handle"].lower() for g in groups}
    except Exception:
        handles = None
    found = []
    for role, members in config.roles.items():
        slack_members = [m for m in members if not GUID.match(m)]
        if not slack_members:
            continue
        names = [await _slack_person(client, m, handles) for m in slack_members]
        unknown = [m for m, name in zip(slack_members, names) if not name]
        known = ", ".join(n for n in names if n)
        found.append(Finding(f"Role {role.value}", not unknown,
                             f"not found in Slack: {', '.join(unknown)}" + (f" (found: {known})" if known else "")
                             if unknown else f"found: {known}",
                             "use a member id (profile → ⋯ → Copy member ID), an email or a user group handle"
                             if unknown else ""))
    return found


async def _teams(settings: Settings, config: ProgramConfig, engine, emails: bool) -> list[Finding]:
    found = []
    team = await asyncio.to_thread(conversations.any_conversation, engine, settings.teams_tenant_id.strip(), True)
    for purpose in PURPOSES:
        channel = config.channel("teams", purpose)
        if not channel:
            continue
        what = f"Teams {purpose} channel"
        if await asyncio.to_thread(conversations.stored_channel, engine, channel):
            found.append(Finding(what, True, "the app is installed in its team"))
        elif team is not None:
            found.append(Finding(what, True, "not seen yet; posts use the team the app is installed in",
                                 "if the channel is in another team, add the app to that team", warning=True))
        else:
            found.append(Finding(what, False, "the app is not installed in any team yet",
                                 "upload the package from advocacy-bot teams-package and add the app to the team"))
    if team is not None:
        found += await _teams_roles(settings, config, team, emails)
    return found


async def _teams_roles(settings: Settings, config: ProgramConfig, team, emails: bool) -> list[Finding]:
    """Role members given by Entra object id (and by email, when Slack does not check them) in the roster."""
    creds = TeamsCredentials(settings.teams_app_id.strip() or None,
                             settings.teams_app_password.get_secret_value() or None,
                             settings.teams_tenant_id.strip() or None)
    roster = Roster(TeamsRuntime(creds))
    ref = ConversationRef(team.service_url, team.team_id or team.conversation_id, team.tenant_id or None)
    found = []
    for role, members in config.roles.items():
        ids = [m for m in members if GUID.match(m) or (emails and "@" in m[1:])]
        if not ids:
            continue
        unknown = [member for member in ids if not await roster.member(ref, member)]
        found.append(Finding(f"Role {role.value} (Teams)", not unknown,
                             f"not in the team's roster: {', '.join(unknown)}" if unknown else
                             f"{len(ids)} found in the team's roster",
                             "use the person's Entra object id or email" if unknown else ""))
    return found


async def _public_url(config: ProgramConfig) -> Finding:
    url = f"{config.public_url.rstrip('/')}/healthz"
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            response = await client.get(url)
    except httpx.HTTPError as exc:
        return Finding("Public URL", False, f"{config.public_url} unreachable ({type(exc).__name__})",
                       "start the server, and point public_url in app.yaml at its public address")
    if response.status_code != 200:
        return Finding("Public URL", False, f"{url} answered {response.status_code}",
                       "point public_url at this bot's server")
    local = any(host in config.public_url for host in ("localhost", "127.0.0.1"))
    return Finding("Public URL", True, f"{config.public_url} answers; customers open intake links there",
                   "customers cannot open localhost links: use the public https:// address" if local else "",
                   warning=local)


def report(findings: list[Finding]) -> Table:
    table = Table(title="advocacy-bot doctor", show_lines=False)
    for column in ("", "Check", "Result", "How to fix"):
        table.add_column(column, overflow="fold")
    for f in findings:
        mark = "[red]✗[/red]" if not f.ok else ("[yellow]![/yellow]" if f.warning else "[green]✓[/green]")
        table.add_row(mark, escape(f.what), escape(f.detail), escape(f.fix))
    return table
