"""Checks of the environment's secrets and settings: which are set and whether their shape fits.

Values are never shown: a finding names the variable, what is wrong with it and the fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path

from dotenv import dotenv_values
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.settings import Settings

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
SIGNING_SECRET = re.compile(r"^[0-9a-f]{32}$")
OTHER_VARIABLES = ("FORWARDED_ALLOW_IPS",)  # read by uvicorn
KNOWN_VARIABLES = sorted([name.upper() for name in Settings.model_fields] + list(OTHER_VARIABLES))
PREFIXES = tuple({name.split("_")[0] + "_" for name in KNOWN_VARIABLES if "_" in name})
DRIVERS = ("sqlite", "sqlite+pysqlite", "postgres", "postgresql", "postgresql+psycopg")  # what storage.db can open


@dataclass(frozen=True)
class Finding:
    """One checked thing: ok, a problem (with its fix) or a note that needs no action."""

    what: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False  # works, but worth a look


def _set(secret) -> bool:
    value = secret.get_secret_value() if hasattr(secret, "get_secret_value") else secret
    return bool(value.strip())


def database_url_problem(url: str) -> str:
    """Why DATABASE_URL cannot be used, or "" (only its shape; reaching it is checked elsewhere)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return ("DATABASE_URL is not a database URL (it has no scheme); for a file write sqlite:///./advocacy.db, "
                "for a server postgresql://user:password@host/db")
    if parsed.drivername not in DRIVERS:
        return f"DATABASE_URL uses {parsed.drivername!r}; use sqlite:///… or postgresql://…"
    return ""


def slack_missing(settings: Settings) -> str:
    """Which Slack secret is missing when only part of the pair is set, or ""."""
    token = _set(settings.slack_bot_token)
    signing = _set(settings.slack_signing_secret) or _set(settings.slack_app_token)
    if token and not signing:
        return "SLACK_SIGNING_SECRET is missing (SLACK_BOT_TOKEN is set); or set SLACK_APP_TOKEN for Socket Mode"
    if signing and not token:
        other = "SLACK_SIGNING_SECRET" if _set(settings.slack_signing_secret) else "SLACK_APP_TOKEN"
        return f"SLACK_BOT_TOKEN is missing ({other} is set)"
    return ""


def _not_set_up(what: str, detail: str, fix: str, required: bool) -> Finding:
    """A platform left unset: a note, or a problem with its fix when no platform at all is set up."""
    return Finding(what, not required, detail, fix if required else "", warning=not required)


def _slack_given(settings: Settings) -> bool:
    return any(_set(s) for s in (settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token))


def _teams_given(settings: Settings) -> bool:
    return any(_set(s) for s in (settings.teams_app_id, settings.teams_tenant_id, settings.teams_app_password))


def _slack(settings: Settings, required: bool) -> list[Finding]:
    found: list[Finding] = []
    missing = slack_missing(settings)
    if missing:
        found.append(Finding("Slack secrets", False, missing, "set it from the app's pages at api.slack.com/apps"))
    token = settings.slack_bot_token.get_secret_value().strip()
    if token:
        ok = token.startswith("xoxb-")
        found.append(Finding("SLACK_BOT_TOKEN", ok, "set, a bot token (xoxb-)" if ok else
                             "set, but not a bot token (it should start with xoxb-)",
                             "" if ok else "use OAuth & Permissions → Bot User OAuth Token"))
    secret = settings.slack_signing_secret.get_secret_value().strip()
    if secret:
        ok = bool(SIGNING_SECRET.match(secret))
        found.append(Finding("SLACK_SIGNING_SECRET", ok, "set, 32 hex characters" if ok else
                             f"set, but {len(secret)} characters; a signing secret is 32 hex characters",
                             "" if ok else "copy Basic Information → App Credentials → Signing Secret"))
    app_token = settings.slack_app_token.get_secret_value().strip()
    if app_token:
        ok = app_token.startswith("xapp-")
        found.append(Finding("SLACK_APP_TOKEN", ok, "set, an app-level token (xapp-): Socket Mode" if ok else
                             "set, but not an app-level token (it should start with xapp-)",
                             "" if ok else "generate one under Basic Information → App-Level Tokens "
                             "(scope connections:write)"))
    if not _slack_given(settings):
        found.append(_not_set_up("Slack", "not set up (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET unset)",
                                 "set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET from the Slack app "
                                 "(docs/slack.md), or set up Teams", required))
    return found


def _teams(settings: Settings, required: bool) -> list[Finding]:
    values = {"TEAMS_APP_ID": settings.teams_app_id.strip(), "TEAMS_TENANT_ID": settings.teams_tenant_id.strip(),
              "TEAMS_APP_PASSWORD": settings.teams_app_password.get_secret_value().strip()}
    given = [name for name, value in values.items() if value]
    if not given:
        return [_not_set_up("Teams", "not set up: /api/messages runs in anonymous local mode",
                            "set TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID from the Azure Bot "
                            "resource (docs/teams.md), or set up Slack", required)]
    found: list[Finding] = []
    missing = [name for name in values if name not in given]
    if missing:
        found.append(Finding("Teams secrets", False, f"{', '.join(missing)} missing ({', '.join(given)} set)",
                             "set all three from the Azure Bot resource, or none for local mode"))
    for name in ("TEAMS_APP_ID", "TEAMS_TENANT_ID"):
        if values[name]:
            ok = bool(GUID.match(values[name]))
            found.append(Finding(name, ok, "set, a GUID" if ok else "set, but not a GUID "
                                 "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
                                 "" if ok else "copy it from the Azure Bot resource's Configuration page"))
    if values["TEAMS_APP_PASSWORD"]:
        found.append(Finding("TEAMS_APP_PASSWORD", True, "set"))
    return found


def environment_findings(settings: Settings, need_a_platform: bool = False) -> list[Finding]:
    """Every environment check; problems have ok=False.

    With `need_a_platform`, having neither Slack nor Teams set up is a problem rather than a note.
    """
    required = need_a_platform and not (_slack_given(settings) or _teams_given(settings))
    found = _slack(settings, required) + _teams(settings, required)
    problem = database_url_problem(settings.database_url)
    found.append(Finding("DATABASE_URL", not problem, problem or f"{make_url(settings.database_url).get_backend_name()}"
                         " URL", "" if not problem else "fix DATABASE_URL"))
    for name, secret, why in (("ADVOCACY_SECRET", settings.advocacy_secret, "customer links use a development key"),
                              ("WEBHOOK_SECRET", settings.webhook_secret, "the NPS and account webhooks are off"),
                              ("METRICS_TOKEN", settings.metrics_token,
                               "/metrics and /healthz detail answer only local callers")):
        found.append(Finding(name, True, "set" if _set(secret) else f"not set: {why}", warning=not _set(secret)))
    return found + env_file_findings(Path(Settings.model_config["env_file"]))


def database_error(url: str, exc: Exception) -> str:
    """One line saying what is wrong with DATABASE_URL, from the error opening it (no password shown)."""
    problem = database_url_problem(url)
    if problem:
        return problem
    parsed = make_url(url)
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    reason = reason[0].strip() if reason else type(exc).__name__
    if parsed.get_backend_name() == "sqlite":
        return f"DATABASE_URL: cannot open the SQLite file {parsed.database or '(in memory)'} ({reason})"
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"
    return f"DATABASE_URL: cannot reach the database at {where} ({reason[:200]})"


def database_fix(url: str) -> str:
    """What to check when DATABASE_URL cannot be opened."""
    if database_url_problem(url):
        return "fix DATABASE_URL"
    if make_url(url).get_backend_name() == "sqlite":
        return "check that DATABASE_URL names a file this user may read and write, in a folder that exists"
    return ("check DATABASE_URL (host, port, database, user, password), that the server is running and "
            "reachable from here, and that it accepts these credentials")


def env_file_findings(path: Path) -> list[Finding]:
    """A note for each variable in the .env file that looks like one of the bot's but is not (a typo)."""
    if not path.is_file():
        return []
    found = []
    for name in dotenv_values(path):
        if name.upper() in KNOWN_VARIABLES or not name.upper().startswith(PREFIXES):
            continue
        close = get_close_matches(name.upper(), KNOWN_VARIABLES, n=1, cutoff=0.75)
        found.append(Finding(str(path), True, f"{name} is not a variable the bot reads" +
                             (f"; did you mean {close[0]}?" if close else " (see README, Configuration)"),
                             f"rename it to {close[0]}" if close else "remove it", warning=True))
    return found
