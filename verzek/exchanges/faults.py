"""A fault-injecting wrapper around any Exchange, for demo-mode fault campaigns and tests.

It misbehaves the way real exchanges do, with a seeded random choice per order:
  accept_drop    the order is accepted, then the connection drops (NetworkError)
  accept_5xx     the order is accepted, then a 5xx answer (ExchangeUnavailable)
  slow           the answer takes `slow_s` seconds (the injected sleeper waits)
  invisible      accepted, the answer is lost, and look-ups say "not found" for `invisible_s`
  rate_limited   refused before placing with 429 and Retry-After
It records every order the inner exchange received, so a test can prove no order was sent twice.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from verzek.clock import Clock
from verzek.domain.models import MarginMode
from verzek.errors import ExchangeUnavailable, NetworkError, OrderNotFound, RateLimited
from verzek.exchanges.base import (
    Balance,
    CredentialReport,
    Exchange,
    MarketInfo,
    OrderRequest,
    OrderResult,
    PositionInfo,
    Ticker,
)

FAULTS = ("accept_drop", "accept_5xx", "slow", "invisible", "rate_limited")


class FaultyExchange(Exchange):
    """Delegates to `inner`, injecting a fault into `rate` of the order sends."""

    def __init__(self, inner: Exchange, *, rate: float, clock: Clock, seed: int = 7,
                 sleeper: Callable[[float], None] | None = None, slow_s: float = 10.0,
                 invisible_s: float = 20.0, retry_after_s: float = 2.0,
                 faults: tuple[str, ...] = FAULTS) -> None:
        self.inner = inner
        self.name = getattr(inner, "name", "faulty")
        self.rate = rate
        self._clock = clock
        self._rng = random.Random(seed)
        self._sleeper = sleeper or clock.advance  # type: ignore[attr-defined]
        self._slow_s = slow_s
        self._invisible_s = invisible_s
        self._retry_after_s = retry_after_s
        self._faults = faults
        self._hidden_until: dict[str, float] = {}
        self._lock = threading.Lock()
        self.received: Counter[str] = Counter()  # client order id -> times the inner got it
        self.injected: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # process_prices, account_id, … of a paper inner

    def _pick(self) -> str | None:
        with self._lock:
            if self._rng.random() >= self.rate:
                return None
            fault = self._rng.choice(self._faults)
            self.injected[fault] += 1
            return fault

    def create_order(self, req: OrderRequest) -> OrderResult:
        fault = self._pick()
        if fault == "rate_limited":
            raise RateLimited("429 Too Many Requests (injected)",
                              retry_after_s=self._retry_after_s)
        if fault == "slow":
            self._sleeper(self._slow_s)
        with self._lock:
            self.received[req.client_order_id] += 1
        result = self.inner.create_order(req)
        if fault == "accept_drop":
            raise NetworkError("connection dropped after the order was sent (injected)")
        if fault == "accept_5xx":
            raise ExchangeUnavailable("502 Bad Gateway after accepting (injected)")
        if fault == "invisible":
            with self._lock:
                self._hidden_until[req.client_order_id] = (
                    self._clock.monotonic() + self._invisible_s)
            raise NetworkError("read timeout (injected); the order is not visible yet")
        return result

    def fetch_order(self, symbol: str, *, exchange_order_id: str | None = None,
                    client_order_id: str | None = None) -> OrderResult:
        if client_order_id is not None:
            with self._lock:
                until = self._hidden_until.get(client_order_id)
            if until is not None and self._clock.monotonic() < until:
                raise OrderNotFound(f"order {client_order_id} not found (injected lag)")
        return self.inner.fetch_order(symbol, exchange_order_id=exchange_order_id,
                                      client_order_id=client_order_id)

    # --- plain delegation -----------------------------------------------------------------

    def load_markets(self, *, reload: bool = False) -> dict[str, MarketInfo]:
        return self.inner.load_markets(reload=reload)

    def fetch_ticker(self, symbol: str) -> Ticker:
        return self.inner.fetch_ticker(symbol)

    def fetch_tickers(self, symbols: list[str]) -> dict[str, Ticker]:
        return self.inner.fetch_tickers(symbols)

    def fetch_balance(self) -> Balance:
        return self.inner.fetch_balance()

    def verify_credentials(self) -> CredentialReport:
        return self.inner.verify_credentials()

    def cancel_order(self, symbol: str, *, exchange_order_id: str | None = None,
                     client_order_id: str | None = None) -> OrderResult:
        return self.inner.cancel_order(symbol, exchange_order_id=exchange_order_id,
                                       client_order_id=client_order_id)

    def fetch_open_orders(self, symbol: str | None = None) -> list[OrderResult]:
        return self.inner.fetch_open_orders(symbol)

    def fetch_closed_orders(self, symbol: str, since: datetime | None = None,
                            ) -> list[OrderResult]:
        return self.inner.fetch_closed_orders(symbol, since)

    def fetch_positions(self, symbols: list[str] | None = None) -> list[PositionInfo]:
        return self.inner.fetch_positions(symbols)

    def set_leverage(self, symbol: str, leverage: int) -> None:
        self.inner.set_leverage(symbol, leverage)

    def set_margin_mode(self, symbol: str, mode: MarginMode) -> None:
        self.inner.set_margin_mode(symbol, mode)

    def configure_futures(self, symbol: str, *, leverage: int | None,
                          margin_mode: MarginMode | None) -> None:
        self.inner.configure_futures(symbol, leverage=leverage, margin_mode=margin_mode)
