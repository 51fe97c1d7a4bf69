"""App Home: the person's queue by role, with buttons that act in place."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.models.blocks import Block, ContextBlock, DividerBlock, HeaderBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import BotContext
from bot.slack.listeners.common import actor_of, from_home, run
from bot.slack.middleware import tell
from bot.slack.render import actions, fit, mrkdwn, plain
from workflows.actors import Actor
from workflows.core import Core
from workflows.interactions import queue_buttons
from workflows.queue import Queue, QueueItem, my_queue

HOME = (8, 100)  # items per section, and Block Kit's block limit for the Home tab
MESSAGE = (3, 50)  # the same in a message


def item_blocks(item: QueueItem) -> list[Block]:
    text = f"*{fit(item.title, 200)[0]}*\n{fit(item.detail, 500, links=True)[0]}"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text, verbatim=True))]
    buttons = queue_buttons(item)
    if buttons:
        blocks.append(actions(buttons, block_id=f"{item.kind}.{item.item_id}"))
    return blocks


def queue_blocks(queue: Queue, limits: tuple[int, int], notice: str = "") -> list[Block]:
    """The queue's sections with counts; each item with the buttons that act on it."""
    per_section, max_blocks = limits
    counts = ", ".join(f"{name}: {len(items)}" for name, items in queue.sections.items())
    blocks: list[Block] = [HeaderBlock(text=plain("Your advocacy queue", 150)),
                           ContextBlock(elements=[mrkdwn(f"{queue.total} open item(s). {counts}")])]
    if notice:
        blocks.append(SectionBlock(text=mrkdwn(notice)))
    for name, items in queue.sections.items():
        blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text=f"*{fit(name, 100)[0]}* ({len(items)})"))]
        if not items:
            blocks.append(ContextBlock(elements=[mrkdwn("Nothing here.")]))
        for item in items[:per_section]:
            blocks += item_blocks(item)
        if len(items) > per_section:
            blocks.append(ContextBlock(elements=[mrkdwn(f"and {len(items) - per_section} more")]))
    if len(blocks) > max_blocks:
        blocks = blocks[:max_blocks - 1] + [ContextBlock(elements=[mrkdwn("More items are not shown.")])]
    return blocks


def home_view(core: Core, actor: Actor, notice: str = "") -> dict:
    return View(type="home", blocks=queue_blocks(my_queue(core, actor), HOME, notice)).to_dict()


def queue_message(core: Core, actor: Actor) -> dict:
    """/advocacy queue's answer."""
    queue = my_queue(core, actor)
    return {"text": f"Your queue: {queue.total} open item(s)",
            "blocks": [b.to_dict() for b in queue_blocks(queue, MESSAGE)]}


async def publish_home(client: AsyncWebClient, core: Core, actor: Actor, notice: str = "") -> None:
    """Publish the person's Home tab (built off the event loop: the query and the Block Kit models)."""
    await client.views_publish(user_id=actor.user_id, view=await run(home_view, core, actor, notice))


async def confirm(client: AsyncWebClient, core: Core, context: AsyncBoltContext, body: dict, text: str,
                  home: bool | None = None) -> None:
    """Tell the person what their action did: on a refreshed Home tab, or ephemerally where they clicked."""
    if from_home(body) if home is None else home:
        await publish_home(client, core, await actor_of(context), notice=text)
    else:
        await tell(client, context, body, text)


def register(app: AsyncApp, ctx: BotContext) -> None:
    @app.event("app_home_opened")
    async def home_opened(event: dict, client: AsyncWebClient, context: AsyncBoltContext) -> None:
        if event.get("tab", "home") == "home":
            await publish_home(client, ctx.core, await actor_of(context))
