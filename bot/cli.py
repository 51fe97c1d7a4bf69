"""The `advocacy-bot` command line."""

from __future__ import annotations

from contextlib import contextmanager
from functools import partial
from typing import Iterator, NoReturn

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
for _output in (console, err):  # into a file or a log collector: a line stays one line (a terminal wraps it)
    _output.soft_wrap = not _output.is_terminal
STARTUP_CHECK_WAIT = 1.5  # seconds `serve` waits for the credential check before printing its banner


def _settings() -> Settings:
    return Settings()


def _context(migrate: bool = True):
    """Settings, validated config, a database at this version's schema, and the core.

    A command that stores something brings the schema up to date first (and says so); one that only reads
    (migrate=False) refuses a database that is not migrated. Any problem exits with one clear line."""
    from bot.schema import bring_up_to_date, require_current
    from bot.server import build_context

    settings = _settings()
    with _opening(settings):
        return build_context(settings, schema=(lambda engine: _say(bring_up_to_date(engine))) if migrate
                             else require_current)


def _say(done: str) -> None:
    if done:
        err.print(escape(done), soft_wrap=True)


@contextmanager
def _opening(settings: Settings) -> Iterator[None]:
    """Turn a bad DATABASE_URL or app.yaml, an unreachable database or an unfit schema into one line and exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.environment import database_error, database_url_problem
    from bot.schema import SchemaProblem

    if problem := database_url_problem(settings.database_url):
        _refuse(f"[red]{escape(problem)}[/red]")
    try:
        yield
    except ConfigError as exc:
        _refuse(f"[red]Invalid configuration:[/red] {escape(str(exc))}")
    except SchemaProblem as exc:
        _refuse(f"[red]{escape(str(exc))}[/red]")
    except SQLAlchemyError as exc:
        _refuse(f"[red]{escape(database_error(settings.database_url, exc))}[/red]")


def _refuse(line: str) -> NoReturn:
    err.print(line, soft_wrap=True)
    raise typer.Exit(2)


@app.command()
def serve(host: str = typer.Option("0.0.0.0", help="Interface to listen on."),
          port: int = typer.Option(3000, min=1, max=65535, help="Port to listen on.")) -> None:
    """Run the bot: Slack, Teams, intake pages, webhooks, scheduler, /healthz and /metrics."""
    with paused():
        import uvicorn

        from bot.checks import verify_in_background
        from bot.listen import PortError, bind
        from bot.logs import setup_logging
        from bot.replicas import ReplicaError, claim_sqlite_schedule, hold
        from bot.server import create_app

        from workflows.digest import first_started

        try:
            listening = bind(host, port)  # before anything starts, so a taken port leaves nothing half done
        except PortError as exc:
            _refuse(f"[red]{escape(str(exc))}[/red]")
        ctx = _context()
        setup_logging(ctx.settings.log_level, ctx.settings.secrets())
        first_started(ctx.core)  # digests never report periods that ended before this
        if ctx.settings.scheduler:
            try:
                lock = claim_sqlite_schedule(ctx.settings.database_url)
            except ReplicaError as exc:
                err.print(f"[red]Refusing to start:[/red] {escape(str(exc))}")
                raise typer.Exit(3) from None
            if lock:
                ctx.background.append(partial(hold, lock))
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
    uvicorn.Server(uvicorn.Config(web, log_config=None, access_log=False)).run(sockets=[listening])


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from bot.schema import bring_up_to_date
    from storage.db import make_engine

    settings = _settings()
    with _opening(settings):
        engine = make_engine(settings.database_url)
        _say(bring_up_to_date(engine))
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
        _refuse(f"[red]Invalid configuration:[/red] {escape(str(exc))}")
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
    from workflows.errors import AlreadyDone, Conflict

    ctx = _context()
    from rich.progress import Progress

    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("Generating demo data", total=accounts)
            counts = load_demo(ctx.core, accounts=accounts, seed=seed, months=months,
                               progress=lambda n: progress.update(task, completed=n))
    except AlreadyDone as exc:
        console.print(escape(exc.message))
        return
    except Conflict as exc:
        err.print(f"[red]{escape(exc.message)}[/red]", soft_wrap=True)
        raise typer.Exit(1) from None
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
