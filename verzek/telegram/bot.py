"""The broadcast bot's python-telegram-bot Application in its own thread and event loop:
admin signals in, `/start CODE` linking, user commands; other threads run Bot API calls on it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any, TypeVar

from telegram import Bot, BotCommand, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseRateLimiter,
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
from verzek.telegram.commands import USER_COMMANDS, UserCommands
from verzek.telegram.format import has_header, truncate
from verzek.telegram.screening import Screen, SignalScreen
from verzek.telegram.sender import Sender, SendFailed
from verzek.telegram.state import GroupDirectory

logger = logging.getLogger(__name__)

T = TypeVar("T")
ALLOWED_UPDATES = ["message", "chat_member", "my_chat_member"]
MemberHook = Callable[[int, int, str | None, bool], None]  # chat, user, invite name, joined


class BotNotRunning(Exception):
    """The bot's loop is not running (not started, restarting or stopped)."""


class BotService:
    """Service `telegram_bot`: polls updates and hosts every Bot API call of the process."""

    name = "telegram_bot"

    def __init__(self, *, token: str, bus: SignalBus, groups: GroupDirectory, clock: Clock,
                 commands: UserCommands, admin_ids: frozenset[int] = frozenset(),
                 base_url: str | None = None, sender: Sender | None = None,
                 screen_text: Screen | None = None, rate_limiter: BaseRateLimiter | None = None,
                 poll_timeout_s: int = 10, retry_delay_s: float = 5.0,
                 on_member: MemberHook | None = None) -> None:
        self._token = token
        self._bus = bus
        self.groups = groups
        self._clock = clock
        self._commands = commands
        self.admin_ids = frozenset(admin_ids)
        self._base_url = base_url
        self.sender = sender or Sender(on_migrate=groups.record_migration)
        self._screen = screen_text or SignalScreen()
        self._rate_limiter = rate_limiter
        self.poll_timeout_s = poll_timeout_s
        self.retry_delay_s = retry_delay_s
        self.on_member = on_member
        self.status_sources: dict[str, Callable[[], dict[str, Any]]] = {}
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._app: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._stop_requested = threading.Event()
        self._stop_async: asyncio.Event | None = None
        self._ready = threading.Event()
        self.bot_id: int | None = int(token.split(":", 1)[0]) if ":" in token else None
        self.bot_username: str | None = None
        self.state = "stopped"
        self.last_error: str | None = None
        self.counters: dict[str, int] = {"updates": 0, "ignored_own": 0, "admin_signals": 0,
                                         "admin_rejected": 0, "commands": 0, "links": 0}

    # --- running on the bot's loop from other threads -----------------------------------

    @property
    def bot(self) -> Bot:
        if self._app is None:
            raise BotNotRunning("the Telegram bot is not running")
        return self._app.bot

    def wait_ready(self, timeout_s: float) -> bool:
        return self._ready.wait(timeout_s)

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule `coro` on the bot's loop; raises BotNotRunning (and closes it) if none."""
        loop = self._loop
        if loop is None or not self._ready.is_set() or loop.is_closed():
            coro.close()
            raise BotNotRunning("the Telegram bot is not running")
        return asyncio.run_coroutine_threadsafe(coro, loop)

    def call(self, fn: Callable[[Bot], Awaitable[T]], *, timeout_s: float = 60.0,
             ready_timeout_s: float = 30.0) -> T:
        """Run `fn(bot)` on the bot's loop and wait for its result (from another thread)."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("BotService.call from the bot's own loop would deadlock; await")
        if not self.wait_ready(ready_timeout_s):
            raise BotNotRunning("the Telegram bot is not running")

        async def run() -> T:
            return await fn(self.bot)

        return self.submit(run()).result(timeout_s)

    def deep_link(self, code: str) -> str | None:
        """`https://t.me/<bot>?start=<code>`: opens the bot and sends `/start <code>`; None
        until the bot has started once (its username comes from getMe)."""
        if self.bot_username is None:
            return None
        return f"https://t.me/{self.bot_username}?start={code}"

    # --- Service interface ----------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop_requested.clear()
        self.state = "starting"
        self._thread = threading.Thread(target=self._thread_main, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop_requested.set()
        loop, stop_async = self._loop, self._stop_async
        if loop is not None and stop_async is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(stop_async.set)
            except RuntimeError:  # the loop closed in between
                pass
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                logger.error("telegram bot did not stop within %.0f s", timeout_s)

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def status(self) -> dict[str, Any]:
        out: dict[str, Any] = {"state": self.state, "last_error": self.last_error,
                               "bot_username": self.bot_username,
                               "groups": self.groups.configured(), **self.counters,
                               "send": dict(self.sender.counters)}
        for name, source in self.status_sources.items():
            out[name] = source()
        return out

    # --- the thread -------------------------------------------------------------------------

    def _thread_main(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
            self.state = "stopped"
        except Exception as exc:
            self.state = "failed"
            self.last_error = f"{type(exc).__name__}: {exc}"
            logger.exception("telegram bot stopped on an error")
        finally:
            self._ready.clear()
            self._app = None
            self._loop = None
            _cancel_pending(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def _build_app(self) -> Application[Any, Any, Any, Any, Any, Any]:
        builder = (ApplicationBuilder().token(self._token)
                   .rate_limiter(self._rate_limiter or AIORateLimiter(max_retries=0))
                   .get_updates_read_timeout(self.poll_timeout_s + 10)
                   .concurrent_updates(False))
        if self._base_url:
            builder = builder.base_url(f"{self._base_url}/bot").base_file_url(
                f"{self._base_url}/file/bot")
        app = builder.build()
        app.add_handler(TypeHandler(Update, self._guard), group=-1)
        private = filters.ChatType.PRIVATE
        app.add_handler(CommandHandler("start", self._on_start, filters=private))
        app.add_handler(CommandHandler(list(USER_COMMANDS), self._on_command, filters=private))
        app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND,
                                       self._on_private_text))
        app.add_handler(ChatMemberHandler(self._on_chat_member, ChatMemberHandler.CHAT_MEMBER))
        app.add_error_handler(self._on_error)
        return app

    async def _main(self) -> None:
        self._stop_async = asyncio.Event()
        if self._stop_requested.is_set():
            return
        while not self._stop_requested.is_set():
            app = self._build_app()
            try:
                await app.initialize()  # getMe
                break
            except InvalidToken:
                raise
            except TelegramError as exc:  # network trouble at start: wait, try again
                self.last_error = f"{type(exc).__name__}: {exc}"
                logger.warning("telegram bot cannot reach the Bot API (%s); retrying", exc)
                await self._wait_stop(self.retry_delay_s)
        else:
            return
        self._app = app
        self.bot_id = app.bot.id
        self.bot_username = app.bot.username
        try:
            await self._publish_commands(app.bot)
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(
                poll_interval=0.0, timeout=self.poll_timeout_s, allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False, error_callback=self._on_poll_error)
            self.state = "running"
            self.last_error = None
            self._ready.set()
            logger.info("telegram bot @%s is polling", self.bot_username)
            await self._stop_async.wait()
        finally:
            self._ready.clear()
            self.state = "stopping"
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()

    async def _publish_commands(self, bot: Bot) -> None:
        """The command menu users see; a failure here never stops the bot."""
        commands = [BotCommand(name, text[:256]) for name, text in USER_COMMANDS.items()]
        try:
            await self.sender.call(lambda: bot.set_my_commands(commands), what="setMyCommands")
        except SendFailed as exc:
            logger.warning("telegram bot: command menu not set: %s", exc)

    async def _wait_stop(self, delay_s: float) -> None:
        assert self._stop_async is not None
        try:
            await asyncio.wait_for(self._stop_async.wait(), delay_s)
        except TimeoutError:
            pass

    def _on_poll_error(self, exc: TelegramError) -> None:
        self.last_error = f"{type(exc).__name__}: {exc}"
        logger.warning("telegram bot: getUpdates failed: %s", exc)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.last_error = f"{type(context.error).__name__}: {context.error}"
        logger.error("telegram bot: handler failed: %s", context.error, exc_info=context.error)

    # --- handlers ---------------------------------------------------------------------------

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
        if update.chat_member is not None:
            return  # membership changes in our groups are wanted (access tracking)
        message, chat = update.effective_message, update.effective_chat
        if (message is not None and chat is not None and message.migrate_to_chat_id
                and chat.id in self.groups.own_chat_ids()):
            self.groups.record_migration(chat.id, message.migrate_to_chat_id)
        if self.is_own(update):
            self.counters["ignored_own"] += 1
            raise ApplicationHandlerStop

    async def _reply(self, update: Update, text: str) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        try:
            await self.sender.send_text(self.bot, chat.id, truncate(text))
        except SendFailed as exc:
            logger.warning("telegram bot: reply to %s failed: %s", chat.id, exc)

    async def _on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        if user is None:
            return
        args = list(context.args or [])
        answer = await asyncio.to_thread(self._commands.start, user.id, args)
        if args and answer.startswith("✅"):
            self.counters["links"] += 1
        await self._reply(update, answer)

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        message = update.effective_message
        if user is None or message is None or not message.text:
            return
        self.counters["commands"] += 1
        command = message.text.split()[0].lstrip("/").split("@", 1)[0]
        answer = await asyncio.to_thread(self._commands.run, user.id, command,
                                         list(context.args or []))
        await self._reply(update, answer)

    async def _on_private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        message = update.effective_message
        if user is None or message is None or not message.text:
            return
        if user.id not in self.admin_ids:
            await self._reply(update, "Send /help to see what I can do.")
            return
        verdict = self._screen(message.text, now=self._clock.now(), sender=user.id)
        if not verdict.accepted:
            self.counters["admin_rejected"] += 1
            await self._reply(update, f"Not published: {verdict.reason}.")
            return
        self._bus.publish(self.admin_message(message.text, user.id, message.message_id,
                                             self._clock.now()))
        self.counters["admin_signals"] += 1
        await self._reply(update, f"✅ Published ({verdict.reason}).")

    @staticmethod
    def admin_message(text: str, telegram_user_id: int, message_id: int,
                      received_at: datetime) -> BusMessage:
        source = SignalSource(kind="bot", chat_id=telegram_user_id, message_id=message_id)
        return BusMessage(text=text, source=source, received_at=received_at, origin="bot",
                          meta={"telegram_user_id": telegram_user_id})

    async def _on_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.chat_member
        if change is None or self.on_member is None:
            return
        joined = change.new_chat_member.status in ("member", "restricted") and \
            change.old_chat_member.status in ("left", "kicked")
        left = change.new_chat_member.status in ("left", "kicked")
        if not (joined or left):
            return
        name = change.invite_link.name if change.invite_link is not None else None
        await asyncio.to_thread(self.on_member, change.chat.id,
                                change.new_chat_member.user.id, name, joined)


def _cancel_pending(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what is still scheduled (delayed sends, notifications) and let it finish."""
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
