"""A fake Telegram Bot API server on 127.0.0.1 for the real python-telegram-bot client.

Implements `/bot<token>/<method>` for the methods the bot uses, records every call, lets a test
inject updates (served by long-polling getUpdates with offsets and timeouts) and queue error
answers (429 with retry_after, 400 with migrate_to_chat_id, 403, ...).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

BOT_ID = 7000001
TOKEN = f"{BOT_ID}:AAH-fake-token-for-tests-0123456789abcdef"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Verzek Signals",
            "username": "verzek_test_bot", "can_join_groups": True,
            "can_read_all_group_messages": True, "supports_inline_queries": False}
INT_FIELDS = {"chat_id", "offset", "limit", "timeout", "user_id", "member_limit",
              "expire_date", "message_id", "from_chat_id"}
JSON_FIELDS = {"allowed_updates", "only_if_banned", "revoke_messages", "link_preview_options",
               "commands", "drop_pending_updates", "reply_parameters", "creates_join_request"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class _Failure:
    method: str
    chat_id: int | None
    status: int
    body: dict[str, Any]


@dataclass
class FakeBotApi:
    """State of the fake server; thread-safe; every wait has a timeout."""

    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    failures: list[_Failure] = field(default_factory=list)
    delivered: list[tuple[int | str, str]] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)
    closed: bool = False
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))

    # --- test helpers ------------------------------------------------------------------------

    def fail_next(self, method: str, status: int, description: str, *,
                  chat_id: int | None = None, parameters: dict[str, Any] | None = None) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        with self.cond:
            self.failures.append(_Failure(method, chat_id, status, body))

    def inject(self, update: dict[str, Any]) -> int:
        with self.cond:
            update_id = next(self._update_ids)
            self.updates.append({"update_id": update_id, **update})
            self.cond.notify_all()
            return update_id

    def inject_private_text(self, user_id: int, text: str, *,
                            extra: dict[str, Any] | None = None) -> int:
        user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        message: dict[str, Any] = {
            "message_id": next(self._ids), "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": user["first_name"]},
            "from": user, "text": text}
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(command)}]
        message.update(extra or {})
        return self.inject({"message": message})

    def inject_group_text(self, chat_id: int, text: str, *, from_user: dict[str, Any]) -> int:
        message = {"message_id": next(self._ids), "date": int(time.time()),
                   "chat": _chat(chat_id), "from": from_user, "text": text}
        return self.inject({"message": message})

    def sent(self, chat_id: int | None = None) -> list[str]:
        """Texts delivered (answered with ok) to `chat_id`, in order."""
        with self.cond:
            return [text for chat, text in self.delivered if chat_id in (None, chat)]

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        with self.cond:
            return [c.params for c in self.calls if c.method == method]

    def wait_for(self, predicate: Callable[[], bool], timeout_s: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout_s
        with self.cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return True

    def confirmed_offset(self) -> int:
        """The highest offset getUpdates was asked for (the bot confirmed everything below)."""
        offsets = [c.params.get("offset", 0) for c in self.calls if c.method == "getUpdates"]
        return max(offsets, default=0)

    # --- the API ---------------------------------------------------------------------------

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.cond:
            self.calls.append(Call(method, params))
            self.cond.notify_all()
            for failure in self.failures:
                if failure.method == method and failure.chat_id in (None,
                                                                    params.get("chat_id")):
                    self.failures.remove(failure)
                    return failure.status, failure.body
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        return 200, {"ok": True, "result": handler(params)}

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        allowed = params.get("allowed_updates")
        deadline = time.monotonic() + timeout
        with self.cond:
            if offset:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while True:
                ready = [u for u in self.updates if u["update_id"] >= offset and
                         (not allowed or any(k in allowed for k in u if k != "update_id"))]
                left = deadline - time.monotonic()
                if ready or left <= 0 or self.closed:
                    return ready[:limit]
                self.cond.wait(left)

    def _m_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = params["chat_id"]
        with self.cond:
            self.delivered.append((chat_id, params["text"]))
            self.cond.notify_all()
        return {"message_id": next(self._ids), "date": int(time.time()), "chat": _chat(chat_id),
                "from": BOT_USER, "text": params["text"]}

    def _m_createChatInviteLink(self, params: dict[str, Any]) -> Any:
        link = {"invite_link": f"https://t.me/+fake{next(self._ids)}", "creator": BOT_USER,
                "creates_join_request": False, "is_primary": False, "is_revoked": False}
        for key in ("name", "expire_date", "member_limit"):
            if key in params:
                link[key] = params[key]
        return link

    def _m_banChatMember(self, params: dict[str, Any]) -> Any:
        return True

    def _m_unbanChatMember(self, params: dict[str, Any]) -> Any:
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        return True

    def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        return True

    def _m_getChat(self, params: dict[str, Any]) -> Any:
        return _chat(params["chat_id"])

    def _m_close(self, params: dict[str, Any]) -> Any:
        return True

    def _m_logOut(self, params: dict[str, Any]) -> Any:
        return True


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}


def _decode(params: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key in INT_FIELDS:
            try:
                out[key] = int(value)
            except ValueError:
                out[key] = value
        elif key in JSON_FIELDS:
            out[key] = json.loads(value)
        else:
            out[key] = value
    return out


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def _serve(self) -> None:
        api = self.server.api
        path = self.path.split("?", 1)[0]
        parts = path.strip("/").split("/")
        if len(parts) != 2 or parts[0] != f"bot{api.token}":
            self._answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        if "json" in (self.headers.get("Content-Type") or ""):
            params = {k: v for k, v in json.loads(raw or "{}").items()}
        else:
            query = self.path.split("?", 1)[1] if "?" in self.path else ""
            params = _decode(dict(parse_qsl(raw or query, keep_blank_values=True)))
        status, body = api.handle(parts[1], params)
        self._answer(status, body)

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a cancelled long poll at shutdown)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, api: FakeBotApi) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api = api


class FakeBotApiServer:
    """Runs a FakeBotApi on 127.0.0.1 in a background thread; `url` is TELEGRAM_BOT_API_URL."""

    def __init__(self) -> None:
        self.api = FakeBotApi()
        self._server = _Server(self.api)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeBotApiServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self.api.cond:
            self.api.closed = True
            self.api.cond.notify_all()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
