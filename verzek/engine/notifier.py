"""The engine's outbound events for users and admins, and the interface that delivers them.

The engine only emits; the Telegram bot (or a log, or several at once) delivers. A failing
delivery never disturbs trading.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

logger = logging.getLogger(__name__)


class EventKind(StrEnum):
    ENTRY_PLACED = "entry_placed"  # an entry resting on the book, or waiting for a breakout
    POSITION_OPENED = "position_opened"
    DCA_FILLED = "dca_filled"
    TARGET_HIT = "target_hit"
    STOP_HIT = "stop_hit"
    POSITION_CLOSED = "position_closed"
    SIGNAL_SKIPPED = "signal_skipped"
    BREAKER_TRIPPED = "breaker_tripped"
    ATTENTION = "attention"  # an error a human should look at


@dataclass(frozen=True)
class Event:
    kind: EventKind
    user_id: str | None  # None: platform-wide (for admins)
    at: datetime
    message: str  # one human sentence
    data: dict[str, Any] = field(default_factory=dict)  # symbol, position_id, pnl_usdt, ...


class Notifier(Protocol):
    """Delivers events; must not raise into the engine and must not block for long."""

    def notify(self, event: Event) -> None: ...


class LogNotifier:
    """Writes every event to the log (always on)."""

    def notify(self, event: Event) -> None:
        logger.info("event %s user=%s: %s", event.kind.value, event.user_id or "-", event.message)


class RecordingNotifier:
    """Keeps events in memory (tests, and the status page's recent events)."""

    def __init__(self, limit: int = 1000) -> None:
        self.events: list[Event] = []
        self._limit = limit
        self._lock = threading.Lock()

    def notify(self, event: Event) -> None:
        with self._lock:
            self.events.append(event)
            del self.events[: -self._limit]

    def of_kind(self, kind: EventKind) -> list[Event]:
        with self._lock:
            return [e for e in self.events if e.kind is kind]


class FanoutNotifier:
    """Sends each event to every registered notifier; one failing never stops the others."""

    def __init__(self, *notifiers: Notifier) -> None:
        self._notifiers = list(notifiers)

    def add(self, notifier: Notifier) -> None:
        self._notifiers.append(notifier)

    def notify(self, event: Event) -> None:
        for notifier in list(self._notifiers):
            try:
                notifier.notify(event)
            except Exception:
                logger.exception("notifier %s failed on %s", type(notifier).__name__,
                                 event.kind.value)
