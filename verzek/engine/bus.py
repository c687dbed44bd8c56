"""SignalBus: in-process publish/subscribe with one bounded queue and thread per subscriber.

REST, webhook and bot publishers never block: a full subscriber queue drops the message for
that subscriber only, logs it and counts it. A publisher that must not lose a message (the
forwarder) asks `publish` to wait, bounded, for room; it calls from a worker thread, never from
an event loop. A slow subscriber never delays the others.

A message may carry `on_handled`: called once every subscriber has handled it (delivered, or
failed and logged). A message dropped for a full queue, refused with `NotHandled` (shutting
down, the disk refusing writes) or still queued when the process dies is never acknowledged,
so its publisher can offer it again (the forwarder does after a restart).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from verzek.domain.models import SignalSource
from verzek.logs import Throttle, log_context

logger = logging.getLogger(__name__)

WAIT_SLICE_S = 0.5  # a waiting publish looks this often whether the bus was stopped


@dataclass(frozen=True)
class BusMessage:
    """A raw message from a source, before or after parsing."""

    text: str
    source: SignalSource
    received_at: datetime
    origin: str = "telegram"  # "telegram" | "api" | "webhook" | "bot"
    meta: dict[str, Any] = field(default_factory=dict)
    # called (on a bus thread) once every subscriber has handled the message
    on_handled: Callable[[], None] | None = field(default=None, compare=False, repr=False)


Handler = Callable[[BusMessage], None]


class NotHandled(Exception):
    """A subscriber cannot take the message now (shutting down, disk refusing writes): it is
    not acknowledged, so the publisher may offer it again later."""


class _Countdown:
    """Calls `on_handled` when the last of `remaining` subscribers has handled a message."""

    def __init__(self, remaining: int, on_handled: Callable[[], None]) -> None:
        self._remaining = remaining
        self._on_handled = on_handled
        self._lock = threading.Lock()

    def done(self) -> None:
        with self._lock:
            self._remaining -= 1
            fire = self._remaining == 0
        if fire:
            try:
                self._on_handled()
            except Exception:  # the acknowledgement's trouble is its owner's, not the bus's
                logger.exception("bus: an acknowledgement callback failed")


_Item = tuple[BusMessage, _Countdown | None]


class _Subscriber:
    def __init__(self, name: str, handler: Handler, maxsize: int) -> None:
        self.name = name
        self.handler = handler
        self.queue: queue.Queue[_Item | None] = queue.Queue(maxsize=maxsize)
        self.delivered = 0
        self.dropped = 0
        self.failed = 0
        self.refused = 0
        self.last_error: str | None = None
        self.thread: threading.Thread | None = None
        self.throttle = Throttle(60.0)


class SignalBus:
    """Fan a message out to every subscriber's bounded queue; each drains on its own thread."""

    def __init__(self, *, maxsize: int = 1000) -> None:
        self._maxsize = maxsize
        self._subs: list[_Subscriber] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self.published = 0
        self.waited = 0
        self._running = False

    def subscribe(self, name: str, handler: Handler, *, maxsize: int | None = None) -> None:
        sub = _Subscriber(name, handler, maxsize or self._maxsize)
        with self._lock:
            self._subs.append(sub)
            if self._running:
                self._start_sub(sub)

    def publish(self, message: BusMessage, *, wait_s: float = 0.0) -> bool:
        """Offer the message to every subscriber; True when every one queued it.

        With `wait_s` 0 (the default) it never blocks: a full queue drops the message for that
        subscriber. With `wait_s` > 0 it waits up to that long in all for room (never call
        that from an event loop; use a worker thread), and gives up early once the bus stops.
        """
        with self._lock:
            subs = list(self._subs)
            self.published += 1
        countdown = None
        if message.on_handled is not None:
            if not subs:
                _Countdown(1, message.on_handled).done()
                return True
            countdown = _Countdown(len(subs), message.on_handled)
        deadline = time.monotonic() + wait_s
        queued = True
        for sub in subs:
            if self._put(sub, (message, countdown), deadline if wait_s > 0 else None):
                continue
            queued = False
            sub.dropped += 1
            allowed, held = sub.throttle.allow("full")
            if allowed:
                logger.error("bus: subscriber %s is full (%d messages); dropped one "
                             "(%d more dropped since the last report)",
                             sub.name, sub.queue.qsize(), held)
        return queued

    def _put(self, sub: _Subscriber, item: _Item, deadline: float | None) -> bool:
        try:
            sub.queue.put_nowait(item)
            return True
        except queue.Full:
            pass
        if deadline is None:
            return False
        with self._lock:
            self.waited += 1
        allowed, held = sub.throttle.allow("wait")
        if allowed:
            logger.warning("bus: subscriber %s is full (%d messages); the publisher waits for "
                           "room (%d more waits since the last report)", sub.name,
                           sub.queue.qsize(), held)
        while not self._closed.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                sub.queue.put(item, timeout=min(left, WAIT_SLICE_S))
                return True
            except queue.Full:
                continue
        return False

    def _drain(self, sub: _Subscriber) -> None:
        while True:
            item = sub.queue.get()
            if item is None:
                return
            self.deliver(sub, *item)

    def deliver(self, sub: _Subscriber, message: BusMessage,
                countdown: _Countdown | None = None) -> None:
        with log_context(signal_id=message.meta.get("signal_id")):
            try:
                sub.handler(message)
                sub.delivered += 1
            except NotHandled as exc:  # not acknowledged: the publisher offers it again
                sub.refused += 1
                sub.last_error = f"not handled: {exc}"
                logger.warning("bus: subscriber %s could not take a message from %s now: %s",
                               sub.name, message.origin, exc)
                return
            except Exception as exc:  # one bad message never stops a subscriber
                sub.failed += 1
                sub.last_error = f"{type(exc).__name__}: {exc}"
                logger.exception("bus: subscriber %s failed on a message from %s",
                                 sub.name, message.origin)
        if countdown is not None:
            countdown.done()

    def drain_once(self) -> int:
        """Deliver every queued message synchronously (for tests and shutdown); returns count."""
        count = 0
        for sub in list(self._subs):
            while True:
                try:
                    item = sub.queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    self.deliver(sub, *item)
                    count += 1
        return count

    def _start_sub(self, sub: _Subscriber) -> None:
        sub.thread = threading.Thread(target=self._drain, args=(sub,), daemon=True,
                                      name=f"bus-{sub.name}")
        sub.thread.start()

    # Service interface -------------------------------------------------------------------
    name = "signal_bus"

    def start(self) -> None:
        with self._lock:
            self._running = True
            self._closed.clear()
            for sub in self._subs:
                if sub.thread is None or not sub.thread.is_alive():
                    self._start_sub(sub)

    def stop(self, timeout_s: float = 10.0) -> None:
        with self._lock:
            self._running = False
            subs = list(self._subs)
        for sub in subs:
            if sub.thread is not None and sub.thread.is_alive():
                try:
                    sub.queue.put(None, timeout=timeout_s)
                except queue.Full:
                    logger.error("bus: %s did not drain before shutdown", sub.name)
                sub.thread.join(timeout_s)
        self._closed.set()  # publishers still waiting for room give up

    def is_alive(self) -> bool:
        """Running: every subscriber's thread is up (one died: the supervisor restarts the
        bus). Stopped: a subscriber's thread still drains (the stop was cut off)."""
        up = [s.thread is not None and s.thread.is_alive() for s in self._subs]
        return all(up) if self._running else any(up)

    def status(self) -> dict[str, Any]:
        return {
            "state": "running" if self._running else "stopped",
            "published": self.published,
            "waited_for_room": self.waited,
            "subscribers": {s.name: {"queued": s.queue.qsize(), "delivered": s.delivered,
                                     "dropped": s.dropped, "failed": s.failed,
                                     "not_handled": s.refused,
                                     "last_error": s.last_error} for s in self._subs},
        }
