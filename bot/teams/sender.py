"""Delivers outbox cards to Teams: channel posts and updates, and direct messages in 1:1 chats."""

from __future__ import annotations

import asyncio
import logging

from bot.delivery import PermanentError, RetryableError
from bot.people import NameCache
from bot.teams import render
from bot.teams.conversations import Roster
from bot.teams.transport import ConversationRef, TeamsDeliveryError, TeamsRuntime
from storage import conversations as store
from storage import models as m
from workflows.core import Core
from workflows.effects import Card

log = logging.getLogger(__name__)

NOT_INSTALLED_RETRY = 300.0  # seconds before trying again when the app is not installed anywhere yet


def delivery_error(exc: TeamsDeliveryError) -> Exception:
    """429, 5xx and network failures are retried by the outbox; other refusals park the message."""
    if exc.retryable:
        return RetryableError(str(exc), exc.retry_after)
    return PermanentError(str(exc))


class TeamsOutbox:
    """The outbox's Sender for Teams. A channel's conversation id is the channel id itself."""

    platform = "teams"

    def __init__(self, core: Core, sender: TeamsRuntime, roster: Roster, tenant_id: str = ""):
        self.core = core
        self.sender = sender
        self.roster = roster
        self.tenant_id = tenant_id
        self._names = NameCache(self._name)

    async def names(self, people: set[str]) -> dict[str, str]:
        return await self._names.names(people)

    async def _name(self, person: str) -> str:
        """The person's name in the roster of a team the app is in (by Entra object id or email)."""
        team = await self._anywhere(team_only=True)
        ref = ConversationRef(team.service_url, team.team_id or team.conversation_id, team.tenant_id or None)
        member = await self.roster.member(ref, person)
        return str(member.get("name") or "") if member else ""

    async def _call(self, call):
        try:
            return await call
        except TeamsDeliveryError as exc:
            raise delivery_error(exc) from exc

    async def _channel(self, channel: str) -> ConversationRef:
        found = await asyncio.to_thread(store.for_channel, self.core.engine, channel, self.tenant_id)
        if found is None:
            raise RetryableError("Teams: the app is not installed in any team yet, so there is no service URL "
                                 "to post with; install it (docs/teams.md)", NOT_INSTALLED_RETRY)
        return ConversationRef(found.service_url, channel, found.tenant_id or self.tenant_id or None)

    async def post(self, channel: str, card: Card, key: str = "", unsure: bool = False) -> str:
        ref = await self._channel(channel)
        return await self._call(self.sender.send(ref, render.card_message(card)))

    async def update(self, channel: str, message_id: str, card: Card) -> None:
        ref = await self._channel(channel)
        await self._call(self.sender.update(ref, message_id, render.card_message(card)))

    async def dm(self, person: str, card: Card) -> None:
        user = await self._user(person)
        chat = await asyncio.to_thread(store.personal, self.core.engine, user)
        if chat is None:
            ref = await self._open_chat(user)
        else:
            ref = ConversationRef(chat.service_url, chat.conversation_id, chat.tenant_id or None)
        await self._call(self.sender.send(ref, render.card_message(card)))

    async def _anywhere(self, team_only: bool = False) -> m.Conversation:
        found = await asyncio.to_thread(store.any_conversation, self.core.engine, self.tenant_id, team_only)
        if found is None:
            raise RetryableError("Teams: the app is not installed anywhere yet, so nobody can be messaged; "
                                 "install it (docs/teams.md)", NOT_INSTALLED_RETRY)
        return found

    async def _user(self, person: str) -> str:
        """The person's Entra object id (people may be named by email in records)."""
        if "@" not in person:
            return person
        known = self.roster.user_with_email(person)
        if known:
            return known
        team = await self._anywhere(team_only=True)
        member = await self.roster.member(ConversationRef(team.service_url, team.team_id or team.conversation_id,
                                                          team.tenant_id or None), person)  # Teams accepts a UPN
        if not member or not member.get("aadObjectId"):
            raise PermanentError("Teams: no member of the bot's teams has this email address")
        return str(member["aadObjectId"])

    async def _open_chat(self, user: str) -> ConversationRef:
        base = await self._anywhere()
        tenant = base.tenant_id or self.tenant_id
        ref = await self._call(self.sender.create_conversation(
            ConversationRef(base.service_url, base.conversation_id, tenant or None), user))
        seen = store.Seen(ref.conversation_id, ref.service_url, tenant_id=tenant, user_id=user,
                          conversation_type="personal")
        await asyncio.to_thread(store.remember, self.core.engine, seen, self.core.now())
        return ref
