"""What a request may carry: body size (413 before a route reads it all), JSON shape, text and request ids.

A signed request can still be hostile or broken: JSON nested hundreds deep, numbers thousands of digits
long, NUL bytes that PostgreSQL refuses to store. `read_json` and `control_character` refuse those at the
edge with a message naming the field, so nothing reaches the database.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.logs import refused

MAX_BODY = 1024 * 1024  # chat platforms and webhooks send far less; intake pages have a smaller limit
MAX_DEPTH = 32  # Slack views and Teams cards nest about ten deep
MAX_NUMBER_CHARS = 32
UNIX_SECONDS = re.compile(r"[0-9]{1,12}")  # ASCII digits only: int() also takes "+1", "1_0" and other scripts
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_FIELD = re.compile(r"[A-Za-z0-9_.\[\]]{1,80}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab, newline and carriage return are text


class BadInput(ValueError):
    """A body the bot will not accept; the message says why and names the field, never echoing its text."""


def _field(path: str) -> str:
    """A field path fit for a message and a log line: the sender's own key names only when plain and short."""
    return path if _FIELD.fullmatch(path) else "a field"


def control_character(value: Any, max_depth: int = MAX_DEPTH) -> str | None:
    """The path of the first string (key or value) holding a control character, or None.

    Raises BadInput for values nested deeper than `max_depth`.
    """
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if depth > max_depth:
            raise BadInput(f"nested more than {max_depth} levels deep")
        if isinstance(node, str):
            if _CONTROL.search(node):
                return _field(path) if path else "the body"
        elif isinstance(node, dict):
            for key, item in node.items():
                where = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and _CONTROL.search(key):
                    return "a field name"
                stack.append((item, where, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, f"{path}[{index}]", depth + 1) for index, item in enumerate(node))
    return None


def strip_controls(text: str) -> str:
    """`text` without control characters (tabs and line breaks kept)."""
    return _CONTROL.sub("", text)


def _number(kind: type):
    def parse(text: str):
        if len(text) > MAX_NUMBER_CHARS:
            raise BadInput(f"a number longer than {MAX_NUMBER_CHARS} characters")
        number = kind(text)
        if number in (float("inf"), float("-inf")):
            raise BadInput("a number out of range")
        return number

    return parse


def _constant(name: str):
    raise BadInput(f"{name} is not a JSON number")


def read_json(body: bytes) -> Any:
    """Parse a request body, refusing what JSON allows but no sender needs (see the module docstring)."""
    try:
        value = json.loads(body, parse_int=_number(int), parse_float=_number(float), parse_constant=_constant)
    except RecursionError:
        raise BadInput(f"nested more than {MAX_DEPTH} levels deep") from None
    except BadInput:
        raise
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        raise BadInput("body is not JSON") from None
    where = control_character(value)
    if where:
        raise BadInput(f"{where} holds a control character")
    return value


def refuse(scope: Scope, status: int, reason: str, message: str | None = None) -> JSONResponse:
    """A JSON refusal; `reason` goes to the request's log line, `message` (default: the reason) to the sender."""
    refused(scope, reason)
    return JSONResponse({"error": message or reason}, status_code=status)


def safe_request_id(sent: str | None) -> str | None:
    """The caller's X-Request-Id when it is short and plain (letters, digits, . _ : -), else None."""
    return sent if sent and REQUEST_ID.fullmatch(sent) else None


def path_problem(scope: Scope) -> str | None:
    """Why a request's path cannot name anything here (control characters), or None."""
    return "control characters in the path" if _CONTROL.search(scope.get("path", "")) else None


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: a declared or streamed body over `max_bytes` gets 413."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = refuse(scope, 413, f"request body over {self.max_bytes // 1024} KB")
        await response(scope, receive, send)
