"""Who is acting (the Actor, from users.info and user groups, cached) and the one error handler.

A refusal (DomainError) is an outcome the listeners show like any other; every other error,
in a listener or in middleware, reaches Bolt's error handler `on_error`, which logs it with
its context and tells the person FRIENDLY_ERROR: as a notice in the modal they submitted,
else ephemerally where they clicked, else in a direct message. Nothing is lost: a failed
command changed nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass

import aiohttp
from cachetools import TLRUCache, TTLCache
from slack_bolt import BoltResponse
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import modals
from bot.slack.verify import is_verified
from workflows.actors import Actor
from workflows.config import ProgramConfig
from workflows.errors import DomainError, InvalidInput
from workflows.interactions import FRIENDLY_ERROR, refusal

log = logging.getLogger(__name__)
LOOKUP_TIMEOUT = 1.0  # a slow users.info must not hold the acknowledgement
ACK_POLL = 0.05  # longer than Bolt's 10 ms wait between looks for a listener's acknowledgement


@dataclass(frozen=True)
class _Person:
    name: str
    email: str


class Directory:
    """Slack users and user-group handles, cached so most requests make no API call."""

    def __init__(self, config: ProgramConfig, user_ttl: float = 3600, group_ttl: float = 300):
        self.config = config
        self._people: TTLCache[str, _Person] = TTLCache(maxsize=50_000, ttl=user_ttl)
        # one entry, the handles of every member; a failed read is retried sooner
        self._groups: TLRUCache[str, tuple[bool, dict]] = TLRUCache(
            maxsize=1, ttu=lambda _key, value, now: now + (group_ttl if value[0] else min(60.0, group_ttl)),
            timer=time.monotonic)
        self._user_locks: dict[str, asyncio.Lock] = {}
        self._group_lock = asyncio.Lock()

    @property
    def uses_groups(self) -> bool:
        return any(member.startswith("@") for members in self.config.roles.values() for member in members)

    async def actor(self, client: AsyncWebClient, user_id: str) -> Actor:
        """The Actor for a Slack user; just the user id when Slack does not answer in time.

        A slow lookup carries on in the background and fills the cache for the next request.
        """
        person, groups = self._people.get(user_id), self._cached_handles(user_id)
        if person is not None and groups is not None:
            return Actor(platform="slack", user_id=user_id, email=person.email, name=person.name, groups=groups)
        lookup = asyncio.gather(self._person(client, user_id), self._handles(client, user_id))
        lookup.add_done_callback(lambda done: done.cancelled() or done.exception())
        try:
            person, groups = await asyncio.wait_for(asyncio.shield(lookup), LOOKUP_TIMEOUT)
        except (asyncio.TimeoutError, SlackApiError, aiohttp.ClientError, OSError) as exc:
            log.warning("could not look up Slack user %s in time (%s)", user_id, type(exc).__name__)
            return Actor(platform="slack", user_id=user_id)
        return Actor(platform="slack", user_id=user_id, email=person.email, name=person.name, groups=groups)

    async def _person(self, client: AsyncWebClient, user_id: str) -> _Person:
        if (cached := self._people.get(user_id)) is not None:
            return cached
        async with self._user_locks.setdefault(user_id, asyncio.Lock()):
            if (cached := self._people.get(user_id)) is not None:
                return cached
            user = (await client.users_info(user=user_id))["user"]
            profile = user.get("profile") or {}
            name = profile.get("real_name") or user.get("real_name") or profile.get("display_name") or user_id
            person = self._people[user_id] = _Person(name=name, email=(profile.get("email") or "").lower())
            return person

    def _cached_handles(self, user_id: str) -> tuple[str, ...] | None:
        if not self.uses_groups:
            return ()
        loaded = self._groups.get("all")
        return None if loaded is None else loaded[1].get(user_id, ())

    async def _handles(self, client: AsyncWebClient, user_id: str) -> tuple[str, ...]:
        if not self.uses_groups:
            return ()
        if (loaded := self._groups.get("all")) is None:
            async with self._group_lock:
                if (loaded := self._groups.get("all")) is None:
                    loaded = self._groups["all"] = await self._load_groups(client)
        return loaded[1].get(user_id, ())

    async def _load_groups(self, client: AsyncWebClient) -> tuple[bool, dict[str, tuple[str, ...]]]:
        members: dict[str, list[str]] = {}
        try:
            groups = (await client.usergroups_list(include_users=True))["usergroups"]
            for group in groups:
                users = group.get("users")
                if users is None:
                    users = (await client.usergroups_users_list(usergroup=group["id"]))["users"]
                for member in users:
                    members.setdefault(member, []).append("@" + group["handle"])
        except SlackApiError as exc:
            log.warning("could not read Slack user groups (%s); group roles are ignored for now",
                        exc.response.get("error"))
            return False, {}
        return True, {user: tuple(handles) for user, handles in members.items()}


def actor_middleware(directory: Directory):
    """Global middleware giving every request the directory its actor is looked up in, after the
    acknowledgement (common.actor_of), and when it arrived."""

    async def with_directory(context: AsyncBoltContext, next):
        context["received_at"] = time.monotonic()  # listeners keep their work within the ack deadline
        context["directory"] = directory
        await next()

    return with_directory


# errors ------------------------------------------------------------------------

_pending: set[asyncio.Task] = set()


def _describe(body: dict) -> str:
    kind = body.get("type") or ("command" if "command" in body else "request")
    what = body.get("command") or (body.get("view") or {}).get("callback_id") or body.get("callback_id") \
        or next((a.get("action_id") for a in body.get("actions") or []), None) \
        or (body.get("event") or {}).get("type") or ""
    return f"{kind} {what}".strip()


def _user_id(body: dict) -> str:
    return (body.get("user") or {}).get("id") or body.get("user_id") or (body.get("event") or {}).get("user", "")


async def tell(client: AsyncWebClient, context: AsyncBoltContext, body: dict, text: str) -> None:
    """Show `text` to the person who acted: ephemerally where they acted, else in a direct message."""
    user = _user_id(body)
    channel = (body.get("channel") or {}).get("id") or body.get("channel_id")
    try:
        if context.response_url:
            await context.respond(text=text, response_type="ephemeral", replace_original=False)
        elif channel and user:
            await client.chat_postEphemeral(channel=channel, user=user, text=text)
        elif user:
            await client.chat_postMessage(channel=user, text=text)
    except Exception as exc:  # the outcome's words are the customer's: never logged
        log.warning("could not tell %s (%s)", user or "the user", type(exc).__name__)


def _later(coro) -> None:
    task = asyncio.ensure_future(coro)
    _pending.add(task)
    task.add_done_callback(_pending.discard)


def modal_answer(body: dict, error: Exception, text: str) -> dict:
    """response_action for a failed view submission: an error on the field at fault, else a notice."""
    view = body.get("view") or {}
    # A problem with no field of its own goes under the first input: the modal and what was typed stay.
    block = modals.field_block(view, error.field if isinstance(error, InvalidInput) else "", or_first=True)
    if block is None:
        return {"response_action": "update", "view": modals.notice("Not done", text).to_dict()}
    return {"response_action": "errors", "errors": {block: text}}


def explain(error: Exception, body: dict, context: AsyncBoltContext) -> str:
    """What to tell the person; logs the failure with its context (never the request's text)."""
    if isinstance(error, DomainError):
        log.info("slack %s by %s refused: %s", _describe(body), _user_id(body), error.message)
    else:
        log.error("slack %s by %s in team %s failed", _describe(body), _user_id(body), context.team_id,
                  exc_info=error)
    return refusal(error)


async def on_error(error: Exception, body: dict, context: AsyncBoltContext, client: AsyncWebClient,
                   request: AsyncBoltRequest, response: BoltResponse | None) -> BoltResponse | None:
    """Bolt's error handler: every error a listener or middleware did not show as an outcome.

    A request not proven to come from Slack causes nothing: its body names the channel, user and
    response_url the bot would otherwise write to.
    """
    if not is_verified(request):
        log.warning("ignored an error on a Slack request that was not verified (%s)", type(error).__name__)
        return BoltResponse(status=401, body="")
    text = explain(error, body, context)
    if response is None:  # acknowledged before the error
        # Bolt forgets the acknowledgement when this returns: give its dispatcher, which looks for it
        # every 10 ms, the time to answer Slack first.
        await asyncio.sleep(ACK_POLL)
        await tell(client, context, body, text)
        return None
    if body.get("type") == "view_submission":
        return BoltResponse(status=200, body=json.dumps(modal_answer(body, error, text)),
                            headers={"content-type": "application/json;charset=utf-8"})
    _later(tell(client, context, body, text))
    return BoltResponse(status=200, body="")
