"""Data commands: `import KIND FILE.csv`, `export advocates|metrics|push`, `sweep`, `review-campaign`, `deal`."""

from __future__ import annotations

import csv
import io
import sys
from datetime import datetime
from pathlib import Path
from typing import Literal

import typer
from rich.markup import escape

from bot.cli_referrals import AS_HELP, _actor
from workflows.errors import DomainError, InvalidInput
from workflows.periods import parse_periods
from workflows.states import DEAL_CLOSINGS, DEAL_CLOSINGS_TEXT, AskType, DealOutcome

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
    try:
        text = imports.decode(file.read_bytes())
        report = imports.import_csv(cli._context().core, kind, io.StringIO(text, newline=""),
                                    source=f"import:{file.name}")
    except DomainError as exc:
        cli.err.print(f"[red]{escape(file.name)}:[/red] {escape(exc.message)}", soft_wrap=True)
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
    rows = export.advocates(cli._context(migrate=False).core)
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
    core = cli._context(migrate=False).core
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


def review_campaign_cmd(
        who: str = typer.Option(..., "--as", help=AS_HELP),
        sample: int = typer.Option(50, min=1, max=5000, help="How many people to invite, drawn at random."),
        incentive: str = typer.Option("", help="The thank-you offered, disclosed in every invitation "
                                               "(e.g. 'a $25 gift card')."),
        kind: AskType = typer.Option(AskType.STAR_REVIEW, help="A public review kind (review_gating in app.yaml)."),
        segment: str = typer.Option("", help="Only accounts in this segment."),
        industry: str = typer.Option("", help="Only accounts in this industry."),
        region: str = typer.Option("", help="Only accounts in this region."),
        send: bool = typer.Option(False, "--send", help="Create the invitations; without it, only show the plan."),
        out: Path = typer.Option(None, "--out", dir_okay=False, help="With --send: write the invitations "
                                                                      "(email, name, account, link, text) as CSV."),
        seed: int = typer.Option(None, help="Random seed, for a repeatable sample.")) -> None:
    """Invite a random sample to review you, whatever their NPS (no review gating), with the incentive disclosed."""
    from workflows import gating

    cli = _cli()
    core = cli._context(migrate=send).core
    try:
        gating.require_review_kind(kind, core.config)
        if not send:
            if out is not None:
                raise InvalidInput("--out is written when the invitations are created: add --send.")
            plan = gating.review_campaign(core, _actor(who), kind, segment, industry, region)
            cli.console.print(escape(f"{plan.message} Add --send to invite {min(sample, len(plan.audience))} "
                                     "of them at random."))
            return
        if out is None:
            raise InvalidInput("Give --out FILE.csv: the invitations (with each person's link) are written there.")
        sent = gating.send_review_campaign(core, _actor(who), kind, sample, incentive, segment, industry, region,
                                           seed)
    except DomainError as exc:
        cli.err.print(f"[red]{escape(exc.message)}[/red]")
        raise typer.Exit(2 if isinstance(exc, InvalidInput) else 1) from None
    with out.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["email", "name", "account", "link", "text"])
        writer.writerows([i.contact.email, i.contact.name, i.account.name, i.link, i.text] for i in sent.invitations)
    cli.console.print(escape(f"{sent.message} Invitations written to {out}."))


def deal_cmd(opportunity_id: str = typer.Argument(..., help="The CRM's opportunity id."),
             outcome: Literal[tuple(o.value for o in DEAL_CLOSINGS)] = typer.Argument(  # type: ignore[valid-type]
                 ..., help=f"{DEAL_CLOSINGS_TEXT}."),
             amount: float = typer.Option(..., "--amount", help="The final amount."),
             closed_on: datetime = typer.Option(None, "--date", formats=["%Y-%m-%d"],
                                                help="The day it closed (default today)."),
             who: str = typer.Option(..., "--as", help=AS_HELP)) -> None:
    """Record a deal's outcome, with the final amount and the day it closed."""
    from workflows import sales

    cli = _cli()
    core = cli._context().core
    day = closed_on.date() if closed_on else core.now().astimezone(core.config.tz).date()
    try:
        cli.console.print(escape(sales.close_deal(core, _actor(who), opportunity_id, DealOutcome(outcome), amount,
                                                 day).message))
    except DomainError as exc:
        cli.err.print(f"[red]{escape(exc.message)}[/red]")
        raise typer.Exit(2 if isinstance(exc, InvalidInput) else 1) from None


def placements_cmd(story: int = typer.Option(None, "--story", help="Only this story's placements.")) -> None:
    """Every placement with its short link and the clicks counted on it, most clicked first."""
    from workflows import clicks

    cli = _cli()
    try:
        found = clicks.clicks_per_placement(cli._context(migrate=False).core, story)
    except DomainError as exc:
        cli.err.print(f"[red]{escape(exc.message)}[/red]")
        raise typer.Exit(1) from None
    if not found:
        cli.console.print(clicks.none_to_list(story))
    for row in found:
        p = row.placement
        cli.console.print(escape(f"{row.clicks:>6,} clicks  story {p.story_id} ({row.account})  {p.channel.value:<11} "
                                 f"{p.state.value:<7} "
                                 f"{row.short_link or '-'} → {p.url}"), soft_wrap=True)
