"""Exchange clients per account: a paper exchange for demo, the live adapter otherwise.

One client per account behind the pool's cache (the adapters lock their own ccxt client).
A demo user with no account of their own trades on an implicit paper account.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from verzek.clock import Clock
from verzek.domain.models import (
    ExchangeAccount,
    ExchangeName,
    MarketType,
    Position,
    TradingMode,
    User,
)
from verzek.domain.risk.access import on_paper
from verzek.errors import Conflict, InvalidOrder, SecretError
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
    """Demo users, and demo accounts, trade on paper (`risk.access.on_paper`, the rule the key
    check's risk rule reads too). Decides only where a NEW position opens; an existing one
    stays where it opened (`is_paper_position`), whatever the user's mode has become since."""
    return on_paper(user, account)


def is_paper_position(position: Position) -> bool:
    """A position opened in demo lives on paper until it closes (and a live one on the real
    exchange): a user switching to live must not send its exits to their real account."""
    return position.mode is TradingMode.DEMO


def position_account(user: User, position: Position, now: Any) -> ExchangeAccount:
    """The account a position trades on; a demo position whose account is not the user's
    (the implicit one) is on the user's implicit paper account. A live position whose
    account was removed cannot be reached: Conflict, never a paper stand-in."""
    for account in user.exchange_accounts:
        if account.id == position.account_id:
            return account
    if not is_paper_position(position):
        raise Conflict(f"the exchange account {position.account_id} of live position "
                       f"{position.id} was removed; its orders cannot be reached",
                       code="account_gone")
    return demo_account(user, position.market_type, now)


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
        self._markets: dict[str, dict[str, MarketInfo]] = {}  # paper venue -> its markets
        self._markets_loaded_at: dict[str, datetime] = {}  # venue -> when its listing came
        self._markets_version: dict[str, int] = {}  # venue key -> swaps so far
        self._tickers: dict[tuple[str, str], tuple[float, Ticker]] = {}
        self._ticker_locks: dict[tuple[str, str], threading.Lock] = {}
        self._futures_set: dict[tuple[str, str, bool], tuple[int, str]] = {}
        # (venue, symbol) -> (when it was looked up, what the listing held for it)
        self._bundled: dict[tuple[str, str], tuple[float, tuple[str, Decimal] | None]] = {}
        self.bundled_ttl_s = 3600.0  # a coin listed since is found within the hour
        self.ticker_ttl_s = 2.0

    @staticmethod
    def _key(account: ExchangeAccount, paper: bool) -> tuple[Any, ...]:
        return (account.id, account.exchange, account.market_type, paper, account.testnet,
                None if paper else account.credentials_ciphertext)

    def get(self, user: User, account: ExchangeAccount, *,
            paper: bool | None = None) -> Exchange:
        """The account's client: on paper when `paper` says so, else when `is_paper` does.

        An existing position passes its own mode (`paper=is_paper_position(position)`): the
        user's current mode decides only where new positions open."""
        if paper is None:
            paper = is_paper(user, account)
        key = self._key(account, paper)
        exchange = self._cache.get(key)  # the hot path takes no lock: a fan-out of
        if exchange is not None:         # hundreds of users must not queue here
            return exchange
        with self._lock:
            build_lock = self._build_locks.setdefault(key, threading.Lock())
        with build_lock:  # one build per account; accounts build in parallel
            exchange = self._cache.get(key)
            if exchange is None:
                venue = paper_venue(account.exchange)
                version = self._markets_version.get(_venue_key(venue, True), 0)
                exchange = self._build(account, paper)
                if self.wrap is not None:
                    exchange = self.wrap(exchange)
                with self._lock:
                    self._cache[key] = exchange
                    self.owners[account.id] = user.id
                    self._by_account[(account.id, key[3])] = exchange
                    self._build_locks.pop(key, None)
                    inner = paper_inner(exchange)
                    if inner is not None and self._markets_version.get(
                            _venue_key(venue, True), 0) != version:
                        # the listing was swapped while this client was built on the old one
                        inner.set_markets(self._markets[venue.value])
            return exchange

    def for_position(self, user: User, position: Position) -> Exchange:
        """The client of the account and mode the position was opened on (Conflict when a
        live position's account is gone)."""
        return self.get(user, position_account(user, position, self._clock.now()),
                        paper=is_paper_position(position))

    def _build(self, account: ExchangeAccount, paper: bool) -> Exchange:
        if paper:
            exchange = paper_venue(account.exchange)
            return PaperExchange(
                account_id=f"{account.id}", exchange=exchange,
                market_type=account.market_type, store=self._store, price_feed=self.price_feed,
                clock=self._clock, starting_balance_usdt=self._balance,
                slippage_pct=self._slippage, markets=self._paper_markets(exchange.value))
        if self._live_builder is None:
            raise SecretError("live trading is not available: no live exchange builder is "
                              "configured")
        if account.mode is TradingMode.DEMO:
            # a live position on an account switched to demo since: still the real exchange
            account = account.model_copy(update={"mode": TradingMode.LIVE})
        return self._live_builder(account)

    def _paper_markets(self, venue: str) -> dict[str, MarketInfo]:
        """The markets paper clients of `venue` are built with: the bundled snapshot until
        `set_paper_markets` hands over the exchange's own listing."""
        markets = self._markets.get(venue)
        if markets is None:
            markets = self._markets.setdefault(venue, load_markets_snapshot(venue))
        return markets

    def set_paper_markets(self, venue: str, markets: dict[str, MarketInfo]) -> None:
        """Paper clients of `venue` trade on `markets` from now on: those built later and
        those already built; the cached bundle look-ups of the venue are dropped."""
        key = _venue_key(ExchangeName(venue), True)
        with self._lock:
            self._markets[venue] = markets
            self._markets_loaded_at[venue] = self._clock.now()
            self._markets_version[key] = self._markets_version.get(key, 0) + 1
            for cache_key in [k for k in list(self._bundled) if k[0] == key]:
                self._bundled.pop(cache_key, None)
            # under the lock, as `get` does for a client built during a swap: a client never
            # ends up on an older listing than the last one handed over
            for k, ex in self._cache.items():
                inner = paper_inner(ex)
                if inner is not None and k[3] and paper_venue(k[1]).value == venue:
                    inner.set_markets(markets)

    def paper_listed(self, symbol: str) -> bool:
        """Whether any paper venue lists `symbol` (spot "BTC/USDT" or perpetual
        "BTC/USDT:USDT")."""
        return any(symbol in self._paper_markets(venue.value) for venue in PAPER_VENUES)

    def paper_bundles(self, symbol: str) -> dict[str, Decimal]:
        """The markets of any paper venue that trade the coin of `symbol` bundled otherwise
        ("1000PEPE/USDT:USDT" for "PEPE/USDT:USDT", and back), each with the factor its
        prices are `symbol`'s times; `symbol` itself is not among them."""
        found: dict[str, Decimal] = {}
        for venue in PAPER_VENUES:
            match = find_market(self._paper_markets(venue.value), symbol)
            if match is not None and match[0] != symbol:
                found.setdefault(match[0], match[1])
        return found

    def paper_markets_status(self) -> dict[str, dict[str, Any]]:
        """Per venue: whether paper accounts trade on the bundled "snapshot" or the
        exchange's "public" listing, how many markets, and when the listing was loaded."""
        out: dict[str, dict[str, Any]] = {}
        for venue in PAPER_VENUES:
            loaded_at = self._markets_loaded_at.get(venue.value)
            out[venue.value] = {
                "source": "public" if loaded_at is not None else "snapshot",
                "markets": len(self._paper_markets(venue.value)),
                "loaded_at": loaded_at.isoformat() if loaded_at is not None else None}
        return out

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
        key = (_venue_key(getattr(exchange, 'name', ''), is_paper_client(exchange)), symbol)
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

    def ticker_memo(self) -> Callable[[Exchange, str], Ticker]:
        """A ticker read fresh, once per venue and symbol, for the life of the function: one
        request for a follow-up reaching every user of a call, not one per user (and, unlike
        `ticker`, never a price read before the follow-up arrived)."""
        memo: dict[tuple[str, str], Ticker] = {}
        lock = threading.Lock()

        def read(exchange: Exchange, symbol: str) -> Ticker:
            key = (_venue_key(getattr(exchange, 'name', ''), is_paper_client(exchange)), symbol)
            with lock:
                if key not in memo:
                    memo[key] = exchange.fetch_ticker(symbol)
                return memo[key]
        return read

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
        key = (_venue_key(getattr(exchange, 'name', ''), is_paper_client(exchange)), symbol)
        now = self._clock.monotonic()
        cached = self._bundled.get(key)
        if cached is None or now - cached[0] >= self.bundled_ttl_s:
            version = self._markets_version.get(key[0], 0)
            cached = (now, find_market(exchange.load_markets(), symbol))
            if self._markets_version.get(key[0], 0) == version:  # not from a swapped list
                self._bundled[key] = cached
        found = cached[1]
        if found is None:
            raise InvalidOrder(f"{getattr(exchange, 'name', 'the exchange')} has no market "
                               f"{symbol}", code="unknown_symbol")
        return exchange.market(found[0]), found[1]

    def ensure_futures_settings(self, exchange: Exchange, account_id: str, symbol: str,
                                leverage: int, margin_mode: Any) -> None:
        """Set margin mode and leverage before the first order of a symbol, once per value.

        Returns only once the exchange confirmed both (an "already set" answer is a
        confirmation: the adapters return normally on it); raises otherwise."""
        key = (account_id, symbol, is_paper_client(exchange))
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


PAPER_VENUES = (ExchangeName.BINANCE, ExchangeName.BYBIT, ExchangeName.PHEMEX)


def paper_venue(exchange: ExchangeName) -> ExchangeName:
    """The exchange whose markets a paper account of `exchange` trades on."""
    # paper Coinexx: crypto CFDs priced like Binance spot
    return ExchangeName.BINANCE if exchange is ExchangeName.COINEXX else exchange


def _venue_key(name: object, paper: bool) -> str:
    """The key of the market data one venue's clients share (paper and live apart)."""
    return f"{name}:{paper}"


def paper_inner(exchange: Exchange) -> PaperExchange | None:
    """The paper exchange itself, or inside a wrapper (fault injection); None for a live one."""
    if isinstance(exchange, PaperExchange):
        return exchange
    inner = getattr(exchange, "inner", None)
    return inner if isinstance(inner, PaperExchange) else None


def is_paper_client(exchange: Exchange) -> bool:
    """A paper exchange, or a wrapper around one (fault injection)."""
    return paper_inner(exchange) is not None
