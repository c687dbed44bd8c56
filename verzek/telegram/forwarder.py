"""The 24/7 Telethon forwarder: new and edited messages from the source chats, screened, onto
the SignalBus; reconnects forever with back-off, honours FloodWait, and a watchdog catches up
from history after silence or a gap, so no message is lost across a disconnect or a restart.

A message counts as handled (and the persisted progress moves past it) only once every bus
subscriber has acknowledged it; until then a restart's catch-up publishes it again, which the
engine (source key `msg:<chat>:<id>`) and the broadcaster (source key) take as a repeat. The
forwarder waits (bounded, off the event loop) for room on the bus rather than lose a message.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from telethon import events
from telethon.errors import FloodWaitError

from verzek.clock import Clock
from verzek.engine.bus import SignalBus
from verzek.telegram.catchup import BusFull, HistoryCatchUp
from verzek.telegram.progress import SourceProgress
from verzek.telegram.reading import MessageReader
from verzek.telegram.screening import Screen, SignalScreen
from verzek.telegram.sources import (
    UNRESOLVABLE,
    MessageLike,
    SourcesUnresolved,
    parse_source,
    resolve,
    telethon_client_factory,
)

logger = logging.getLogger(__name__)

__all__ = ["BusFull", "Forwarder", "ForwarderAuthError", "SourcesUnresolved",
           "telethon_client_factory"]
Sleeper = Callable[[float], Awaitable[None]]


class ForwarderAuthError(Exception):
    """The session is not authorised: run `python -m verzek telegram login` again."""


class Forwarder:
    """Service `telegram_forwarder` around a Telethon client made by `client_factory`."""

    name = "telegram_forwarder"

    def __init__(self, *, client_factory: Callable[[], Any], sources: tuple[str | int, ...],
                 bus: SignalBus, progress: SourceProgress, clock: Clock,
                 screen_text: Screen | None = None,
                 exclude_chat_ids: frozenset[int] | Callable[[], frozenset[int]] = frozenset(),
                 ignore_sender_ids: frozenset[int] = frozenset(), sleep: Sleeper = asyncio.sleep,
                 watchdog_interval_s: float = 30.0, silence_s: float = 600.0,
                 backoff_s: float = 1.0, max_backoff_s: float = 300.0,
                 max_catch_up: int = 2000, publish_timeout_s: float = 120.0,
                 edit_lookback: int = 50, edit_lookback_s: float = 3600.0,
                 max_edit_age_s: float = 86400.0) -> None:
        self._client_factory = client_factory
        self.sources = tuple(parse_source(s) for s in sources)
        self._bus = bus
        self.progress = progress
        self._clock = clock
        # Our groups' ids, asked each time: a group upgraded to a supergroup gets a new id.
        self._exclude = (exclude_chat_ids if callable(exclude_chat_ids)
                         else lambda: exclude_chat_ids)
        self._sleep = sleep
        self.watchdog_interval_s = watchdog_interval_s
        self.silence_s = silence_s
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.publish_timeout_s = publish_timeout_s  # how long to wait for room on the bus
        self.chat_ids: list[int] = []
        self.unresolved: dict[str, str] = {}  # source name (or chat id) -> why it is not read
        self._last_update_s = clock.monotonic()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop = threading.Event()
        self._stop_async: asyncio.Event | None = None
        self.state = "stopped"
        self.last_error: str | None = None
        self.counters: dict[str, int] = {"received": 0, "published": 0, "filtered": 0,
                                         "duplicates": 0, "edits": 0, "caught_up": 0,
                                         "catch_ups": 0, "reconnects": 0, "flood_waits": 0,
                                         "bus_full": 0, "ignored_edits": 0}
        self.reader = MessageReader(screen=screen_text or SignalScreen(), clock=clock,
                                    counters=self.counters, exclude_chat_ids=self._exclude,
                                    ignore_sender_ids=ignore_sender_ids,
                                    edit_lookback_s=edit_lookback_s,
                                    max_edit_age_s=max_edit_age_s)
        # edits made while not connected: looked for among the newest `edit_lookback` messages
        # already read, edited within the last `edit_lookback_s` (see `catch_up_edits`)
        self.history = HistoryCatchUp(ingest=self.ingest, progress=progress, clock=clock,
                                      sleep=sleep, counters=self.counters,
                                      report=self._report, max_catch_up=max_catch_up,
                                      edit_lookback=edit_lookback,
                                      edit_lookback_s=edit_lookback_s)

    @property
    def exclude_chat_ids(self) -> frozenset[int]:
        return self._exclude()

    @property
    def ignore_sender_ids(self) -> frozenset[int]:
        return self.reader.ignore_sender_ids

    def _report(self, error: str) -> None:
        self.last_error = error

    # --- handling one message (live or from history) ------------------------------------------

    async def ingest(self, message: MessageLike, *, edited: bool = False,
                     catch_up: bool = False) -> bool:
        """Screen one message and publish it; True when it went onto the bus. Raises BusFull
        when the bus had no room in time (the message stays unhandled)."""
        chat_id = message.chat_id
        if chat_id is None:
            return False
        self.counters["received"] += 1
        key = (chat_id, message.id)
        if edited:
            why = self.reader.not_an_edit(message)
            if why is not None:
                self.counters["ignored_edits"] += 1
                logger.debug("forwarder: edit of %s/%s ignored: %s", chat_id, message.id, why)
                return False
            if not self.reader.take_edit(key, message):
                self.counters["duplicates"] += 1
                return False
            self.counters["edits"] += 1
        elif not self.progress.begin(chat_id, message.id):
            self.counters["duplicates"] += 1
            return False
        else:
            self.reader.read_as_new(key, message)
        outcome = "open"  # until it is queued, filtered, or failed on a bug
        try:
            message_id = message.id
            bus_message = self.reader.bus_message(
                message, chat_id, edited=edited, catch_up=catch_up,
                on_handled=None if edited else lambda: self.progress.mark(chat_id, message_id))
            if bus_message is None:
                outcome = "done"
                return False
            if not await asyncio.to_thread(self._bus.publish, bus_message,
                                           wait_s=self.publish_timeout_s):
                self.counters["bus_full"] += 1
                raise BusFull(f"no room on the bus for message {chat_id}/{message.id} within "
                              f"{self.publish_timeout_s:.0f} s")
            outcome = "queued"
            self.counters["published"] += 1
            return True
        except BusFull:
            raise
        except Exception:
            outcome = "done"  # a bug would fail again on every read: skipped, logged above
            raise
        finally:
            if outcome == "done" and not edited:
                self.progress.mark(chat_id, message.id)
            elif outcome == "open":  # not on the bus (full, or cancelled): read it again
                if edited:
                    self.reader.forget_edit(key)
                else:
                    self.progress.release(chat_id, message.id)

    async def on_new_message(self, event: events.NewMessage.Event) -> None:
        self._last_update_s = self._clock.monotonic()
        await self._safely(event.message, edited=False)

    async def on_edited(self, event: events.MessageEdited.Event) -> None:
        self._last_update_s = self._clock.monotonic()
        await self._safely(event.message, edited=True)

    async def _safely(self, message: MessageLike, *, edited: bool) -> None:
        try:
            await self.ingest(message, edited=edited)
        except BusFull as exc:
            self.last_error = str(exc)
            logger.error("forwarder: %s; the watchdog's catch-up reads it again", exc)
        except Exception as exc:  # one bad message never stops the forwarder
            self.last_error = f"{type(exc).__name__}: {exc}"
            logger.exception("forwarder: message %s/%s failed", message.chat_id, message.id)

    # --- catching up ---------------------------------------------------------------------------

    async def catch_up(self, client: Any, chat_id: int) -> int:
        """Messages missed after `last_seen`, published; see `HistoryCatchUp.new_messages`."""
        return await self.history.new_messages(client, chat_id)

    async def catch_up_edits(self, client: Any, chat_id: int) -> int:
        """Edits missed while not connected, published; see `HistoryCatchUp.edits`."""
        return await self.history.edits(client, chat_id)

    async def run_once(self, client: Any, now_s: float) -> int:
        """Watchdog step: catch up every chat with a gap, or all after `silence_s` of quiet."""
        silent = now_s - self._last_update_s >= self.silence_s
        total = 0
        for chat_id in list(self.chat_ids):
            if silent or self.progress.has_gap(chat_id):
                total += await self._catch_up_source(client, chat_id, edits=False)
        if silent:
            self._last_update_s = now_s
        return total

    async def resolve_sources(self, client: Any) -> list[int]:
        """Marked chat ids of the sources that resolve, our own groups left out; the others
        are logged with their names and kept in `unresolved` (see `sources.resolve`)."""
        ids, self.unresolved = await resolve(client, self.sources)
        if self.unresolved and not ids:
            raise SourcesUnresolved(f"no source could be resolved: {sorted(self.unresolved)}")
        excluded = self.exclude_chat_ids
        overlap = set(ids) & excluded
        if overlap:
            logger.error("forwarder: %s are our own groups; never watched (loop prevention)",
                         sorted(overlap))
        return [i for i in ids if i not in excluded]

    async def _catch_up_source(self, client: Any, chat_id: int, *, edits: bool) -> int:
        """`catch_up` (and `catch_up_edits`) of one source. A chat Telegram no longer lets us
        read (gone private, banned, left, an id not in the session) is logged, listed in
        `unresolved` and not watched until the next session: it never costs the others."""
        try:
            published = await self.catch_up(client, chat_id)
            return published + (await self.catch_up_edits(client, chat_id) if edits else 0)
        except UNRESOLVABLE as exc:
            why = f"{type(exc).__name__}: {exc}"
            self.unresolved[str(chat_id)] = why
            self.chat_ids = [i for i in self.chat_ids if i != chat_id]
            logger.error("forwarder: source %s cannot be read (%s); watching the others, "
                         "trying it again at the next reconnect", chat_id, why)
            return 0

    # --- one connection ------------------------------------------------------------------

    async def run_session(self, client: Any) -> None:
        """Connect, subscribe, catch up, watch until disconnected or stopped."""
        await client.connect()
        if not await client.is_user_authorized():
            raise ForwarderAuthError("the Telegram session is not authorised: run "
                                     "`python -m verzek telegram login` and set TELEGRAM_SESSION")
        self.chat_ids = await self.resolve_sources(client)
        client.add_event_handler(self.on_new_message, events.NewMessage(chats=self.chat_ids[:]))
        client.add_event_handler(self.on_edited, events.MessageEdited(chats=self.chat_ids[:]))
        self._last_update_s = self._clock.monotonic()
        watched = list(self.chat_ids)
        for chat_id in watched:
            # a chat seen for the first time starts now, edits included
            seen_before = self.progress.last_seen(chat_id) is not None
            await self._catch_up_source(client, chat_id, edits=seen_before)
        if watched and not self.chat_ids:
            raise SourcesUnresolved(f"no source can be read: {sorted(self.unresolved)}")
        self.state = "running"
        self.last_error = None
        logger.info("forwarder: watching %d source chat(s)", len(self.chat_ids))
        stop = self._stop_async or asyncio.Event()
        waiters = {asyncio.ensure_future(client.run_until_disconnected()),
                   asyncio.ensure_future(stop.wait()),
                   asyncio.ensure_future(self._watchdog(client))}
        try:
            done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # re-raise what ended the session
        finally:
            for task in waiters:
                task.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)

    async def _watchdog(self, client: Any) -> None:
        while True:
            await asyncio.sleep(self.watchdog_interval_s)  # a period, not a back-off
            await self.run_once(client, self._clock.monotonic())

    async def run_forever(self) -> None:
        """Sessions until stopped: exponential back-off between failures, FloodWait honoured."""
        self._stop_async = asyncio.Event()
        delay = self.backoff_s
        while not self._stop.is_set():
            client = self._client_factory()
            wait_s = delay
            try:
                await self.run_session(client)
                delay = self.backoff_s
                wait_s = delay
            except FloodWaitError as exc:
                self.counters["flood_waits"] += 1
                wait_s = float(exc.seconds)
                self.last_error = f"FloodWait {exc.seconds} s"
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                logger.warning("forwarder: session ended: %s; reconnecting in %.0f s",
                               self.last_error, wait_s)
                delay = min(delay * 2, self.max_backoff_s)
            finally:
                try:
                    await client.disconnect()
                except Exception:
                    logger.debug("forwarder: disconnect failed", exc_info=True)
            if self._stop.is_set():
                break
            self.state = "reconnecting"
            self.counters["reconnects"] += 1
            await self._sleep_or_stop(wait_s)

    async def _sleep_or_stop(self, seconds: float) -> None:
        assert self._stop_async is not None
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        stopper = asyncio.ensure_future(self._stop_async.wait())
        await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        for task in (sleeper, stopper):
            task.cancel()

    # --- Service interface -----------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self.state = "starting"
        self._thread = threading.Thread(target=self._thread_main, name=self.name, daemon=True)
        self._thread.start()

    def _thread_main(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self.run_forever())
            self.state = "stopped"
        except Exception as exc:
            self.state = "failed"
            self.last_error = f"{type(exc).__name__}: {exc}"
            logger.exception("forwarder stopped on an error")
        finally:
            self._loop = None
            loop.close()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        loop, stop_async = self._loop, self._stop_async
        if loop is not None and stop_async is not None:
            try:
                loop.call_soon_threadsafe(stop_async.set)
            except RuntimeError:
                pass
        if self._thread is not None:
            self._thread.join(timeout_s)

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def status(self) -> dict[str, Any]:
        return {"state": self.state, "last_error": self.last_error, "sources": self.chat_ids,
                "unresolved_sources": dict(self.unresolved), **self.counters,
                "progress": self.progress.snapshot()}
