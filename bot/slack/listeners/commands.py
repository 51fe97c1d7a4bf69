"""Slash commands: /win, /proof and /advocacy."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import BotContext
from bot.slack import modals
from bot.slack.middleware import listen
from bot.slack.listeners.common import actor_of, run, unescape
from bot.slack.listeners.home import queue_message
from bot.slack.render import SECTION_MAX, actions, card_blocks, fit
from workflows import cards, references, sales
from workflows.effects import Button, Card
from workflows.states import label

HELP = "\n".join([
    "*Customer advocacy*",
    "• `/win` flags a customer win (or use *Flag as customer win* on any message).",
    "• `/proof &lt;customer, industry or outcome&gt;` finds approved stories to use with prospects.",
    "• `/advocacy queue` lists your open items; the *Home* tab has them with buttons.",
    "• `/advocacy digest` previews the current leadership digest.",
    "• `/advocacy reference &lt;criteria&gt;` asks for a customer reference, e.g. "
    "`/advocacy reference fintech, enterprise, EMEA, for opp 123`; the account owner approves it.",
])
DIGEST_MISSING = "The digest is not available yet: it arrives with a later version of the bot."


def proof_blocks(query: str, proofs: list[sales.Proof], tz) -> list[Block]:
    if not proofs:
        text = (f"No approved stories with consent in force match “{fit(query, 200)[0]}”. "
                "Try a customer name, an industry or an outcome.")
        return [SectionBlock(text=MarkdownTextObject(text=text, verbatim=True))]
    heading = f"*Proof for “{fit(query, 200)[0]}”*" if query else "*Most recent approved stories*"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=heading, verbatim=True))]
    for proof in proofs:
        story = proof.story
        details = (f"{proof.account.name} · {label(story.ask_type)} · {story.state.value}\n"
                   f"Consent: {cards.consent_summary(proof.consent, tz)}")
        text = f"*{fit(proof.headline, 300)[0]}*\n{fit(details, 1500, links=True)[0]}"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text, verbatim=True)))
        blocks.append(actions([Button("Use in a deal", modals.DEAL, str(story.id), "primary")],
                              block_id=f"proof.{story.id}"))
    return blocks


def digest_preview(core) -> Card | None:
    """The digest of the month so far, or None while the digest workflow is not installed."""
    try:
        from workflows.digest import build_digest, digest_card
        from workflows.periods import containing
    except ImportError:
        return None
    return digest_card(build_digest(core, containing(core.now(), core.config.tz)))


def register(app: AsyncApp, ctx: BotContext) -> None:
    core = ctx.core

    @listen(app.command("/win"))
    async def win(ack, body: dict, client: AsyncWebClient) -> None:
        await ack()
        story = unescape(body.get("text") or "").strip()
        view = modals.win(story=story).to_dict() if story else modals.blank_win()
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @listen(app.command("/proof"))
    async def proof(ack, body: dict, respond) -> None:
        await ack()
        query = unescape(body.get("text") or "").strip()
        blocks = await run(lambda: [b.to_dict() for b in proof_blocks(query, sales.find_proof(core, query),
                                                                        core.config.tz)])
        await respond(response_type="ephemeral", text=f"Proof for {fit(query, 100)[0]}", blocks=blocks)

    @listen(app.command("/advocacy"))
    async def advocacy(ack, body: dict, respond, context: AsyncBoltContext) -> None:
        await ack()
        word, _, rest = (body.get("text") or "").strip().partition(" ")
        word = word.lower()
        if word == "queue":
            await respond(response_type="ephemeral", **await run(queue_message, core, actor_of(context)))
        elif word == "digest":
            card = await run(digest_preview, core)
            if card is None:
                await respond(response_type="ephemeral", text=DIGEST_MISSING)
            else:
                blocks, _ = card_blocks(card, preview=SECTION_MAX)
                await respond(response_type="ephemeral", text=fit(card.title, 300)[0],
                              blocks=[b.to_dict() for b in blocks])
        elif word == "reference":
            proposal = await run(references.request_reference, core, actor_of(context), unescape(rest))
            await respond(response_type="ephemeral", text=fit(proposal.message, 3000)[0])
        else:
            prefix = "" if word in ("", "help") else f"I don't know “{fit(word, 40)[0]}”.\n"
            await respond(response_type="ephemeral", text=prefix + HELP)
