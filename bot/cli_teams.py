"""`advocacy-bot teams-package`: the Teams app zip to upload."""

from __future__ import annotations

from pathlib import Path

import typer


def teams_package(
    out: Path = typer.Option(Path("advocacy-bot.zip"), "--out", help="Where to write the zip.", dir_okay=False),
    app_id: str = typer.Option(None, "--app-id", help="Azure Bot Microsoft App ID (default: TEAMS_APP_ID)."),
    name: str = typer.Option("Advocacy", help="App name shown in Teams (up to 30 characters)."),
    developer: str = typer.Option("Customer advocacy program", help="Publisher name shown in Teams."),
    website: str = typer.Option(None, help="Publisher website (https; default: public_url)."),
    privacy_url: str = typer.Option(None, help="Privacy statement (https; default: public_url)."),
    terms_url: str = typer.Option(None, help="Terms of use (https; default: public_url)."),
    version: str = typer.Option("1.0.0", help="App version; raise it for every re-upload."),
) -> None:
    """Write the Teams app package (manifest v1.17 and icons) from app.yaml and TEAMS_APP_ID."""
    from bot.settings import Settings
    from bot.teams.package import AppInfo, PackageError, write_package
    from workflows.config import ConfigError, load_config

    settings = Settings()
    try:
        config = load_config(settings.advocacy_config)
        manifest = write_package(config, AppInfo(
            app_id=(app_id or settings.teams_app_id).strip(), name=name, developer=developer, website=website or "",
            privacy_url=privacy_url or "", terms_url=terms_url or "", version=version), out)
    except (ConfigError, PackageError) as exc:
        typer.echo(f"Cannot write the Teams package: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Wrote {out} (app {manifest['id']}, version {manifest['version']}, "
               f"domain {manifest['validDomains'][0]}).")
    typer.echo("Upload it in Teams: Apps → Manage your apps → Upload an app (or via the Teams admin center).")
