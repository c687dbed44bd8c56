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
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telethon import events
from telethon.errors import FloodWaitError

from verzek.clock import Clock
from verzek.domain.models import SignalSource
from verzek.engine.bus import BusMessage, SignalBus
from verzek.telegram.progress import SourceProgress
from verzek.telegram.screening import Screen, SignalScreen
from verzek.telegram.sources import (
    MessageLike,
    SourcesUnresolved,
    parse_source,
    posted_at,
    resolve,
    telethon_client_factory,
)

logger = logging.getLogger(__name__)

__all__ = ["BusFull", "Forwarder", "ForwarderAuthError", "SourcesUnresolved",
           "telethon_client_factory"]
Sleeper = Callable[[float], Awaitable[None]]


class ForwarderAuthError(Exception):
    """The session is not authorised: run `python -m verzek telegram login` again."""


class BusFull(Exception):
    """The bus had no room for a message in time: it stays unhandled, a catch-up reads it
    again."""


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
                 edit_lookback: int = 50, edit_lookback_s: float = 3600.0) -> None:
        self._client_factory = client_factory
        self.sources = tuple(parse_source(s) for s in sources)
        self._bus = bus
        self.progress = progress
        self._clock = clock
        self._screen = screen_text or SignalScreen()
        # Our groups' ids, asked each time: a group upgraded to a supergroup gets a new id.
        self._exclude = (exclude_chat_ids if callable(exclude_chat_ids)
                         else lambda: exclude_chat_ids)
        self.ignore_sender_ids = ignore_sender_ids
        self._sleep = sleep
        self.watchdog_interval_s = watchdog_interval_s
        self.silence_s = silence_s
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.max_catch_up = max_catch_up
        self.publish_timeout_s = publish_timeout_s  # how long to wait for room on the bus
        # edits made while not connected: looked for among the newest `edit_lookback` messages
        # already read, edited within the last `edit_lookback_s` (see `catch_up_edits`)
        self.edit_lookback = edit_lookback
        self.edit_lookback_s = edit_lookback_s
        self.chat_ids: list[int] = []
        self.unresolved: dict[str, str] = {}  # source name -> why it could not be resolved
        self._edits: OrderedDict[tuple[int, int], float] = OrderedDict()
        self._last_update_s = clock.monotonic()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop = threading.Event()
        self._stop_async: asyncio.Event | None = None
        self._catch_up_lock: asyncio.Lock | None = None
        self.state = "stopped"
        self.last_error: str | None = None
        self.counters: dict[str, int] = {"received": 0, "published": 0, "filtered": 0,
                                         "duplicates": 0, "edits": 0, "caught_up": 0,
                                         "catch_ups": 0, "reconnects": 0, "flood_waits": 0,
                                         "bus_full": 0}

    @property
    def exclude_chat_ids(self) -> frozenset[int]:
        return self._exclude()

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
            if not self._take_edit(key, message):
                self.counters["duplicates"] += 1
                return False
            self.counters["edits"] += 1
        elif not self.progress.begin(chat_id, message.id):
            self.counters["duplicates"] += 1
            return False
        outcome = "open"  # until it is queued, filtered, or failed on a bug
        try:
            bus_message = self._screened(message, chat_id, edited=edited, catch_up=catch_up)
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
                    self._edits.pop(key, None)
                else:
                    self.progress.release(chat_id, message.id)

    def _take_edit(self, key: tuple[int, int], message: MessageLike) -> bool:
        """Whether this edit is newer than the last one taken of the message."""
        stamp = message.edit_date.timestamp() if message.edit_date else 0.0
        if self._edits.get(key, -1.0) >= stamp:
            return False
        self._edits[key] = stamp
        self._edits.move_to_end(key)
        while len(self._edits) > 10_000:
            self._edits.popitem(last=False)
        return True

    def _screened(self, message: MessageLike, chat_id: int, *, edited: bool,
                  catch_up: bool) -> BusMessage | None:
        """The bus message for a message that passes the screen, else None."""
        if chat_id in self.exclude_chat_ids or message.sender_id in self.ignore_sender_ids:
            self.counters["filtered"] += 1
            return None
        text = message.raw_text or ""
        verdict = self._screen(text, now=self._clock.now(), sender=message.sender_id)
        if not verdict.accepted:
            self.counters["filtered"] += 1
            logger.debug("forwarder: %s/%s filtered: %s", chat_id, message.id, verdict.reason)
            return None
        source = SignalSource(kind="telegram", chat_id=chat_id, message_id=message.id,
                              reply_to_id=message.reply_to_msg_id)
        meta: dict[str, Any] = {"edited": edited, "catch_up": catch_up,
                                "sender_id": message.sender_id, "screen": verdict.reason}
        if message.edit_date is not None:
            meta["edit_date"] = message.edit_date.isoformat()
        message_id = message.id
        return BusMessage(text=text, source=source, received_at=posted_at(message, edited=edited,
                                                                   now=self._clock.now()),
                          origin="telegram", meta=meta,
                          on_handled=None if edited else
                          lambda: self.progress.mark(chat_id, message_id))

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
        """Read the chat's history after `last_seen` and ingest what was missed; returns how
        many were published. A chat seen for the first time starts at its newest message."""
        self._catch_up_lock = self._catch_up_lock or asyncio.Lock()
        async with self._catch_up_lock:
            while True:
                try:
                    return await self._catch_up(client, chat_id)
                except FloodWaitError as exc:
                    self.counters["flood_waits"] += 1
                    logger.warning("forwarder: FloodWait %s s reading %s", exc.seconds, chat_id)
                    await self._sleep(float(exc.seconds))

    async def catch_up_edits(self, client: Any, chat_id: int) -> int:
        """Edits made while this process was not connected (a teaser edited into a call):
        Telegram does not replay them, and the history read from `last_seen` only holds newer
        messages. The newest `edit_lookback` messages already read are read again; each edited
        within `edit_lookback_s` goes on as an edit. One taken already is not published twice
        (here, or downstream by its message id once it traded). Returns how many went on."""
        last = self.progress.last_seen(chat_id)
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
                    if await self.ingest(message, edited=True, catch_up=True):
                        published += 1
                except BusFull:
                    raise
                except Exception as exc:  # one bad message never stops the catch-up
                    self.last_error = f"{type(exc).__name__}: {exc}"
                    logger.exception("forwarder: edit of %s/%s failed", chat_id, message.id)
        except FloodWaitError as exc:  # new messages are caught up; edits are not worth a wait
            self.counters["flood_waits"] += 1
            logger.warning("forwarder: edits of %s not read (FloodWait %s s)", chat_id,
                           exc.seconds)
        except BusFull as exc:
            self.last_error = str(exc)
            logger.error("forwarder: edits of %s not all read: %s", chat_id, exc)
        self.counters["caught_up"] += published
        return published

    async def _catch_up(self, client: Any, chat_id: int) -> int:
        last = self.progress.last_seen(chat_id)
        if last is None:
            newest = 0
            async for message in client.iter_messages(chat_id, limit=1):
                newest = message.id
            self.progress.settle(chat_id, newest)
            return 0
        self.counters["catch_ups"] += 1
        published = 0
        top = last
        count = 0
        async for message in client.iter_messages(chat_id, min_id=last, reverse=True):
            try:
                if await self.ingest(message, catch_up=True):
                    published += 1
            except BusFull as exc:  # read through the one before; the next catch-up goes on
                self.last_error = str(exc)
                logger.error("forwarder: catch-up of %s paused: %s", chat_id, exc)
                top = max(top, message.id - 1)
                break
            except Exception as exc:  # one bad message never stops the catch-up
                self.last_error = f"{type(exc).__name__}: {exc}"
                logger.exception("forwarder: message %s/%s failed", chat_id, message.id)
            top = max(top, message.id)
            count += 1
            if count >= self.max_catch_up:
                logger.warning("forwarder: catch-up of %s stopped at %d messages", chat_id,
                               count)
                break
        self.progress.settle(chat_id, top)
        self.counters["caught_up"] += published
        return published

    async def run_once(self, client: Any, now_s: float) -> int:
        """Watchdog step: catch up every chat with a gap, or all after `silence_s` of quiet."""
        silent = now_s - self._last_update_s >= self.silence_s
        total = 0
        for chat_id in self.chat_ids:
            if silent or self.progress.has_gap(chat_id):
                total += await self.catch_up(client, chat_id)
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

    # --- one connection ------------------------------------------------------------------

    async def run_session(self, client: Any) -> None:
        """Connect, subscribe, catch up, watch until disconnected or stopped."""
        await client.connect()
        if not await client.is_user_authorized():
            raise ForwarderAuthError("the Telegram session is not authorised: run "
                                     "`python -m verzek telegram login` and set TELEGRAM_SESSION")
        self.chat_ids = await self.resolve_sources(client)
        client.add_event_handler(self.on_new_message, events.NewMessage(chats=self.chat_ids))
        client.add_event_handler(self.on_edited, events.MessageEdited(chats=self.chat_ids))
        self._last_update_s = self._clock.monotonic()
        for chat_id in self.chat_ids:
            seen_before = self.progress.last_seen(chat_id) is not None
            await self.catch_up(client, chat_id)
            if seen_before:  # a chat seen for the first time starts now, edits included
                await self.catch_up_edits(client, chat_id)
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
