"""Paper accounts trade on each exchange's real market list, loaded in the background.

Until a venue's list arrives its paper clients use the bundled snapshot; a failed load keeps
the snapshot and is retried with a backoff; a loaded list is refreshed now and then so newly
listed coins appear. Nothing here runs inside a signal's fan-out.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from verzek.clock import Clock
from verzek.domain.models import ExchangeName
from verzek.exchanges.base import MarketInfo

logger = logging.getLogger(__name__)

MarketsLoader = Callable[[ExchangeName], dict[str, MarketInfo]]
VENUES = (ExchangeName.BINANCE, ExchangeName.BYBIT, ExchangeName.PHEMEX)


class MarketsSink(Protocol):
    """Where loaded markets go (`ExchangePool`)."""

    def set_paper_markets(self, venue: str, markets: dict[str, MarketInfo]) -> None: ...


class PaperMarketsLoader:
    """A background service: load each venue's public markets and hand them to the pool.

    `run_once()` loads every venue that is due and returns the seconds until the next one
    is; the thread waits that long on the stop event (tests call `run_once()`).
    """

    name = "paper_markets"

    def __init__(
        self, *, sink: MarketsSink, loader: MarketsLoader, clock: Clock,
        stopping: threading.Event | None = None, venues: Sequence[ExchangeName] = VENUES,
        refresh_s: float = 6 * 3600.0, retry_s: float = 300.0, max_retry_s: float = 3600.0,
    ) -> None:
        self._sink = sink
        self._loader = loader
        self._clock = clock
        # the runtime's shutdown event: the loop stops when shutdown begins
        self._stop = stopping or threading.Event()
        self._venues = tuple(venues)
        self.refresh_s = refresh_s
        self.retry_s = retry_s
        self.max_retry_s = max_retry_s
        self.stop_join_s = 1.0  # a load stuck on the network is not waited for: daemon thread
        self._due_at = {venue: float("-inf") for venue in self._venues}  # clock.monotonic()
        self._failures: dict[ExchangeName, int] = {}
        self._last_error: dict[ExchangeName, str] = {}
        self._loaded: dict[ExchangeName, int] = {}
        self._thread: threading.Thread | None = None

    def run_once(self) -> float:
        """Load every venue that is due; seconds until the next venue is due."""
        for venue in self._venues:
            if self._stop.is_set():
                break
            if self._clock.monotonic() >= self._due_at[venue]:
                self._load(venue)
        return max(0.0, min(self._due_at.values()) - self._clock.monotonic())

    def _load(self, venue: ExchangeName) -> None:
        try:
            markets = self._loader(venue)
            if not markets:
                raise ValueError("an empty market list")
            self._sink.set_paper_markets(venue.value, markets)
        except Exception as exc:  # any failure: keep what paper accounts have, try later
            failures = self._failures[venue] = self._failures.get(venue, 0) + 1
            delay = min(self.max_retry_s, self.retry_s * 2 ** min(failures - 1, 16))
            self._due_at[venue] = self._clock.monotonic() + delay
            self._last_error[venue] = type(exc).__name__
            logger.warning("paper markets of %s not loaded (%s): paper accounts keep the "
                           "markets they have; next try in %.0f s", venue.value,
                           type(exc).__name__, delay)
            return
        self._failures.pop(venue, None)
        self._last_error.pop(venue, None)
        self._loaded[venue] = len(markets)
        self._due_at[venue] = self._clock.monotonic() + self.refresh_s
        logger.info("paper markets of %s: %d from the exchange's public list", venue.value,
                    len(markets))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                wait_s = self.run_once()
            except Exception:  # run_once catches per venue; this guards the loop itself
                logger.exception("%s: pass failed", self.name)
                wait_s = self.retry_s
            self._stop.wait(max(1.0, wait_s))

    def start(self) -> None:
        if self.is_alive():
            return
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(min(timeout_s, self.stop_join_s))

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def status(self) -> dict[str, Any]:
        now = self._clock.monotonic()
        return {"state": "running" if self.is_alive() else "stopped",
                "venues": {venue.value: {
                    "loaded_markets": self._loaded.get(venue),
                    "failures": self._failures.get(venue, 0),
                    "last_error": self._last_error.get(venue),
                    "next_load_in_s": round(max(0.0, self._due_at[venue] - now), 1)
                    if self._due_at[venue] != float("-inf") else 0.0}
                    for venue in self._venues}}
