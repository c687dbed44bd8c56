"""Exchange clients per account: a paper exchange for demo, the live adapter otherwise.

One client per account behind the pool's cache (the adapters lock their own ccxt client).
A demo user with no account of their own trades on an implicit paper account.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from verzek.clock import Clock
from verzek.domain.models import (
    ExchangeAccount,
    ExchangeName,
    MarketType,
    TradingMode,
    User,
)
from verzek.errors import InvalidOrder, SecretError
from verzek.exchanges.base import Exchange, MarketInfo, Ticker
from verzek.exchanges.multipliers import ONE, find_market
from verzek.exchanges.paper import PaperExchange, load_markets_snapshot
from verzek.exchanges.pricefeed import PriceFeed
from verzek.store.docstore import DocumentStore

logger = logging.getLogger(__name__)

LiveBuilder = Callable[[ExchangeAccount], Exchange]


def demo_account(user: User, market_type: MarketType, now: Any) -> ExchangeAccount:
    """The implicit paper account of a demo user who added no account of their own."""
    return ExchangeAccount(id=f"demo-{user.id}-{market_type.value}", user_id=user.id,
                           exchange=ExchangeName.BINANCE, market_type=market_type,
                           mode=TradingMode.DEMO, enabled=True, status="verified",
                           created_at=user.created_at, label="demo")


def is_paper(user: User, account: ExchangeAccount) -> bool:
    """Demo users, and demo accounts, trade on paper: the identical pipeline, no real orders."""
    return user.settings.general.mode is TradingMode.DEMO or account.mode is TradingMode.DEMO


class ExchangePool:
    """Builds and caches the Exchange of each account."""

    def __init__(
        self, *, store: DocumentStore, clock: Clock, price_feed: PriceFeed,
        live_builder: LiveBuilder | None = None,
        live_forget: Callable[[str], None] | None = None,
        paper_balance_usdt: Decimal = Decimal("10000"),
        paper_slippage_pct: Decimal = Decimal("0.05"),
    ) -> None:
        self._store = store
        self._clock = clock
        self.price_feed = price_feed
        self._live_builder = live_builder
        self._live_forget = live_forget
        self._balance = paper_balance_usdt
        self._slippage = paper_slippage_pct
        self._cache: dict[tuple[Any, ...], Exchange] = {}
        self._build_locks: dict[tuple[Any, ...], threading.Lock] = {}
        self._lock = threading.Lock()
        # A hook around every built client (tests inject faults or latency through it).
        self.wrap: Callable[[Exchange], Exchange] | None = None
        self.owners: dict[str, str] = {}  # account id -> user id
        self._by_account: dict[tuple[str, bool], Exchange] = {}
        self._markets: dict[str, dict[str, MarketInfo]] = {}
        self._tickers: dict[tuple[str, str], tuple[float, Ticker]] = {}
        self._ticker_locks: dict[tuple[str, str], threading.Lock] = {}
        self._futures_set: dict[tuple[str, str], tuple[int, str]] = {}
        # (venue, symbol) -> (when it was looked up, what the listing held for it)
        self._bundled: dict[tuple[str, str], tuple[float, tuple[str, Decimal] | None]] = {}
        self.bundled_ttl_s = 3600.0  # a coin listed since is found within the hour
        self.ticker_ttl_s = 2.0

    def _key(self, user: User, account: ExchangeAccount) -> tuple[Any, ...]:
        paper = is_paper(user, account)
        return (account.id, account.exchange, account.market_type, paper, account.testnet,
                None if paper else account.credentials_ciphertext)

    def get(self, user: User, account: ExchangeAccount) -> Exchange:
        key = self._key(user, account)
        exchange = self._cache.get(key)  # the hot path takes no lock: a fan-out of
        if exchange is not None:         # hundreds of users must not queue here
            return exchange
        with self._lock:
            build_lock = self._build_locks.setdefault(key, threading.Lock())
        with build_lock:  # one build per account; accounts build in parallel
            exchange = self._cache.get(key)
            if exchange is None:
                exchange = self._build(user, account)
                if self.wrap is not None:
                    exchange = self.wrap(exchange)
                with self._lock:
                    self._cache[key] = exchange
                    self.owners[account.id] = user.id
                    self._by_account[(account.id, key[3])] = exchange
                    self._build_locks.pop(key, None)
            return exchange

    def _build(self, user: User, account: ExchangeAccount) -> Exchange:
        if is_paper(user, account):
            exchange = account.exchange
            if exchange is ExchangeName.COINEXX:
                exchange = ExchangeName.BINANCE  # paper Coinexx: crypto CFDs priced like spot
            markets = self._markets.get(exchange.value)
            if markets is None:
                markets = self._markets[exchange.value] = load_markets_snapshot(exchange.value)
            return PaperExchange(
                account_id=f"{account.id}", exchange=exchange,
                market_type=account.market_type, store=self._store, price_feed=self.price_feed,
                clock=self._clock, starting_balance_usdt=self._balance,
                slippage_pct=self._slippage, markets=markets)
        if self._live_builder is None:
            raise SecretError("live trading is not available: no live exchange builder is "
                              "configured")
        return self._live_builder(account)

    def accounts(self) -> list[tuple[str, Exchange]]:
        """(account id, client) of every client built so far."""
        with self._lock:
            return [(key[0], ex) for key, ex in self._by_account.items()]

    def cached(self, account_id: str, paper: bool) -> Exchange | None:
        """The client already built for an account (the monitor's hot path), or None."""
        return self._by_account.get((account_id, paper))

    def ticker(self, exchange: Exchange, symbol: str) -> Ticker:
        """A ticker shared by every account of one exchange for `ticker_ttl_s` (one request
        per symbol per fan-out, not one per user)."""
        key = (f"{getattr(exchange, 'name', '')}:{is_paper_client(exchange)}", symbol)
        cached = self._tickers.get(key)
        if cached is not None and self._clock.monotonic() - cached[0] < self.ticker_ttl_s:
            return cached[1]
        # One fetch per key at a time: the first wave of a fan-out waits for it rather than
        # sending hundreds of identical requests.
        with self._ticker_locks.setdefault(key, threading.Lock()):
            now = self._clock.monotonic()
            cached = self._tickers.get(key)
            if cached is not None and now - cached[0] < self.ticker_ttl_s:
                return cached[1]
            ticker = exchange.fetch_ticker(symbol)
            self._tickers[key] = (now, ticker)
            return ticker

    def resolve_market(self, exchange: Exchange, symbol: str) -> tuple[MarketInfo, Decimal]:
        """The market to trade for `symbol` and the factor from `symbol`'s prices to its:
        `symbol` itself (1) when listed, else the same coin bundled differently (a call on
        PEPE/USDT:USDT trades 1000PEPE/USDT:USDT, prices x1000). InvalidOrder when neither."""
        try:
            return exchange.market(symbol), ONE
        except InvalidOrder:
            pass
        # One scan of the listing per symbol and venue, unlisted ones included: a call on a
        # coin nobody lists reaches every user of a fan-out, each with a client of their own.
        key = (f"{getattr(exchange, 'name', '')}:{is_paper_client(exchange)}", symbol)
        now = self._clock.monotonic()
        cached = self._bundled.get(key)
        if cached is None or now - cached[0] >= self.bundled_ttl_s:
            cached = self._bundled[key] = (now, find_market(exchange.load_markets(), symbol))
        found = cached[1]
        if found is None:
            raise InvalidOrder(f"{getattr(exchange, 'name', 'the exchange')} has no market "
                               f"{symbol}", code="unknown_symbol")
        return exchange.market(found[0]), found[1]

    def ensure_futures_settings(self, exchange: Exchange, account_id: str, symbol: str,
                                leverage: int, margin_mode: Any) -> None:
        """Set margin mode and leverage before the first order of a symbol, once per value."""
        key = (account_id, symbol)
        wanted = (leverage, str(margin_mode))
        if self._futures_set.get(key) == wanted:
            return
        # One call: on Phemex the mode and the leverage are one signed value (see
        # exchanges/ccxt_futures.py), so setting them one after the other undid cross.
        exchange.configure_futures(symbol, leverage=leverage, margin_mode=margin_mode)
        self._futures_set[key] = wanted

    def clients(self) -> list[Exchange]:
        with self._lock:
            return list(self._cache.values())

    def forget(self, account_id: str) -> None:
        """Drop the cached client of an account (its keys or settings changed)."""
        with self._lock:
            for key in [k for k in self._cache if k[0] == account_id]:
                self._cache.pop(key).close()
            for key in [k for k in self._by_account if k[0] == account_id]:
                del self._by_account[key]
        if self._live_forget is not None:
            self._live_forget(account_id)


def is_paper_client(exchange: Exchange) -> bool:
    """A paper exchange, or a wrapper around one (fault injection)."""
    return isinstance(exchange, PaperExchange) or isinstance(
        getattr(exchange, "inner", None), PaperExchange)
