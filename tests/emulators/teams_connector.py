"""Local Bot Framework v3 connector (the Teams ``serviceUrl``): a real HTTP server on a free port.

Use ``connector.service_url`` as the activities' ``serviceUrl`` (any path prefix works too, e.g.
``connector.service_url + "teams/"``). Every request is recorded as a :class:`Call`; posted and
updated activities are kept per conversation, and faults (429/5xx, delays) can be injected.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, unquote, urlsplit

KINDS = ("create_conversation", "send", "reply", "update", "delete", "get_members", "get_member", "token")
_ROUTES = [  # (method, path suffix after any service-URL prefix, kind)
    ("POST", re.compile(r"/v3/conversations$"), "create_conversation"),
    ("POST", re.compile(r"/v3/conversations/(?P<conv>[^/]+)/activities$"), "send"),
    ("POST", re.compile(r"/v3/conversations/(?P<conv>[^/]+)/activities/(?P<act>[^/]+)$"), "reply"),
    ("PUT", re.compile(r"/v3/conversations/(?P<conv>[^/]+)/activities/(?P<act>[^/]+)$"), "update"),
    ("DELETE", re.compile(r"/v3/conversations/(?P<conv>[^/]+)/activities/(?P<act>[^/]+)$"), "delete"),
    ("GET", re.compile(r"/v3/conversations/(?P<conv>[^/]+)/members$"), "get_members"),
    ("GET", re.compile(r"/v3/conversations/(?P<conv>[^/]+)/members/(?P<member>[^/]+)$"), "get_member"),
    ("POST", re.compile(r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token$"), "token"),  # Entra ID, for login_url
]


@dataclass
class Call:
    """One request the connector received; ``headers`` keys are lower-case."""

    method: str
    path: str
    kind: str | None
    json: Any
    headers: dict
    conversation_id: str | None = None
    activity_id: str | None = None
    status: int = 0
    response: Any = None


@dataclass
class _Rule:
    pattern: str
    remaining: int
    status: int | None = None
    retry_after: float | None = None
    delay: float = 0.0

    def matches(self, call: Call) -> bool:
        if self.pattern in KINDS:
            return call.kind == self.pattern
        return re.search(self.pattern, call.path) is not None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, connector: FakeBotConnector) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.connector = connector


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        status, payload, headers = self.server.connector._serve(
            self.command, unquote(urlsplit(self.path).path), body, {k.lower(): v for k, v in self.headers.items()}
        )
        data = json.dumps(payload).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakeBotConnector:
    """Fake Bot Connector; thread-safe, use as a context manager or start()/stop()."""

    def __init__(self, users: list[dict] | None = None) -> None:
        self._lock = threading.Condition()
        self._ids = itertools.count(1)
        self._server: _Server | None = None
        self.reset()
        for user in users or []:
            self.add_user(**user)

    # lifecycle

    def start(self) -> FakeBotConnector:
        """Serve on 127.0.0.1 on a free port in a background thread."""
        self._server = _Server(self)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeBotConnector:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def service_url(self) -> str:
        assert self._server, "connector not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    # setup

    @property
    def login_url(self) -> str:
        """Stands in for https://login.microsoftonline.com/: client-credential tokens for ``app_id``."""
        return self.service_url

    def reset(self) -> None:
        """Forget calls, activities, pending faults and the roster; accept the default app credentials."""
        with self._lock:
            self.app_id, self.app_password = "", ""
            self.users: list[dict] = []
            self._calls: list[Call] = []
            self._activities: dict[str, dict[str, dict]] = defaultdict(dict)
            self._rules: list[_Rule] = []

    def add_user(self, id: str, name: str, aad_object_id: str, email: str | None = None,
                 user_principal_name: str | None = None, tenant_id: str | None = None, **extra: Any) -> dict:
        """Add a roster member (answered for every conversation), as Teams returns it."""
        member = {
            "id": id,
            "name": name,
            "aadObjectId": aad_object_id,
            "email": email,
            "userPrincipalName": user_principal_name or email,
            "tenantId": tenant_id,
            "userRole": "user",
            **extra,
        }
        with self._lock:
            self.users.append(member)
        return member

    def fail_next(self, path_pattern_or_kind: str, status: int = 429, retry_after: float | None = 1,
                  count: int = 1) -> None:
        """Answer the next ``count`` matching calls with ``status`` (and Retry-After if given)."""
        with self._lock:
            self._rules.append(_Rule(path_pattern_or_kind, count, status=status, retry_after=retry_after))

    def delay_next(self, path_pattern_or_kind: str, seconds: float, count: int = 1) -> None:
        """Sleep ``seconds`` before answering the next ``count`` matching calls."""
        with self._lock:
            self._rules.append(_Rule(path_pattern_or_kind, count, delay=seconds))

    # inspection

    def calls(self, kind: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if kind is None or c.kind == kind]

    def activities(self, conversation_id: str) -> list[dict]:
        """Activities posted to a conversation, in order, with updates applied."""
        with self._lock:
            return copy.deepcopy(list(self._activities[conversation_id].values()))

    def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 5, count: int = 1) -> list[Call]:
        """Block until ``count`` recorded calls satisfy ``predicate``; returns them."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c for c in self._calls if predicate(c)]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {count} matching call(s) within {timeout}s\n{self.dump()}")
                self._lock.wait(remaining)

    def dump(self) -> str:
        lines = [f"{len(self._calls)} call(s):"]
        lines += [f"  {c.method} {c.path} -> {c.status} {json.dumps(c.json, default=repr)[:200]}" for c in self._calls]
        return "\n".join(lines)

    # serving

    def _serve(self, method: str, path: str, body: Any, headers: dict) -> tuple[int, Any, dict]:
        call = Call(method, path, None, body, headers)
        groups: dict[str, str] = {}
        for route_method, pattern, kind in _ROUTES:
            match = pattern.search(path)
            if match and route_method == method:
                call.kind, groups = kind, match.groupdict()
                break
        call.conversation_id, call.activity_id = groups.get("conv"), groups.get("act")
        with self._lock:
            rule = next((r for r in self._rules if r.matches(call)), None)
            if rule:
                rule.remaining -= 1
                if not rule.remaining:
                    self._rules.remove(rule)
        if rule and rule.delay:
            time.sleep(rule.delay)
        with self._lock:
            if rule and rule.status:
                headers_out = {"Retry-After": str(rule.retry_after)} if rule.retry_after is not None else {}
                status, payload = rule.status, {"error": {"code": "Injected", "message": f"HTTP {rule.status}"}}
            else:
                headers_out = {}
                status, payload = self._apply(call, groups.get("member"))
            call.status, call.response = status, payload
            self._calls.append(call)
            self._lock.notify_all()
        return status, payload, headers_out

    def _apply(self, call: Call, member_id: str | None) -> tuple[int, Any]:
        body = call.json if isinstance(call.json, dict) else {}
        conv, act = call.conversation_id, call.activity_id
        if call.kind == "create_conversation":
            conv = f"a:conv-{next(self._ids)}"
            response = {"id": conv}
            if isinstance(body.get("activity"), dict):
                response["activityId"] = self._store(conv, body["activity"])
            return 201, response
        if call.kind == "send":
            return 201, {"id": self._store(conv, body)}
        if call.kind == "reply":
            return 201, {"id": self._store(conv, {**body, "replyToId": act})}
        if call.kind == "update":
            if act not in self._activities[conv]:
                return 404, {"error": {"code": "ActivityNotFound", "message": "Unknown activity"}}
            self._activities[conv][act] = {**body, "id": act}
            return 200, {"id": act}
        if call.kind == "delete":
            return (200, {}) if self._activities[conv].pop(act, None) else (404, {"error": {"code": "NotFound"}})
        if call.kind == "token":
            form = dict(parse_qsl(call.json if isinstance(call.json, str) else ""))
            if (form.get("client_id"), form.get("client_secret")) != (self.app_id, self.app_password):
                return 401, {"error": "invalid_client",
                             "error_description": "AADSTS7000215: Invalid client secret provided."}
            return 200, {"token_type": "Bearer", "expires_in": 3599, "access_token": "fake-token"}
        if call.kind == "get_members":
            return 200, copy.deepcopy(self.users)
        if call.kind == "get_member":
            for user in self.users:
                if member_id.lower() in {str(user[k]).lower() for k in ("id", "aadObjectId", "userPrincipalName")}:
                    return 200, copy.deepcopy(user)
            return 404, {"error": {"code": "MemberNotFoundInConversation", "message": "Member not found"}}
        return 404, {"error": {"code": "NotFound", "message": f"{call.method} {call.path}"}}

    def _store(self, conversation_id: str, activity: dict) -> str:
        activity_id = f"{int(time.time() * 1000)}{next(self._ids):04d}"
        self._activities[conversation_id][activity_id] = {**activity, "id": activity_id}
        return activity_id
