"""Where the bot can reach people in Teams: conversations seen on install and on every activity,
and the roster (Entra object id ↔ email) for role checks and direct messages."""

from __future__ import annotations

import asyncio
import logging

from cachetools import TTLCache
from sqlalchemy.engine import Engine

from bot.teams.transport import ConversationRef, TeamsDeliveryError, TeamsRuntime, TurnInfo
from storage import conversations as store
from workflows.core import Core

log = logging.getLogger(__name__)


def seen(ctx: TurnInfo) -> store.Seen:
    """The conversation an activity came from; a channel thread is stored as its channel."""
    common = {"service_url": ctx.service_url, "tenant_id": ctx.tenant_id or "", "team_id": ctx.team_id or ""}
    if ctx.channel_id:
        return store.Seen(ctx.channel_id, channel_id=ctx.channel_id, conversation_type="channel", **common)
    kind = ctx.conversation_type or ""
    user = (ctx.from_aad_object_id or "") if kind == "personal" else ""
    return store.Seen(ctx.conversation_id.split(";", 1)[0], user_id=user, conversation_type=kind, **common)


class Conversations:
    """Stores conversations, writing only when something changed since this process last looked."""

    def __init__(self, core: Core):
        self.core = core
        self._known: set[store.Seen] = set()

    @property
    def engine(self) -> Engine:
        return self.core.engine

    async def remember(self, ctx: TurnInfo) -> bool:
        """Store or refresh the activity's conversation; True when the bot did not know it."""
        found = seen(ctx)
        if found in self._known:
            return False
        new = await asyncio.to_thread(store.remember, self.engine, found, self.core.now())
        self._known.add(found)
        return new


class Roster:
    """Emails from the Teams roster, cached per Entra object id; a failed lookup is retried later."""

    def __init__(self, runtime: TeamsRuntime, ttl: float = 3600, retry_after: float = 60, size: int = 10_000):
        self.runtime = runtime
        self._emails: TTLCache[str, str] = TTLCache(size, ttl)
        self._unknown: TTLCache[str, bool] = TTLCache(size, retry_after)  # failed lookups, asked again later

    async def email(self, ctx: TurnInfo) -> str:
        user = ctx.from_aad_object_id or ctx.from_id or ""
        if user in self._emails:
            return self._emails[user]
        if user in self._unknown:
            return ""
        roster = ConversationRef(ctx.service_url, ctx.team_id or ctx.conversation_id, ctx.tenant_id)
        member = await self.member(roster, ctx.from_id or user, ctx.context)
        if not member:
            self._unknown[user] = True
            return ""
        email = self._emails[user] = str(member.get("email") or member.get("userPrincipalName") or "").lower()
        return email

    async def member(self, conversation: ConversationRef, member_id: str, context=None) -> dict | None:
        try:
            return await self.runtime.member(conversation, member_id, context)
        except TeamsDeliveryError as exc:
            log.warning("Teams roster lookup failed (%s)", exc.status)
            return None

    def user_with_email(self, email: str) -> str | None:
        """An Entra object id already seen with this email."""
        email = email.lower()
        return next((user for user, known in self._emails.items() if known == email), None)
