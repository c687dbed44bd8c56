"""The Bot API retry policy with a fake bot object: what is retried, how long it waits, and
what is given up on. No network, no real waiting."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from verzek.telegram.sender import Sender, SendFailed

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


class _Message:
    def __init__(self, chat_id: int) -> None:
        self.chat_id = chat_id
        self.message_id = 1


class FakeBot:
    """`send_message` raises the queued errors first, then succeeds."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls: list[dict[str, Any]] = []

    async def send_message(self, **kwargs: Any) -> _Message:
        self.calls.append(kwargs)
        if self.errors:
            raise self.errors.pop(0)
        return _Message(kwargs["chat_id"])


def _sender(**kwargs: Any) -> tuple[Sender, list[float]]:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return Sender(sleep=sleep, **kwargs), sleeps


def test_network_errors_back_off_exponentially_then_give_up() -> None:
    sender, sleeps = _sender(max_attempts=4, backoff_s=1.0)
    bot = FakeBot(TimedOut(), NetworkError("reset"), TimedOut(), TimedOut())
    with pytest.raises(SendFailed) as info:
        asyncio.run(sender.send_text(bot, -1, "x"))  # type: ignore[arg-type]
    assert not info.value.permanent
    assert sleeps == [1.0, 2.0, 4.0]
    assert len(bot.calls) == 4 and sender.counters["failed"] == 1


def test_retry_after_waits_what_telegram_asked() -> None:
    sender, sleeps = _sender()
    bot = FakeBot(RetryAfter(3), RetryAfter(5))
    sent = asyncio.run(sender.send_text(bot, -1, "x"))  # type: ignore[arg-type]
    assert sent.chat_id == -1 and sleeps == [3.0, 5.0]


def test_an_absurd_retry_after_is_not_waited() -> None:
    sender, sleeps = _sender(max_retry_after_s=60)
    with pytest.raises(SendFailed):
        asyncio.run(sender.send_text(FakeBot(RetryAfter(3600)), -1, "x"))  # type: ignore[arg-type]
    assert sleeps == []


@pytest.mark.parametrize("error", [Forbidden("bot was blocked by the user"),
                                   BadRequest("chat not found")])
def test_permanent_errors_are_not_retried(error: Exception) -> None:
    sender, sleeps = _sender()
    bot = FakeBot(error)
    with pytest.raises(SendFailed) as info:
        asyncio.run(sender.send_text(bot, 5, "x"))  # type: ignore[arg-type]
    assert info.value.permanent and len(bot.calls) == 1 and sleeps == []


def test_migration_is_followed_once_and_reported() -> None:
    moved: list[tuple[int, int]] = []
    sender, _ = _sender(on_migrate=lambda old, new: moved.append((old, new)))
    bot = FakeBot(ChatMigrated(-1009))
    sent = asyncio.run(sender.send_text(bot, -9, "x"))  # type: ignore[arg-type]
    assert sent.chat_id == -1009 and moved == [(-9, -1009)]
    assert [c["chat_id"] for c in bot.calls] == [-9, -1009]
    assert all(c["link_preview_options"].is_disabled for c in bot.calls)


def _from(error: Exception, cause: Exception) -> Exception:
    error.__cause__ = cause  # as PTB raises it: `raise TimedOut from httpx_error`
    return error


@pytest.mark.parametrize("error", [
    _from(TimedOut(), httpx.ReadTimeout("read")),
    _from(NetworkError("httpx.RemoteProtocolError: disconnected"),
          httpx.RemoteProtocolError("Server disconnected without sending a response.")),
    _from(NetworkError("httpx.ReadError: reset"), httpx.ReadError("reset")),
])
def test_a_message_whose_answer_was_lost_is_never_sent_twice(error: Exception) -> None:
    sender, sleeps = _sender()
    bot = FakeBot(error)
    with pytest.raises(SendFailed) as info:
        asyncio.run(sender.send_text(bot, -1, "x"))  # type: ignore[arg-type]
    assert len(bot.calls) == 1 and sleeps == []
    assert info.value.kind == "uncertain" and info.value.permanent
    assert "may have arrived" in str(info.value)
    assert sender.counters["uncertain"] == 1 and sender.counters["network_retries"] == 0


@pytest.mark.parametrize("error", [
    _from(TimedOut(), httpx.ConnectTimeout("connect")),
    _from(TimedOut("Pool timeout: ... Request was *not* sent to Telegram."),
          httpx.PoolTimeout("pool")),
    _from(NetworkError("httpx.ConnectError: refused"), httpx.ConnectError("refused")),
    _from(TimedOut(), httpx.WriteTimeout("write")),
    NetworkError("Bad Gateway"),  # an answer: Telegram says it did not do it
])
def test_a_message_that_never_reached_telegram_is_sent_again(error: Exception) -> None:
    sender, sleeps = _sender()
    bot = FakeBot(error)
    sent = asyncio.run(sender.send_text(bot, -1, "x"))  # type: ignore[arg-type]
    assert sent.chat_id == -1 and len(bot.calls) == 2 and sleeps == [1.0]
    assert sender.counters["uncertain"] == 0 and sender.counters["network_retries"] == 1


def test_a_lost_answer_to_a_call_safe_to_repeat_is_retried() -> None:
    sender, sleeps = _sender()
    calls: list[int] = []

    async def read_only() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise _from(TimedOut(), httpx.ReadTimeout("read"))
        return 7

    assert asyncio.run(sender.call(read_only, what="getChat")) == 7
    assert len(calls) == 2 and sleeps == [1.0]
