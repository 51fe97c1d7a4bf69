"""Teams transport on the Microsoft 365 Agents SDK: the /api/messages route and proactive sends.

Business logic lives behind :class:`TeamsHandler`; this module only translates Bot Framework
activities into handler calls and handler results into invoke responses or connector calls.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from datetime import UTC, datetime
from typing import Any, AsyncIterator, Mapping, Protocol

import aiohttp
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationParameters,
    InvokeResponse,
)
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import (
    ActivityHandler,
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    AuthenticationConstants,
    ClaimsIdentity,
    ConnectionManager,
    RestChannelServiceClientFactory,
    TurnContext,
)
from microsoft_agents.hosting.core.connector import ConnectorClientBase
from microsoft_agents.hosting.core.security import OutboundHostValidator
from microsoft_agents.hosting.fastapi import CloudAdapter, jwt_authorization_decorator

logger = logging.getLogger(__name__)

FRIENDLY_ERROR = "Sorry, something went wrong; it has been logged."
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
_MESSAGE = "application/vnd.microsoft.activity.message"
_RAW_KEYS = ("value", "channelData")  # free-form payloads, passed through untouched


@dataclass(frozen=True)
class TeamsCredentials:
    """Bot registration: all three set for single-tenant auth, none set for anonymous local mode."""

    app_id: str | None = None
    app_password: str | None = None
    tenant_id: str | None = None

    def __post_init__(self) -> None:
        values = (self.app_id, self.app_password, self.tenant_id)
        if any(values) and not all(values):
            raise ValueError("Teams app_id, app_password and tenant_id must be set together")

    @property
    def anonymous(self) -> bool:
        return not self.app_id


@dataclass(frozen=True)
class ConversationRef:
    """Where to post proactively; refresh ``service_url`` from every inbound activity."""

    service_url: str
    conversation_id: str
    tenant_id: str | None = None


@dataclass(frozen=True)
class TurnInfo:
    """The parts of an inbound activity the bot needs; ``channel_id`` is the Teams channel."""

    activity_id: str | None
    conversation_id: str
    conversation_type: str | None
    service_url: str
    tenant_id: str | None
    team_id: str | None
    channel_id: str | None
    from_id: str | None
    from_aad_object_id: str | None
    from_name: str | None
    reply_to_id: str | None
    text: str
    raw: dict = field(repr=False)

    @property
    def conversation(self) -> ConversationRef:
        return ConversationRef(self.service_url, self.conversation_id, self.tenant_id)


class TeamsHandler(Protocol):
    """What the bot implements; every method may raise (the user then sees FRIENDLY_ERROR)."""

    async def on_message(self, ctx: TurnInfo) -> None: ...

    async def on_card_action(self, ctx: TurnInfo, verb: str, data: dict) -> dict:
        """Return an Adaptive Card replacing the clicked card, or ``{"message": "..."}``."""

    async def on_message_action_fetch(self, ctx: TurnInfo, value: dict) -> dict:
        """Return the Adaptive Card for the dialog (or ``{"title", "card", "height", "width"}``)."""

    async def on_message_action_submit(self, ctx: TurnInfo, value: dict) -> str | dict | None:
        """None closes the dialog, a str is shown in it, a dict is the next dialog card."""

    async def on_task_fetch(self, ctx: TurnInfo, data: dict) -> dict:
        """Dialog opened from a card button (``msteams: {type: "task/fetch"}``); like the fetch above."""

    async def on_task_submit(self, ctx: TurnInfo, data: dict) -> str | dict | None:
        """Submit of a dialog opened by ``on_task_fetch``; like the submit above."""

    async def on_installed(self, ctx: TurnInfo) -> None:
        """App added to a team/chat or bot added to a conversation; may be called twice per install."""


@dataclass
class TeamsRuntime:
    """The SDK pieces for one set of credentials."""

    credentials: TeamsCredentials
    auth_config: AgentAuthConfiguration
    connection_manager: ConnectionManager
    adapter: CloudAdapter


def _no_app_id_warning(record: logging.LogRecord) -> bool:
    """The SDK warns on every anonymous turn that no app id is set; startup already says so once."""
    return not record.getMessage().startswith("App ID is not provided")


def build_runtime(credentials: TeamsCredentials | None = None) -> TeamsRuntime:
    """Build auth config, connection manager and adapter (anonymous when no credentials)."""
    credentials = credentials or TeamsCredentials()
    if credentials.anonymous:
        sdk_logger = logging.getLogger("microsoft_agents.hosting.core.connector.client.user_token_client")
        if _no_app_id_warning not in sdk_logger.filters:
            sdk_logger.addFilter(_no_app_id_warning)
    auth_config = _auth_config(credentials)
    adapter = CloudAdapter(
        connection_manager=(manager := _connection_manager(credentials, auth_config)),
        # with real tokens, only accept Microsoft serviceUrls (tokens are sent there)
        host_validator=None if credentials.anonymous else OutboundHostValidator(enabled=True),
    )
    adapter.on_turn_error = _on_turn_error
    return TeamsRuntime(credentials, auth_config, manager, adapter)


def _auth_config(credentials: TeamsCredentials) -> AgentAuthConfiguration:
    if credentials.anonymous:
        return AgentAuthConfiguration(anonymous_allowed=True)  # off by default: 401 without a token
    return AgentAuthConfiguration(
        client_id=credentials.app_id,
        client_secret=credentials.app_password,
        tenant_id=credentials.tenant_id,
        connection_name="SERVICE_CONNECTION",
    )


def _connection_manager(credentials: TeamsCredentials, auth_config: AgentAuthConfiguration) -> ConnectionManager:
    connections = {"SERVICE_CONNECTION": auth_config}
    if credentials.anonymous:
        return ConnectionManager(lambda _config: AnonymousTokenProvider(), connections_configurations=connections)
    return MsalConnectionManager(connections_configurations=connections)


def mount_teams(app: FastAPI, handler: TeamsHandler, credentials: TeamsCredentials | None = None) -> None:
    """Add ``POST /api/messages``; only this route checks Bot Framework tokens."""
    runtime = build_runtime(credentials)
    if runtime.credentials.anonymous:
        logger.warning("Teams /api/messages runs in anonymous mode: requests are not authenticated")
    agent = _TeamsAgent(handler)
    app.state.agent_configuration = runtime.auth_config  # read by jwt_authorization_decorator

    @app.post("/api/messages", include_in_schema=False)
    async def api_messages_route(request: Request) -> Response:
        try:
            return await api_messages(request)
        except Exception as exc:
            if getattr(request.state, "claims_identity", None) is not None:
                raise  # the token was accepted: this is not an authentication problem
            logger.warning("Refused a Teams activity whose token could not be read (%s)", type(exc).__name__)
            return JSONResponse({"error": "Unauthorized"}, status_code=401)

    @jwt_authorization_decorator
    async def api_messages(request: Request) -> Response:
        if runtime.credentials.anonymous and not _is_local(request):
            logger.warning("Refused an unauthenticated Teams activity from another machine")
            return JSONResponse({"error": ANONYMOUS_REMOTE}, status_code=403)
        try:
            body = _drop_nulls(await request.json())
            result = await runtime.adapter.process_request(_SdkRequest(request, body), agent)
        except (ValueError, ValidationError) as exc:  # JSONDecodeError is a ValueError
            logger.warning("Rejected Teams activity: %s", type(exc).__name__)
            return JSONResponse({"error": "Invalid activity"}, status_code=400)
        if result.body is None:
            return Response(status_code=result.status_code, headers=result.headers)
        return JSONResponse(result.body, status_code=result.status_code, headers=result.headers)


ANONYMOUS_REMOTE = ("Teams is in anonymous local mode and only accepts requests from this machine; "
                    "set TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID to accept Teams traffic")


def _is_local(request: Request) -> bool:
    """Anonymous mode trusts no one: only loopback clients (a local playground or tunnel) may post."""
    try:
        return ipaddress.ip_address(request.client.host if request.client else "").is_loopback
    except ValueError:
        return False


class _SdkRequest:
    """HttpRequestProtocol over an already-parsed body."""

    method = "POST"

    def __init__(self, request: Request, body: dict):
        self._request = request
        self._body = body

    @property
    def headers(self) -> Mapping[str, str]:
        return self._request.headers

    async def json(self) -> dict:
        return self._body

    def get_claims_identity(self) -> ClaimsIdentity | None:
        return getattr(self._request.state, "claims_identity", None)

    def get_path_param(self, name: str) -> str:
        return self._request.path_params.get(name, "")


def _drop_nulls(body: Any) -> dict:
    """Remove JSON nulls the SDK's strict models reject (e.g. ``"replyToId": null``)."""
    if not isinstance(body, dict):
        raise ValueError("activity must be a JSON object")

    def clean(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: clean(v) for k, v in node.items() if v is not None}
        if isinstance(node, list):
            return [clean(v) for v in node]
        return node

    return {k: v if k in _RAW_KEYS else clean(v) for k, v in body.items() if v is not None}


def _turn_info(activity: Activity) -> TurnInfo:
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}

    def channel_data_id(key: str) -> str | None:
        section = data.get(key)
        return section.get("id") if isinstance(section, dict) else None

    sender = activity.from_property or ChannelAccount()
    conversation = activity.conversation
    return TurnInfo(
        activity_id=activity.id,
        conversation_id=conversation.id,
        conversation_type=conversation.conversation_type,
        service_url=activity.service_url,
        tenant_id=channel_data_id("tenant") or conversation.tenant_id,
        team_id=channel_data_id("team"),
        channel_id=channel_data_id("channel"),
        from_id=sender.id,
        from_aad_object_id=sender.aad_object_id,
        from_name=sender.name,
        reply_to_id=activity.reply_to_id,
        text=activity.model_copy().remove_recipient_mention().strip(),
        raw=activity.model_dump(by_alias=True, exclude_unset=True, mode="json"),
    )


def _value(activity: Activity) -> dict:
    return activity.value if isinstance(activity.value, dict) else {}


def _ok(body: Any = None) -> InvokeResponse:
    return InvokeResponse(status=200, body=body)


def _card_action_body(result: dict) -> dict:
    if "message" in result and result.get("type") != "AdaptiveCard":
        return {"statusCode": 200, "type": _MESSAGE, "value": result["message"]}
    return {"statusCode": 200, "type": ADAPTIVE_CARD, "value": result}


def _dialog(result: dict) -> dict:
    info = dict(result) if "card" in result else {"card": result}
    info["card"] = {"contentType": ADAPTIVE_CARD, "content": info["card"]}
    return {"task": {"type": "continue", "value": info}}


def _dialog_result(result: str | dict | None) -> dict | None:
    if result is None:
        return None
    if isinstance(result, str):
        return {"task": {"type": "message", "value": result}}
    return _dialog(result)


def _error_invoke_body(name: str | None) -> dict | None:
    if name == "adaptiveCard/action":
        return {"statusCode": 200, "type": _MESSAGE, "value": FRIENDLY_ERROR}
    if name in ("composeExtension/fetchTask", "composeExtension/submitAction", "task/fetch", "task/submit"):
        return {"task": {"type": "message", "value": FRIENDLY_ERROR}}
    return None


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    """Log the exception and show the user a neutral message (never the exception text)."""
    activity = context.activity
    logger.error("Teams turn failed (%s %s)", activity.type, activity.name or "", exc_info=error)
    try:
        if activity.type == ActivityTypes.invoke:
            body = _error_invoke_body(activity.name)
            status = 200 if body else 500
            await context.send_activity(
                Activity(type=ActivityTypes.invoke_response, value={"status": status, "body": body})
            )
        else:
            await context.send_activity(FRIENDLY_ERROR)
    except Exception:
        logger.exception("Could not tell the user about the failed Teams turn")


class _TeamsAgent(ActivityHandler):
    """Routes Teams activities to a TeamsHandler."""

    def __init__(self, handler: TeamsHandler):
        self._handler = handler

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        info = _turn_info(activity)
        value = _value(activity)
        if value and not info.text:  # Action.Submit from a card (fallback for Action.Execute)
            verb = value.get("verb") or value.get("action") or ""
            result = await self._handler.on_card_action(info, str(verb), value)
            await self._apply_submit_result(turn_context, result)
            return
        await self._handler.on_message(info)

    @staticmethod
    async def _apply_submit_result(turn_context: TurnContext, result: dict) -> None:
        body = _card_action_body(result)
        if body["type"] == _MESSAGE:
            await turn_context.send_activity(body["value"])
            return
        card = Activity(
            type=ActivityTypes.message,
            attachments=[{"contentType": ADAPTIVE_CARD, "content": body["value"]}],
        )
        if turn_context.activity.reply_to_id:
            card.id = turn_context.activity.reply_to_id
            await turn_context.update_activity(card)
        else:
            await turn_context.send_activity(card)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        info, value, name = _turn_info(activity), _value(activity), activity.name
        handler = self._handler
        if name == "adaptiveCard/action":
            action = value.get("action") if isinstance(value.get("action"), dict) else {}
            data = action.get("data") if isinstance(action.get("data"), dict) else {}
            return _ok(_card_action_body(await handler.on_card_action(info, action.get("verb") or "", data)))
        if name == "composeExtension/fetchTask":
            return _ok(_dialog(await handler.on_message_action_fetch(info, value)))
        if name == "composeExtension/submitAction":
            return _ok(_dialog_result(await handler.on_message_action_submit(info, value)))
        data = value.get("data") if isinstance(value.get("data"), dict) else {}
        if name == "task/fetch":
            return _ok(_dialog(await handler.on_task_fetch(info, data)))
        if name == "task/submit":
            return _ok(_dialog_result(await handler.on_task_submit(info, data)))
        logger.info("Ignoring Teams invoke %s", name)
        return _ok()

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._handler.on_installed(_turn_info(turn_context.activity))

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        bot_id = turn_context.activity.recipient.id if turn_context.activity.recipient else None
        if any(member.id == bot_id for member in members_added):
            await self._handler.on_installed(_turn_info(turn_context.activity))


class TeamsDeliveryError(Exception):
    """A connector call failed; ``status`` is None when no HTTP response arrived."""

    def __init__(self, status: int | None, retry_after: float | None, message: str):
        super().__init__(f"Teams delivery failed ({status}): {message}")
        self.status = status
        self.retry_after = retry_after
        self.message = message

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status == 429 or self.status >= 500


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    value = (headers or {}).get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


class TeamsSender:
    """Proactive connector calls for the outbox; failures raise TeamsDeliveryError."""

    def __init__(self, credentials: TeamsCredentials | None = None):
        credentials = credentials or TeamsCredentials()
        self._app_id = credentials.app_id
        self._factory = RestChannelServiceClientFactory(
            _connection_manager(credentials, _auth_config(credentials))
        )
        claims = {} if credentials.anonymous else {  # no claims: anonymous, no Authorization header
            AuthenticationConstants.AUDIENCE_CLAIM: self._app_id,
            AuthenticationConstants.APP_ID_CLAIM: self._app_id,
        }
        self._identity = ClaimsIdentity(claims)

    @asynccontextmanager
    async def _client(self, service_url: str) -> AsyncIterator[ConnectorClientBase]:
        client: ConnectorClientBase | None = None
        try:
            client = await self._factory.create_connector_client(
                None,
                self._identity,
                service_url,
                AuthenticationConstants.AGENTS_SDK_SCOPE,
                use_anonymous=self._identity.allow_anonymous,
            )
            yield client
        except aiohttp.ClientResponseError as exc:
            raise TeamsDeliveryError(exc.status, _retry_after(exc.headers), exc.message) from exc
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise TeamsDeliveryError(None, None, str(exc) or type(exc).__name__) from exc
        finally:
            if client is not None:
                await client.close()

    async def send(self, conversation: ConversationRef, activity: dict) -> str:
        """Post a new activity (a thread reply when the id has ``;messageid=``); returns its id."""
        body = Activity.model_validate({"type": ActivityTypes.message, **activity})
        async with self._client(conversation.service_url) as client:
            response = await client.conversations.send_to_conversation(conversation.conversation_id, body)
        return response.id or ""

    async def update(self, conversation: ConversationRef, activity_id: str, activity: dict) -> None:
        """Replace an activity the bot posted earlier (e.g. a card, for everyone)."""
        body = Activity.model_validate({"type": ActivityTypes.message, **activity, "id": activity_id})
        async with self._client(conversation.service_url) as client:
            await client.conversations.update_activity(conversation.conversation_id, activity_id, body)

    async def create_conversation(self, service_url: str, tenant_id: str, user_id: str) -> ConversationRef:
        """Open (or find) the 1:1 chat with a user (``29:`` id or Entra object id)."""
        params: dict[str, Any] = {
            "isGroup": False,
            "members": [{"id": user_id}],
            "tenantId": tenant_id,
            "channelData": {"tenant": {"id": tenant_id}},
        }
        if self._app_id:
            params["bot"] = {"id": f"28:{self._app_id}"}
        async with self._client(service_url) as client:
            result = await client.conversations.create_conversation(ConversationParameters.model_validate(params))
        return ConversationRef(result.service_url or service_url, result.id, tenant_id)

    async def get_member(self, conversation: ConversationRef, member_id: str) -> dict:
        """Roster entry (raw JSON: email, userPrincipalName, aadObjectId, name...)."""
        path = f"v3/conversations/{conversation.conversation_id}/members/{member_id}"
        async with self._client(conversation.service_url) as client:
            async with client.client.get(path) as response:
                response.raise_for_status()
                return await response.json()
