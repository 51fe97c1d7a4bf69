"""The `advocacy-bot` command line."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from bot.collector import paused
from bot.settings import Settings
from workflows.config import ConfigError, channel_summary, load_config, unworkable

app = typer.Typer(help="Customer advocacy in Slack and Microsoft Teams.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
digest_app = typer.Typer(help="Leadership digests.", no_args_is_help=True)
app.add_typer(digest_app, name="digest")
console = Console()
err = Console(stderr=True)
STARTUP_CHECK_WAIT = 1.5  # seconds `serve` waits for the credential check before printing its banner


def _settings() -> Settings:
    return Settings()


def _context():
    """Settings, validated config, migrated database and core; exits with a clear message on bad config."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.server import build_context

    settings = _settings()
    try:
        return build_context(settings)
    except ConfigError as exc:
        err.print(f"[red]Invalid configuration:[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from None
    except SQLAlchemyError as exc:
        _database_exit(settings, exc)


def _database_exit(settings: Settings, exc: Exception) -> NoReturn:
    from bot.environment import database_error

    err.print(f"[red]{escape(database_error(settings.database_url, exc))}[/red]", soft_wrap=True)
    raise typer.Exit(2) from None


@app.command()
def serve(host: str = typer.Option("0.0.0.0", help="Interface to listen on."),
          port: int = typer.Option(3000, help="Port to listen on.")) -> None:
    """Run the bot: Slack, Teams, intake pages, webhooks, scheduler, /healthz and /metrics."""
    with paused():
        import uvicorn

        from bot.checks import verify_in_background
        from bot.logs import setup_logging
        from bot.replicas import ReplicaError, claim_sqlite_schedule
        from bot.server import create_app

        from workflows.digest import first_started

        ctx = _context()
        setup_logging(ctx.settings.log_level, ctx.settings.secrets())
        first_started(ctx.core)  # digests never report periods that ended before this
        if ctx.settings.scheduler:
            try:
                lock = claim_sqlite_schedule(ctx.settings.database_url)  # noqa: F841 - held until exit
            except ReplicaError as exc:
                err.print(f"[red]Refusing to start:[/red] {escape(str(exc))}")
                raise typer.Exit(3) from None
        web = create_app(ctx)
    verify_in_background(ctx).wait(STARTUP_CHECK_WAIT)  # results after this are logged and shown by /healthz
    console.print(f"Database: {ctx.core.engine.url.render_as_string(hide_password=True)}")
    for name, state in ctx.surfaces.items():
        console.print(f"  {name:<10} {state}")
    for problem in unworkable(ctx.core.config):
        console.print(f"[yellow]{escape(problem)}[/yellow]")
    if not ctx.settings.advocacy_secret.get_secret_value():
        console.print("[yellow]ADVOCACY_SECRET is not set: customer links use a development key.[/yellow]")
    console.print(f"Listening on http://{host}:{port}")
    uvicorn.run(web, host=host, port=port, log_config=None, access_log=False)


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage.db import make_engine
    from storage.migrate import upgrade

    settings = _settings()
    try:
        engine = make_engine(settings.database_url)
        upgrade(engine)
    except SQLAlchemyError as exc:
        _database_exit(settings, exc)
    console.print(f"Database is up to date: {engine.url.render_as_string(hide_password=True)}")


@app.command("check-config")
def check_config(path: str = typer.Argument(None, help="app.yaml to check (default: ADVOCACY_CONFIG).")) -> None:
    """Validate app.yaml and the environment's secrets (set or not, and their shape; never their values)."""
    from bot.environment import environment_findings

    settings = _settings()
    source = path or settings.advocacy_config
    try:
        config = load_config(source)
    except ConfigError as exc:
        err.print(f"[red]Invalid configuration:[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from None
    problems = [f"[red]Invalid configuration:[/red] {escape(f'{source}: {problem}')}" for problem in unworkable(config)]
    findings = environment_findings(settings)
    problems += [f"[red]Environment:[/red] {escape(f.what)}: {escape(f.detail)}" + (f"; {escape(f.fix)}" if f.fix else "")
                 for f in findings if not f.ok]
    if problems:  # notes with a fix (a misspelt name in .env) may explain a problem, so they come too
        for line in problems + [f"[yellow]Note:[/yellow] {escape(f.what)}: {escape(f.detail)}" for f in findings
                                if f.ok and f.fix]:
            err.print(line, soft_wrap=True)
        raise typer.Exit(2)
    console.print(f"[green]OK[/green] {source} (timezone {config.timezone})")
    for line in channel_summary(config):
        console.print(f"  {line}")
    for role, members in config.roles.items():
        console.print(f"  {role.value}: {len(members)} member(s)")
    console.print("Environment:")
    for finding in findings:
        console.print(f"  {finding.what}: {escape(finding.detail)}", style="yellow" if finding.warning else None)


@app.command()
def doctor() -> None:
    """Check the live installation: chat credentials, scopes, channels, roles, database and public URL."""
    from bot.doctor import diagnose, report

    findings = diagnose(_settings())
    console.print(report(findings))
    if any(not f.ok for f in findings):
        raise typer.Exit(1)


@app.command("demo-data")
def demo_data(accounts: int = typer.Option(300, min=1, max=100000, help="How many accounts to generate."),
              seed: int = typer.Option(7, help="Random seed, for a repeatable sample."),
              months: int = typer.Option(12, min=1, max=60, help="How many months of history to generate.")) -> None:
    """Load a sample program with months of history, so queues, digests and the chart show something without chat.

    Nothing is posted to chat."""
    from storage.outbox import discard_pending
    from workflows.demo import load_demo

    ctx = _context()
    from rich.progress import Progress

    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Generating demo data", total=accounts)
        counts = load_demo(ctx.core, accounts=accounts, seed=seed, months=months,
                           progress=lambda n: progress.update(task, completed=n))
    parked = discard_pending(ctx.core.engine, "demo data is not posted to chat", ctx.core.now())
    console.print(", ".join(f"{v} {k}" for k, v in counts.items()) + f" created ({parked} chat posts not sent).")


from bot.cli_digest import preview as digest_preview, send as digest_send  # noqa: E402

digest_app.command("preview")(digest_preview)
digest_app.command("send")(digest_send)
from bot.cli_teams import teams_package  # noqa: E402

app.command("teams-package")(teams_package)
from bot.cli_data import (deal_cmd, export_app, import_cmd, placements_cmd, review_campaign_cmd,  # noqa: E402
                          sweep_cmd)

app.command("import")(import_cmd)
app.command("sweep")(sweep_cmd)
app.command("review-campaign")(review_campaign_cmd)
app.command("deal")(deal_cmd)
app.command("placements")(placements_cmd)
app.add_typer(export_app, name="export")
from bot.cli_referrals import referral_app  # noqa: E402

app.add_typer(referral_app, name="referral")
