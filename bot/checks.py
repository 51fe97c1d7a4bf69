"""Live checks against the chat platforms: credentials accepted, scopes granted, channels reachable.

`serve` runs the credential and channel checks in the background at start (joining configured
public channels) and reports the result in its banner and /healthz; `advocacy-bot doctor` runs
them all and prints what works and how to fix what does not.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import BotContext
from bot.environment import Finding
from bot.settings import Settings
from workflows.config import PURPOSES, ProgramConfig

log = logging.getLogger(__name__)

MANIFEST = Path(__file__).parent / "slack" / "manifest.yaml"
BOTFRAMEWORK_SCOPE = "https://api.botframework.com/.default"
TIMEOUT = 10.0
INVITE = "type /invite @Advocacy in the channel"


def required_scopes() -> set[str]:
    """The bot scopes the manifest asks for: what every installation must have granted."""
    return set(yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))["oauth_config"]["scopes"]["bot"])


@dataclass
class SlackAuth:
    """What auth.test says about the token: the error, or the bot's identity and granted scopes."""

    error: str = ""
    team: str = ""
    user_id: str = ""
    scopes: set[str] = field(default_factory=set)


def slack_client(settings: Settings) -> AsyncWebClient:
    return AsyncWebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url,
                          timeout=TIMEOUT)


async def slack_auth(client: AsyncWebClient) -> SlackAuth:
    try:
        response = await client.auth_test()
    except SlackApiError as exc:
        return SlackAuth(error=str(exc.response.get("error") or exc.response.status_code))
    except Exception as exc:  # network errors: Slack could not be asked
        return SlackAuth(error=f"unreachable ({type(exc).__name__})")
    granted = (response.headers or {}).get("x-oauth-scopes") or ""
    return SlackAuth(team=response.get("team", ""), user_id=response.get("user_id", ""),
                     scopes={s.strip() for s in granted.split(",") if s.strip()})


def scope_finding(auth: SlackAuth) -> Finding:
    missing = sorted(required_scopes() - auth.scopes)
    if missing:
        return Finding("Slack scopes", False, f"missing {', '.join(missing)}",
                       "add them under OAuth & Permissions (or recreate the app from bot/slack/manifest.yaml) "
                       "and reinstall the app")
    return Finding("Slack scopes", True, "every scope the bot needs is granted")


async def slack_channel(client: AsyncWebClient, purpose: str, channel: str, scopes: set[str],
                        join: bool = False) -> Finding:
    """Whether the bot can post, upload and read in a configured channel; joins a public one when `join`."""
    what = f"Slack {purpose} channel"
    try:
        info = (await client.conversations_info(channel=channel))["channel"]
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error == "channel_not_found":
            return Finding(what, False, f"{channel} not found, or private without the bot",
                           f"check channels.slack.{purpose} in app.yaml; for a private channel {INVITE}")
        return Finding(what, False, f"{channel}: Slack answered {error}", "see the scopes and token checks")
    except Exception as exc:
        return Finding(what, False, f"{channel}: Slack unreachable ({type(exc).__name__})")
    name = f"#{info.get('name', channel)} ({channel}, {'private' if info.get('is_private') else 'public'})"
    if info.get("is_archived"):
        return Finding(what, False, f"{name} is archived", "unarchive it or set another channel id in app.yaml")
    if info.get("is_member"):
        return Finding(what, True, f"{name}, the bot is a member")
    if info.get("is_private"):
        return Finding(what, False, f"{name}, the bot is not a member", INVITE)
    if "channels:join" not in scopes:
        return Finding(what, False, f"{name}, the bot is not a member and lacks channels:join",
                       f"add the channels:join scope and reinstall, or {INVITE}")
    if join:
        try:
            await client.conversations_join(channel=channel)
        except Exception as exc:
            return Finding(what, False, f"{name}: joining failed ({type(exc).__name__})", INVITE)
        return Finding(what, True, f"{name}, joined")
    return Finding(what, True, f"{name}, the bot will join it at start (channels:join)")


async def slack_findings(settings: Settings, config: ProgramConfig, join: bool = False) -> list[Finding]:
    """auth.test, scopes and every configured channel."""
    client = slack_client(settings)
    auth = await slack_auth(client)
    if auth.error:
        return [Finding("Slack token", False, auth.error, "set SLACK_BOT_TOKEN to the app's Bot User OAuth Token "
                        "(xoxb-), from OAuth & Permissions; reinstall the app if it was revoked")]
    found = [Finding("Slack token", True, f"accepted: workspace {auth.team}, bot user {auth.user_id}"),
             scope_finding(auth)]
    for purpose in PURPOSES:
        channel = config.channel("slack", purpose)
        if channel:
            found.append(await slack_channel(client, purpose, channel, auth.scopes, join=join))
    return found


async def teams_token(settings: Settings) -> str:
    """Why Microsoft Entra ID refused a Bot Framework token for the app's credentials; "" when it issued one."""
    url = f"{settings.teams_login_url.rstrip('/')}/{settings.teams_tenant_id.strip()}/oauth2/v2.0/token"
    form = {"grant_type": "client_credentials", "client_id": settings.teams_app_id.strip(),
            "client_secret": settings.teams_app_password.get_secret_value(), "scope": BOTFRAMEWORK_SCOPE}
    import httpx  # loaded when Teams credentials are checked

    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            response = await client.post(url, data=form)
    except httpx.HTTPError as exc:
        return f"token service unreachable ({type(exc).__name__})"
    if response.status_code == 200:
        return ""
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = str(body.get("error_description") or "").split(":", 1)[0]  # e.g. AADSTS7000215, never the text
    return f"token request refused: {body.get('error') or response.status_code}" + (f" ({code})" if code else "")


def teams_configured(settings: Settings) -> bool:
    return bool(settings.teams_app_id.strip() and settings.teams_tenant_id.strip()
                and settings.teams_app_password.get_secret_value())


async def teams_token_finding(settings: Settings) -> Finding:
    error = await teams_token(settings)
    if error:
        return Finding("Teams credentials", False, error,
                       "check TEAMS_APP_ID, TEAMS_TENANT_ID and TEAMS_APP_PASSWORD (a new client secret under "
                       "the app registration's Certificates & secrets)")
    return Finding("Teams credentials", True, "Microsoft Entra ID issues a token for the app")


async def _startup(ctx: BotContext) -> None:
    settings, config = ctx.settings, ctx.core.config
    if "slack" in ctx.senders:
        found = await slack_findings(settings, config, join=True)
        token = found[0]
        if not token.ok:
            ctx.surfaces["slack"] = f"error: {token.detail} ({token.fix})"
        problems = [f"{f.detail}: {f.fix}" for f in found[1:] if not f.ok]
        if problems:
            ctx.surfaces["slack setup"] = "; ".join(problems)
    if "teams" in ctx.senders and teams_configured(settings):
        error = await teams_token(settings)
        if error:
            ctx.surfaces["teams"] = f"error: {error} (check TEAMS_APP_ID, TEAMS_TENANT_ID, TEAMS_APP_PASSWORD)"


def verify_in_background(ctx: BotContext) -> threading.Event:
    """Check the chat credentials and join configured public channels without holding up the start.

    Results land in ctx.surfaces (the banner and /healthz); the returned event is set when done.
    """
    done = threading.Event()

    def run() -> None:
        try:
            asyncio.run(_startup(ctx))
        except Exception:
            log.exception("checking the chat platforms at start failed")
        finally:
            for name, state in ctx.surfaces.items():
                if state.startswith("error") or name.endswith("setup"):
                    log.error("%s: %s", name, state)
            done.set()

    threading.Thread(target=run, name="startup-checks", daemon=True).start()
    return done
