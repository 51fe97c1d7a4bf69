"""Delivers outbox cards to Slack: posts, in-place updates, direct messages and chart uploads.

Slack's answers become the outbox's vocabulary: rate limits, server errors and timeouts are
RetryableError (the post waits, in order, and is never dropped); a missing channel or a bad
token is PermanentError (the message is parked so its lane moves on). Uploads and history need
membership: the bot joins a public channel and tries again; a private channel it is not in
waits for an /invite, with an error in the log naming the channel.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (AsyncConnectionErrorRetryHandler,
                                                         AsyncRateLimitErrorRetryHandler,
                                                         AsyncServerErrorRetryHandler)
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery import PermanentError, RetryableError
from bot.people import NameCache
from bot.slack.render import card_message, escape, fit
from workflows.effects import Card

log = logging.getLogger(__name__)

PERMANENT = {
    "channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "not_authed", "account_inactive",
    "token_revoked", "token_expired", "no_permission", "missing_scope", "restricted_action", "users_not_found",
    "user_not_found", "message_not_found", "cant_update_message", "invalid_blocks", "msg_too_long", "no_text",
    "invalid_arguments", "channel_is_archived", "team_access_not_granted", "ekm_access_denied",
}
METADATA_ERRORS = ("invalid_metadata_format", "invalid_metadata_schema", "metadata_too_large")
OUTBOX_TYPE, OUTBOX_KEY = "advocacy_outbox", "outbox_id"
INLINE_RETRY_MAX_WAIT = 5  # longer Retry-After waits go back to the outbox, which keeps the lease short
INVITE_RETRY = 300.0  # seconds between tries while a private channel waits for the bot to be invited


class ShortRateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """Waits out a short Retry-After in place; a long one is left to the outbox."""

    async def _can_retry_async(self, *, state, request, response=None, error=None) -> bool:
        if not await super()._can_retry_async(state=state, request=request, response=response, error=error):
            return False
        return _retry_after(response.headers) <= INLINE_RETRY_MAX_WAIT


def _retry_after(headers) -> float:
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list) else value
            try:
                return float(value)
            except (TypeError, ValueError):
                return 1.0
    return 0.0


def retry_handlers() -> list[AsyncRetryHandler]:
    return [AsyncConnectionErrorRetryHandler(), ShortRateLimitRetry(max_retry_count=1),
            AsyncServerErrorRetryHandler(max_retry_count=1)]


def classify(exc: Exception) -> Exception:
    """The outbox error for a failed Slack call."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        error = response.get("error", "") if hasattr(response, "get") else ""
        status = getattr(response, "status_code", 200)
        if status == 429 or error == "ratelimited":
            return RetryableError(f"Slack rate limit ({error or status})",
                                  _retry_after(getattr(response, "headers", {})) or None)
        if status >= 500 or error not in PERMANENT:
            return RetryableError(f"Slack error {error or status}")
        if error == "channel_not_found":
            return PermanentError("Slack refused: channel_not_found (no such channel, or a private one the bot "
                                  "is not in: /invite @Advocacy there)")
        return PermanentError(f"Slack refused: {error}")
    if isinstance(exc, (SlackClientError, asyncio.TimeoutError, aiohttp.ClientError, OSError)):
        return RetryableError(f"Slack unreachable: {type(exc).__name__}")
    return exc


def keyed(metadata: dict | None, key: str) -> dict:
    """Message metadata that also carries the outbox key (kept in "Read all" metadata when there is some)."""
    if metadata:
        return {**metadata, "event_payload": {**metadata["event_payload"], OUTBOX_KEY: key}}
    return {"event_type": OUTBOX_TYPE, "event_payload": {OUTBOX_KEY: key}}


def file_comment(card: Card, limit: int = 3900) -> str:
    """The card as escaped mrkdwn text, for the comment that goes with an uploaded chart."""
    lines = [f"*{fit(card.title, 150)[0]}*", *(fit(p, 1500, links=True)[0] for p in card.body if p.strip())]
    lines += [f"*{fit(f.label, 100)[0]}:* {fit(f.value, 300, links=True)[0]}" for f in card.facts]
    lines += [f"<{escape(b.url)}|{fit(b.label, 75)[0]}>" for b in card.buttons if b.url and "|" not in b.url]
    if card.note.strip():
        lines.append(f"_{fit(card.note, 500)[0]}_")
    kept: list[str] = []
    for line in lines:
        if sum(len(k) + 1 for k in kept) + len(line) > limit:
            break
        kept.append(line)
    return "\n".join(kept)


async def display_name(client: AsyncWebClient, person: str) -> str:
    """The person's name in Slack (full name, else display name), by user id or email; "" for nobody known."""
    try:
        if "@" in person:
            user = (await client.users_lookupByEmail(email=person))["user"]
        elif person[:1] in "UW":
            user = (await client.users_info(user=person))["user"]
        else:
            return ""
    except SlackApiError:
        return ""
    profile = user.get("profile") or {}
    return "" if user.get("deleted") else (profile.get("real_name") or user.get("real_name")
                                           or profile.get("display_name") or "")


class SlackSender:
    """The outbox's Sender for Slack (AsyncWebClient with its own retry handlers, off the ack path)."""

    platform = "slack"

    def __init__(self, token: str, base_url: str, timeout: float = 15.0):
        self.client = AsyncWebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=retry_handlers())
        self._unsure: dict[str, float] = {}  # outbox key -> when a post that got no answer was sent
        self._joined: set[str] = set()  # channels this process has joined or found itself in
        self._names = NameCache(lambda person: display_name(self.client, person))

    async def names(self, people: set[str]) -> dict[str, str]:
        return await self._names.names(people)

    async def join(self, channel: str) -> bool:
        """Join a public channel (channels:join); False for a channel that cannot be joined (private)."""
        try:
            await self.client.conversations_join(channel=channel)
        except SlackApiError as exc:
            if exc.response.get("error") in ("method_not_supported_for_channel_type", "channel_not_found"):
                return False
            raise classify(exc) from exc
        except Exception as exc:
            raise classify(exc) from exc
        if channel not in self._joined:
            log.info("joined Slack channel %s", channel)
        self._joined.add(channel)
        return True

    async def _member(self, channel: str, call):
        """Run a call that needs membership; on not_in_channel join the channel and run it again."""
        try:
            return await call()
        except SlackApiError as exc:
            if exc.response.get("error") != "not_in_channel" or channel[:1] in "UWD":
                raise
            self._joined.discard(channel)
        if not await self.join(channel):
            log.error("Slack: the bot is not in channel %s and cannot join it (a private channel): "
                      "type /invite @Advocacy in that channel", channel)
            raise RetryableError(f"Slack: not in private channel {channel}; /invite the bot there", INVITE_RETRY)
        return await call()

    async def post(self, channel: str, card: Card, key: str = "", unsure: bool = False) -> str:
        if card.image:
            return await self._upload(channel, card)
        message = await asyncio.to_thread(card_message, card)  # Block Kit models are costly: off the event loop
        if key:
            message["metadata"] = keyed(message.get("metadata"), key)
            if unsure or key in self._unsure:  # an attempt may have been posted: look before posting again
                found = await self._posted(channel, key, self._unsure.get(key, time.time() - 3600))
                if found:
                    self._unsure.pop(key, None)
                    return found
        try:
            try:
                response = await self._post(channel, message, key)
            except SlackApiError as exc:
                if exc.response.get("error") not in METADATA_ERRORS or "metadata" not in message:
                    raise
                message.pop("metadata")  # "Read all" then explains the full text is not stored
                if key:
                    message["metadata"] = keyed(None, key)
                response = await self._post(channel, message, key)
        except RetryableError:
            raise
        except Exception as exc:
            raise classify(exc) from exc
        self._unsure.pop(key, None)
        return response["ts"]

    async def _post(self, channel: str, message: dict, key: str):
        started = time.time()
        try:
            return await self._member(channel, lambda: self.client.chat_postMessage(
                channel=channel, unfurl_links=False, unfurl_media=False, **message))
        except (asyncio.TimeoutError, aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
            if key:  # no answer: Slack may have posted it
                self._unsure.setdefault(key, started)
            raise

    async def _posted(self, channel: str, key: str, since: float) -> str | None:
        """The ts of a message carrying outbox `key` posted in `channel` since `since`, if any."""
        try:
            history = await self._member(channel, lambda: self.client.conversations_history(
                channel=channel, oldest=f"{since - 60:.6f}", include_all_metadata=True, limit=200))
        except RetryableError:
            raise
        except Exception as exc:
            error = classify(exc)
            if isinstance(error, PermanentError):  # e.g. a DM addressed by user id: post rather than park it
                log.warning("could not check %s for outbox message %s: %s", channel, key, error)
                return None
            raise error from exc
        for message in history.get("messages", []):
            if (message.get("metadata") or {}).get("event_payload", {}).get(OUTBOX_KEY) == key:
                log.info("outbox message %s was already posted before a timeout; not posting it again", key)
                return message["ts"]
        return None

    async def update(self, channel: str, message_id: str, card: Card) -> None:
        try:
            await self.client.chat_update(channel=channel, ts=message_id, **await asyncio.to_thread(card_message, card))
        except Exception as exc:
            raise classify(exc) from exc

    async def dm(self, person: str, card: Card) -> None:
        await self.post(await self._user_id(person), card)

    async def _user_id(self, person: str) -> str:
        """A Slack user id (a DM posted to it lands in the app's conversation with the person)."""
        if "@" not in person:
            return person
        try:
            return (await self.client.users_lookupByEmail(email=person))["user"]["id"]
        except Exception as exc:
            raise classify(exc) from exc

    async def _upload(self, channel: str, card: Card) -> str:
        """A chart card: the image with its alt text, and the card's text as the file's comment."""
        image = card.image
        if any(not b.url for b in card.buttons):
            log.warning("card %r has an image: its action buttons are not shown", card.title)
        if channel not in self._joined and channel[:1] not in "UWD":
            await self.join(channel)  # sharing a file needs membership, unlike chat:write.public posts
        try:
            response = await self._member(channel, lambda: self.client.files_upload_v2(
                channel=channel, content=base64.b64decode(image.png_base64), filename=image.filename,
                title=card.title[:250], alt_txt=image.alt[:1000], initial_comment=file_comment(card)))
        except RetryableError:
            raise
        except Exception as exc:
            raise classify(exc) from exc
        return response["files"][0]["id"]
