"""The Teams app package: manifest.json (schema v1.17) and the two icons, zipped for upload."""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.environment import GUID
from bot.teams.render import FLAG_WIN_COMMAND
from workflows.config import ProgramConfig

MANIFEST_VERSION = "1.17"
SCHEMA = f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
ICONS = Path(__file__).parent / "icons"
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
BOT_COMMANDS = [
    ("win", "Flag a customer win: win <what happened>"),
    ("proof", "Find approved customer stories: proof <words>"),
    ("queue", "What is waiting for you"),
    ("digest", "This month's program digest"),
    ("help", "What the bot can do"),
]


class PackageError(ValueError):
    """The configuration cannot make a valid Teams app package; the message says what to set."""


@dataclass
class AppInfo:
    app_id: str
    name: str = "Advocacy"
    developer: str = "Customer advocacy program"
    website: str = ""
    privacy_url: str = ""
    terms_url: str = ""
    version: str = "1.0.0"
    accent_color: str = "#2563EB"


def _https(url: str, what: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise PackageError(f"{what} must be an https:// address (got {url!r}); Teams refuses others.")
    return url


def manifest(config: ProgramConfig, app: AppInfo) -> dict:
    """The app manifest for this bot; raises PackageError naming the setting at fault."""
    if not GUID.match(app.app_id or ""):
        raise PackageError("The bot's app id must be the Azure Bot's Microsoft App ID (a GUID): "
                           "set TEAMS_APP_ID or pass --app-id.")
    if not SEMVER.match(app.version):
        raise PackageError(f"Version must look like 1.0.0 (got {app.version!r}).")
    public = _https(config.public_url, "public_url in app.yaml")
    domain = urlsplit(public).hostname
    scopes = ["team", "personal", "groupChat"]
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": app.version,
        "id": app.app_id,
        "developer": {
            "name": app.developer[:32],
            "websiteUrl": _https(app.website or public, "The website URL"),
            "privacyUrl": _https(app.privacy_url or public, "The privacy URL"),
            "termsOfUseUrl": _https(app.terms_url or public, "The terms of use URL"),
        },
        "name": {"short": app.name[:30], "full": f"{app.name} customer advocacy bot"[:100]},
        "description": {
            "short": "Turn customer wins into published, consented proof."[:80],
            "full": ("Flag customer wins from any message, get advocate nominations, draft respectful asks, "
                     "review and publish customer stories with consent, find proof for deals, and read the "
                     "leadership digest, all in Teams.")[:4000],
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": app.accent_color,
        "bots": [{
            "botId": app.app_id,
            "scopes": scopes,
            "supportsFiles": False,
            "isNotificationOnly": False,
            "commandLists": [{"scopes": scopes, "commands": [
                {"title": title, "description": description} for title, description in BOT_COMMANDS]}],
        }],
        "composeExtensions": [{
            "botId": app.app_id,
            "commands": [{
                "id": FLAG_WIN_COMMAND,
                "type": "action",
                "title": "Flag as customer win",
                "description": "Record this message as a customer win",
                "context": ["message"],
                "fetchTask": True,
            }],
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [domain],
        "webApplicationInfo": {"id": app.app_id, "resource": f"api://{domain}/{app.app_id}"},
        "authorization": {"permissions": {"resourceSpecific": [
            {"name": "ChannelMessage.Read.Group", "type": "Application"}]}},
    }


def write_package(config: ProgramConfig, app: AppInfo, out: Path) -> dict:
    """Write the zip (manifest and icons at its root); returns the manifest."""
    content = manifest(config, app)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(content, indent=2))
        for icon in ("color.png", "outline.png"):
            archive.write(ICONS / icon, icon)
    return content
