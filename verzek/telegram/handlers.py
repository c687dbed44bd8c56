"""What the broadcast bot does with each update: the loop guard (never our own groups, our own
messages or broadcasts), group migrations, admin signals (a text, or a photo's caption),
account commands in private chats, membership changes in our groups, and users blocking or
unblocking the bot.

An admin's signal is answered, and its update recorded as handled, only once every bus
subscriber has acknowledged it; a stop before that leaves the update unconfirmed, so Telegram
offers it again after the restart (the engine and the broadcaster take the repeat by its
source key `<admin id>:<message id>`). The answer says what the broadcaster decided for it:
"Published" only when it went to the groups; else why not (a message that reached the bot
late — the bot was down, Telegram keeps updates with their date — is too old to post)."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from telegram import Bot, ChatMember, ChatMemberRestricted, Message, Update, User
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from verzek.clock import Clock
from verzek.domain.models import SignalSource
from verzek.engine.bus import BusMessage, SignalBus
from verzek.telegram.alerts import ON_BROADCAST, BroadcastOutcome, GroupHealth, signal_answer
from verzek.telegram.commands import USER_COMMANDS, UserCommands
from verzek.telegram.format import has_header, split_text
from verzek.telegram.polling import UpdatePoller
from verzek.telegram.screening import Screen
from verzek.telegram.sender import ChatLanes, Sender, SendFailed
from verzek.telegram.state import GroupDirectory

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "chat_member", "my_chat_member"]
# chat, user, invite link name, joined, invite link URL
MemberHook = Callable[[int, int, str | None, bool, str | None], None]
ReachHook = Callable[[int, bool], None]  # Telegram user id, can we write to them now
_GONE = ("left", "kicked")


class UpdateHandlers(ABC):
    """The handlers of the bot's Application (mixed into BotService, which sets these)."""

    _bus: SignalBus
    _clock: Clock
    _commands: UserCommands
    _screen: Screen
    groups: GroupDirectory
    admin_ids: frozenset[int]
    sender: Sender
    lanes: ChatLanes
    bot_id: int | None
    bot_username: str | None
    last_error: str | None
    counters: dict[str, int]
    on_member: MemberHook | None
    on_reachable: ReachHook | None
    poller: UpdatePoller
    health: GroupHealth
    ack_timeout_s: float
    _stop_async: asyncio.Event | None

    @property
    @abstractmethod
    def bot(self) -> Bot:
        """The running client (BotService's)."""

    @abstractmethod
    def track(self, task: asyncio.Task[Any]) -> None:
        """Keep a task of the bot's loop referenced; a stop waits for it (BotService's)."""

    def add_handlers(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        app.add_handler(TypeHandler(Update, self._guard), group=-1)
        # Only new messages: an edit of "/pause" or of a signal must not act again (edits are
        # not in ALLOWED_UPDATES, but "unwanted updates may be received for a short period").
        private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        app.add_handler(CommandHandler("start", self._on_start, filters=private))
        app.add_handler(CommandHandler(list(USER_COMMANDS), self._on_command, filters=private))
        app.add_handler(MessageHandler(private & filters.COMMAND, self._on_unknown_command))
        # a chart with the call as its caption is as common as a plain text
        app.add_handler(MessageHandler(private & (filters.TEXT | filters.CAPTION)
                                       & ~filters.COMMAND, self._on_private_text))
        app.add_handler(ChatMemberHandler(self._on_chat_member, ChatMemberHandler.CHAT_MEMBER))
        app.add_handler(ChatMemberHandler(self._on_my_chat_member,
                                          ChatMemberHandler.MY_CHAT_MEMBER))

    # --- the guard --------------------------------------------------------------------------

    def is_own(self, update: Update) -> bool:
        """From one of our groups, from this bot, or one of our own broadcasts fed back."""
        own_chats = self.groups.own_chat_ids()
        chat = update.effective_chat
        user = update.effective_user
        message = update.effective_message
        if chat is not None and chat.id in own_chats:
            return True
        if user is not None and (user.id == self.bot_id or (user.is_bot and
                                                            user.id not in self.admin_ids)):
            return True
        if message is not None:
            if message.via_bot is not None and message.via_bot.id == self.bot_id:
                return True
            if message.sender_chat is not None and message.sender_chat.id in own_chats:
                return True
            origin_chat = getattr(message.forward_origin, "chat", None)
            if origin_chat is None:
                origin_chat = getattr(message.forward_origin, "sender_chat", None)
            if origin_chat is not None and origin_chat.id in own_chats:
                return True
            origin_user = getattr(message.forward_origin, "sender_user", None)
            if origin_user is not None and origin_user.id == self.bot_id:
                return True
            text = message.text or message.caption or ""
            if text and has_header(text):
                return True
        return False

    async def _guard(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.counters["updates"] += 1
        if update.chat_member is not None or update.my_chat_member is not None:
            return  # membership changes (ours or our members') are wanted
        message, chat = update.effective_message, update.effective_chat
        if message is not None and chat is not None:
            own = self.groups.own_chat_ids()
            # The old group says where it went; the new supergroup says where it came from.
            if message.migrate_to_chat_id and chat.id in own:
                self.groups.record_migration(chat.id, message.migrate_to_chat_id)
            if message.migrate_from_chat_id and message.migrate_from_chat_id in own \
                    and chat.id not in own:
                self.groups.record_migration(message.migrate_from_chat_id, chat.id)
            if chat.type == chat.PRIVATE and self.on_reachable is not None:
                self.on_reachable(chat.id, True)  # they wrote to us: we may write to them
        if self.is_own(update):
            self.counters["ignored_own"] += 1
            raise ApplicationHandlerStop

    # --- private chats ----------------------------------------------------------------------

    async def _reply(self, update: Update, answer: str | Callable[[], str]) -> None:
        """Answer in the chat, in as many messages as the 4096-character limit needs, in the
        chat's turn and off the update loop: a 429 for this chat (about one message a second)
        holds back its later answers, never the updates of other chats (an admin's signal).

        `answer` may be a function that works the answer out (a command, in a worker thread):
        it runs in the chat's turn too, so one user's commands are carried out and answered in
        order, and a command that waits on Telegram (/join: createChatInviteLink, which may get
        a flood wait of minutes) holds back only that chat."""
        chat = update.effective_chat
        if chat is None:
            return
        self.track(asyncio.get_running_loop().create_task(self._answer(chat.id, answer)))

    def tell_admins(self, text: str) -> None:
        """Send `text` to each admin in the background, in their chat's turn (on the loop)."""
        loop = asyncio.get_running_loop()
        for admin_id in sorted(self.admin_ids):
            self.track(loop.create_task(self._answer(admin_id, text)))

    async def _answer(self, chat_id: int, answer: str | Callable[[], str]) -> None:
        async with self.lanes.turn(chat_id):
            if callable(answer):
                try:
                    text = await asyncio.to_thread(answer)
                except Exception as exc:  # a task of its own: nobody else would see it
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    logger.exception("telegram bot: command in chat %s failed", chat_id)
                    return
            else:
                text = answer
            for part in split_text(text):
                try:
                    await self.sender.send_text(self.bot, chat_id, part)
                except SendFailed as exc:
                    logger.warning("telegram bot: reply to %s failed: %s", chat_id, exc)
                    return
                except Exception:  # a task of its own: nobody else would see it
                    logger.exception("telegram bot: reply to %s failed", chat_id)
                    return

    async def _on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        if user is None:
            return
        args = list(context.args or [])

        def start() -> str:
            answer = self._commands.start(user.id, args)
            if args and answer.startswith("✅"):
                self.counters["links"] += 1
            return answer

        await self._reply(update, start)

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sent = _text_from_user(update)
        if sent is None:
            return
        user, _, text = sent
        self.counters["commands"] += 1
        command = text.split()[0].lstrip("/").split("@", 1)[0]
        args = list(context.args or [])
        await self._reply(update, lambda: self._commands.run(user.id, command, args))

    async def _on_unknown_command(self, update: Update,
                                  context: ContextTypes.DEFAULT_TYPE) -> None:
        sent = _text_from_user(update)
        if sent is None:
            return
        user, _, text = sent
        head = text.split()[0].lstrip("/")
        command, _, addressee = head.partition("@")
        if addressee and (self.bot_username is None
                          or addressee.lower() != self.bot_username.lower()):
            return  # for another bot
        self.counters["commands"] += 1
        await self._reply(update, lambda: self._commands.run(user.id, command, []))

    async def _on_private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sent = _text_from_user(update)
        if sent is None:
            return
        user, message, text = sent
        if user.id not in self.admin_ids:
            await self._reply(update, lambda: self._commands.other_text(user.id))
            return
        verdict = self._screen(text, now=self._clock.now(), sender=user.id)
        if not verdict.accepted:
            self.counters["admin_rejected"] += 1
            await self._reply(update, f"Not published: {verdict.reason}.")
            return
        loop = asyncio.get_running_loop()
        handled: asyncio.Future[None] = loop.create_future()
        broadcast: list[BroadcastOutcome] = []  # set on the broadcaster's thread, before handled

        def on_handled() -> None:  # on a bus thread
            try:
                loop.call_soon_threadsafe(_settle, handled)
            except RuntimeError:  # the bot's loop has closed: the update stays unconfirmed
                pass

        if not self._bus.publish(self.admin_message(text, user.id, message.message_id,
                                                    message.date or self._clock.now(),
                                                    on_handled=on_handled,
                                                    on_broadcast=broadcast.append)):
            self.counters["admin_rejected"] += 1
            await self._reply(update, "Not published: the engine is overloaded; send it again "
                                      "in a minute.")
            return
        self.counters["admin_signals"] += 1
        outcome = await self._until_handled(handled)
        if outcome == "stopping":
            self.poller.leave_unconfirmed(update.update_id)
            return
        if outcome == "handled":
            await self._reply(update, signal_answer(verdict.reason,
                                                    broadcast[-1] if broadcast else None))
        else:
            logger.warning("telegram bot: admin signal %s not handled within %.0f s",
                           message.message_id, self.ack_timeout_s)
            await self._reply(update, f"⏳ Queued ({verdict.reason}); the engine has not "
                                      "confirmed it yet.")

    async def _until_handled(self, handled: asyncio.Future[None]
                             ) -> Literal["handled", "stopping", "late"]:
        """Wait for the bus's acknowledgement, a stop, or `ack_timeout_s`."""
        stop = self._stop_async or asyncio.Event()
        stopper = asyncio.ensure_future(stop.wait())
        waiting: set[asyncio.Future[Any]] = {handled, stopper}
        try:
            await asyncio.wait(waiting, timeout=self.ack_timeout_s,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if handled.done():
            return "handled"
        return "stopping" if stop.is_set() else "late"

    @staticmethod
    def admin_message(text: str, telegram_user_id: int, message_id: int,
                      received_at: datetime,
                      on_handled: Callable[[], None] | None = None,
                      on_broadcast: Callable[[BroadcastOutcome], None] | None = None,
                      ) -> BusMessage:
        source = SignalSource(kind="bot", chat_id=telegram_user_id, message_id=message_id)
        meta: dict[str, Any] = {"telegram_user_id": telegram_user_id}
        if on_broadcast is not None:  # told what the broadcaster decided (`signal_answer`)
            meta[ON_BROADCAST] = on_broadcast
        return BusMessage(text=text, source=source, received_at=received_at, origin="bot",
                          meta=meta, on_handled=on_handled)

    # --- membership -------------------------------------------------------------------------

    async def _on_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.chat_member
        if change is None or self.on_member is None:
            return
        if change.chat.id not in self.groups.own_chat_ids():
            return
        new, old = change.new_chat_member, change.old_chat_member
        joined = new.status in ("member", "restricted") and _is_in(new) and not _is_in(old)
        left = not _is_in(new)
        if not (joined or left):
            return
        link = change.invite_link
        await asyncio.to_thread(self.on_member, change.chat.id, change.new_chat_member.user.id,
                                link.name if link is not None else None, joined,
                                link.invite_link if link is not None else None)

    async def _on_my_chat_member(self, update: Update,
                                 context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot's own membership: a user blocking or unblocking it in their private chat,
        or the bot being removed from (or added back to) one of our groups."""
        change = update.my_chat_member
        if change is None:
            return
        status = change.new_chat_member.status
        chat = change.chat
        if chat.type == chat.PRIVATE:
            if self.on_reachable is not None:
                self.on_reachable(chat.id, status not in _GONE)
            logger.info("telegram bot: user %s %s the bot", chat.id,
                        "blocked" if status in _GONE else "unblocked")
            return
        group = next((g for g, c in self.groups.configured().items() if c == chat.id), None)
        if group is None:
            return
        if status in _GONE:
            self.last_error = f"the bot was removed from the {group} group ({chat.id})"
            self.health.down(group, chat.id, "the bot was removed from the group")
        else:
            logger.info("telegram bot: now %s in the %s group (%s)", status, group, chat.id)


def _text_from_user(update: Update) -> tuple[User, Message, str] | None:
    """The sender, message and text (or a photo's caption) of an update from a user, else
    None."""
    user, message = update.effective_user, update.effective_message
    text = None if message is None else message.text or message.caption
    if user is None or message is None or not text:
        return None
    return user, message, text


def _is_in(member: ChatMember) -> bool:
    """Whether the user is in the chat: a "restricted" one may have left, or come back through
    a link while still restricted (`is_member`, https://core.telegram.org/bots/api#chatmemberrestricted)."""
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return member.status not in _GONE


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
