"""`advocacy-bot digest preview` and `advocacy-bot digest send`."""

from __future__ import annotations

import base64
import getpass
from pathlib import Path

import typer

from workflows.errors import Conflict, DomainError, InvalidInput
from workflows.periods import asked_for, parse_period

PERIOD_HELP = "A month (2026-10) or a quarter (2026-Q3), in the configured timezone."


def _fail(exc: DomainError) -> typer.Exit:
    typer.echo(exc.message, err=True)
    return typer.Exit(2 if isinstance(exc, InvalidInput) else 1)


def preview(period: str = typer.Option(None, "--period", help=PERIOD_HELP + " Default: this month so far."),
            chart: Path = typer.Option(None, "--chart", help="Also write the chart to this PNG file.",
                                       dir_okay=False, writable=True)) -> None:
    """Print a period's digest as text; nothing is posted."""
    from bot.cli import _context
    from workflows.digest import build_digest, digest_card, digest_text

    core = _context(migrate=False).core
    try:
        chosen = asked_for(period, core.now(), core.config.tz)
    except DomainError as exc:
        raise _fail(exc) from None
    digest = build_digest(core, chosen)
    typer.echo(digest_text(digest_card(digest)))
    if chart:
        from bot.charts import digest_chart

        image = digest_chart(digest)
        chart.write_bytes(base64.b64decode(image.png_base64))
        typer.echo(f"\nChart written to {chart} ({image.alt})")


def send(period: str = typer.Option(..., "--period", help=PERIOD_HELP),
         again: bool = typer.Option(False, "--again", help="Post it even though it was posted before.")) -> None:
    """Post a period's digest to the digest channels (once; --again to post it once more)."""
    from bot.charts import digest_chart
    from bot.cli import _context
    from workflows.digest import post_digest

    ctx = _context()
    core = ctx.core
    try:
        chosen = parse_period(period, core.config.tz)
        if not chosen.is_complete(core.now()) and not again:
            raise Conflict(f"{chosen.label} is not over yet. Preview it with `advocacy-bot digest preview "
                           f"--period {chosen.key}`, or post it so far with --again.")
        posted = post_digest(core, chosen, f"cli:{getpass.getuser()}", digest_chart, again=again)
    except DomainError as exc:
        raise _fail(exc) from None
    platforms = core.config.platforms_for("digest")
    where = ", ".join(f"{p} {core.config.channel(p, 'digest')}" for p in platforms)
    typer.echo(f"Queued the {chosen.label} digest for {where} ({posted.outbox_rows} message(s), run "
               f"{posted.run_key}). A running `advocacy-bot serve` delivers it.")
    for platform in platforms:
        if not _can_post(ctx.settings, platform):
            typer.echo(f"Note: {NEEDS[platform]} is not set here: only a `serve` that has it delivers the {platform} "
                       "post.")


NEEDS = {"slack": "SLACK_BOT_TOKEN", "teams": "TEAMS_APP_ID"}  # what posting to each platform needs


def _can_post(settings, platform: str) -> bool:
    """Whether this environment holds what posting to the platform needs."""
    if platform == "slack":
        return bool(settings.slack_bot_token.get_secret_value().strip())
    return bool(settings.teams_app_id.strip())
