"""The broadcast bot's python-telegram-bot Application in its own thread and event loop:
admin signals in, `/start CODE` linking, user commands; other threads run Bot API calls on it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from telegram import Bot, BotCommand
from telegram.error import InvalidToken, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    ContextTypes,
)

from verzek.clock import Clock
from verzek.engine.bus import SignalBus
from verzek.telegram.alerts import GroupHealth
from verzek.telegram.commands import USER_COMMANDS, UserCommands
from verzek.telegram.handlers import ALLOWED_UPDATES, MemberHook, ReachHook, UpdateHandlers
from verzek.telegram.polling import Sleeper, UpdatePoller
from verzek.telegram.request import BotApiRequest
from verzek.telegram.screening import Screen, SignalScreen
from verzek.telegram.sender import ChatLanes, Sender, SendFailed, retry_after_s
from verzek.telegram.state import GroupDirectory, UpdateLog

logger = logging.getLogger(__name__)

T = TypeVar("T")
__all__ = ["ALLOWED_UPDATES", "BotNotRunning", "BotService"]


class BotNotRunning(Exception):
    """The bot's loop is not running (not started, restarting or stopped)."""


# Methods that post a message: what Telegram's broadcast limits count ("no more than 30 messages
# per second", "no more than 20 messages per minute to the same group",
# https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
MESSAGE_METHOD_PREFIXES = ("send", "copyMessage", "forwardMessage")


class MessageRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter for the methods that post messages only.

    AIORateLimiter counts every call with a negative `chat_id` against that group's 20 messages
    a minute: a sweep's banChatMember/unbanChatMember/getChat calls or a burst of /join invite
    links (createChatInviteLink) would use up the VIP group's budget and hold the next signal
    back for minutes. Other methods go straight through (a 429 on them is waited out by the
    Sender)."""

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Any]],
                              args: Any, kwargs: dict[str, Any], endpoint: str,
                              data: dict[str, Any], rate_limit_args: int | None) -> Any:
        if not endpoint.startswith(MESSAGE_METHOD_PREFIXES):
            return await callback(*args, **kwargs)
        return await super().process_request(callback, args, kwargs, endpoint, data,
                                             rate_limit_args)


SEND_READ_TIMEOUT_S = 20.0


class BotService(UpdateHandlers):
    """Service `telegram_bot`: polls updates and hosts every Bot API call of the process."""

    name = "telegram_bot"

    def __init__(self, *, token: str, bus: SignalBus, groups: GroupDirectory, clock: Clock,
                 commands: UserCommands, update_log: UpdateLog,
                 admin_ids: frozenset[int] = frozenset(), base_url: str | None = None,
                 sender: Sender | None = None, screen_text: Screen | None = None,
                 rate_limiter: BaseRateLimiter | None = None, poll_timeout_s: int = 10,
                 retry_delay_s: float = 5.0, sleep: Sleeper = asyncio.sleep,
                 drain_timeout_s: float = 5.0, on_member: MemberHook | None = None,
                 on_reachable: ReachHook | None = None, ack_timeout_s: float = 120.0) -> None:
        self._token = token
        self._bus = bus
        self.groups = groups
        self._clock = clock
        self._commands = commands
        self.admin_ids = frozenset(admin_ids)
        self._base_url = base_url
        self.sender = sender or Sender(on_migrate=groups.record_migration)
        self.lanes = ChatLanes()  # replies and notifications take turns per chat
        self.health = GroupHealth(tell=self.tell_admins)  # groups it cannot post to, told once
        self._screen = screen_text or SignalScreen()
        self._rate_limiter = rate_limiter
        self.poller = UpdatePoller(log=update_log, allowed_updates=ALLOWED_UPDATES,
                                   timeout_s=poll_timeout_s, sleep=sleep)
        self.retry_delay_s = retry_delay_s
        self.drain_timeout_s = drain_timeout_s
        self.ack_timeout_s = ack_timeout_s  # how long an admin's signal waits for the engine
        self.on_member = on_member
        self.on_reachable = on_reachable
        self.status_sources: dict[str, Callable[[], dict[str, Any]]] = {}
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._app: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._stop_requested = threading.Event()
        self._stop_async: asyncio.Event | None = None
        self._ready = threading.Event()
        self._tracked: set[asyncio.Task[Any]] = set()
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
        """Schedule `coro` on the bot's loop; raises BotNotRunning (and closes it) if none.
        A stop lets it finish (up to `drain_timeout_s`) before the loop closes."""
        loop = self._loop
        if loop is None or not self._ready.is_set() or loop.is_closed():
            coro.close()
            raise BotNotRunning("the Telegram bot is not running")

        async def tracked() -> T:
            task = asyncio.current_task()
            if task is not None:
                self.track(task)
            return await coro

        wrapped = tracked()
        try:
            return asyncio.run_coroutine_threadsafe(wrapped, loop)
        except RuntimeError:  # the loop closed in between
            wrapped.close()
            coro.close()
            raise BotNotRunning("the Telegram bot is not running") from None

    def track(self, task: asyncio.Task[Any]) -> None:
        """Keep a task of the bot's loop referenced, and let a stop wait for it (on the loop)."""
        self._tracked.add(task)
        task.add_done_callback(self._tracked.discard)

    def call(self, fn: Callable[[Bot], Awaitable[T]], *, timeout_s: float = 60.0,
             ready_timeout_s: float = 30.0) -> T:
        """Run `fn(bot)` on the bot's loop and wait for its result (from another thread)."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("BotService.call from the bot's own loop would deadlock; await")
        if not self.wait_ready(ready_timeout_s):
            raise BotNotRunning("the Telegram bot is not running")

        async def run() -> T:
            return await fn(self.bot)

        future = self.submit(run())
        try:
            return future.result(timeout_s)
        except concurrent.futures.TimeoutError:
            # the caller gives up and reports the call as not done: it must not go on unseen
            # (a flood wait of minutes, then an invite link nobody gets, a ban the sweep
            # reported as not done)
            future.cancel()
            raise

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
                               "groups": self.groups.configured(),
                               "groups_down": self.health.status(), **self.counters,
                               "polling": self.poller.status(),
                               "send": {**self.sender.counters, "lane_waits": self.lanes.waits}}
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
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    def _build_app(self) -> Application[Any, Any, Any, Any, Any, Any]:
        # No PTB Updater: UpdatePoller polls, so offsets are confirmed only after an update
        # was handled and persisted, and 409 Conflicts back off on the injected sleeper.
        if self._rate_limiter is None:
            # PTB's limiter keeps to Telegram's broadcast limits; a 429 goes on to the Sender,
            # which waits it out per call (max_retries=0), so the limiter's "Rate limit hit
            # after maximum of 0 retries" error with a traceback is noise.
            logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
        builder = (ApplicationBuilder().token(self._token).updater(None)
                   .rate_limiter(self._rate_limiter or MessageRateLimiter(max_retries=0))
                   # 5xx answers keep their status (a 504 may have been carried out)
                   .get_updates_request(BotApiRequest(connection_pool_size=1,
                                                      read_timeout=10.0))
                   # a sendMessage whose answer times out is not sent again (it may have been
                   # posted): wait long enough that only a real outage gets that far
                   .request(BotApiRequest(read_timeout=SEND_READ_TIMEOUT_S))
                   .concurrent_updates(False))
        if self._base_url:
            builder = builder.base_url(f"{self._base_url}/bot").base_file_url(
                f"{self._base_url}/file/bot")
        app = builder.build()
        self.add_handlers(app)
        app.add_error_handler(self._on_error)
        return app

    async def _main(self) -> None:
        self._stop_async = asyncio.Event()
        if self._stop_requested.is_set():
            return
        app = await self._connect()
        if app is None:
            return
        self._app = app
        try:
            await app.start()
            self.state = "running"
            self.last_error = None
            self._ready.set()
            # in the background: a flood wait on the menu (setMyCommands is limited, and a
            # restart loop calls it each time) must not keep the bot from polling and sending
            self.track(asyncio.get_running_loop().create_task(self._publish_commands(app.bot)))
            logger.info("telegram bot @%s is polling", self.bot_username)
            await self.poller.run(app.bot, app.process_update, self._stop_async)
        finally:
            self._ready.clear()
            self.state = "stopping"
            await self._drain()
            await self.poller.confirm(app.bot)
            if app.running:
                await app.stop()
            await app.shutdown()

    async def _connect(self) -> Application[Any, Any, Any, Any, Any, Any] | None:
        """getMe and the webhook check, retried while the Bot API cannot be reached; None when
        stopped first. A wrong token raises InvalidToken."""
        while not self._stop_requested.is_set():
            app = self._build_app()
            try:
                await app.initialize()  # getMe
                self.bot_id = app.bot.id
                self.bot_username = app.bot.username
                await self.poller.prepare(app.bot)
                return app
            except InvalidToken:
                raise
            except TelegramError as exc:  # network trouble at start: wait, try again
                self.last_error = f"{type(exc).__name__}: {exc}"
                wait_s = self.retry_delay_s
                if isinstance(exc, RetryAfter):
                    wait_s = max(wait_s, retry_after_s(exc))
                logger.warning("telegram bot cannot reach the Bot API (%s); retrying in %.0f s",
                               exc, wait_s)
                await app.shutdown()
                await self._wait_stop(wait_s)
        return None

    async def _drain(self) -> None:
        """Let sends already under way finish (a bounded wait), then the loop cancels them."""
        pending = {task for task in self._tracked if not task.done()}
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=self.drain_timeout_s)
        if late:
            logger.warning("telegram bot: %d send(s) still under way after %.0f s are "
                           "cancelled by the stop", len(late), self.drain_timeout_s)

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

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.last_error = f"{type(context.error).__name__}: {context.error}"
        logger.error("telegram bot: handler failed: %s", context.error, exc_info=context.error)


def _cancel_pending(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what is still scheduled (delayed sends, notifications) and let it finish."""
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
