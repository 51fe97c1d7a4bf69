"""Teams on the Microsoft 365 Agents SDK: an ``AgentApplication`` with the Teams extension, the
``/api/messages`` route, and proactive posts through the same adapter.

Routes are registered by the surface (:mod:`bot.teams.handler`) with the SDK's decorators; this
module builds the SDK pieces once per set of credentials and translates turns into :class:`TurnInfo`.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Mapping

import aiohttp
from fastapi import FastAPI, Request, Response
from pydantic import ValidationError

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    Channels,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
    InvokeResponse,
)
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    AnonymousTokenProvider,
    AuthenticationConstants,
    ClaimsIdentity,
    ConnectionManager,
    MemoryStorage,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.connector import ConnectorClientBase
from microsoft_agents.hosting.core.security import OutboundHostValidator
from microsoft_agents.hosting.fastapi import CloudAdapter, jwt_authorization_decorator, start_agent_process
from microsoft_agents.hosting.msteams import TeamsAgentExtension

from bot import ackfirst
from bot.ackfirst import AckFirst
from bot.limits import BadInput, read_json, refuse
from bot.logs import refused
from workflows.interactions import FRIENDLY_ERROR

logger = logging.getLogger(__name__)

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"
ANONYMOUS_REMOTE = ("Teams is in anonymous local mode and only accepts requests from this machine; "
                    "set TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID to accept Teams traffic")
_INBOUND_MODELS = ("ChannelData", "MessagingExtensionAction", "TaskModuleRequest")  # parsed by the SDK in a turn
_DIALOG_INVOKES = ("composeExtension/fetchTask", "composeExtension/submitAction", "task/fetch", "task/submit")


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
    mentions_bot: bool
    context: TurnContext = field(repr=False, compare=False)

    @property
    def conversation(self) -> ConversationRef:
        return ConversationRef(self.service_url, self.conversation_id, self.tenant_id)


def turn_info(context: TurnContext) -> TurnInfo:
    """Read a turn (its channel data already parsed by the Teams extension)."""
    activity = context.activity
    data = activity.channel_data
    team, channel, tenant = (getattr(getattr(data, name, None), "id", None) for name in ("team", "channel", "tenant"))
    sender = activity.from_property or ChannelAccount()
    bot = activity.recipient.id if activity.recipient else None
    return TurnInfo(
        activity_id=activity.id,
        conversation_id=activity.conversation.id,
        conversation_type=activity.conversation.conversation_type,
        service_url=activity.service_url,
        tenant_id=tenant or activity.conversation.tenant_id,
        team_id=team,
        channel_id=channel,
        from_id=sender.id,
        from_aad_object_id=sender.aad_object_id,
        from_name=sender.name,
        reply_to_id=activity.reply_to_id,
        text=(activity.text or "").strip(),
        mentions_bot=any(m.mentioned and m.mentioned.id == bot for m in activity.get_mentions()),
        context=context,
    )


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

    @classmethod
    def wrap(cls, exc: Exception) -> TeamsDeliveryError:
        if isinstance(exc, aiohttp.ClientResponseError):
            return cls(exc.status, _retry_after(exc.headers), exc.message)
        return cls(None, None, str(exc) or type(exc).__name__)


CONNECTOR_ERRORS = (aiohttp.ClientError, TimeoutError)


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


def _no_app_id_warning(record: logging.LogRecord) -> bool:
    """The SDK warns on every anonymous turn that no app id is set; startup already says so once."""
    return not record.getMessage().startswith("App ID is not provided")


def _one_line_refusals(record: logging.LogRecord) -> bool:
    """/api/messages logs each refusal in one line; drop the SDK's own (a rejected activity's text and
    traceback, a token's validation error)."""
    return not record.getMessage().startswith(("Validation error for Activity", "JWT validation error"))


_SDK_REFUSAL_LOGGERS = ("microsoft_agents.activity.activity",
                        "microsoft_agents.hosting.core.authorization.jwt._authorize_request")


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
    from microsoft_agents.authentication.msal import MsalConnectionManager  # noqa: PLC0415 - MSAL is slow to import

    return MsalConnectionManager(connections_configurations=connections)


async def _on_turn_error(context: TurnContext, error: Exception) -> None:
    """Log the exception and show the user a neutral message (never the exception text)."""
    activity = context.activity
    if isinstance(error, ValidationError) and error.title in _INBOUND_MODELS:
        logger.warning("Rejected a Teams %s whose %s is malformed", activity.type, error.title)
        if activity.type == ActivityTypes.invoke:
            await send_invoke_response(context, None, status=400)
        return
    logger.error("Teams turn failed (%s)", " ".join(filter(None, (activity.type, activity.name))), exc_info=error)
    try:
        if activity.type != ActivityTypes.invoke:
            await context.send_activity(FRIENDLY_ERROR)
        elif activity.name == "adaptiveCard/action":
            await send_invoke_response(context, {"statusCode": 200, "type": MESSAGE, "value": FRIENDLY_ERROR})
        elif activity.name in _DIALOG_INVOKES:
            await send_invoke_response(context, {"task": {"type": "message", "value": FRIENDLY_ERROR}})
        else:
            await send_invoke_response(context, None, status=500)
    except Exception:
        logger.exception("Could not tell the user about the failed Teams turn")


async def send_invoke_response(context: TurnContext, body: Any, status: int = 200) -> None:
    """Answer an invoke the routes do not answer themselves (the adapter would say 501)."""
    await context.send_activity(Activity(type=ActivityTypes.invoke_response,
                                         value=InvokeResponse(status=status, body=body)))


class TeamsRuntime:
    """The SDK pieces for one set of credentials: adapter, application, Teams extension, and
    proactive calls through the same adapter (one connection manager, one token cache)."""

    def __init__(self, credentials: TeamsCredentials | None = None):
        self.credentials = credentials = credentials or TeamsCredentials()
        for name in _SDK_REFUSAL_LOGGERS:
            if _one_line_refusals not in logging.getLogger(name).filters:
                logging.getLogger(name).addFilter(_one_line_refusals)
        if credentials.anonymous:
            sdk_logger = logging.getLogger("microsoft_agents.hosting.core.connector.client.user_token_client")
            if _no_app_id_warning not in sdk_logger.filters:
                sdk_logger.addFilter(_no_app_id_warning)
        self.auth_config = _auth_config(credentials)
        manager = _connection_manager(credentials, self.auth_config)
        self.adapter = CloudAdapter(
            connection_manager=manager,
            # with real tokens, only accept Microsoft serviceUrls (tokens are sent there)
            host_validator=None if credentials.anonymous else OutboundHostValidator(enabled=True),
        )
        self.adapter.on_turn_error = None  # the application's error handler answers; never the SDK's echo
        self.app = AgentApplication[TurnState](storage=MemoryStorage(), connection_manager=manager,
                                               start_typing_timer=False)
        self.app.error(_on_turn_error)
        self.teams = TeamsAgentExtension[TurnState](self.app)
        self._bot = ChannelAccount(id=f"28:{credentials.app_id}") if credentials.app_id else ChannelAccount()
        self._identity = ClaimsIdentity({} if credentials.anonymous else {  # no claims: no Authorization header
            AuthenticationConstants.AUDIENCE_CLAIM: credentials.app_id,
            AuthenticationConstants.APP_ID_CLAIM: credentials.app_id,
        })

    def mount(self, app: FastAPI, acks: AckFirst | None = None) -> None:
        """Add ``POST /api/messages``; only this route checks Bot Framework tokens. An authenticated
        activity counts as waiting for its answer in `acks` (work that can wait takes its turn after it)."""
        acks = acks or AckFirst()
        if self.credentials.anonymous:
            logger.warning("Teams /api/messages runs in anonymous mode: requests are not authenticated")
        app.state.agent_configuration = self.auth_config  # read by jwt_authorization_decorator

        @app.post("/api/messages", include_in_schema=False)
        async def api_messages_route(request: Request) -> Response:
            try:
                response = await api_messages(request)
            except Exception as exc:
                if getattr(request.state, "claims_identity", None) is not None:
                    raise  # the token was accepted: this is not an authentication problem
                return refuse(request.scope, 401, f"Teams token could not be read ({type(exc).__name__})",
                              "Unauthorized")
            if response.status_code == 401 and getattr(request.state, "claims_identity", None) is None:
                refused(request.scope, "no valid Bot Framework token")  # the SDK's decorator answered
            return response

        @jwt_authorization_decorator
        async def api_messages(request: Request) -> Response:
            if self.credentials.anonymous and not _is_local(request):
                return refuse(request.scope, 403, "Teams anonymous mode: not a local caller", ANONYMOUS_REMOTE)
            answered, gate = acks.arrived(), ackfirst.current.set(acks)  # authenticated: it waits for its answer
            try:
                read_json(await request.body())  # hostile JSON is refused before the SDK parses it
                _drop_top_level_nulls(await request.json())
                return await start_agent_process(request, self.app, self.adapter)
            except BadInput as exc:
                return refuse(request.scope, 400, f"invalid Teams activity: {exc}")
            except (ValueError, ValidationError) as exc:  # JSONDecodeError is a ValueError
                return refuse(request.scope, 400, f"invalid Teams activity ({type(exc).__name__})", "Invalid activity")
            finally:
                answered()
                ackfirst.current.reset(gate)

    # proactive ----------------------------------------------------------------------------------

    async def _continue(self, conversation: ConversationRef, work: Callable[[TurnContext], Awaitable[Any]]) -> Any:
        """Run ``work`` in a proactive turn of the conversation; connector failures raise TeamsDeliveryError."""
        result: list[Any] = []

        async def callback(context: TurnContext) -> None:
            result.append(await work(context))

        reference = ConversationReference(
            channel_id=Channels.ms_teams, service_url=conversation.service_url, bot=self._bot,
            conversation=ConversationAccount(id=conversation.conversation_id, tenant_id=conversation.tenant_id))
        continuation = reference.get_continuation_activity()
        continuation.id = None  # else every post would be a reply to this made-up activity
        try:
            await self.adapter.continue_conversation_with_claims(self._identity, continuation, callback)
        except CONNECTOR_ERRORS as exc:
            raise TeamsDeliveryError.wrap(exc) from exc
        return result[0]

    async def send(self, conversation: ConversationRef, activity: dict) -> str:
        """Post a new activity (a thread reply when the id has ``;messageid=``); returns its id."""
        body = Activity.model_validate({"type": ActivityTypes.message, **activity})

        async def post(context: TurnContext) -> str:
            return (await context.send_activity(body)).id or ""

        return await self._continue(conversation, post)

    async def update(self, conversation: ConversationRef, activity_id: str, activity: dict) -> None:
        """Replace an activity the bot posted earlier (e.g. a card, for everyone)."""
        body = Activity.model_validate({"type": ActivityTypes.message, **activity, "id": activity_id})

        async def put(context: TurnContext) -> None:
            await context.update_activity(body)

        await self._continue(conversation, put)

    async def create_conversation(self, known: ConversationRef, user_id: str) -> ConversationRef:
        """Open (or find) the 1:1 chat with a user (``29:`` id or Entra object id), from a conversation
        the bot already knows in the same tenant."""
        tenant_id = known.tenant_id or ""
        params: dict[str, Any] = {"isGroup": False, "members": [{"id": user_id}], "tenantId": tenant_id,
                                  "channelData": {"tenant": {"id": tenant_id}}}
        if self.credentials.app_id:
            params["bot"] = {"id": f"28:{self.credentials.app_id}"}

        async def create(context: TurnContext) -> ConversationRef:
            client = context.services.get(ConnectorClientBase)
            created = await client.conversations.create_conversation(ConversationParameters.model_validate(params))
            return ConversationRef(created.service_url or known.service_url, created.id, tenant_id)

        return await self._continue(known, create)

    async def member(self, conversation: ConversationRef, member_id: str,
                     context: TurnContext | None = None) -> dict:
        """Roster entry (raw JSON: email, userPrincipalName, aadObjectId, name...); Teams sends nulls
        the SDK's typed account model rejects. Uses the turn's connector client when there is a turn."""
        async def get(turn: TurnContext) -> dict:
            client = turn.services.get(ConnectorClientBase)
            path = f"v3/conversations/{conversation.conversation_id}/members/{member_id}"
            async with client.client.get(path) as response:
                response.raise_for_status()
                return await response.json()

        if context is None:
            return await self._continue(conversation, get)
        try:
            return await get(context)
        except CONNECTOR_ERRORS as exc:
            raise TeamsDeliveryError.wrap(exc) from exc


def _is_local(request: Request) -> bool:
    """Anonymous mode trusts no one: only loopback clients (a local playground or tunnel) may post."""
    try:
        return ipaddress.ip_address(request.client.host if request.client else "").is_loopback
    except ValueError:
        return False


def _drop_top_level_nulls(body: Any) -> None:
    """Teams sends ``"replyToId": null`` and the like; the SDK's Activity model rejects top-level nulls.
    Starlette caches the parsed body, so the SDK reads the cleaned object."""
    if not isinstance(body, dict):
        raise ValueError("activity must be a JSON object")
    for key in [k for k, v in body.items() if v is None]:
        del body[key]
