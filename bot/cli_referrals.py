"""`advocacy-bot referral link` and `advocacy-bot referral convert`."""

from __future__ import annotations

import typer

from workflows.actors import Actor
from workflows.errors import DomainError, InvalidInput

referral_app = typer.Typer(help="Referral links per advocate, and the deals they bring.", no_args_is_help=True)
AS_HELP = "Who you are, as listed under roles in app.yaml (an email or a Slack/Teams user id)."


def _actor(who: str) -> Actor:
    who = who.strip()
    return Actor(platform="cli", email=who) if "@" in who else Actor(platform="cli", user_id=who)


def _fail(exc: DomainError) -> typer.Exit:
    typer.echo(exc.message, err=True)
    return typer.Exit(2 if isinstance(exc, InvalidInput) else 1)


@referral_app.command("link")
def link(contact_email: str = typer.Argument(..., help="The advocate's email, as stored on their contact."),
         who: str = typer.Option(..., "--as", help=AS_HELP)) -> None:
    """Print the advocate's personal referral link (the same link every time)."""
    from bot.cli import _context
    from workflows.referrals import referral_link

    try:
        found = referral_link(_context().core, _actor(who), contact_email)
    except DomainError as exc:
        raise _fail(exc) from None
    typer.echo(f"{found.contact.name} ({found.account.name}): {found.url}")


@referral_app.command("convert")
def convert(referral_id: int = typer.Argument(..., help="The referral number from the owner's message."),
            amount: float = typer.Option(..., "--amount", help="Deal value, counted as revenue from advocacy."),
            who: str = typer.Option(..., "--as", help=AS_HELP)) -> None:
    """Mark a referral as converted into a deal worth AMOUNT."""
    from bot.cli import _context
    from workflows.referrals import mark_converted

    try:
        typer.echo(mark_converted(_context().core, _actor(who), referral_id, amount))
    except DomainError as exc:
        raise _fail(exc) from None
