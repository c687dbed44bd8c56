"""A Notifier that delivers the engine's events to linked users' Telegram chats (and
platform-wide events to the admins) through the bot's loop, without ever blocking the engine."""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from collections.abc import Callable
from typing import Any

from verzek.domain.models import User
from verzek.engine.notifier import Event, EventKind
from verzek.logs import Throttle, log_context
from verzek.telegram.bot import BotNotRunning, BotService
from verzek.telegram.format import event_text
from verzek.telegram.sender import SendFailed

logger = logging.getLogger(__name__)

UserLookup = Callable[[str], User | None]

USER_KINDS = frozenset({
    EventKind.ENTRY_PLACED, EventKind.POSITION_OPENED, EventKind.DCA_FILLED,
    EventKind.TARGET_HIT, EventKind.STOP_HIT, EventKind.POSITION_CLOSED,
    EventKind.SIGNAL_SKIPPED, EventKind.BREAKER_TRIPPED, EventKind.ATTENTION,
})


class TelegramNotifier:
    """`notify(event)` queues the message on the bot's loop and returns at once.

    A user who blocked the bot, deleted their account or never started a chat with it cannot be
    reached: the first refusal is logged with the user id and their notifications pause (no call
    per event for nothing) until the bot sees them again — a message from them, or Telegram's
    my_chat_member update when they unblock it (`set_reachable`, wired to the bot).

    One chat's messages go one at a time, in the order of their events: concurrent requests to
    one chat reach Telegram in any order ("position closed" before "position opened"), and a
    429 for that chat (about one message a second) holds its later messages back instead of
    each of them being refused in turn. Other chats are never held back.
    """

    def __init__(self, *, bot: BotService, find_user: UserLookup,
                 admin_chat_ids: frozenset[int] = frozenset(),
                 kinds: frozenset[EventKind] = USER_KINDS) -> None:
        self._bot = bot
        self._find_user = find_user
        self.admin_chat_ids = admin_chat_ids
        self.kinds = kinds
        self.counters: dict[str, int] = {"queued": 0, "sent": 0, "failed": 0, "dropped": 0,
                                         "unlinked": 0, "unreachable": 0}
        self._unreachable: dict[int, str] = {}  # Telegram chat id -> why
        self._lock = threading.Lock()
        self._throttle = Throttle(60.0)

    def recipients(self, event: Event) -> list[int]:
        """The chat ids that should get this event."""
        if event.kind not in self.kinds:
            return []
        if event.user_id is None:
            return sorted(self.admin_chat_ids)
        user = self._find_user(event.user_id)
        if user is None or user.telegram_user_id is None:
            self.counters["unlinked"] += 1
            return []
        if not user.settings.general.notifications:
            return []
        return [user.telegram_user_id]

    def set_reachable(self, chat_id: int, reachable: bool) -> None:
        """The bot learnt that this chat can (or cannot) get messages now."""
        with self._lock:
            if reachable:
                if self._unreachable.pop(chat_id, None) is not None:
                    logger.info("telegram notifier: chat %s reachable again; notifications "
                                "resume", chat_id)
            else:
                self._unreachable.setdefault(chat_id, "blocked the bot")

    def unreachable(self) -> dict[int, str]:
        with self._lock:
            return dict(self._unreachable)

    def notify(self, event: Event) -> None:
        try:
            chat_ids = self.recipients(event)
        except Exception:  # a notifier never raises into the engine
            logger.exception("telegram notifier: cannot resolve recipients of %s", event.kind)
            return
        if not chat_ids:
            return
        text = event_text(event)
        for chat_id in chat_ids:
            with self._lock:
                paused = chat_id in self._unreachable
            if paused:
                self.counters["unreachable"] += 1
                continue
            try:
                future = self._bot.submit(self._deliver(chat_id, event.user_id, text))
            except BotNotRunning:
                self.counters["dropped"] += 1
                allowed, held = self._throttle.allow("not running")
                if allowed:
                    logger.warning("telegram notifier: bot not running; %s event dropped "
                                   "(%d more since the last report)", event.kind.value, held)
                continue
            self.counters["queued"] += 1
            future.add_done_callback(self._done)

    async def _deliver(self, chat_id: int, user_id: str | None, text: str) -> bool:
        """Send in the chat's turn (`BotService.lanes`); False when the chat became
        unreachable meanwhile (not sent)."""
        async with self._bot.lanes.turn(chat_id):
            with self._lock:
                if chat_id in self._unreachable:
                    return False
            await self._send(chat_id, user_id, text)
            return True

    async def _send(self, chat_id: int, user_id: str | None, text: str) -> None:
        who = f"user {user_id}" if user_id is not None else "admin"
        with log_context(user_id=user_id):
            try:
                await self._bot.sender.send_text(self._bot.bot, chat_id, text,
                                                 what=f"notification ({who})")
            except SendFailed as exc:
                if exc.unreachable:
                    with self._lock:
                        self._unreachable[chat_id] = exc.kind
                    logger.warning("telegram notifier: %s (Telegram chat %s) cannot be reached "
                                   "(%s); their notifications pause until they write to the bot",
                                   who, chat_id, exc.kind)
                raise

    def _done(self, future: concurrent.futures.Future[bool]) -> None:
        if future.cancelled() or future.exception() is not None:
            self.counters["failed"] += 1
        elif future.result():
            self.counters["sent"] += 1
        else:
            self.counters["unreachable"] += 1

    def status(self) -> dict[str, Any]:
        with self._lock:
            paused = len(self._unreachable)
        return {**self.counters, "paused_chats": paused}
