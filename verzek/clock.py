"""Time as an injected dependency: a system clock for the service, a manual clock for tests."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What services ask for the time; they never call datetime.now() or time.sleep()."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for durations and timeouts."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to; thread-safe."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._mono = 1_000.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def advance(self, seconds: float) -> None:
        """Move both clocks forward by `seconds`."""
        if seconds < 0:
            raise ValueError("time does not go back")
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._mono += seconds

    def set(self, when: datetime) -> None:
        """Jump the wall clock to `when` (not earlier than now)."""
        with self._lock:
            delta = (when - self._now).total_seconds()
            if delta < 0:
                raise ValueError("time does not go back")
            self._now = when
            self._mono += delta

