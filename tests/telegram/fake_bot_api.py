"""A fake Telegram Bot API server on 127.0.0.1 for the real python-telegram-bot client.

Implements `/bot<token>/<method>` for the methods the bot uses, with the semantics of
api.telegram.org that matter to it (https://core.telegram.org/bots/api):
- getUpdates long polling: offsets confirm updates, `allowed_updates` is a setting that persists
  between calls (default: everything but chat_member and reactions) and applies to updates
  created after it; a second getUpdates consumer ends the first with 409 Conflict, and so does an
  active webhook; negative offsets;
- texts: 1-4096 characters after entity parsing, parse modes checked ("can't parse entities");
- chats: users who blocked the bot (403), groups the bot was removed from (403), groups upgraded
  to supergroups (400 with `migrate_to_chat_id`), unknown chats (400 "chat not found") when
  `strict_chats`; bans, unbans (supergroups only) and one-time invite links;
- every call recorded; error answers can also be queued by a test (`fail_next`), and so can a
  gateway's answer (`gateway_error_next`: the HTML page api.telegram.org's front answers with a
  502 or 504, the call carried out by the server behind it or not).
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

from .fake_entities import text_error

BOT_ID = 7000001
TOKEN = f"{BOT_ID}:AAH-fake-token-for-tests-0123456789abcdef"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Verzek Signals",
            "username": "verzek_test_bot", "can_join_groups": True,
            "can_read_all_group_messages": True, "supports_inline_queries": False}
INT_FIELDS = {"chat_id", "offset", "limit", "timeout", "user_id", "member_limit",
              "expire_date", "message_id", "from_chat_id"}
JSON_FIELDS = {"allowed_updates", "only_if_banned", "revoke_messages", "link_preview_options",
               "commands", "drop_pending_updates", "reply_parameters", "creates_join_request"}
# "Specify an empty list to receive all update types except chat_member, message_reaction, and
# message_reaction_count (default)."
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CONFLICT_OTHER = ("Conflict: terminated by other getUpdates request; make sure that only one bot "
                  "instance is running")
CONFLICT_WEBHOOK = ("Conflict: can't use getUpdates method while webhook is active; use "
                    "deleteWebhook to delete the webhook first")
Answer = tuple[int, dict[str, Any]]


class ApiError(Exception):
    """An error answer: raised by a method, turned into `{"ok": false, ...}`."""

    def __init__(self, status: int, description: str,
                 parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.body: dict[str, Any] = {"ok": False, "error_code": status,
                                     "description": description}
        if parameters:
            self.body["parameters"] = parameters
        self.status = status


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
class _GatewayError:
    method: str
    chat_id: int | None
    status: int
    carried_out: bool


GATEWAY_PHRASES = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Time-out"}


def gateway_page(status: int) -> bytes:
    """The page nginx answers in front of the Bot API server (no JSON)."""
    phrase = f"{status} {GATEWAY_PHRASES.get(status, 'Error')}"
    return (f"<html>\r\n<head><title>{phrase}</title></head>\r\n<body>\r\n<center><h1>"
            f"{phrase}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n"
            "</html>\r\n").encode()


@dataclass
class FakeBotApi:
    """State of the fake server; thread-safe; every wait has a timeout."""

    token: str = TOKEN
    strict_chats: bool = False
    calls: list[Call] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    history: dict[int, dict[str, Any]] = field(default_factory=dict)
    failures: list[_Failure] = field(default_factory=list)
    delivered: list[tuple[int | str, str]] = field(default_factory=list)
    refused: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)
    dropped_updates: list[dict[str, Any]] = field(default_factory=list)
    allowed_updates: list[str] | None = None
    webhook_url: str = ""
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    blocked_by: set[int] = field(default_factory=set)
    removed_from: set[int] = field(default_factory=set)
    migrated: dict[int, int] = field(default_factory=dict)
    members: dict[int, set[int]] = field(default_factory=dict)
    restricted: dict[int, set[int]] = field(default_factory=dict)  # restricted by an admin
    banned: dict[int, set[int]] = field(default_factory=dict)
    invite_links: dict[str, dict[str, Any]] = field(default_factory=dict)
    waiting_polls: int = 0
    drop_answers: list[tuple[str, int | None]] = field(default_factory=list)
    gateway_errors: list[_GatewayError] = field(default_factory=list)
    now: Callable[[], float] = time.time  # the server's clock (link expiry)
    cond: threading.Condition = field(default_factory=threading.Condition)
    closed: bool = False
    _poll_generation: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))

    # --- test helpers: the world around the bot ----------------------------------------------

    def fail_next(self, method: str, status: int, description: str, *,
                  chat_id: int | None = None, parameters: dict[str, Any] | None = None) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        with self.cond:
            self.failures.append(_Failure(method, chat_id, status, body))

    def drop_answer_next(self, method: str, *, chat_id: int | None = None) -> None:
        """Carry out the next such call, then close the connection without answering (the
        client cannot tell whether it was done: a lost answer)."""
        with self.cond:
            self.drop_answers.append((method, chat_id))

    def gateway_error_next(self, method: str, status: int, *, carried_out: bool,
                           chat_id: int | None = None) -> None:
        """The next such call gets the gateway's HTML error page with `status`; with
        `carried_out` the server behind the gateway did it anyway (a 504: the gateway stopped
        waiting, the server went on), else it never reached it."""
        with self.cond:
            self.gateway_errors.append(_GatewayError(method, chat_id, status, carried_out))

    def take_gateway_error(self, method: str, params: dict[str, Any]) -> _GatewayError | None:
        with self.cond:
            for item in self.gateway_errors:
                if item.method == method and item.chat_id in (None, params.get("chat_id")):
                    self.gateway_errors.remove(item)
                    return item
        return None

    def record_call(self, method: str, params: dict[str, Any]) -> None:
        with self.cond:
            self.calls.append(Call(method, params))
            self.cond.notify_all()

    def take_drop(self, method: str, params: dict[str, Any]) -> bool:
        with self.cond:
            for item in self.drop_answers:
                if item[0] == method and item[1] in (None, params.get("chat_id")):
                    self.drop_answers.remove(item)
                    return True
        return False

    def inject(self, update: dict[str, Any], *, force: bool = False) -> int:
        """Create an update; one whose type the current `allowed_updates` setting excludes is
        never delivered (unless `force`: created before the setting changed)."""
        with self.cond:
            update_id = next(self._update_ids)
            full = {"update_id": update_id, **update}
            self.history[update_id] = full
            kind = next(k for k in full if k != "update_id")
            if force or self._allows(kind):
                self.updates.append(full)
            else:
                self.dropped_updates.append(full)
            self.cond.notify_all()
            return update_id

    def replay(self, update_id: int) -> None:
        """Offer an update again, as Telegram does for one it never saw confirmed."""
        with self.cond:
            self.updates.append(dict(self.history[update_id]))
            self.updates.sort(key=lambda u: u["update_id"])
            self.cond.notify_all()

    def add_group(self, chat_id: int, *, title: str | None = None) -> None:
        with self.cond:
            self.chats[chat_id] = _chat(chat_id, title)

    def inject_private_text(self, user_id: int, text: str, *,
                            extra: dict[str, Any] | None = None) -> int:
        user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        with self.cond:
            self.chats.setdefault(user_id, _chat(user_id))
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

    def inject_private_photo(self, user_id: int, caption: str) -> int:
        """A user sends the bot a photo with a caption (a chart with the call under it)."""
        user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        with self.cond:
            self.chats.setdefault(user_id, _chat(user_id))
        photo = [{"file_id": f"photo{size}", "file_unique_id": f"u{size}", "width": size,
                  "height": size, "file_size": size * 100} for size in (90, 320, 1280)]
        return self.inject({"message": {
            "message_id": next(self._ids), "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": user["first_name"]},
            "from": user, "photo": photo, "caption": caption}})

    def inject_group_text(self, chat_id: int, text: str, *, from_user: dict[str, Any]) -> int:
        message = {"message_id": next(self._ids), "date": int(time.time()),
                   "chat": _chat(chat_id), "from": from_user, "text": text}
        return self.inject({"message": message})

    def block_bot(self, user_id: int) -> int:
        """The user blocks the bot: sends answer 403 and the bot gets a my_chat_member."""
        with self.cond:
            self.blocked_by.add(user_id)
        return self._inject_my_member(user_id, "member", "kicked")

    def unblock_bot(self, user_id: int) -> int:
        with self.cond:
            self.blocked_by.discard(user_id)
        return self._inject_my_member(user_id, "kicked", "member")

    def remove_bot(self, chat_id: int) -> int:
        """An admin removes the bot from a group."""
        with self.cond:
            self.removed_from.add(chat_id)
        return self._inject_my_member(chat_id, "administrator", "kicked")

    def add_bot_back(self, chat_id: int) -> int:
        """An admin adds the bot back to a group (as an administrator)."""
        with self.cond:
            self.removed_from.discard(chat_id)
        return self._inject_my_member(chat_id, "left", "administrator")

    def migrate_group(self, old_chat_id: int, new_chat_id: int, *,
                      announce: bool = True) -> None:
        """The group becomes a supergroup: calls to the old id answer 400 with
        migrate_to_chat_id; with `announce`, both service messages are sent as Telegram does
        (without: the bot learns it from a refused call only)."""
        with self.cond:
            self.migrated[old_chat_id] = new_chat_id
            self.chats[new_chat_id] = _chat(new_chat_id)
            self.members[new_chat_id] = set(self.members.pop(old_chat_id, set()))
        if not announce:
            return
        owner = {"id": 1, "is_bot": False, "first_name": "Owner"}
        self.inject({"message": {"message_id": next(self._ids), "date": int(time.time()),
                                 "chat": _chat(old_chat_id), "from": owner,
                                 "migrate_to_chat_id": new_chat_id}})
        self.inject({"message": {"message_id": 1, "date": int(time.time()),
                                 "chat": _chat(new_chat_id), "from": owner,
                                 "migrate_from_chat_id": old_chat_id}})

    def join_by_link(self, url: str, user_id: int) -> int:
        """A user opens an invite link: joins (a chat_member update) or is refused."""
        with self.cond:
            link = self.invite_links[url]
            chat_id = link["chat_id"]
            if user_id in self.banned.get(chat_id, set()):
                raise AssertionError("a banned user cannot join by link")
            if link["uses"] >= link.get("member_limit", 10**9):
                raise AssertionError("the link's member limit is reached")
            if link.get("expire_date") and link["expire_date"] <= self.now():
                raise AssertionError("the link expired")
            link["uses"] += 1
            self.members.setdefault(chat_id, set()).add(user_id)
            public = {k: v for k, v in link.items() if k not in ("chat_id", "uses")}
            # a user an admin restricted stays "restricted" through leaving and coming back;
            # only `is_member` changes
            before, after = (("restricted", "restricted") if user_id in
                             self.restricted.get(chat_id, set()) else ("left", "member"))
        return self._inject_member(chat_id, user_id, before, after, invite_link=public)

    def rival_poll(self) -> int:
        """Another process calls getUpdates with this token (a second instance)."""
        status, _ = self.handle("getUpdates", {"timeout": 0, "limit": 1})
        return status

    # --- test helpers: what the bot did -----------------------------------------------------

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

    def handle(self, method: str, params: dict[str, Any]) -> Answer:
        with self.cond:
            self.calls.append(Call(method, params))
            self.cond.notify_all()
            for failure in self.failures:
                if failure.method == method and failure.chat_id in (None,
                                                                    params.get("chat_id")):
                    self.failures.remove(failure)
                    return failure.status, failure.body
        try:
            if method == "getUpdates":
                return 200, {"ok": True, "result": self._get_updates(params)}
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            with self.cond:
                if "chat_id" in params:
                    self._check_chat(params["chat_id"])
                result = handler(params)
                self.cond.notify_all()
            return 200, {"ok": True, "result": result}
        except ApiError as exc:
            with self.cond:
                self.refused.append((method, params, exc.body["description"]))
                self.cond.notify_all()
            return exc.status, exc.body

    def _allows(self, kind: str) -> bool:
        if not self.allowed_updates:
            return kind not in NOT_BY_DEFAULT
        return kind in self.allowed_updates

    def _check_chat(self, chat_id: Any) -> None:
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        if chat_id in self.migrated:
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           {"migrate_to_chat_id": self.migrated[chat_id]})
        if chat_id in self.blocked_by:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.removed_from:
            kind = _chat(chat_id)["type"]
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if self.strict_chats and chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if not 1 <= limit <= 100:
            raise ApiError(400, "Bad Request: limit must be between 1 and 100")
        deadline = time.monotonic() + timeout
        with self.cond:
            if self.webhook_url:
                raise ApiError(409, CONFLICT_WEBHOOK)
            self._poll_generation += 1
            mine = self._poll_generation
            self.cond.notify_all()  # an earlier long poll ends with a Conflict
            if "allowed_updates" in params and params["allowed_updates"] is not None:
                self.allowed_updates = list(params["allowed_updates"])
            if offset > 0:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            elif offset < 0:
                self.updates = self.updates[offset:]
            self.waiting_polls += 1
            try:
                while True:
                    if self._poll_generation != mine:
                        raise ApiError(409, CONFLICT_OTHER)
                    left = deadline - time.monotonic()
                    if self.updates or left <= 0 or self.closed:
                        return self.updates[:limit]
                    self.cond.wait(left)
            finally:
                self.waiting_polls -= 1
                self.cond.notify_all()

    def _m_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = params["chat_id"]
        problem = text_error(params.get("text"), params.get("parse_mode"))
        if problem:
            raise ApiError(400, problem)
        self.delivered.append((chat_id, params["text"]))
        return {"message_id": next(self._ids), "date": int(time.time()), "chat": _chat(chat_id),
                "from": BOT_USER, "text": params["text"]}

    def _m_createChatInviteLink(self, params: dict[str, Any]) -> Any:
        chat_id = params["chat_id"]
        if chat_id > 0:
            raise ApiError(400, "Bad Request: chat not found")
        if len(params.get("name", "")) > 32:
            raise ApiError(400, "Bad Request: invite link name is too long")
        limit = params.get("member_limit")
        if limit is not None and not 1 <= limit <= 99999:
            raise ApiError(400, "Bad Request: member limit must be between 1 and 99999")
        if limit is not None and params.get("creates_join_request"):
            raise ApiError(400, "Bad Request: member limit can't be specified for links "
                                "requiring administrator approval")
        link = {"invite_link": f"https://t.me/+fake{next(self._ids)}", "creator": BOT_USER,
                "creates_join_request": bool(params.get("creates_join_request")),
                "is_primary": False, "is_revoked": False}
        for key in ("name", "expire_date", "member_limit"):
            if key in params:
                link[key] = params[key]
        self.invite_links[link["invite_link"]] = {**link, "chat_id": chat_id, "uses": 0}
        return link

    def _m_banChatMember(self, params: dict[str, Any]) -> Any:
        chat_id, user_id = params["chat_id"], params["user_id"]
        was_member = user_id in self.members.get(chat_id, set())
        self.members.get(chat_id, set()).discard(user_id)
        if _is_supergroup(chat_id):  # in a basic group a ban only removes the member
            self.banned.setdefault(chat_id, set()).add(user_id)
        if was_member:
            self._inject_member(chat_id, user_id, "member", "kicked")
        return True

    def _m_unbanChatMember(self, params: dict[str, Any]) -> Any:
        chat_id, user_id = params["chat_id"], params["user_id"]
        if not _is_supergroup(chat_id):
            raise ApiError(400, "Bad Request: method is available for supergroup and channel "
                                "chats only")
        banned = self.banned.setdefault(chat_id, set())
        if user_id in banned:
            banned.discard(user_id)
        elif not params.get("only_if_banned"):
            self.members.get(chat_id, set()).discard(user_id)  # "also removed from the chat"
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {"url": self.webhook_url, "has_custom_certificate": False,
                "pending_update_count": len(self.updates)}

    def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = params.get("url", "")
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self.updates.clear()
        return True

    def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        for command in params.get("commands", []):
            name, text = command.get("command", ""), command.get("description", "")
            if not (1 <= len(name) <= 32 and name.replace("_", "").isalnum()
                    and name == name.lower()):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(text) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        return True

    def _m_getChat(self, params: dict[str, Any]) -> Any:
        return {**_chat(params["chat_id"]), "accent_color_id": 0, "max_reaction_count": 11}

    def _m_close(self, params: dict[str, Any]) -> Any:
        return True

    def _m_logOut(self, params: dict[str, Any]) -> Any:
        return True

    # --- updates the server makes -----------------------------------------------------------

    def _inject_my_member(self, chat_id: int, old: str, new: str) -> int:
        return self.inject({"my_chat_member": {
            "chat": _chat(chat_id), "from": {"id": chat_id if chat_id > 0 else 1,
                                             "is_bot": False, "first_name": "Someone"},
            "date": int(time.time()),
            "old_chat_member": _member(old, BOT_USER),
            "new_chat_member": _member(new, BOT_USER)}})

    def _inject_member(self, chat_id: int, user_id: int, old: str, new: str, *,
                       invite_link: dict[str, Any] | None = None) -> int:
        user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        change: dict[str, Any] = {
            "chat": _chat(chat_id), "from": user if new in ("member", "restricted") else BOT_USER,
            "date": int(time.time()),
            "old_chat_member": _member(old, user, is_member=False),
            "new_chat_member": _member(new, user, is_member=new != "kicked")}
        if invite_link is not None:
            change["invite_link"] = invite_link
        return self.inject({"chat_member": change})  # the condition's lock is re-entrant


def _member(status: str, user: dict[str, Any], *, is_member: bool = True) -> dict[str, Any]:
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "kicked":
        member["until_date"] = 0
    if status == "restricted":  # every permission field is sent; `is_member` tells in or out
        member.update({key: False for key in (
            "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos",
            "can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls",
            "can_send_other_messages", "can_add_web_page_previews", "can_change_info",
            "can_invite_users", "can_pin_messages", "can_manage_topics", "can_edit_tag",
            "can_react_to_messages")})
        member.update({"is_member": is_member, "until_date": 0})
    if status == "administrator":
        member.update({key: True for key in (
            "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
            "can_manage_video_chats", "can_restrict_members", "can_promote_members",
            "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
            "can_delete_stories")})
    return member


def _is_supergroup(chat_id: int) -> bool:
    return str(chat_id).startswith("-100")


def _chat(chat_id: int, title: str | None = None) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
    kind = "supergroup" if _is_supergroup(chat_id) else "group"
    return {"id": chat_id, "type": kind, "title": title or f"Group {chat_id}"}


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
        gateway = api.take_gateway_error(parts[1], params)
        if gateway is not None:
            if gateway.carried_out:
                api.handle(parts[1], params)
            else:
                api.record_call(parts[1], params)
            self._answer_raw(gateway.status, gateway_page(gateway.status), "text/html")
            return
        status, body = api.handle(parts[1], params)
        if api.take_drop(parts[1], params):
            self.close_connection = True  # done, but the answer is lost on the way
            return
        self._answer(status, body)

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        self._answer_raw(status, json.dumps(body).encode(), "application/json")

    def _answer_raw(self, status: int, data: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
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
    """Runs a FakeBotApi on 127.0.0.1 in a background thread; `url` is TELEGRAM_BOT_API_URL.

    With `strict_chats`, a chat the bot was never put in touch with answers "chat not found"
    (register groups with `api.add_group`; a user is known once they wrote to the bot)."""

    def __init__(self, *, strict_chats: bool = False) -> None:
        self.api = FakeBotApi(strict_chats=strict_chats)
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
