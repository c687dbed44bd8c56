"""The 24/7 Telethon forwarder: new and edited messages from the source chats, screened, onto
the SignalBus; reconnects forever with back-off, honours FloodWait, and a watchdog catches up
from history after a gap, or when a source was quiet (Telegram does not push every chat's
updates), so no message is lost across a disconnect or a restart.

A message counts as handled (and the persisted progress moves past it) only once every bus
subscriber has acknowledged it; until then a restart's catch-up publishes it again, which the
engine (source key `msg:<chat>:<id>`) and the broadcaster (source key) take as a repeat. The
forwarder waits (bounded, off the event loop) for room on the bus rather than lose a message.
A chat's messages reach the bus in id order (`ordering.ChatTurns`): a follow-up never overtakes
the call it follows.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telethon import events
from telethon.errors import FloodWaitError
from telethon.tl.types import MessageService, UpdateNewChannelMessage, UpdateNewMessage

from verzek.clock import Clock
from verzek.engine.bus import SignalBus
from verzek.telegram.catchup import BusFull, HistoryCatchUp
from verzek.telegram.delivery import Delivery
from verzek.telegram.progress import SourceProgress
from verzek.telegram.reading import MessageReader
from verzek.telegram.screening import Screen, SignalScreen
from verzek.telegram.sources import (
    UNRESOLVABLE,
    MessageLike,
    SourcesUnresolved,
    is_basic_group,
    parse_source,
    telethon_client_factory,
)
from verzek.telegram.watchlist import Watchlist

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
                 watchdog_interval_s: float = 30.0, silence_s: float = 60.0,
                 backoff_s: float = 1.0, max_backoff_s: float = 300.0,
                 max_catch_up: int = 2000, publish_timeout_s: float = 120.0,
                 edit_lookback: int = 50, edit_lookback_s: float = 3600.0,
                 max_edit_age_s: float = 86400.0) -> None:
        self._client_factory = client_factory
        self.progress = progress
        self._clock = clock
        # Our groups' ids, asked each time: a group upgraded to a supergroup gets a new id.
        self._exclude = (exclude_chat_ids if callable(exclude_chat_ids)
                         else lambda: exclude_chat_ids)
        self.watch = Watchlist(sources=tuple(parse_source(s) for s in sources),
                               progress=progress, clock=clock, exclude=self._exclude)
        self.sources = self.watch.sources
        self._sleep = sleep
        self.watchdog_interval_s = watchdog_interval_s
        # A source quiet this long has its history read (only what is above its `last_seen`):
        # Telegram does not push every chat's updates, and a call read 10 min late is stale.
        self.silence_s = silence_s
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._heard: dict[int, float] = {}  # chat -> when it was last known up to date
        self._since_s = clock.monotonic()
        self._client: Any = None  # the connected session's, to read a chat's history for it
        self._tasks: set[asyncio.Task[Any]] = set()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop = threading.Event()
        self._stop_async: asyncio.Event | None = None
        self.state = "stopped"
        self.last_error: str | None = None
        self.counters: dict[str, int] = {"received": 0, "published": 0, "filtered": 0,
                                         "duplicates": 0, "edits": 0, "caught_up": 0,
                                         "catch_ups": 0, "reconnects": 0, "flood_waits": 0,
                                         "bus_full": 0, "ignored_edits": 0, "held": 0}
        self.reader = MessageReader(screen=screen_text or SignalScreen(), clock=clock,
                                    counters=self.counters, exclude_chat_ids=self._exclude,
                                    ignore_sender_ids=ignore_sender_ids,
                                    edit_lookback_s=edit_lookback_s,
                                    max_edit_age_s=max_edit_age_s)
        self.delivery = Delivery(bus=bus, progress=progress, reader=self.reader,
                                 counters=self.counters, report=self._report,
                                 publish_timeout_s=publish_timeout_s)
        # edits made while not connected: looked for among the newest `edit_lookback` messages
        # already read, edited within the last `edit_lookback_s` (see `catch_up_edits`)
        self.history = HistoryCatchUp(ingest=self.ingest, progress=progress, clock=clock,
                                      sleep=sleep, counters=self.counters,
                                      report=self._report, max_catch_up=max_catch_up,
                                      edit_lookback=edit_lookback,
                                      edit_lookback_s=edit_lookback_s,
                                      notice=self.watch.notice)

    @property
    def chat_ids(self) -> list[int]:
        return self.watch.chat_ids

    @chat_ids.setter
    def chat_ids(self, ids: list[int]) -> None:
        self.watch.chat_ids = list(ids)

    @property
    def unresolved(self) -> dict[str, str]:
        return self.watch.unresolved

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
        """Screen one message and publish it; see `Delivery.ingest`."""
        return await self.delivery.ingest(message, edited=edited, catch_up=catch_up)

    async def on_new_message(self, event: events.NewMessage.Event) -> None:
        await self._live(event.message, edited=False)

    async def on_edited(self, event: events.MessageEdited.Event) -> None:
        await self._live(event.message, edited=True)

    async def on_service(self, update: Any) -> None:
        """A watched basic group's upgrade, told live by its last message (NewMessage leaves
        service messages out): its supergroup is watched from its first message on."""
        message = getattr(update, "message", None)
        if message is None or not self.watch.notice(message):
            return
        for chat_id in self._start_watching(self._client):
            if self._client is not None:  # else the next session watches it from the start
                self._read_later(chat_id)

    async def _live(self, message: MessageLike, *, edited: bool) -> None:
        chat_id = message.chat_id
        if chat_id is not None:
            self._heard[chat_id] = self._clock.monotonic()
        watched = self._client is not None and chat_id in self.chat_ids
        await self.delivery.live(message, edited=edited,
                                 read_first=self._read_later if watched else None)

    def _read_later(self, chat_id: int) -> None:
        """Hold the chat's live messages from now on, and read its history in a task."""
        self.delivery.turns.open_read(chat_id)
        self._spawn(self._catch_up_source(self._client, chat_id, edits=False, opened=True))

    # --- catching up ---------------------------------------------------------------------------

    async def catch_up(self, client: Any, chat_id: int) -> int:
        """Messages missed after `last_seen`, published in the chat's turn (its live messages
        wait for them); see `HistoryCatchUp.new_messages`."""
        return await self._read(client, chat_id, edits=False)

    async def catch_up_edits(self, client: Any, chat_id: int) -> int:
        """Edits missed while not connected, published; see `HistoryCatchUp.edits`."""
        return await self.history.edits(client, chat_id)

    async def _read(self, client: Any, chat_id: int, *, edits: bool,
                    opened: bool = False) -> int:
        if not opened:
            self.delivery.turns.open_read(chat_id)
        self._heard[chat_id] = self._clock.monotonic()

        async def read_history() -> int:
            published = await self.history.new_messages(client, chat_id)
            return published + (await self.history.edits(client, chat_id) if edits else 0)

        return await self.delivery.read(chat_id, read_history)

    async def run_once(self, client: Any, now_s: float) -> int:
        """Watchdog step: read the history of every chat with a gap, and of each quiet for
        `silence_s` (one whose updates Telegram did not push is read while its calls are
        fresh); a source a flood wait held back is resolved once the wait is over."""
        await self.watch.retry_due(client, now_s)
        total = 0
        for chat_id in self._start_watching(client):
            total += await self._catch_up_source(client, chat_id, edits=False)
        for chat_id in list(self.chat_ids):
            quiet = now_s - self._heard.get(chat_id, self._since_s) >= self.silence_s
            if chat_id in self.chat_ids and (quiet or self.progress.has_gap(chat_id)):
                total += await self._catch_up_source(client, chat_id, edits=False)
        return total

    async def resolve_sources(self, client: Any) -> list[int]:
        """Marked chat ids of the sources that resolve, our own groups left out; the others
        are logged with their names and kept in `unresolved` (see `Watchlist.resolve`)."""
        return await self.watch.resolve(client)

    async def _catch_up_source(self, client: Any, chat_id: int, *, edits: bool,
                               opened: bool = False) -> int:
        """`catch_up` (and `catch_up_edits`) of one source, then of the chats it led to (its
        upgrade to a supergroup). A chat Telegram no longer lets us read (gone private,
        banned, left, an id not in the session) is logged, listed in `unresolved` and not
        watched until the next session: it never costs the others."""
        try:
            published = await self._read(client, chat_id, edits=edits, opened=opened)
        except UNRESOLVABLE as exc:
            why = f"{type(exc).__name__}: {exc}"
            self.watch.drop(chat_id, why)
            logger.error("forwarder: source %s cannot be read (%s); watching the others, "
                         "trying it again at the next reconnect", chat_id, why)
            return 0
        for new_chat_id in self._start_watching(client):
            published += await self._catch_up_source(client, new_chat_id, edits=False)
        return published

    def _start_watching(self, client: Any) -> list[int]:
        """Subscribe the session to the chats watched since it began (returned)."""
        added = self.watch.take_added()
        if added and client is not None and client is self._client:
            self._subscribe(client, added)
        return added

    def _subscribe(self, client: Any, chat_ids: list[int]) -> None:
        client.add_event_handler(self.on_new_message, events.NewMessage(chats=chat_ids[:]))
        client.add_event_handler(self.on_edited, events.MessageEdited(chats=chat_ids[:]))
        if any(is_basic_group(i) for i in chat_ids):  # only a basic group can be upgraded
            client.add_event_handler(self.on_service, events.Raw(
                types=(UpdateNewMessage, UpdateNewChannelMessage),
                func=lambda update: isinstance(update.message, MessageService)))

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            self.last_error = f"{type(exc).__name__}: {exc}"
            logger.error("forwarder: a history read failed: %s; the watchdog reads it again",
                         self.last_error, exc_info=exc)

    async def idle(self) -> None:
        """Wait until the history reads started for live messages are done."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # --- one connection ------------------------------------------------------------------

    async def run_session(self, client: Any) -> None:
        """Connect, subscribe, catch up, watch until disconnected or stopped."""
        await client.connect()
        if not await client.is_user_authorized():
            raise ForwarderAuthError("the Telegram session is not authorised: run "
                                     "`python -m verzek telegram login` and set TELEGRAM_SESSION")
        self.chat_ids = await self.resolve_sources(client)
        self._client = client
        stop = self._stop_async or asyncio.Event()
        waiters: set[asyncio.Future[Any]] = set()
        try:
            if self.chat_ids:
                self._subscribe(client, self.chat_ids)
            self._since_s = self._clock.monotonic()
            watched = list(self.chat_ids)
            for chat_id in watched:
                # a chat seen for the first time starts now, edits included
                seen_before = self.progress.last_seen(chat_id) is not None
                await self._catch_up_source(client, chat_id, edits=seen_before)
            if watched and not self.chat_ids and not self.watch.waiting():
                raise SourcesUnresolved(f"no source can be read: {sorted(self.unresolved)}")
            self.state = "running"
            self.last_error = None
            logger.info("forwarder: watching %d source chat(s)", len(self.chat_ids))
            waiters = {asyncio.ensure_future(client.run_until_disconnected()),
                       asyncio.ensure_future(stop.wait()),
                       asyncio.ensure_future(self._watchdog(client))}
            done, _ = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # re-raise what ended the session
        finally:
            for task in waiters | self._tasks:
                task.cancel()
            await asyncio.gather(*waiters, *self._tasks, return_exceptions=True)
            self._client = None
            self.delivery.forget_reads()  # reads cancelled before they began

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
