"""Price feeds for the paper exchange: `live` (public ccxt tickers, no keys) and `sim`.

`sim` is a seeded random walk from a bundled price snapshot, stepped by `step()` or by the
injected clock's time; admins (and tests) set prices with `set_price`. `open_price_feed` picks
`live` by default and falls back to `sim` loudly when no exchange answers at start.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Context, Decimal
from importlib import resources
from typing import Any, Protocol

from verzek.clock import Clock
from verzek.errors import ExchangeUnavailable, InvalidOrder, VerzekError

logger = logging.getLogger(__name__)
_TICKER_DIGITS = Context(prec=8)  # significant digits of a simulated price


def base_of(symbol: str) -> str:
    return symbol.split("/")[0]


def load_price_snapshot() -> dict[str, Decimal]:
    """Bundled reference prices by base asset (see data/prices_snapshot.json)."""
    text = resources.files("verzek.exchanges").joinpath("data/prices_snapshot.json").read_text()
    return {k: Decimal(v) for k, v in json.loads(text)["prices"].items()}


class PriceFeed(Protocol):
    """Where the paper exchange gets its prices."""

    kind: str  # "live" or "sim"

    def price(self, symbol: str) -> Decimal:
        """The last price of `symbol` (InvalidOrder when unknown, transient errors when down)."""
        ...


class SimPriceFeed:
    """A seeded random walk per symbol; deterministic for a given seed and step sequence."""

    kind = "sim"

    def __init__(
        self, *, clock: Clock, seed: int = 0, snapshot: dict[str, Decimal] | None = None,
        volatility_pct: Decimal = Decimal("0.1"), step_interval_s: float = 1.0,
    ) -> None:
        self._clock = clock
        self._rng = random.Random(seed)
        self._base_prices = snapshot if snapshot is not None else load_price_snapshot()
        self._prices: dict[str, Decimal] = {}
        self._pinned: set[str] = set()
        self._volatility = volatility_pct / 100
        self._interval_s = step_interval_s
        self._last_step = clock.monotonic()
        self._lock = threading.Lock()

    def set_price(self, symbol: str, price: Decimal) -> None:
        """An admin-set price; it stays until the next random step (or forever if pinned)."""
        if price <= 0:
            raise InvalidOrder("a price must be greater than zero")
        # the steps due so far move the old prices, never the one set now (after an idle
        # hour, a thousand of them moved a new price several % at its first read)
        self._catch_up()
        with self._lock:
            self._prices[symbol] = price

    def pin(self, symbol: str, price: Decimal) -> None:
        """Set a price the random walk will not move (tests, admin "freeze")."""
        self.set_price(symbol, price)
        with self._lock:
            self._pinned.add(symbol)

    def unpin(self, symbol: str) -> None:
        """Let the random walk move `symbol` again, from its price now."""
        with self._lock:
            self._pinned.discard(symbol)

    def known(self) -> tuple[dict[str, Decimal], set[str]]:
        """(every price the feed has handed out or been given, the pinned symbols), now."""
        self._catch_up()
        with self._lock:
            return dict(self._prices), set(self._pinned)

    def step(self, n: int = 1) -> None:
        """Move every known price `n` random steps."""
        with self._lock:
            for _ in range(n):
                for symbol in sorted(self._prices):
                    if symbol in self._pinned:
                        continue
                    change = Decimal(str(round(self._rng.gauss(0.0, 1.0), 6))) * self._volatility
                    new = self._prices[symbol] * (1 + change)
                    # 8 significant digits, as a ticker quotes (not 28: every message and
                    # fill of a demo user would show them)
                    self._prices[symbol] = _TICKER_DIGITS.plus(
                        max(new, self._prices[symbol] / 10))

    def _catch_up(self) -> None:
        now = self._clock.monotonic()
        if self._interval_s <= 0:
            return
        steps = int((now - self._last_step) / self._interval_s)
        if steps > 0:
            self._last_step += steps * self._interval_s
            self.step(min(steps, 1000))

    def price(self, symbol: str) -> Decimal:
        self._catch_up()
        with self._lock:
            if symbol not in self._prices:
                base = self._base_prices.get(base_of(symbol))
                if base is None:
                    raise InvalidOrder(f"no simulated price for {symbol}", code="unknown_symbol")
                self._prices[symbol] = base
            return self._prices[symbol]


TickerSource = Callable[[str], Decimal]


class LivePriceFeed:
    """Public tickers through ccxt, no keys; cached for `max_age_s` per symbol."""

    kind = "live"

    def __init__(self, *, source: TickerSource, clock: Clock, max_age_s: float = 2.0) -> None:
        self._source = source
        self._clock = clock
        self._max_age_s = max_age_s
        self._cache: dict[str, tuple[float, Decimal]] = {}
        self._lock = threading.Lock()

    def price(self, symbol: str) -> Decimal:
        now = self._clock.monotonic()
        with self._lock:
            hit = self._cache.get(symbol)
        if hit is not None and now - hit[0] < self._max_age_s:
            return hit[1]
        value = self._source(symbol)
        with self._lock:
            self._cache[symbol] = (now, value)
        return value


def ccxt_ticker_source(exchange_id: str, *, clock: Clock, sleeper: Callable[[float], None],
                       session: Any = None, timeout_ms: int = 5000) -> TickerSource:
    """A keyless ccxt client's `fetch_ticker(symbol)['last']` as a Decimal, errors mapped."""
    import ccxt

    from verzek.exchanges.ccxt_errors import map_ccxt_error
    from verzek.exchanges.ccxt_markets import install_throttle

    options: dict[str, Any] = {"enableRateLimit": True, "timeout": timeout_ms,
                               "options": {"fetchMargins": False}}
    client = getattr(ccxt, exchange_id)(options)
    client.has["fetchCurrencies"] = False
    install_throttle(client, monotonic=clock.monotonic, sleeper=sleeper)
    if session is not None:
        client.session = session
    lock = threading.Lock()

    def fetch(symbol: str) -> Decimal:
        with lock:
            try:
                ticker = client.fetch_ticker(symbol)
            except ccxt.BaseError as exc:
                raise map_ccxt_error(exc, exchange=exchange_id) from exc
        last = ticker.get("last") or ticker.get("close")
        if last is None:
            raise ExchangeUnavailable(f"{exchange_id} sent no price for {symbol}")
        return Decimal(str(last))

    return fetch


@dataclass(frozen=True, slots=True)
class FeedChoice:
    feed: PriceFeed
    fallback_reason: str | None  # set when `live` was asked for and `sim` is used instead


def open_price_feed(
    kind: str, *, clock: Clock, live_sources: list[TickerSource], probe_symbol: str = "BTC/USDT",
    seed: int = 0,
) -> FeedChoice:
    """The configured feed; `live` falls back to `sim` (logged as an error) when unreachable."""
    if kind == "sim":
        return FeedChoice(SimPriceFeed(clock=clock, seed=seed), None)
    errors: list[str] = []
    for source in live_sources:
        try:
            source(probe_symbol)
        except VerzekError as exc:
            errors.append(f"{exc.code}: {exc.message}")
            continue
        return FeedChoice(LivePriceFeed(source=source, clock=clock), None)
    reason = ("live price feed unreachable at start (" + "; ".join(errors or ["no source"])
              + "): DEMO PRICES ARE SIMULATED")
    logger.error("%s", reason)
    return FeedChoice(SimPriceFeed(clock=clock, seed=seed), reason)
