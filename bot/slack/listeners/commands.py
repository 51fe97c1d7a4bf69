"""Slash commands: /win, /proof and /advocacy <command> (the commands of the interaction table)."""

from __future__ import annotations

import base64
import re
from typing import Awaitable, Callable

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.models.blocks import Block, ImageBlock, MarkdownTextObject, SectionBlock
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import BotContext
from bot.slack import modals
from bot.slack.listeners.common import actor_of, origin, run, run_now, unescape
from bot.slack.listeners.home import MESSAGE, item_blocks, queue_blocks
from bot.slack.middleware import explain
from bot.slack.render import SECTION_MAX, actions, card_blocks, fit
from workflows import cards, interactions
from workflows.effects import Image
from workflows.errors import DomainError
from workflows.interactions import DigestShown, ProofFound, QueueShown
from workflows.outcome import Outcome
from workflows.states import label

SLASH = {"win": "/win", "proof": "/proof"}  # the other commands are /advocacy <command>


def help_text(problem: str = "") -> str:
    """The commands of the interaction table, as Slack spells them."""
    usage = {c.name: f"{SLASH.get(c.name, f'/advocacy {c.name}')} {c.typed}".strip() for c in interactions.COMMANDS}
    lines = [f"• `{usage[c.name]}` {c.help}" for c in interactions.COMMANDS]
    return fit("\n".join(([problem] if problem else []) + [interactions.HELP_TITLE] + lines), 3000)[0]


def proof_blocks(found: ProofFound, tz) -> list[Block]:
    """The stories found, each with its Use in a deal button; then the person's open deals to mark won or lost."""
    deals: list[Block] = []
    if found.deals:  # at most ten: the message stays within Block Kit's 50 blocks
        deals.append(SectionBlock(text=MarkdownTextObject(text="*Your open deals*", verbatim=True)))
        for item in found.deals:
            deals += item_blocks(item)
    query = fit(found.query, 200)[0]
    if not found.proofs:
        text = (f"No approved stories with consent in force match “{query}”. "
                "Try a customer name, an industry or an outcome.")
        return [SectionBlock(text=MarkdownTextObject(text=text, verbatim=True))] + deals
    heading = f"*Proof for “{query}”*" if found.query else "*Most recent approved stories*"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=heading, verbatim=True))]
    for proof in found.proofs:
        story = proof.story
        details = (f"{proof.account.name} · {label(story.ask_type)} · {story.state.value}\n"
                   f"Consent: {cards.consent_summary(proof.consent, tz)}")
        text = f"*{fit(proof.headline, 300)[0]}*\n{fit(details, 1500, links=True)[0]}"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text, verbatim=True)))
        blocks.append(actions([interactions.button("proof.use", story.id)], block_id=f"proof.{story.id}"))
    return blocks + deals


async def _chart_block(client: AsyncWebClient, image: Image) -> ImageBlock:
    """The chart uploaded without sharing it, shown in the answer's blocks."""
    uploaded = await client.files_upload_v2(content=base64.b64decode(image.png_base64), filename=image.filename,
                                            title=image.alt[:250], alt_txt=image.alt[:1000])
    return ImageBlock(slack_file={"id": uploaded["file"]["id"]}, alt_text=image.alt[:2000])


Names = Callable[[set[str]], Awaitable[dict[str, str]]]


async def answer(client: AsyncWebClient, outcome: Outcome, tz, names: Names) -> dict:
    """An outcome as an ephemeral answer's text and blocks; people on a card are shown by name."""
    if isinstance(outcome, QueueShown):
        return {"text": outcome.message, "blocks": [b.to_dict() for b in queue_blocks(outcome.queue, MESSAGE)]}
    if isinstance(outcome, ProofFound):
        return {"text": fit(outcome.message, 100)[0], "blocks": [b.to_dict() for b in proof_blocks(outcome, tz)]}
    if isinstance(outcome, DigestShown):
        card = outcome.card.named(await names(outcome.card.people())) if outcome.card.people() else outcome.card
        blocks, _ = card_blocks(card, preview=SECTION_MAX)
        if outcome.card.image:
            blocks.append(await _chart_block(client, outcome.card.image))
        return {"text": fit(outcome.message, 300)[0], "blocks": [b.to_dict() for b in blocks]}
    return {"text": fit(outcome.message, 3000)[0]}


def register(app: AsyncApp, ctx: BotContext) -> None:
    core = ctx.core

    async def names(people: set[str]) -> dict[str, str]:
        """Display names from the outbox sender's cached directory."""
        sender = ctx.senders.get("slack")
        return await sender.names(people) if sender else {}

    async def command(name: str, rest: str, body: dict, respond, context: AsyncBoltContext,
                      client: AsyncWebClient) -> None:
        if name == "win":
            view = modals.win(story=rest).to_dict() if rest else modals.blank_win()
            await client.views_open(trigger_id=body["trigger_id"], view=view)
            return
        if name in ("help", ""):
            problem = f"I don't know “{rest[:40]}”." if name == "" else ""
            await respond(response_type="ephemeral", text=help_text(problem))
            return
        try:
            if interactions.asks_first(name):  # a command with a form: show it, run nothing yet
                form = await run_now(interactions.form_for, core, await actor_of(context), name)
                await client.views_open(trigger_id=body["trigger_id"], view=modals.form_view(form, origin(body)))
                return
            outcome = await run(interactions.dispatch, core, await actor_of(context), name, {"text": rest})
        except DomainError as refused:
            await respond(response_type="ephemeral", text=fit(explain(refused, body, context), 3000)[0])
            return
        await respond(response_type="ephemeral", **await answer(client, outcome, core.config.tz, names))

    @app.command(re.compile(r"^/(win|proof|advocacy)$"))  # one listener: Bolt runs one matcher, not three
    async def slash(ack, body: dict, respond, context: AsyncBoltContext, client: AsyncWebClient) -> None:
        await ack()
        typed = unescape(body.get("text") or "")
        name, rest = (interactions.command(typed) if body["command"] == "/advocacy"
                      else (body["command"].lstrip("/"), typed.strip()))
        await command(name, rest, body, respond, context, client)
