"""Bot API calls with one retry policy: wait out RetryAfter, back off on network errors, follow
a group's migration to a supergroup, give up on Forbidden and bad requests. PTB errors stop here.
One chat's messages can also take turns (`ChatLanes`), in order.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from telegram import Bot, LinkPreviewOptions
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from verzek.logs import Throttle
from verzek.telegram.request import ServerError

logger = logging.getLogger(__name__)

T = TypeVar("T")
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
Sleeper = Callable[[float], Awaitable[None]]
MigrationHook = Callable[[int, int], None]


# Failures that prove the request never reached Telegram: sending it again cannot duplicate it.
# Anything else after the request went out (a read timeout, a connection dropped before the
# answer, a gateway's 504) leaves it unknown whether Telegram posted the message; it has no
# idempotency key and a bot cannot read the chat to look, so a message is never sent again then
# (no double post).
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError,
             httpx.WriteTimeout, httpx.LocalProtocolError, httpx.UnsupportedProtocol,
             httpx.ProxyError)


def maybe_delivered(exc: TelegramError) -> bool:
    """Whether Telegram may have carried out the request that failed with `exc`.

    PTB raises TimedOut or NetworkError from the httpx error (`__cause__`); without one the
    error came from an answer (a 5xx status): Telegram answered it did not do it, except for a
    gateway's timeout (504), after which the Bot API server may still do it (`request.py`)."""
    if isinstance(exc, ServerError):
        return exc.outcome_unknown
    cause = exc.__cause__
    if cause is None or isinstance(cause, _NOT_SENT):
        return False
    return isinstance(cause, httpx.TransportError)


# Telegram answers a chat that does not exist (never started, deleted account) with a plain 400;
# its description is the only thing telling it from other bad requests.
_CHAT_NOT_FOUND = "chat not found"


class SendFailed(Exception):
    """A Bot API call failed for good; `permanent` when retrying later will not help.

    `kind`: "blocked" (403: the user blocked the bot, deactivated, or the bot left the group),
    "chat_not_found", "rejected" (another 400), "rate_limited", "network", "uncertain" (the
    request went out and its answer was lost: it may have been carried out) or "error".
    """

    def __init__(self, message: str, *, permanent: bool, chat_id: int | str | None = None,
                 kind: str = "error", reason: str | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.chat_id = chat_id
        self.kind = kind
        self.reason = reason or message  # Telegram's answer, without what was called

    @property
    def unreachable(self) -> bool:
        """Nothing sent to this chat can arrive until its user (or an admin) acts."""
        return self.kind in ("blocked", "chat_not_found")


@dataclass(frozen=True, slots=True)
class Sent:
    """Where a message went (the chat id may differ from the one asked: a migration)."""

    chat_id: int | str
    message_id: int


def retry_after_s(exc: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds, whatever PTB's timedelta setting."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Sender:
    """Runs Bot API calls with the retry policy; counts what happened for the status page."""

    def __init__(self, *, sleep: Sleeper = asyncio.sleep, max_attempts: int = 5,
                 backoff_s: float = 1.0, max_backoff_s: float = 30.0,
                 max_retry_after_s: float = 600.0, on_migrate: MigrationHook | None = None) -> None:
        self._sleep = sleep
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.max_retry_after_s = max_retry_after_s
        self.on_migrate = on_migrate
        self.counters: dict[str, int] = {"sent": 0, "retry_after": 0, "network_retries": 0,
                                         "migrations": 0, "forbidden": 0, "failed": 0,
                                         "uncertain": 0}
        self._throttle = Throttle(60.0)

    async def send_text(self, bot: Bot, chat_id: int | str, text: str, *,
                        what: str = "sendMessage", max_wait_s: float | None = None) -> Sent:
        """Send plain text (no parse mode, no link previews); follows a migration once.

        No parse mode on purpose: signal texts are full of `_ * [ ] ( ) ~ > # + - = | { } . !`
        and `<`, `&`, which MarkdownV2 or HTML would refuse ("can't parse entities").
        `max_wait_s`: how long the message may wait in all (flood waits, back-off) before it
        is not worth posting any more (a signal turning stale)."""
        target = chat_id
        for _ in range(2):
            try:
                message = await self.call(
                    lambda to=target: bot.send_message(chat_id=to, text=text,  # type: ignore[misc]
                                                       link_preview_options=_NO_PREVIEW),
                    what=f"{what} to {target}", chat_id=target, resend_safe=False,
                    max_wait_s=max_wait_s)
            except ChatMoved as moved:
                target = moved.new_chat_id
                continue
            self.counters["sent"] += 1
            return Sent(chat_id=message.chat_id, message_id=message.message_id)
        raise SendFailed(f"chat {chat_id} keeps migrating", permanent=True, chat_id=chat_id)

    async def call(self, fn: Callable[[], Awaitable[T]], *, what: str,
                   chat_id: int | str | None = None, resend_safe: bool = True,
                   max_wait_s: float | None = None) -> T:
        """Run `fn` until it succeeds, retrying what is transient; raises SendFailed.

        `resend_safe=False` (posting a message): a network failure after the request went out
        is not retried, since Telegram may have posted it; it fails as "uncertain".
        `max_wait_s`: a wait that would take the call's waits beyond it is not waited (it
        fails as "rate_limited"): a signal posted after a long flood wait arrives stale."""
        delay = self.backoff_s
        waited = 0.0
        for attempt in range(1, self.max_attempts + 1):
            last = attempt == self.max_attempts
            try:
                return await fn()
            except RetryAfter as exc:
                wait_s = retry_after_s(exc)
                self.counters["retry_after"] += 1
                if last or wait_s > self.max_retry_after_s:
                    return self._fail(what, exc, permanent=False, chat_id=chat_id,
                                      kind="rate_limited")
                if max_wait_s is not None and waited + wait_s > max_wait_s:
                    return self._fail(f"{what} (a flood wait of {wait_s:.0f} s would post it "
                                      f"too late; not sent)", exc, permanent=False,
                                      chat_id=chat_id, kind="rate_limited")
                logger.info("telegram: %s rate limited; retrying in %.1f s", what, wait_s)
                waited += wait_s
                await self._sleep(wait_s)
            except ChatMigrated as exc:
                self.counters["migrations"] += 1
                if chat_id is not None and self.on_migrate is not None:
                    self.on_migrate(int(chat_id), int(exc.new_chat_id))
                raise ChatMoved(int(exc.new_chat_id)) from None
            except Forbidden as exc:
                self.counters["forbidden"] += 1
                return self._fail(what, exc, permanent=True, chat_id=chat_id, kind="blocked")
            except BadRequest as exc:
                kind = "chat_not_found" if _CHAT_NOT_FOUND in exc.message.lower() else "rejected"
                return self._fail(what, exc, permanent=True, chat_id=chat_id, kind=kind)
            except (TimedOut, NetworkError) as exc:  # TimedOut is a NetworkError; both transient
                if not resend_safe and maybe_delivered(exc):
                    self.counters["uncertain"] += 1
                    return self._fail(f"{what} (it may have arrived; not sent again, so it is "
                                      "never posted twice)", exc, permanent=True,
                                      chat_id=chat_id, kind="uncertain")
                self.counters["network_retries"] += 1
                if last or (max_wait_s is not None and waited + delay > max_wait_s):
                    return self._fail(what, exc, permanent=False, chat_id=chat_id,
                                      kind="network")
                waited += delay
                await self._sleep(delay)
                delay = min(delay * 2, self.max_backoff_s)
            except TelegramError as exc:
                return self._fail(what, exc, permanent=True, chat_id=chat_id)
        raise AssertionError("unreachable")  # pragma: no cover

    def _fail(self, what: str, exc: Exception, *, permanent: bool,
              chat_id: int | str | None, kind: str = "error") -> Any:
        self.counters["failed"] += 1
        allowed, held = self._throttle.allow(f"{what}:{type(exc).__name__}")
        label, text = type(exc).__name__, str(exc)
        reason = text if text.lower().startswith(label.lower()) else f"{label}: {text}"
        if allowed:
            logger.error("telegram: %s failed: %s (%d similar held back)", what, reason, held)
        raise SendFailed(f"{what}: {reason}", permanent=permanent, chat_id=chat_id,
                         kind=kind, reason=reason) from None


class ChatMoved(Exception):
    """The group became a supergroup with `new_chat_id` (already recorded); call again there."""

    def __init__(self, new_chat_id: int) -> None:
        super().__init__(new_chat_id)
        self.new_chat_id = new_chat_id


class ChatLanes:
    """One turn at a time per chat, in the order the turns were asked for (on the bot's loop).

    Requests to one chat that run at once reach Telegram in any order, and a chat's flood
    control (about one message a second to a private chat: a 429 with `retry_after`) refuses
    each of them in turn; taking turns keeps the order and lets one wait hold back only the
    chat's later messages, never other chats'."""

    def __init__(self) -> None:
        self._tails: dict[int | str, asyncio.Future[None]] = {}
        self.waits = 0  # turns that had to wait for an earlier one

    @asynccontextmanager
    async def turn(self, chat_id: int | str) -> AsyncIterator[bool]:
        """Wait for the chat's earlier turns; yields whether it had to wait."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        previous = self._tails.get(chat_id)
        self._tails[chat_id] = done
        try:
            waited = previous is not None and not previous.done() \
                and previous.get_loop() is loop  # one of a stopped loop never finishes
            if waited:
                self.waits += 1
                assert previous is not None
                await asyncio.wait({previous})  # waiting, never cancelling it
            yield waited
        finally:
            done.set_result(None)
            if self._tails.get(chat_id) is done:
                del self._tails[chat_id]
