"""Data commands: `import KIND FILE.csv`, `export advocates FILE.csv`, `export push`, `sweep`; and the CRM push."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import httpx
import typer
from rich.markup import escape
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from workflows import export, identification, imports
from workflows.core import Core
from workflows.errors import DomainError

export_app = typer.Typer(help="Advocate statuses and tags out: CSV, or a push to the CRM.", no_args_is_help=True)
BATCH = 500


def _cli():
    from bot import cli

    return cli


class PushRefused(Exception):
    """The CRM answered with an error that retrying will not fix (4xx other than 408/429)."""


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, httpx.TransportError):
        return True
    return isinstance(exc, httpx.HTTPStatusError) and (exc.response.status_code >= 500 or
                                                       exc.response.status_code in (408, 429))


def push_advocates(core: Core, url: str, secret: str = "", client: httpx.Client | None = None,
                   attempts: int = 5, max_wait: float = 30) -> int:
    """POST advocates whose status changed to `url` (batches of 500), retrying busy or failing servers.

    Each batch is remembered once the server accepts it (2xx), so a failed run is simply repeated by the next one.
    With `secret` the body is signed like inbound webhooks (X-Webhook-Timestamp, X-Webhook-Signature).
    Returns how many advocates were delivered. The scheduler can call this periodically.
    """
    from bot.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

    rows = export.pending_push(core)
    owned = client is None
    client = client or httpx.Client(timeout=10)

    @retry(retry=retry_if_exception(_retryable), stop=stop_after_attempt(attempts),
           wait=wait_exponential(multiplier=0.5, max=max_wait), reraise=True)
    def post(body: bytes) -> None:
        headers = {"content-type": "application/json"}
        if secret:
            stamp = str(int(time.time()))
            headers |= {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign(secret, stamp, body)}
        response = client.post(url, content=body, headers=headers)
        if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
            raise PushRefused(f"{url} refused the update: HTTP {response.status_code}")
        response.raise_for_status()

    delivered = 0
    try:
        for start in range(0, len(rows), BATCH):
            batch = rows[start:start + BATCH]
            post(json.dumps(export.push_body(batch)).encode())
            export.mark_pushed(core, batch)
            delivered += len(batch)
    finally:
        if owned:
            client.close()
    return delivered


def import_cmd(kind: str = typer.Argument(..., help=f"What the file holds: {', '.join(imports.KINDS)}."),
               file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                           help="CSV file with a header line.")) -> None:
    """Import accounts, contacts, NPS answers, usage or support signals from CSV (see docs/data.md).

    Re-importing the same file changes nothing. Bad rows are listed by line and skipped; exit code 1 if any.
    """
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
    cli = _cli()
    rows = export.advocates(cli._context().core)
    if file == "-":
        export.write_csv(rows, sys.stdout)
        return
    with open(file, "w", encoding="utf-8", newline="") as stream:
        export.write_csv(rows, stream)
    cli.console.print(escape(f"{len(rows)} advocate(s) written to {file}."))


@export_app.command("push")
def export_push() -> None:
    """POST advocates whose status changed since the last push to crm_callback_url (app.yaml), with retries."""
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
    cli = _cli()
    report = identification.sweep(cli._context().core, limit=limit)
    cli.console.print(escape(report.message))
