"""The paper exchange: the `Exchange` interface over simulated fills, for demo accounts.

Real market metadata (precision, minimums, fees) and prices from a `PriceFeed`; per-account
state (balances, orders, positions, fills) persisted as `paper/<account id>.json` through the
injected document store. Client order ids behave as on a real exchange: a repeated id is a
`DuplicateOrder`, and orders are found by client id. Resting limit and stop orders are served
by `process_prices()`, which the engine's price monitor calls.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from importlib import resources
from typing import Any, Protocol

from verzek.clock import Clock
from verzek.domain.models import (
    ExchangeName,
    MarginMode,
    MarketType,
    OrderSide,
    OrderStatus,
    OrderType,
    Side,
)
from verzek.errors import (
    DuplicateOrder,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    UnsupportedOperation,
    WouldTriggerImmediately,
)
from verzek.exchanges import paper_book as book
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
from verzek.exchanges.ccxt_markets import market_info_from_json
from verzek.exchanges.client_ids import check_client_order_id
from verzek.exchanges.pricefeed import PriceFeed

logger = logging.getLogger(__name__)
DEFAULT_BALANCE_USDT = Decimal("10000")
DEFAULT_SLIPPAGE_PCT = Decimal("0.05")


class DocStore(Protocol):
    """The part of `verzek.store.docstore.DocumentStore` the paper exchange uses."""

    def read(self, rel: str) -> dict[str, Any] | None: ...

    def update(self, rel: str, fn: Callable[[dict[str, Any] | None], dict[str, Any] | None],
               ) -> dict[str, Any] | None: ...


def load_markets_snapshot(exchange: str) -> dict[str, MarketInfo]:
    """The bundled markets of `exchange` (see data/markets_snapshot.json)."""
    text = resources.files("verzek.exchanges").joinpath("data/markets_snapshot.json").read_text()
    entries = json.loads(text)["markets"].get(exchange, {})
    return {s: market_info_from_json(d) for s, d in entries.items()}


def _order_result(o: dict[str, Any], fills: list[dict[str, Any]]) -> OrderResult:
    ids = set(o.get("trade_ids", []))
    trades = tuple(
        TradeFill(f["trade_id"], Decimal(f["price"]), Decimal(f["quantity"]),
                  Decimal(f["fee_usdt"]), datetime.fromisoformat(f["at"]))
        for f in fills if f["trade_id"] in ids)
    return OrderResult(
        client_order_id=o["client_order_id"], exchange_order_id=o["id"],
        status=OrderStatus(o["status"]), symbol=o["symbol"], side=OrderSide(o["side"]),
        type=OrderType(o["type"]), quantity=Decimal(o["quantity"]),
        price=Decimal(o["price"]) if o.get("price") else None,
        filled_quantity=Decimal(o["filled"]),
        average_price=Decimal(o["average_price"]) if o.get("average_price") else None,
        fee_usdt=Decimal(o["fee_usdt"]), trades=trades)


class PaperExchange(Exchange):
    """One demo account on a simulated `exchange`, markets of `market_type` only."""

    def __init__(
        self, *, account_id: str, exchange: ExchangeName, market_type: MarketType,
        store: DocStore, price_feed: PriceFeed, clock: Clock,
        markets: dict[str, MarketInfo] | None = None,
        starting_balance_usdt: Decimal = DEFAULT_BALANCE_USDT,
        slippage_pct: Decimal = DEFAULT_SLIPPAGE_PCT,
    ) -> None:
        self.name = exchange
        self.account_id = account_id
        self.market_type = market_type
        self._store = store
        self._feed = price_feed
        self._clock = clock
        all_markets = markets if markets is not None else load_markets_snapshot(exchange.value)
        # Replaced whole, never changed in place (set_markets): a reader holds one version.
        self._markets = {s: m for s, m in all_markets.items() if m.market_type is market_type}
        self._markets_lock = threading.Lock()
        self._unlisted: set[str] = set()  # symbols held off this account's markets (logged)
        self._balance0 = starting_balance_usdt
        self._slippage = slippage_pct / 100
        self._rel = f"paper/{account_id}.json"
        self._lock = threading.RLock()

    # --- state ----------------------------------------------------------------------------

    def _mutate(self, fn: Callable[[book.State], Any]) -> Any:
        out: list[Any] = []

        def apply(doc: dict[str, Any] | None) -> dict[str, Any]:
            state = doc or book.new_state(self.account_id, self.name.value, self._balance0)
            out.append(fn(state))
            return state

        with self._lock:
            self._store.update(self._rel, apply)
        return out[0]

    def _state(self) -> book.State:
        """The account's state for reading only (the store's cached copy when it has one:
        reads are on the hot path of order sync); changes go through `_mutate`."""
        reader = getattr(self._store, "read_shared", self._store.read)
        doc = reader(self._rel)
        return doc or book.new_state(self.account_id, self.name.value, self._balance0)

    def set_balance(self, currency: str, amount: Decimal) -> None:
        """Admin: set the free balance of `currency` (default 10,000 USDT at creation): what
        resting orders hold stays held on top of it (set as the wallet, free went negative
        under resting orders, which were then refused when they filled)."""
        if amount < 0:
            raise InvalidOrder("a balance cannot be negative")

        def apply(state: book.State) -> None:
            state["wallet"][currency] = str(amount + book.reserved(state, currency))

        self._mutate(apply)

    # --- metadata and prices --------------------------------------------------------------

    def load_markets(self, *, reload: bool = False) -> dict[str, MarketInfo]:
        return self._markets

    def set_markets(self, markets: dict[str, MarketInfo]) -> None:
        """Trade on `markets` from now on (the exchange's listing, loaded after this client
        was built); a market the new list lacks is kept while this account holds an order or
        a position on it, so that position keeps its metadata."""
        mine = {s: m for s, m in markets.items() if m.market_type is self.market_type}
        state = self._state()
        held = set(state["positions"]) | {
            o["symbol"] for o in state["orders"].values() if o["status"] == "open"}
        with self._markets_lock:
            kept = {s: m for s, m in self._markets.items() if s in held and s not in mine}
            self._markets = {**mine, **kept}

    def fetch_ticker(self, symbol: str) -> Ticker:
        self.market(symbol)
        last = self._feed.price(symbol)
        return Ticker(symbol, last, last, last, self._clock.now())

    def fetch_balance(self) -> Balance:
        state = self._state()
        margin = sum((Decimal(p["margin"]) for p in state["positions"].values()), Decimal(0))
        out = {}
        for cur, value in state["wallet"].items():
            held = book.reserved(state, cur)
            free = Decimal(value) - held
            used = held + (margin if cur == "USDT" else Decimal(0))
            out[cur] = BalanceEntry(free, used, free + used)
        return Balance(out)

    def verify_credentials(self) -> CredentialReport:
        return CredentialReport(True, False, None, "paper account: no exchange keys involved")

    # --- orders ---------------------------------------------------------------------------

    def _fill_price(self, side: str, price: Decimal) -> Decimal:
        factor = 1 + self._slippage if side == OrderSide.BUY.value else 1 - self._slippage
        return price * factor

    def create_order(self, req: OrderRequest) -> OrderResult:
        check_client_order_id(req.client_order_id)
        m = self.market(req.symbol)
        if req.stop_loss is not None or req.take_profit is not None:
            raise UnsupportedOperation("attached stop loss / take profit: send a reduce-only "
                                       "stop-market order instead")
        qty = self.amount_to_precision(req.symbol, req.quantity)
        price = self.price_to_precision(req.symbol, req.price) if req.price else None
        stop = self.price_to_precision(req.symbol, req.stop_price) if req.stop_price else None
        if req.type is OrderType.LIMIT and price is None:
            raise InvalidOrder("a limit order needs a price")
        if req.type is OrderType.STOP_MARKET and stop is None:
            raise InvalidOrder("a stop-market order needs a stop price")
        if req.reduce_only and m.market_type is MarketType.SPOT:
            raise InvalidOrder("reduce-only is for futures orders")
        last = self._feed.price(req.symbol)
        self.check_minimums(req, reference_price=last)
        now = self._clock.now()

        def apply(state: book.State) -> OrderResult:
            if req.client_order_id in state["orders"]:
                raise DuplicateOrder(f"paper: client order id {req.client_order_id} exists")
            state["seq"] = int(state["seq"]) + 1
            order: dict[str, Any] = {"id": f"po-{self.account_id}-{state['seq']}",
                     "client_order_id": req.client_order_id, "symbol": req.symbol,
                     "side": req.side.value, "type": req.type.value, "quantity": str(qty),
                     "price": str(price) if price else None,
                     "stop_price": str(stop) if stop else None,
                     "reduce_only": req.reduce_only, "status": OrderStatus.OPEN.value,
                     "filled": "0", "average_price": None, "fee_usdt": "0",
                     "created_at": now.isoformat(), "trade_ids": []}
            if req.type is OrderType.STOP_MARKET and stop is not None and (
                    (req.side is OrderSide.BUY and last >= stop)
                    or (req.side is OrderSide.SELL and last <= stop)):
                # As Binance (-2021) and Bybit do: a stop already crossed is refused.
                raise WouldTriggerImmediately(
                    f"paper: stop {stop} would trigger immediately at {last}")
            if not self._try_fill(state, m, order, last, now, taker=True):
                self._reserve(state, m, order)
            state["orders"][req.client_order_id] = order
            return _order_result(order, state["fills"])

        return self._mutate(apply)

    def _reserve(self, state: book.State, m: MarketInfo, order: dict[str, Any]) -> None:
        """A resting limit order holds its funds; stops and reduce-only orders hold none."""
        if order["type"] != OrderType.LIMIT.value or order["reduce_only"]:
            return
        qty, price = Decimal(order["quantity"]), Decimal(order["price"])
        if m.market_type is MarketType.SPOT:
            if order["side"] == OrderSide.SELL.value:
                book.reserve(state, order, m.base, qty)
            else:
                book.reserve(state, order, m.quote, qty * price * (1 + m.maker_fee))
            return
        leverage = Decimal(state["leverage"].get(m.symbol, 1))
        notional = qty * m.contract_size * price
        book.reserve(state, order, "USDT", notional / leverage + notional * m.maker_fee)

    def _try_fill(self, state: book.State, m: MarketInfo, order: dict[str, Any], last: Decimal,
                  now: datetime, *, taker: bool) -> bool:
        """Fill `order` if `last` reaches it; a refused fill rejects it (as on an exchange)."""
        side = order["side"]
        kind = order["type"]
        if kind == OrderType.MARKET.value:
            fill_price, rate = self._fill_price(side, last), m.taker_fee
        elif kind == OrderType.LIMIT.value:
            limit = Decimal(order["price"])
            if (side == "buy" and last > limit) or (side == "sell" and last < limit):
                return False
            # A marketable limit takes at the better market price; a resting one makes at its limit.
            fill_price = (min(last, limit) if side == "buy" else max(last, limit)) if taker \
                else limit
            rate = m.taker_fee if taker else m.maker_fee
        else:
            stop = Decimal(order["stop_price"])
            if (side == "buy" and last < stop) or (side == "sell" and last > stop):
                return False
            fill_price, rate = self._fill_price(side, last), m.taker_fee
        fill_price = self.price_to_precision(m.symbol, fill_price)
        try:
            book.apply_fill(state, m, order, fill_price, rate, now)
        except (InvalidOrder, InsufficientFunds):
            if taker and kind != OrderType.STOP_MARKET.value:
                raise
            order["status"] = OrderStatus.REJECTED.value
            book.release(state, order)
            logger.warning("paper: %s %s rejected at fill time", order["client_order_id"], kind)
        return True

    def process_prices(self, prices: dict[str, Decimal] | None = None) -> list[dict[str, Any]]:
        """Fill resting limit orders, trigger stops and liquidate at the current prices.

        Returns the fills made (liquidations carry `"liquidation": True`).
        """
        now = self._clock.now()
        state = self._state()
        markets = self._markets
        symbols = {o["symbol"] for o in state["orders"].values() if o["status"] == "open"}
        symbols |= set(state["positions"])
        unlisted = symbols - set(markets)
        if unlisted and unlisted != self._unlisted:  # the account's market type changed
            self._unlisted = unlisted  # under them: left (said once), the rest goes on
            logger.warning("paper %s: orders or positions on %s, not among this account's "
                           "markets: left as they are", self.account_id, sorted(unlisted))
        symbols -= unlisted
        if not symbols:
            return []
        quotes = {s: p for s, p in (prices or {}).items() if s in symbols}
        for symbol in symbols - set(quotes):
            quotes[symbol] = self._feed.price(symbol)

        def apply(state: book.State) -> list[dict[str, Any]]:
            before = len(state["fills"])
            for symbol, pos in list(state["positions"].items()):
                liq = Decimal(pos.get("liquidation_price") or 0)
                last = quotes.get(symbol)
                if last is None or not liq:
                    continue
                if (pos["side"] == "long" and last <= liq) or (
                        pos["side"] == "short" and last >= liq):
                    logger.warning("paper: %s %s liquidated at %s", self.account_id, symbol, last)
                    book.liquidate(state, markets[symbol], last, now)
            for order in state["orders"].values():
                if order["status"] == "open" and order["symbol"] in quotes:
                    self._try_fill(state, markets[order["symbol"]], order,
                                   quotes[order["symbol"]], now, taker=False)
            return state["fills"][before:]

        return self._mutate(apply)

    def _find(self, state: book.State, exchange_order_id: str | None,
              client_order_id: str | None) -> dict[str, Any]:
        if client_order_id is not None and client_order_id in state["orders"]:
            return state["orders"][client_order_id]
        if exchange_order_id is not None:
            for order in state["orders"].values():
                if order["id"] == exchange_order_id:
                    return order
        raise OrderNotFound(f"paper: no order {client_order_id or exchange_order_id}")

    def cancel_order(self, symbol: str, *, exchange_order_id: str | None = None,
                     client_order_id: str | None = None) -> OrderResult:
        def apply(state: book.State) -> OrderResult:
            order = self._find(state, exchange_order_id, client_order_id)
            if order["status"] != OrderStatus.OPEN.value:
                raise OrderNotFound(f"paper: order {order['client_order_id']} is not open")
            order["status"] = OrderStatus.CANCELED.value
            book.release(state, order)
            return _order_result(order, state["fills"])

        return self._mutate(apply)

    def fetch_order(self, symbol: str, *, exchange_order_id: str | None = None,
                    client_order_id: str | None = None) -> OrderResult:
        state = self._state()
        return _order_result(self._find(state, exchange_order_id, client_order_id),
                             state["fills"])

    def fetch_open_orders(self, symbol: str | None = None) -> list[OrderResult]:
        state = self._state()
        return [_order_result(o, state["fills"]) for o in state["orders"].values()
                if o["status"] == "open" and (symbol is None or o["symbol"] == symbol)]

    def fetch_closed_orders(self, symbol: str, since: datetime | None = None,
                            ) -> list[OrderResult]:
        state = self._state()
        return [_order_result(o, state["fills"]) for o in state["orders"].values()
                if o["status"] != "open" and o["symbol"] == symbol
                and (since is None or datetime.fromisoformat(o["created_at"]) >= since)]

    def fetch_fills(self, symbol: str | None = None) -> list[dict[str, Any]]:
        """Every recorded fill (each with its trade id), oldest first."""
        return [f for f in self._state()["fills"] if symbol is None or f["symbol"] == symbol]

    # --- futures --------------------------------------------------------------------------

    def fetch_positions(self, symbols: list[str] | None = None) -> list[PositionInfo]:
        out = []
        for symbol, p in self._state()["positions"].items():
            if symbols is not None and symbol not in symbols:
                continue
            entry = Decimal(p["entry_price"])
            qty = Decimal(p["quantity"])
            mark = self._feed.price(symbol)
            direction = 1 if p["side"] == "long" else -1
            out.append(PositionInfo(
                symbol=symbol, side=Side(p["side"]), quantity=qty, entry_price=entry,
                mark_price=mark, leverage=int(p["leverage"]),
                margin_mode=MarginMode(p["margin_mode"]),
                liquidation_price=Decimal(p["liquidation_price"]),
                unrealised_pnl_usdt=qty * (self._markets[symbol].contract_size
                                           if symbol in self._markets else 1)
                * (mark - entry) * direction))
        return out

    def _futures_market(self, symbol: str) -> MarketInfo:
        m = self.market(symbol)
        if m.market_type is not MarketType.FUTURES:
            raise InvalidOrder(f"{symbol} is not a futures market")
        return m

    def set_leverage(self, symbol: str, leverage: int) -> None:
        m = self._futures_market(symbol)
        if not 1 <= leverage <= m.max_leverage:
            raise InvalidOrder(f"leverage {leverage} outside 1..{m.max_leverage} for {symbol}")

        def apply(state: book.State) -> None:
            if symbol in state["positions"]:
                raise InvalidOrder("paper: leverage cannot change while a position is open")
            state["leverage"][symbol] = leverage

        if self._state()["leverage"].get(symbol) != leverage:
            self._mutate(apply)

    def set_margin_mode(self, symbol: str, mode: MarginMode) -> None:
        self._futures_market(symbol)

        def apply(state: book.State) -> None:
            state["margin_mode"][symbol] = mode.value

        self._mutate(apply)
