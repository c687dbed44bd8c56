"""Group access by plan: one-time expiring invite links to the group a user's plan grants, and a
sweep (run by the scheduler) that removes members whose plan or trial no longer grants it.

The rule is the domain's (`verzek.domain.plans.telegram_group`). The sweep removes only the
members the bot knows — who joined through one of its invite links, or whose linked account it
gave a link to — because the Bot API cannot list a group's members (there is no such method;
only administrators, counts and single look-ups by user id)."""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from telegram import Bot, ChatInviteLink
from telegram.constants import ChatType

from verzek.clock import Clock
from verzek.domain import plans
from verzek.domain.models import User
from verzek.errors import Conflict, Forbidden
from verzek.store.docstore import DocumentStore
from verzek.store.repos import UserRepository
from verzek.telegram.bot import BotNotRunning, BotService
from verzek.telegram.sender import ChatMoved, SendFailed
from verzek.telegram.state import GROUP_NAMES, GroupName

logger = logging.getLogger(__name__)

T = TypeVar("T")
GroupRule = Callable[[User, datetime], str | None]
INVITE_PREFIX = "u:"
MAX_INVITE_NAME = 32  # createChatInviteLink: "Invite link name; 0-32 characters"


# A ban refused for the member itself: it never succeeds however often it is tried. Any other
# refusal is about the group — "Forbidden: bot was kicked from the supergroup chat", "Bad
# Request: chat not found", "Bad Request: not enough rights to restrict/unrestrict chat member"
# (the bot is no longer an administrator) — and ends when an admin puts the bot back.
MEMBER_REFUSALS = ("user is an administrator of the chat", "can't remove chat owner",
                   "user not found", "participant_id_invalid", "user_id_invalid",
                   "invalid user_id")


def _member_refused(details: dict[str, Any]) -> bool:
    """Whether a failed removal was refused for good because of who the member is."""
    if not details.get("permanent") or details.get("kind") != "rejected":
        return False
    reason = str(details.get("reason") or "").lower()
    return any(marker in reason for marker in MEMBER_REFUSALS)


def _as_group(value: str | None) -> GroupName | None:
    for name in GROUP_NAMES:
        if value == name:
            return name
    return None


@dataclass(frozen=True, slots=True)
class InviteLink:
    """A one-member invite link to `group`, usable until `expires_at`."""

    group: GroupName
    url: str
    expires_at: datetime

    def to_dict(self) -> dict[str, str]:
        return {"group": self.group, "url": self.url, "expires_at": self.expires_at.isoformat()}


@dataclass(frozen=True, slots=True)
class Removal:
    group: GroupName
    telegram_user_id: int
    user_id: str
    removed: bool
    error: str | None = None


class GroupAccess:
    """Invite links and the expiry sweep; membership is remembered in `telegram/members.json`."""

    DOC = "telegram/members.json"

    def __init__(self, *, bot: BotService, users: UserRepository, store: DocumentStore,
                 clock: Clock, group_of: GroupRule = plans.telegram_group,
                 invite_ttl_s: float = 3600.0, call_timeout_s: float = 120.0,
                 ready_timeout_s: float = 10.0) -> None:
        self._bot = bot
        self._users = users
        self._store = store
        self._clock = clock
        self.group_of = group_of  # which group a user may be in at a time
        self.invite_ttl_s = invite_ttl_s
        self.call_timeout_s = call_timeout_s
        self.ready_timeout_s = ready_timeout_s  # how long to wait for a bot (re)starting
        self._chat_types: dict[int, str] = {}  # a group's type never changes (a migration
        # gives the supergroup a new id)

    def invite_link(self, user_id: str) -> InviteLink:
        """A fresh link to the user's group. Raises NotFound, Forbidden (no group now), Conflict
        (group not configured or Telegram refused)."""
        user = self._users.get(user_id)
        now = self._clock.now()
        group = _as_group(self.group_of(user, now))
        if group is None:
            raise Forbidden("your plan gives no Telegram group now (the free trial has ended)")
        expires = now + timedelta(seconds=self.invite_ttl_s)

        name = f"{INVITE_PREFIX}{user_id}"
        if len(name) > MAX_INVITE_NAME:  # a cut name would name another (or no) user
            name = ""

        def create(bot: Bot, chat_id: int) -> Awaitable[ChatInviteLink]:
            return bot.create_chat_invite_link(chat_id, expire_date=expires, member_limit=1,
                                               name=name or None)

        link = self._in_group(group, create, "createChatInviteLink")
        self._remember_invite(link.invite_link, group, user_id, expires)
        if user.telegram_user_id is not None:
            self._remember(group, user.telegram_user_id, user_id)
        logger.info("telegram: invite link to %s issued", group, extra={"user_id": user_id})
        return InviteLink(group=group, url=link.invite_link, expires_at=expires)

    def on_member(self, chat_id: int, telegram_user_id: int, invite_name: str | None,
                  joined: bool, invite_url: str | None = None) -> None:
        """A chat_member update from one of our groups: remember who joined by whose link."""
        group = next((g for g, c in self._bot.groups.configured().items() if c == chat_id), None)
        if group is None:
            return
        if not joined:
            self._forget(group, telegram_user_id)
            return
        user_id = self._invite_owner(invite_url)
        if user_id is None and invite_name and invite_name.startswith(INVITE_PREFIX):
            user_id = invite_name[len(INVITE_PREFIX):]
        if user_id is not None:
            self._remember(group, telegram_user_id, user_id)

    def members(self) -> dict[GroupName, dict[str, str]]:
        """Remembered members per group: Telegram user id (as text) -> user id."""
        doc = self._store.read(self.DOC) or {}
        return {g: dict(doc.get("members", {}).get(g, {})) for g in GROUP_NAMES}

    def sweep(self) -> list[Removal]:
        """Remove every remembered member whose plan or trial no longer grants the group
        (ban then unban: removed, free to come back with a new link)."""
        now = self._clock.now()
        out: list[Removal] = []
        for group, members in self.members().items():
            for tid, user_id in members.items():
                user = self._users.find(user_id)
                if user is not None and self.group_of(user, now) == group:
                    continue
                out.append(self._remove(group, int(tid), user_id))
        return out

    def _remove(self, group: GroupName, telegram_user_id: int, user_id: str) -> Removal:
        async def kick(bot: Bot, chat_id: int) -> bool:
            # A ban removes the member; in a supergroup it also keeps them out until unbanned,
            # so unban at once (only_if_banned: never remove anyone else) and they may come
            # back with a new link once they pay. In a basic group a ban only removes, and
            # unbanChatMember is refused ("available for supergroup and channel chats only").
            await self._bot.sender.call(
                lambda: bot.ban_chat_member(chat_id, telegram_user_id),
                what=f"banChatMember in {group}", chat_id=chat_id)
            if await self._chat_type(bot, chat_id) == ChatType.GROUP:
                return True
            return await self._bot.sender.call(
                lambda: bot.unban_chat_member(chat_id, telegram_user_id, only_if_banned=True),
                what=f"unbanChatMember in {group}", chat_id=chat_id)

        try:
            self._in_group(group, kick, "remove member")
        except Conflict as exc:
            logger.error("telegram: could not remove %s from %s: %s", telegram_user_id, group,
                         exc.message, extra={"user_id": user_id})
            if _member_refused(exc.details or {}):
                self._forget(group, telegram_user_id)  # e.g. an admin: never retried
            # else transient, or about the group (the bot removed or no longer allowed to ban,
            # the chat gone): the member is kept and tried again at the next sweep, once an
            # admin has put the bot back
            return Removal(group, telegram_user_id, user_id, False, exc.message)
        except Exception as exc:  # one member's trouble never ends the sweep for the others
            logger.exception("telegram: removing %s from %s failed", telegram_user_id, group,
                             extra={"user_id": user_id})
            return Removal(group, telegram_user_id, user_id, False, f"{type(exc).__name__}")
        self._forget(group, telegram_user_id)
        logger.info("telegram: removed from %s (plan or trial ended)", group,
                    extra={"user_id": user_id})
        return Removal(group, telegram_user_id, user_id, True)

    async def _chat_type(self, bot: Bot, chat_id: int) -> str:
        if chat_id not in self._chat_types:
            chat = await self._bot.sender.call(lambda: bot.get_chat(chat_id),
                                               what="getChat", chat_id=chat_id)
            self._chat_types[chat_id] = chat.type
        return self._chat_types[chat_id]

    def _in_group(self, group: GroupName, fn: Callable[[Bot, int], Awaitable[T]],
                  what: str) -> T:
        async def run(bot: Bot) -> T:
            for _ in range(2):
                chat_id = self._bot.groups.chat_id(group)
                if chat_id is None:
                    raise Conflict(f"the {group} group is not configured")
                def attempt(c: int = chat_id) -> Awaitable[T]:
                    return fn(bot, c)

                try:
                    return await self._bot.sender.call(attempt, what=what, chat_id=chat_id)
                except ChatMoved:
                    continue  # the directory now holds the new id
            raise Conflict(f"the {group} group keeps migrating")

        try:
            return self._bot.call(run, timeout_s=self.call_timeout_s,
                                  ready_timeout_s=self.ready_timeout_s)
        except SendFailed as exc:
            raise Conflict(f"Telegram refused: {exc}",
                           details={"permanent": exc.permanent, "kind": exc.kind,
                                    "reason": exc.reason}) from None
        except BotNotRunning:
            raise Conflict("the Telegram bot is not running now; try again in a minute",
                           details={"permanent": False}) from None
        except concurrent.futures.TimeoutError:
            raise Conflict(f"Telegram did not answer {what} within {self.call_timeout_s:.0f} s",
                           details={"permanent": False}) from None

    def _remember_invite(self, url: str, group: GroupName, user_id: str,
                         expires: datetime) -> None:
        """Which user a link was made for, until it expires (the chat_member update of a join
        carries the link the bot made)."""
        now = self._clock.now()

        def apply(doc: dict[str, Any] | None) -> dict[str, Any]:
            doc = doc or {}
            invites = {u: v for u, v in doc.get("invites", {}).items()
                       if datetime.fromisoformat(v["expires_at"]) > now}
            invites[url] = {"group": group, "user_id": user_id,
                            "expires_at": expires.isoformat()}
            doc["invites"] = invites
            return doc

        self._store.update(self.DOC, apply)

    def _invite_owner(self, url: str | None) -> str | None:
        if not url:
            return None
        doc = self._store.read(self.DOC) or {}
        entry = doc.get("invites", {}).get(url)
        return None if entry is None else str(entry["user_id"])

    def _remember(self, group: GroupName, telegram_user_id: int, user_id: str) -> None:
        def apply(doc: dict[str, Any] | None) -> dict[str, Any]:
            doc = doc or {}
            doc.setdefault("members", {}).setdefault(group, {})[str(telegram_user_id)] = user_id
            return doc

        self._store.update(self.DOC, apply)

    def _forget(self, group: GroupName, telegram_user_id: int) -> None:
        def apply(doc: dict[str, Any] | None) -> dict[str, Any] | None:
            if doc is None:
                return None
            doc.get("members", {}).get(group, {}).pop(str(telegram_user_id), None)
            return doc

        self._store.update(self.DOC, apply)
