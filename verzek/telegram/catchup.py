"""Reading a source chat's history for what live updates missed: the messages after the
persisted `last_seen` (after a disconnect, a restart, a gap or silence), and the edits made
while not connected. Each message goes through the forwarder's `ingest` (and is shown to its
`notice` first: the service message of a basic group's upgrade names the chat to read next);
one that trips a bug is logged and skipped, a full bus pauses the read where it stopped,
FloodWait is waited out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Protocol

from telethon.errors import FloodWaitError

from verzek.clock import Clock
from verzek.telegram.progress import SourceProgress
from verzek.telegram.sources import MessageLike

logger = logging.getLogger(__name__)

Sleeper = Callable[[float], Awaitable[None]]


class BusFull(Exception):
    """The bus had no room for a message in time: it stays unhandled, a catch-up reads it
    again."""


class Ingest(Protocol):
    async def __call__(self, message: MessageLike, *, edited: bool = False,
                       catch_up: bool = False) -> bool: ...


class HistoryCatchUp:
    """The forwarder's reads of history (one at a time); errors it survives are reported
    through `report` (the forwarder's `last_error`)."""

    def __init__(self, *, ingest: Ingest, progress: SourceProgress, clock: Clock,
                 sleep: Sleeper, counters: dict[str, int], report: Callable[[str], None],
                 max_catch_up: int, edit_lookback: int, edit_lookback_s: float,
                 notice: Callable[[MessageLike], object] = lambda message: None) -> None:
        self._ingest = ingest
        self._notice = notice
        self._progress = progress
        self._clock = clock
        self._sleep = sleep
        self.counters = counters
        self._report = report
        self.max_catch_up = max_catch_up
        self.edit_lookback = edit_lookback
        self.edit_lookback_s = edit_lookback_s
        self._lock: asyncio.Lock | None = None

    async def new_messages(self, client: Any, chat_id: int) -> int:
        """Read the chat's history after `last_seen` and ingest what was missed; returns how
        many were published. A chat seen for the first time starts at its newest message."""
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            while True:
                try:
                    return await self._read(client, chat_id)
                except FloodWaitError as exc:
                    self.counters["flood_waits"] += 1
                    logger.warning("forwarder: FloodWait %s s reading %s", exc.seconds, chat_id)
                    await self._sleep(float(exc.seconds))

    async def edits(self, client: Any, chat_id: int) -> int:
        """Edits made while this process was not connected (a teaser edited into a call):
        Telegram does not replay them, and the history read from `last_seen` only holds newer
        messages. The newest `edit_lookback` messages already read are read again; each edited
        within `edit_lookback_s` goes on as an edit. One taken already is not published twice
        (here, or downstream by its message id once it traded). Returns how many went on."""
        last = self._progress.last_seen(chat_id)
        if last is None or self.edit_lookback <= 0:
            return 0
        since = self._clock.now() - timedelta(seconds=self.edit_lookback_s)
        published = 0
        try:
            async for message in client.iter_messages(chat_id, max_id=last + 1,
                                                       limit=self.edit_lookback):
                if message.edit_date is None or message.edit_date < since:
                    continue
                try:
                    if await self._ingest(message, edited=True, catch_up=True):
                        published += 1
                except BusFull:
                    raise
                except Exception as exc:  # one bad message never stops the catch-up
                    self._report(f"{type(exc).__name__}: {exc}")
                    logger.exception("forwarder: edit of %s/%s failed", chat_id, message.id)
        except FloodWaitError as exc:  # new messages are caught up; edits are not worth a wait
            self.counters["flood_waits"] += 1
            logger.warning("forwarder: edits of %s not read (FloodWait %s s)", chat_id,
                           exc.seconds)
        except BusFull as exc:
            self._report(str(exc))
            logger.error("forwarder: edits of %s not all read: %s", chat_id, exc)
        self.counters["caught_up"] += published
        return published

    async def _read(self, client: Any, chat_id: int) -> int:
        last = self._progress.last_seen(chat_id)
        if last is None:
            newest = 0
            async for message in client.iter_messages(chat_id, limit=1):
                newest = message.id
                self._notice(message)  # a group upgraded before we first saw it
            self._progress.settle(chat_id, newest)
            return 0
        self.counters["catch_ups"] += 1
        published = 0
        top = last
        count = 0
        async for message in client.iter_messages(chat_id, min_id=last, reverse=True):
            try:
                self._notice(message)
                if await self._ingest(message, catch_up=True):
                    published += 1
            except BusFull as exc:  # read through the one before; the next catch-up goes on
                self._report(str(exc))
                logger.error("forwarder: catch-up of %s paused: %s", chat_id, exc)
                top = max(top, message.id - 1)
                break
            except Exception as exc:  # one bad message never stops the catch-up
                self._report(f"{type(exc).__name__}: {exc}")
                logger.exception("forwarder: message %s/%s failed", chat_id, message.id)
            top = max(top, message.id)
            count += 1
            if count >= self.max_catch_up:
                logger.warning("forwarder: catch-up of %s stopped at %d messages", chat_id,
                               count)
                break
        self._progress.settle(chat_id, top)
        self.counters["caught_up"] += published
        return published
