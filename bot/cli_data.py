"""Data commands: `import KIND FILE.csv`, `export advocates FILE.csv`, `export push`, `sweep`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.markup import escape

from workflows.errors import DomainError
from workflows.periods import parse_periods

IMPORT_KINDS = ("accounts", "contacts", "nps", "usage", "support", "opportunities")  # imports.KINDS, for --help

export_app = typer.Typer(help="Advocate statuses and tags out (CSV, or a push to the CRM); program metrics as CSV.",
                         no_args_is_help=True)


def _cli():
    from bot import cli

    return cli


def import_cmd(kind: str = typer.Argument(..., help=f"What the file holds: {', '.join(IMPORT_KINDS)}."),
               file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                           help="CSV file with a header line.")) -> None:
    """Import accounts, contacts, NPS answers, usage or support signals, or opportunities from CSV (docs/data.md).

    Re-importing the same file changes nothing. Bad rows are listed by line and skipped; exit code 1 if any.
    """
    from workflows import imports

    cli = _cli()
    ctx = cli._context()
    try:
        with file.open(encoding="utf-8-sig", newline="") as stream:
            report = imports.import_csv(ctx.core, kind, stream, source=f"import:{file.name}")
    except DomainError as exc:
        cli.err.print(f"[red]{escape(file.name)}:[/red] {escape(exc.message)}")
        raise typer.Exit(2) from None
    cli.console.print(escape(f"{file.name}: {report.summary}."))
    for line, reason in report.errors:
        cli.err.print(escape(f"  line {line}: {reason}"))
    if report.errors:
        raise typer.Exit(1)


@export_app.command("advocates")
def export_advocates(file: str = typer.Argument(..., help="CSV file to write, or - for standard output.")) -> None:
    """Write every advocate's status and tags as CSV (columns in docs/data.md)."""
    from workflows import export

    cli = _cli()
    rows = export.advocates(cli._context().core)
    _write(file, export.write_csv, rows, "advocate(s)")


def _write(file: str, writer, rows: list, what: str) -> None:
    """CSV to a file (and say so), or to standard output for "-"."""
    if file == "-":
        writer(rows, sys.stdout)
        return
    with open(file, "w", encoding="utf-8", newline="") as stream:
        writer(rows, stream)
    _cli().console.print(escape(f"{len(rows)} {what} written to {file}."))


@export_app.command("metrics")
def export_metrics(period: str = typer.Option(..., "--period", help="A month (2026-10), a quarter (2026-Q3), or a "
                                              "range of either (2026-01..2026-10), in the configured timezone."),
                   file: str = typer.Argument("-", help="CSV file to write, or - for standard output.")) -> None:
    """Write the digest's figures as CSV, one row per period (columns in docs/digest.md)."""
    from workflows import export

    cli = _cli()
    core = cli._context().core
    try:
        rows = export.metrics(core, parse_periods(period, core.config.tz))
    except DomainError as exc:
        cli.err.print(f"[red]{escape(exc.message)}[/red]")
        raise typer.Exit(2) from None
    _write(file, export.write_metrics_csv, rows, "period(s)")


@export_app.command("push")
def export_push() -> None:
    """POST advocates whose status changed since the last push to crm_callback_url (app.yaml), with retries."""
    import httpx

    from bot.crm import PushRefused, push_advocates

    cli = _cli()
    ctx = cli._context()
    url = ctx.core.config.crm_callback_url
    if not url:
        cli.err.print("[red]Set crm_callback_url in app.yaml first.[/red]")
        raise typer.Exit(2)
    try:
        sent = push_advocates(ctx.core, url, ctx.settings.webhook_secret.get_secret_value())
    except (PushRefused, httpx.HTTPError) as exc:
        cli.err.print(escape(f"Push failed, nothing lost (the next push retries): {exc}"))
        raise typer.Exit(1) from None
    cli.console.print(f"{sent} changed advocate(s) pushed." if sent else "Nothing changed since the last push.")


def sweep_cmd(limit: int = typer.Option(None, min=0,
                                       help="Most nominations to create (default scoring.sweep_limit).")) -> None:
    """Nominate promoters nobody asked recently, and bring back snoozed nominations that are due."""
    from workflows import identification

    cli = _cli()
    report = identification.sweep(cli._context().core, limit=limit)
    cli.console.print(escape(report.message))
