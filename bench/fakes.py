"""An in-process fake exchange for benchmarks: real market metadata, a fixed latency per
request (a real sleep: benchmarks measure time), orders filled at once, nothing persisted."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal

from verzek.domain.models import MarginMode, OrderStatus, OrderType
from verzek.errors import DuplicateOrder, OrderNotFound
from verzek.exchanges.base import (
    Balance,
    BalanceEntry,
    CredentialReport,
    Exchange,
    MarketInfo,
    OrderRequest,
    OrderResult,
    PositionInfo,
    Ticker,
    TradeFill,
)
from verzek.exchanges.paper import load_markets_snapshot

_ids = itertools.count(1)


class LatencyExchange(Exchange):
    """Answers every request after `latency_s`; market orders fill at `price`."""

    markets_cache: dict[str, MarketInfo] | None = None

    def __init__(self, *, latency_s: float, price: Decimal, name: str = "binance") -> None:
        self.name = name
        self.latency_s = latency_s
        self.price = price
        if LatencyExchange.markets_cache is None:
            LatencyExchange.markets_cache = load_markets_snapshot("binance")
        self._markets = LatencyExchange.markets_cache
        self._orders: dict[str, OrderResult] = {}
        self._lock = threading.Lock()
        self.acks: list[tuple[float, str]] = []  # (perf_counter, leg order id) of each create

    def _wait(self) -> None:
        if self.latency_s:
            time.sleep(self.latency_s)

    def load_markets(self, *, reload: bool = False) -> dict[str, MarketInfo]:
        return self._markets

    def fetch_ticker(self, symbol: str) -> Ticker:
        self._wait()
        return Ticker(symbol, self.price, self.price, self.price, datetime.now(UTC))

    def fetch_tickers(self, symbols: list[str]) -> dict[str, Ticker]:
        self._wait()
        now = datetime.now(UTC)
        return {s: Ticker(s, self.price, self.price, self.price, now) for s in symbols}

    def verify_credentials(self) -> CredentialReport:
        return CredentialReport(True, False, None, "fake exchange")

    def fetch_balance(self) -> Balance:
        self._wait()
        big = Decimal("1000000")
        return Balance({"USDT": BalanceEntry(big, Decimal(0), big)})

    def create_order(self, req: OrderRequest) -> OrderResult:
        self._wait()
        with self._lock:
            if req.client_order_id in self._orders:
                raise DuplicateOrder("duplicate")
            oid = str(next(_ids))
            if req.type is OrderType.MARKET:
                result = OrderResult(req.client_order_id, oid, OrderStatus.FILLED, req.symbol,
                                     req.side, req.type, req.quantity, None, req.quantity,
                                     self.price, Decimal(0), (TradeFill(
                                         f"t{oid}", self.price, req.quantity, Decimal(0),
                                         None),))
            else:
                result = OrderResult(req.client_order_id, oid, OrderStatus.OPEN, req.symbol,
                                     req.side, req.type, req.quantity, req.price)
            self._orders[req.client_order_id] = result
            self.acks.append((time.perf_counter(), req.client_order_id))
        return result

    def cancel_order(self, symbol: str, *, exchange_order_id: str | None = None,
                     client_order_id: str | None = None) -> OrderResult:
        self._wait()
        with self._lock:
            order = self._orders.get(client_order_id or "")
            if order is None:
                raise OrderNotFound("no such order")
            return order

    def fetch_order(self, symbol: str, *, exchange_order_id: str | None = None,
                    client_order_id: str | None = None) -> OrderResult:
        self._wait()
        with self._lock:
            order = self._orders.get(client_order_id or "")
        if order is None:
            raise OrderNotFound("no such order")
        return order

    def fetch_open_orders(self, symbol: str | None = None) -> list[OrderResult]:
        self._wait()
        return [o for o in self._orders.values() if o.status is OrderStatus.OPEN]

    def fetch_closed_orders(self, symbol: str, since: datetime | None = None,
                            ) -> list[OrderResult]:
        self._wait()
        return []

    def fetch_positions(self, symbols: list[str] | None = None) -> list[PositionInfo]:
        self._wait()
        return []

    def set_leverage(self, symbol: str, leverage: int) -> None:
        self._wait()

    def set_margin_mode(self, symbol: str, mode: MarginMode) -> None:
        self._wait()
