"""Local Slack Web API emulator: a real HTTP server on a free port for tests.

Point ``slack_sdk.WebClient(base_url=emulator.base_url)`` (or ``AsyncWebClient``) at it.
Every request is recorded as a :class:`Call`; Block Kit limits are checked the way Slack
checks them, and faults (rate limits, server errors, delays) can be injected per method.
"""

from __future__ import annotations

import copy
import email.parser
import email.policy
import functools
import itertools
import json
import sys
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

BOT_USER_ID, BOT_ID, TEAM_ID, APP_ID = "U0BOT", "B0BOT", "T0TEAM", "A0APP"
SCOPES = ("commands", "chat:write", "chat:write.public", "channels:join", "users:read", "users:read.email",
          "usergroups:read", "reactions:read", "channels:history", "groups:history", "files:write")
JSON_ARGS = ("blocks", "attachments", "metadata", "view", "files")
FORM_ONLY = {"files.getUploadURLExternal"}  # Slack ignores JSON bodies on this method
REQUIRED = {
    "chat.update": ("channel", "ts"),
    "chat.postEphemeral": ("channel", "user"),
    "chat.getPermalink": ("channel", "message_ts"),
    "views.open": ("trigger_id", "view"),
    "views.push": ("trigger_id", "view"),
    "views.update": ("view",),
    "views.publish": ("user_id", "view"),
    "users.info": ("user",),
    "users.lookupByEmail": ("email",),
    "usergroups.users.list": ("usergroup",),
    "conversations.info": ("channel",),
    "conversations.history": ("channel",),
    "conversations.join": ("channel",),
    "files.getUploadURLExternal": ("filename", "length"),
    "files.completeUploadExternal": ("files",),
    "reactions.add": ("channel", "timestamp", "name"),
}
BLOCK_TYPES = {
    "actions", "call", "context", "divider", "file", "header", "image", "input",
    "markdown", "rich_text", "section", "table", "video",
}


@dataclass
class Call:
    """One request the emulator received; ``failed`` is True for any non-ok answer."""

    method: str
    args: dict
    headers: dict
    ts: float
    failed: bool = False
    response: dict = field(default_factory=dict)


@dataclass
class _Fault:
    status: int | None = None
    retry_after: int = 1
    error: str | None = None
    delay: float = 0.0


def _err(error: str, *messages: str) -> dict:
    answer: dict[str, Any] = {"ok": False, "error": error}
    if messages:
        answer["response_metadata"] = {"messages": [f"[ERROR] {m}" for m in messages]}
    return answer


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _id_list(value: Any) -> list[str]:
    """IDs given as a list or as a comma-separated string."""
    return list(value) if isinstance(value, list) else [v for v in str(value or "").split(",") if v]


class _BlockChecker:
    """Collects Block Kit violations as Slack words them (``... [json-pointer:/blocks/0]``)."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, pointer: str, message: str) -> None:
        self.errors.append(f"{message} [json-pointer:{pointer}]")

    def length(self, value: Any, limit: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.fail(pointer, f"must be less than {limit + 1} characters")

    def items(self, value: Any, limit: int, pointer: str, minimum: int = 0) -> list:
        if not isinstance(value, list):
            self.fail(pointer, "must be an array")
            return []
        if len(value) > limit:
            self.fail(pointer, f"no more than {limit} items allowed")
        if len(value) < minimum:
            self.fail(pointer, f"must provide at least {minimum} items")
        return value

    def text(self, obj: Any, limit: int | None, pointer: str, plain: bool = False) -> None:
        kinds = ("plain_text",) if plain else ("plain_text", "mrkdwn")
        if not isinstance(obj, dict) or obj.get("type") not in kinds:
            self.fail(pointer, f"must be a text object of type {' or '.join(kinds)}")
        elif not isinstance(obj.get("text"), str) or not obj["text"]:
            self.fail(f"{pointer}/text", "must be more than 0 characters")
        elif limit is not None:
            self.length(obj["text"], limit, f"{pointer}/text")

    def blocks(self, blocks: Any, limit: int, pointer: str) -> None:
        seen: set[str] = set()
        for i, block in enumerate(self.items(blocks, limit, pointer)):
            self.block(block, f"{pointer}/{i}", seen)

    def block(self, block: Any, pointer: str, seen: set[str]) -> None:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind not in BLOCK_TYPES:
            self.fail(f"{pointer}/type", f"unsupported type: {kind}")
            return
        block_id = block.get("block_id")
        if block_id is not None:
            self.length(block_id, 255, f"{pointer}/block_id")
            if block_id in seen:
                self.fail(f"{pointer}/block_id", f"duplicate block_id: {block_id}")
            seen.add(block_id)
        check = getattr(self, f"_{kind}", None)
        if check:
            check(block, pointer)

    def element(self, element: Any, pointer: str) -> None:
        if not isinstance(element, dict) or "type" not in element:
            self.fail(pointer, "missing required field: type")
            return
        self.length(element.get("action_id"), 255, f"{pointer}/action_id")
        if element["type"] == "button":
            self.text(element.get("text"), 75, f"{pointer}/text", plain=True)
            self.length(element.get("value"), 2000, f"{pointer}/value")
            self.length(element.get("url"), 3000, f"{pointer}/url")
        if "placeholder" in element:
            self.text(element["placeholder"], 150, f"{pointer}/placeholder", plain=True)
        if "options" in element:
            for i, option in enumerate(self.items(element["options"], 100, f"{pointer}/options", 1)):
                self.text(option.get("text") if isinstance(option, dict) else None, 75,
                          f"{pointer}/options/{i}/text")
                if isinstance(option, dict):
                    self.length(option.get("value"), 150, f"{pointer}/options/{i}/value")

    def _section(self, block: dict, pointer: str) -> None:
        if "text" not in block and "fields" not in block:
            self.fail(pointer, "must provide either text or fields")
        if "text" in block:
            self.text(block["text"], 3000, f"{pointer}/text")
        if "fields" in block:
            for i, item in enumerate(self.items(block["fields"], 10, f"{pointer}/fields", 1)):
                self.text(item, 2000, f"{pointer}/fields/{i}")
        if "accessory" in block:
            self.element(block["accessory"], f"{pointer}/accessory")

    def _header(self, block: dict, pointer: str) -> None:
        self.text(block.get("text"), 150, f"{pointer}/text", plain=True)

    def _actions(self, block: dict, pointer: str) -> None:
        for i, element in enumerate(self.items(block.get("elements"), 25, f"{pointer}/elements", 1)):
            self.element(element, f"{pointer}/elements/{i}")

    def _context(self, block: dict, pointer: str) -> None:
        for i, element in enumerate(self.items(block.get("elements"), 10, f"{pointer}/elements", 1)):
            if not (isinstance(element, dict) and element.get("type") == "image"):
                self.text(element, None, f"{pointer}/elements/{i}")

    def _input(self, block: dict, pointer: str) -> None:
        self.text(block.get("label"), 2000, f"{pointer}/label", plain=True)
        if "hint" in block:
            self.text(block["hint"], 2000, f"{pointer}/hint", plain=True)
        if "element" not in block:
            self.fail(pointer, "missing required field: element")
        else:
            self.element(block["element"], f"{pointer}/element")

    def _image(self, block: dict, pointer: str) -> None:
        if "image_url" not in block and "slack_file" not in block:
            self.fail(pointer, "missing required field: image_url")
        if not block.get("alt_text"):
            self.fail(pointer, "missing required field: alt_text")
        self.length(block.get("alt_text"), 2000, f"{pointer}/alt_text")
        if "title" in block:
            self.text(block["title"], 2000, f"{pointer}/title", plain=True)


def _with_block_ids(blocks: Any) -> Any:
    """Copy of ``blocks`` where blocks without ``block_id`` get one, as Slack does."""
    if not isinstance(blocks, list):
        return copy.deepcopy(blocks)
    taken = {b.get("block_id") for b in blocks if isinstance(b, dict)}
    result = []
    for i, block in enumerate(copy.deepcopy(blocks)):
        if isinstance(block, dict) and "block_id" not in block:
            block["block_id"] = f"b{i}"
            while block["block_id"] in taken:
                block["block_id"] += "_"
        result.append(block)
    return result


def _parse_multipart(content_type: str, body: bytes) -> dict:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    args: dict[str, Any] = {}
    for part in message.iter_parts():
        payload = part.get_payload(decode=True) or b""
        name = part.get_param("name", header="content-disposition")
        args[name] = payload if part.get_filename() else payload.decode()
    return args


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 stalls bursts of parallel clients for a second

    def __init__(self, emulator: SlackEmulator) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.emulator = emulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # clients that timed out are expected
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, headers, payload = self.server.emulator._handle(self.path, self.headers, body)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


class SlackEmulator:
    """Slack Web API stand-in; use as a context manager or call ``start()``/``stop()``."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._users: dict[str, dict] = {}
        self._groups: dict[str, dict] = {}
        self._channels: dict[str, dict] = {}
        self._methods: dict[str, Callable[[dict], dict]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": functools.partial(self._views_open, "views.open"),
            "views.push": functools.partial(self._views_open, "views.push"),
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "usergroups.list": self._usergroups_list,
            "usergroups.users.list": self._usergroups_users_list,
            "conversations.info": self._conversations_info,
            "conversations.open": self._conversations_open,
            "conversations.history": self._conversations_history,
            "conversations.join": self._conversations_join,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "reactions.add": self._reactions_add,
        }
        self.reset()

    # lifecycle

    def start(self) -> SlackEmulator:
        """Serve on 127.0.0.1 on a free port in a background thread."""
        self._server = _Server(self)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         name="slack-emulator", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        assert self._server, "emulator not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        """Web API base URL for ``WebClient(base_url=...)``."""
        return f"{self.root_url}/api/"

    def response_url(self, name: str, channel: str | None = None, ts: str | None = None) -> str:
        """URL for Slack ``response_url`` posts, recorded as method ``response_url:<name>``.

        With ``channel`` and ``ts`` the URL belongs to that stored message, so
        ``replace_original``/``delete_original`` posts change it as Slack would.
        """
        with self._lock:
            if channel and ts:
                self._response_targets[name] = (channel, ts)
        return f"{self.root_url}/response/{name}"

    # configuration and state

    def reset(self) -> None:
        """Forget calls, violations, faults, messages, views and files (users/groups/channels stay);
        grant every scope the bot asks for and accept every xox token again."""
        with self._lock:
            self.scopes: list[str] = list(SCOPES)  # answered in the x-oauth-scopes header
            self.rejected_tokens: set[str] = set()  # answered invalid_auth
            self._calls: list[Call] = []
            self.violations: list[str] = []
            self._faults: dict[str, deque[_Fault]] = defaultdict(deque)
            self._messages: dict[str, list[dict]] = defaultdict(list)
            self._views: dict[str, dict] = {}
            self._home_views: dict[str, str] = {}
            self._files: dict[str, dict] = {}
            self._response_targets: dict[str, tuple[str, str]] = {}
            self._seq = itertools.count(1)

    def add_user(self, user_id: str, email: str | None = None, name: str | None = None,
                 real_name: str | None = None, **fields: Any) -> dict:
        """Make ``users.info`` know a user; extra ``fields`` (``deleted``, ``is_bot``...) override."""
        name = name or user_id.lower()
        real_name = real_name or name
        user = {
            "id": user_id, "team_id": TEAM_ID, "name": name, "real_name": real_name,
            "deleted": False, "is_bot": False, "is_admin": False, "tz": "Europe/London",
            "profile": {"email": email, "real_name": real_name, "display_name": name,
                        "real_name_normalized": real_name, "display_name_normalized": name},
            **fields,
        }
        with self._lock:
            self._users[user_id] = user
        return copy.deepcopy(user)

    def add_usergroup(self, handle_or_id: str, user_ids: list[str]) -> str:
        """Add a user group by id (``S`` + upper-case alphanumerics) or by handle; returns its id."""
        with self._lock:
            if handle_or_id[:1] == "S" and handle_or_id.isupper():
                group_id, handle = handle_or_id, handle_or_id.lower()
            else:
                group_id, handle = f"S{len(self._groups) + 1:010d}", handle_or_id
            self._groups[group_id] = {
                "id": group_id, "team_id": TEAM_ID, "handle": handle, "name": handle,
                "is_usergroup": True, "users": list(user_ids), "user_count": len(user_ids),
            }
        return group_id

    def add_channel(self, channel_id: str, name: str | None = None, **fields: Any) -> None:
        """Give ``conversations.info`` a name and extra fields for a channel.

        With ``is_member=False`` the bot is outside it: uploads and history answer ``not_in_channel``
        until ``conversations.join`` (public channels only); a private one (``is_private=True``) is
        ``channel_not_found`` to the bot, as in Slack.
        """
        with self._lock:
            self._channels[channel_id] = {**self._channel_info(channel_id), "name": name or channel_id.lower(),
                                          **fields}

    @staticmethod
    def dm_channel(user_id: str) -> str:
        """The DM channel id the emulator uses for a user (``chat.postMessage(channel=U...)`` lands there)."""
        return f"D{user_id}"

    def messages(self, channel: str) -> list[dict]:
        """Current state (updates applied) of the messages in ``channel``, oldest first."""
        with self._lock:
            return copy.deepcopy(self._messages.get(channel, []))

    def message(self, channel: str, ts: str) -> dict:
        """Current state of one stored message."""
        with self._lock:
            found = self._find_message(channel, ts)
            assert found, f"no message {ts} in {channel}; stored: {[m['ts'] for m in self._messages[channel]]}"
            return copy.deepcopy(found)

    def submitted(self, send: Callable[[], Any], view_id: str, timeout: float = 10) -> "Submitted":
        """Submit a modal with `send()` and see it as the person does afterwards.

        The bot acknowledges a well-formed submission with "Working on it…" and then updates the
        modal: the answer is then that update, in the shape of Slack's response_action (a form shown
        again with its problem reads as {"response_action": "errors", "errors": {block: problem}},
        block "" when the problem is above the form)."""
        def updates() -> list[Call]:
            return [c for c in self.calls("views.update") if c.args.get("view_id") == view_id]

        before = len(updates())
        response = send()
        answer = response.json() if response.content else {}
        if answer.get("response_action") == "update" and "Working on it" in json.dumps(answer.get("view")):
            view = self.wait_for("views.update", before + 1, timeout,
                                 lambda c: c.args.get("view_id") == view_id)[before].args["view"]
            view = json.loads(view) if isinstance(view, str) else view
            answer = _as_answer(view)
        return Submitted(response, answer)

    def view(self, view_id: str) -> dict:
        """Current state of a view opened, pushed, updated or published."""
        with self._lock:
            assert view_id in self._views, f"no view {view_id}; known: {sorted(self._views)}"
            return copy.deepcopy(self._views[view_id])

    def home_view(self, user_id: str) -> dict:
        """The App Home view last published for ``user_id``."""
        with self._lock:
            assert user_id in self._home_views, f"no home view published for {user_id}"
            return copy.deepcopy(self._views[self._home_views[user_id]])

    def files(self, channel: str | None = None) -> list[dict]:
        """Completed uploads (``content`` holds the bytes), optionally only those shared to ``channel``."""
        with self._lock:
            done = [f for f in self._files.values() if f.get("completed")]
            return copy.deepcopy([f for f in done if channel is None or channel in f["channels"]])

    # fault injection

    def fail_next(self, method: str, status: int = 429, retry_after: int = 1, count: int = 1,
                  error: str | None = None) -> None:
        """Fail the next ``count`` calls of ``method``.

        429 answers ``ratelimited`` with ``Retry-After``; other statuses answer ``error``
        (default ``internal_error``), e.g. ``status=200, error="expired_trigger_id"``.
        """
        with self._lock:
            self._faults[method].extend(_Fault(status, retry_after, error) for _ in range(count))

    def delay_next(self, method: str, seconds: float, count: int = 1) -> None:
        """Sleep ``seconds`` before answering (and applying) the next ``count`` calls of ``method``."""
        with self._lock:
            self._faults[method].extend(_Fault(delay=seconds) for _ in range(count))

    # inspection

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def last(self, method: str) -> Call:
        found = self.calls(method)
        assert found, f"no {method} call received\n{self.dump()}"
        return found[-1]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5,
                 predicate: Callable[[Call], bool] | None = None) -> list[Call]:
        """Poll until ``count`` matching calls arrived; returns them, or raises AssertionError."""
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls(method) if predicate is None or predicate(c)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} matching {method} call(s) within {timeout}s, got {len(found)}\n{self.dump()}"
                )
            time.sleep(0.01)

    def dump(self) -> str:
        """Readable list of every call received so far."""
        calls = self.calls()
        lines = [f"{len(calls)} call(s) received:"]
        for call in calls:
            outcome = "FAILED " + str(call.response.get("error")) if call.failed else "ok"
            lines.append(f"  {call.method} [{outcome}] {json.dumps(call.args, default=repr)[:300]}")
        return "\n".join(lines)

    def assert_no_violations(self) -> None:
        with self._lock:
            assert not self.violations, "Block Kit / message violations:\n  " + "\n  ".join(self.violations)

    # HTTP plumbing

    def _handle(self, path: str, headers: Any, body: bytes) -> tuple[int, dict, bytes]:
        received = time.time()
        url = urlsplit(path)
        prefix, _, name = url.path.strip("/").partition("/")
        routes = {"api": name, "response": f"response_url:{name}", "upload": f"upload_url:{name}"}
        method = routes.get(prefix, url.path)
        with self._lock:
            fault = self._faults[method].popleft() if self._faults.get(method) else None
        if fault and fault.delay:
            time.sleep(fault.delay)
        args: dict[str, Any] = {}
        status, extra = 200, {}
        try:
            args = self._parse_args(method, url.query, headers.get("Content-Type", ""), body, raw=prefix == "upload")
            status, extra, answer = self._answer(prefix, name, method, fault, headers, args)
        except json.JSONDecodeError:
            answer = _err("invalid_json")
        except Exception as exc:  # an emulator bug shows up in the test instead of as a reset connection
            status, answer = 500, _err("emulator_error", f"{type(exc).__name__}: {exc}")
        call = Call(method, args, {k.lower(): v for k, v in headers.items()}, received,
                    failed=status != 200 or not answer.get("ok"), response=answer)
        with self._lock:
            self._calls.append(call)
        if prefix == "upload" and status == 200:
            return status, {"Content-Type": "text/plain"}, f"OK - {args['size']}".encode()
        return status, {"Content-Type": "application/json; charset=utf-8", **extra}, json.dumps(answer).encode()

    def _answer(self, prefix: str, name: str, method: str, fault: _Fault | None, headers: Any,
                args: dict) -> tuple[int, dict, dict]:
        if fault and fault.status == 429:
            return 429, {"Retry-After": str(fault.retry_after)}, _err("ratelimited")
        if fault and fault.status:
            return fault.status, {}, _err(fault.error or "internal_error")
        if prefix == "api":
            return 200, {"x-oauth-scopes": ",".join(self.scopes)}, self._api(method, headers, args)
        with self._lock:
            if prefix == "response":
                answer = self._response_post(name, args)
                return (200 if answer["ok"] else 400), {}, answer
            if prefix == "upload":
                answer = self._upload(name, args)
                return (200 if answer["ok"] else 404), {}, answer
        return 404, {}, _err("not_found")

    @staticmethod
    def _parse_args(method: str, query: str, content_type: str, body: bytes, raw: bool) -> dict:
        args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
        if raw:  # bytes posted to an upload URL
            content = _parse_multipart(content_type, body) if content_type.startswith("multipart/") else {}
            data = next((v for v in content.values() if isinstance(v, bytes)), body)
            return {**args, "content": data, "size": len(data)}
        if content_type.startswith("application/json"):
            if method not in FORM_ONLY:
                args.update(json.loads(body or b"{}"))
        elif content_type.startswith("multipart/form-data"):
            args.update(_parse_multipart(content_type, body))
        elif body:
            args.update(parse_qsl(body.decode(), keep_blank_values=True))
        for key in JSON_ARGS:
            if isinstance(args.get(key), str):
                try:
                    args[key] = json.loads(args[key])
                except ValueError:
                    pass  # left as sent; the method's checks reject it
        return args

    def _api(self, method: str, headers: Any, args: dict) -> dict:
        auth = headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else args.get("token")
        if not token:
            return _err("not_authed")
        if not str(token).startswith("xox") or token in self.rejected_tokens:
            return _err("invalid_auth")
        handler = self._methods.get(method)
        if handler is None:
            return {**_err("unknown_method"), "req_method": method}
        missing = [f for f in REQUIRED.get(method, ()) if args.get(f) in (None, "")]
        if missing:
            return _err("invalid_arguments", *(f"missing required field: {f}" for f in missing))
        with self._lock:
            answer = handler(args)
        return answer if "ok" in answer else {"ok": True, **answer}

    # checks

    def _violation(self, method: str, error: str, messages: list[str] | None = None) -> dict:
        self.violations.extend(f"{method}: {error}: {m}" for m in messages or [""])
        answer = _err(error, *(messages or []))
        if error == "invalid_blocks":
            answer["errors"] = messages
        return answer

    def _check_message(self, method: str, args: dict) -> dict | None:
        checker = _BlockChecker()
        if "blocks" in args:
            checker.blocks(args["blocks"], 50, "/blocks")
        if checker.errors:
            return self._violation(method, "invalid_blocks", checker.errors)
        text = args.get("text")
        if isinstance(text, str) and len(text) > 40000:
            return self._violation(method, "msg_too_long", [f"text has {len(text)} characters (max 40000)"])
        if not text and not args.get("blocks") and not args.get("attachments"):
            return self._violation(method, "no_text")
        return None

    def _check_view(self, method: str, view: Any) -> dict | None:
        checker = _BlockChecker()
        if not isinstance(view, dict):
            checker.fail("/view", "must be an object")
        else:
            kind = view.get("type")
            allowed = {"views.publish": ("home",), "views.update": ("modal", "home")}.get(method, ("modal",))
            if kind not in allowed:
                checker.fail("/view/type", f"must be one of {', '.join(allowed)}")
            checker.blocks(view.get("blocks"), 100, "/view/blocks")
            checker.length(view.get("private_metadata"), 3000, "/view/private_metadata")
            checker.length(view.get("callback_id"), 255, "/view/callback_id")
            checker.length(view.get("external_id"), 255, "/view/external_id")
            if kind == "modal":
                checker.text(view.get("title"), 24, "/view/title", plain=True)
                for key in ("submit", "close"):
                    if key in view:
                        checker.text(view[key], 24, f"/view/{key}", plain=True)
                inputs = [i for i, b in enumerate(view.get("blocks") or []) if isinstance(b, dict)
                          and b.get("type") == "input"]
                if inputs and "submit" not in view:
                    checker.fail(f"/view/blocks/{inputs[0]}/input",
                                 "must define `submit` to use an `input` block in modals")
        return self._violation(method, "invalid_arguments", checker.errors) if checker.errors else None

    # storage helpers (called with the lock held)

    def _next_ts(self) -> str:
        return f"{1700000000 + next(self._seq)}.000100"

    def _find_message(self, channel: str, ts: str) -> dict | None:
        return next((m for m in self._messages.get(channel, []) if m["ts"] == ts), None)

    @staticmethod
    def _apply(message: dict, args: dict) -> None:
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in args:
                message[key] = _with_block_ids(args[key]) if key == "blocks" else copy.deepcopy(args[key])

    def _channel_info(self, channel_id: str) -> dict:
        if channel_id in self._channels:
            return self._channels[channel_id]
        kind = channel_id[:1]
        return {
            "id": channel_id, "name": channel_id.lower(), "is_channel": kind == "C", "is_group": kind == "G",
            "is_im": kind == "D", "is_private": kind in "GD", "is_archived": False, "is_member": True,
            "context_team_id": TEAM_ID, "created": 1600000000,
        }

    def _outside(self, channel: str) -> str:
        """The error for a bot that is not a member of ``channel`` ("" when it is, or may post anyway)."""
        info = self._channels.get(channel)
        if info is None or info.get("is_member", True):
            return ""
        return "channel_not_found" if info.get("is_private") else "not_in_channel"

    # Web API methods (called with the lock held)

    def _auth_test(self, args: dict) -> dict:
        return {"url": "https://t0team.slack.com/", "team": "Test Team", "user": "advocacy-bot",
                "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False}

    def _chat_post_message(self, args: dict) -> dict:
        channel = args.get("channel")
        if not channel:
            return _err("channel_not_found")
        if channel[:1] in "UW":
            channel = self.dm_channel(channel)
        if self._outside(channel) == "channel_not_found":  # chat:write.public reaches public channels only
            return _err("channel_not_found")
        rejected = self._check_message("chat.postMessage", args)
        if rejected:
            return rejected
        message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "app_id": APP_ID,
                   "team": TEAM_ID, "ts": self._next_ts(), "text": ""}
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        self._apply(message, args)
        self._messages[channel].append(message)
        return {"channel": channel, "ts": message["ts"], "message": copy.deepcopy(message)}

    def _chat_update(self, args: dict) -> dict:
        message = self._find_message(args["channel"], args["ts"])
        if message is None:
            return _err("message_not_found")
        rejected = self._check_message("chat.update", args)
        if rejected:
            return rejected
        self._apply(message, args)
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {"channel": args["channel"], "ts": args["ts"], "text": message.get("text", ""),
                "message": copy.deepcopy(message)}

    def _chat_post_ephemeral(self, args: dict) -> dict:
        return self._check_message("chat.postEphemeral", args) or {"message_ts": self._next_ts()}

    def _chat_get_permalink(self, args: dict) -> dict:
        ts = args["message_ts"].replace(".", "")
        return {"channel": args["channel"], "permalink": f"https://t0team.slack.com/archives/{args['channel']}/p{ts}"}

    def _store_view(self, view: dict, view_id: str | None = None) -> dict:
        view_id = view_id or f"V{next(self._seq):010d}"
        stored = {
            "id": view_id, "team_id": TEAM_ID, "type": view["type"], "private_metadata": "", "callback_id": "",
            "external_id": "", "state": {"values": {}}, "hash": f"{time.time():.6f}.{next(self._seq)}",
            "clear_on_close": False, "notify_on_close": False, "root_view_id": view_id, "previous_view_id": None,
            "app_id": APP_ID, "app_installed_team_id": TEAM_ID, "bot_id": BOT_ID,
            **copy.deepcopy(view), "id": view_id, "blocks": _with_block_ids(view.get("blocks", [])),
        }
        self._views[view_id] = stored
        return {"view": copy.deepcopy(stored)}

    def _views_open(self, method: str, args: dict) -> dict:
        return self._check_view(method, args["view"]) or self._store_view(args["view"])

    def _views_update(self, args: dict) -> dict:
        external_id = args.get("external_id")
        view_id = args.get("view_id") or next(
            (v["id"] for v in self._views.values() if external_id and v["external_id"] == external_id), None
        )
        if view_id not in self._views:
            return _err("not_found")
        if args.get("hash") and args["hash"] != self._views[view_id]["hash"]:
            return _err("hash_conflict")
        return self._check_view("views.update", args["view"]) or self._store_view(args["view"], view_id)

    def _views_publish(self, args: dict) -> dict:
        rejected = self._check_view("views.publish", args["view"])
        if rejected:
            return rejected
        answer = self._store_view(args["view"], self._home_views.get(args["user_id"]))
        self._home_views[args["user_id"]] = answer["view"]["id"]
        return answer

    def _users_info(self, args: dict) -> dict:
        user = self._users.get(args["user"])
        return {"user": copy.deepcopy(user)} if user else _err("user_not_found")

    def _users_lookup_by_email(self, args: dict) -> dict:
        user = next((u for u in self._users.values() if u["profile"].get("email") == args["email"]), None)
        return {"user": copy.deepcopy(user)} if user else _err("users_not_found")

    def _usergroups_list(self, args: dict) -> dict:
        groups = copy.deepcopy(list(self._groups.values()))
        if not _truthy(args.get("include_users")):
            for group in groups:
                group.pop("users")
        return {"usergroups": groups}

    def _usergroups_users_list(self, args: dict) -> dict:
        group = self._groups.get(args["usergroup"])
        return {"users": list(group["users"])} if group else _err("no_such_subteam")

    def _conversations_info(self, args: dict) -> dict:
        if self._outside(args["channel"]) == "channel_not_found":
            return _err("channel_not_found")
        return {"channel": copy.deepcopy(self._channel_info(args["channel"]))}

    def _conversations_join(self, args: dict) -> dict:
        if "channels:join" not in self.scopes:
            return {**_err("missing_scope"), "needed": "channels:join", "provided": ",".join(self.scopes)}
        info = self._channel_info(args["channel"])
        if info.get("is_private"):
            return _err("channel_not_found" if not info.get("is_member", True) else "method_not_supported_for_channel_type")
        if args["channel"] in self._channels:
            self._channels[args["channel"]]["is_member"] = True
        return {"channel": copy.deepcopy({**info, "is_member": True})}

    def _conversations_open(self, args: dict) -> dict:
        if args.get("channel"):
            return {"channel": {"id": args["channel"]}, "no_op": True, "already_open": True}
        users = _id_list(args.get("users"))
        if not users:
            return _err("users_list_not_supplied")
        channel = self.dm_channel(users[0]) if len(users) == 1 else "G" + "".join(sorted(users))
        return {"channel": {"id": channel}, "no_op": False, "already_open": False}

    def _conversations_history(self, args: dict) -> dict:
        if self._outside(args["channel"]):
            return _err(self._outside(args["channel"]))
        top_level = [m for m in self._messages.get(args["channel"], []) if m.get("thread_ts", m["ts"]) == m["ts"]]
        history = copy.deepcopy(top_level[::-1][: int(args.get("limit") or 100)])
        if not _truthy(args.get("include_all_metadata")):
            for message in history:
                message.pop("metadata", None)
        return {"messages": history, "has_more": False, "response_metadata": {"next_cursor": ""}}

    def _files_get_upload_url(self, args: dict) -> dict:
        file_id = f"F{next(self._seq):010d}"
        self._files[file_id] = {"id": file_id, "name": args["filename"], "length": int(args["length"]),
                                "alt_txt": args.get("alt_txt"), "content": None, "completed": False}
        return {"upload_url": f"{self.root_url}/upload/{file_id}", "file_id": file_id}

    def _upload(self, file_id: str, args: dict) -> dict:
        if file_id not in self._files:
            return _err("file_not_found")
        self._files[file_id]["content"] = args["content"]
        return {"ok": True}

    def _files_complete_upload(self, args: dict) -> dict:
        entries = args["files"] if isinstance(args["files"], list) else []
        unknown = [e.get("id") for e in entries if self._files.get(e.get("id"), {}).get("content") is None]
        if not entries or unknown:
            return _err("file_not_found")
        channels = [args["channel_id"]] if args.get("channel_id") else _id_list(args.get("channels"))
        outside = next((self._outside(c) for c in channels if self._outside(c)), "")
        if outside:
            return _err(outside)
        shared = []
        for entry in entries:
            record = self._files[entry["id"]]
            record.update(
                completed=True, title=entry.get("title") or record["name"], size=len(record["content"]),
                alt_txt=entry.get("alt_txt") or entry.get("alt_text") or record["alt_txt"],
                channels=channels, initial_comment=args.get("initial_comment"),
                thread_ts=args.get("thread_ts"),
            )
            shared.append({
                "id": record["id"], "name": record["name"], "title": record["title"], "size": record["size"],
                "user": BOT_USER_ID, "created": int(time.time()), "alt_txt": record["alt_txt"],
                "permalink": f"https://t0team.slack.com/files/{BOT_USER_ID}/{record['id']}/{record['name']}",
            })
        return {"files": shared}

    def _reactions_add(self, args: dict) -> dict:
        message = self._find_message(args["channel"], args["timestamp"])
        if message is not None:
            reactions = message.setdefault("reactions", [])
            if any(r["name"] == args["name"] for r in reactions):
                return _err("already_reacted")
            reactions.append({"name": args["name"], "users": [BOT_USER_ID], "count": 1})
        return {}

    def _response_post(self, name: str, args: dict) -> dict:
        """Answer a ``response_url`` post, applying replace/delete to a bound message."""
        if "blocks" in args or "text" in args:
            rejected = self._check_message(f"response_url:{name}", args)
            if rejected:
                return rejected
        channel, ts = self._response_targets.get(name, (None, None))
        message = self._find_message(channel, ts) if channel else None
        if message is not None and _truthy(args.get("delete_original")):
            self._messages[channel].remove(message)
        elif message is not None and _truthy(args.get("replace_original")):
            self._apply(message, {k: v for k, v in args.items() if k in ("text", "blocks", "attachments")})
        return {"ok": True}


@dataclass
class Submitted:
    """A modal submission's HTTP response, and the modal as the person sees it afterwards (json())."""

    response: Any
    seen: dict

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def elapsed(self):
        return self.response.elapsed

    @property
    def acknowledged(self) -> dict:
        """The acknowledgement's own answer."""
        return self.response.json() if self.response.content else {}

    def json(self) -> dict:
        return self.seen


def _as_answer(view: dict) -> dict:
    """A modal the bot updated after a submission, as the response_action that shows the same."""
    blocks = view.get("blocks") or []
    for index, block in enumerate(blocks):
        if block.get("block_id") == "problem":
            text = block["elements"][0]["text"].removeprefix("⚠️ ")
            text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
            field = blocks[index - 1].get("block_id", "") if index and blocks[index - 1].get("type") == "input" else ""
            return {"response_action": "errors", "errors": {field: text}}
    return {"response_action": "update", "view": view}
