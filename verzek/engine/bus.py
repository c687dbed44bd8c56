"""SignalBus: in-process publish/subscribe with one bounded queue and thread per subscriber.

Publishers (forwarder, REST API, webhook, bot) never block: a full subscriber queue drops the
message for that subscriber only, logs it and counts it. A slow subscriber never delays others.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from verzek.domain.models import SignalSource
from verzek.logs import Throttle, log_context

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BusMessage:
    """A raw message from a source, before or after parsing."""

    text: str
    source: SignalSource
    received_at: datetime
    origin: str = "telegram"  # "telegram" | "api" | "webhook" | "bot"
    meta: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[BusMessage], None]


class _Subscriber:
    def __init__(self, name: str, handler: Handler, maxsize: int) -> None:
        self.name = name
        self.handler = handler
        self.queue: queue.Queue[BusMessage | None] = queue.Queue(maxsize=maxsize)
        self.delivered = 0
        self.dropped = 0
        self.failed = 0
        self.last_error: str | None = None
        self.thread: threading.Thread | None = None
        self.throttle = Throttle(60.0)


class SignalBus:
    """Fan a message out to every subscriber's bounded queue; each drains on its own thread."""

    def __init__(self, *, maxsize: int = 1000) -> None:
        self._maxsize = maxsize
        self._subs: list[_Subscriber] = []
        self._lock = threading.Lock()
        self.published = 0
        self._running = False

    def subscribe(self, name: str, handler: Handler, *, maxsize: int | None = None) -> None:
        sub = _Subscriber(name, handler, maxsize or self._maxsize)
        with self._lock:
            self._subs.append(sub)
            if self._running:
                self._start_sub(sub)

    def publish(self, message: BusMessage) -> None:
        """Offer the message to every subscriber; never blocks the publisher."""
        with self._lock:
            subs = list(self._subs)
            self.published += 1
        for sub in subs:
            try:
                sub.queue.put_nowait(message)
            except queue.Full:
                sub.dropped += 1
                allowed, held = sub.throttle.allow("full")
                if allowed:
                    logger.error("bus: subscriber %s is full (%d messages); dropped one "
                                 "(%d more dropped since the last report)",
                                 sub.name, sub.queue.qsize(), held)

    def _drain(self, sub: _Subscriber) -> None:
        while True:
            message = sub.queue.get()
            if message is None:
                return
            self.deliver(sub, message)

    def deliver(self, sub: _Subscriber, message: BusMessage) -> None:
        with log_context(signal_id=message.meta.get("signal_id")):
            try:
                sub.handler(message)
                sub.delivered += 1
            except Exception as exc:  # one bad message never stops a subscriber
                sub.failed += 1
                sub.last_error = f"{type(exc).__name__}: {exc}"
                logger.exception("bus: subscriber %s failed on a message from %s",
                                 sub.name, message.origin)

    def drain_once(self) -> int:
        """Deliver every queued message synchronously (for tests and shutdown); returns count."""
        count = 0
        for sub in list(self._subs):
            while True:
                try:
                    message = sub.queue.get_nowait()
                except queue.Empty:
                    break
                if message is not None:
                    self.deliver(sub, message)
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

    def is_alive(self) -> bool:
        return not self._running or all(
            s.thread is not None and s.thread.is_alive() for s in self._subs)

    def status(self) -> dict[str, Any]:
        return {
            "state": "running" if self._running else "stopped",
            "published": self.published,
            "subscribers": {s.name: {"queued": s.queue.qsize(), "delivered": s.delivered,
                                     "dropped": s.dropped, "failed": s.failed,
                                     "last_error": s.last_error} for s in self._subs},
        }
