"""Coinexx, a MetaTrader 4/5 broker, through the MetaApi bridge: the `Exchange` interface.

A user connects with a MetaApi token and the MetaApi account id of their MT login on a
`Coinexx-Live` or `Coinexx-Demo` server (see README.md next to this file). Symbols map
`BTC/USDT` (and `BTC/USDT:USDT`) to the broker's `BTCUSD` (+ optional suffix); quantities are
lots (`MarketInfo.contract_size` = base units per lot, `lots_for_quote` converts). Our client
order id travels as MetaApi's `clientId` (at most 26 characters with the comment, so the id is
cut to 26: still unique, the hash part is 24 hex digits). A reduce-only market order closes
(part of) the position; a reduce-only stop sets the position's stop loss (POSITION_MODIFY).
Leverage and margin mode belong to the MT account and are not set per symbol.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

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
from verzek.errors import BelowMinimum, InvalidOrder, OrderNotFound, UnsupportedOperation
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
    round_to_step,
)
from verzek.exchanges.client_ids import check_client_order_id
from verzek.exchanges.metaapi import MetaApiClient, trade_error

logger = logging.getLogger(__name__)
CLIENT_ID_MAX = 26  # MetaApi: comment + clientId <= 26 characters
DEFAULT_BASES = ("BTC", "ETH", "LTC", "XRP", "BCH", "SOL", "DOGE", "ADA", "DOT", "LINK")
_STATE = {"ORDER_STATE_FILLED": OrderStatus.FILLED, "ORDER_STATE_CANCELED": OrderStatus.CANCELED,
          "ORDER_STATE_REJECTED": OrderStatus.REJECTED, "ORDER_STATE_EXPIRED": OrderStatus.EXPIRED,
          "ORDER_STATE_PARTIAL": OrderStatus.PARTIALLY_FILLED,
          "ORDER_STATE_PLACED": OrderStatus.OPEN, "ORDER_STATE_STARTED": OrderStatus.OPEN}


def mt_client_id(client_order_id: str) -> str:
    return client_order_id[:CLIENT_ID_MAX]


def _dec(value: Any) -> Decimal | None:
    return Decimal(str(value)) if value is not None else None


class CoinexxExchange(Exchange):
    """One Coinexx MT account via MetaApi; all markets are margined CFDs (FUTURES here)."""

    def __init__(self, *, account_id: str, client: MetaApiClient, clock: Clock,
                 symbol_suffix: str = "", bases: tuple[str, ...] = DEFAULT_BASES) -> None:
        self.name = ExchangeName.COINEXX
        self.account_id = account_id
        self._api = client
        self._clock = clock
        self._suffix = symbol_suffix
        self._bases = bases
        self._markets: dict[str, MarketInfo] = {}
        self._lock = threading.Lock()

    # --- symbols and markets ----------------------------------------------------------------

    def mt_symbol(self, symbol: str) -> str:
        """`BTC/USDT` or `BTC/USDT:USDT` -> `BTCUSD` (+ suffix): Coinexx quotes crypto in USD."""
        base = symbol.split("/")[0]
        return f"{base}USD{self._suffix}"

    def our_symbol(self, mt_symbol: str) -> str:
        core = mt_symbol[: len(mt_symbol) - len(self._suffix)] if self._suffix else mt_symbol
        return f"{core.removesuffix('USD')}/USDT"

    def _spec(self, symbol: str) -> MarketInfo:
        spec = self._api.call("GET", f"/symbols/{self.mt_symbol(symbol)}/specification")
        step = _dec(spec.get("volumeStep")) or Decimal("0.01")
        return MarketInfo(
            symbol=symbol, market_type=MarketType.FUTURES, base=symbol.split("/")[0],
            quote="USDT", amount_step=step, price_step=_dec(spec.get("tickSize")) or
            Decimal(1).scaleb(-int(spec.get("digits", 2))),
            min_amount=_dec(spec.get("minVolume")) or step,
            contract_size=_dec(spec.get("contractSize")) or Decimal(1),
            taker_fee=Decimal(0), maker_fee=Decimal(0), max_leverage=1,
            exchange_id=str(spec.get("symbol", self.mt_symbol(symbol))))

    def market(self, symbol: str) -> MarketInfo:
        key = symbol.split(":")[0]
        with self._lock:
            hit = self._markets.get(key)
        if hit is None:
            try:
                hit = self._spec(key)
            except OrderNotFound:
                raise InvalidOrder(f"coinexx has no symbol {self.mt_symbol(key)}",
                                   code="unknown_symbol") from None
            with self._lock:
                self._markets[key] = hit
        return hit

    def load_markets(self, *, reload: bool = False) -> dict[str, MarketInfo]:
        for base in self._bases:
            try:
                self.market(f"{base}/USDT")
            except InvalidOrder:
                continue
        with self._lock:
            return dict(self._markets)

    def lots_for_quote(self, symbol: str, amount_usdt: Decimal, price: Decimal) -> Decimal:
        """Lots worth `amount_usdt` at `price`, rounded down; BelowMinimum under min volume."""
        m = self.market(symbol)
        lots = round_to_step(amount_usdt / (price * m.contract_size), m.amount_step, ROUND_DOWN)
        if lots < m.min_amount:
            raise BelowMinimum(f"{amount_usdt} USDT is below {m.min_amount} lot of {symbol}")
        return lots

    # --- data ----------------------------------------------------------------------------------

    def fetch_ticker(self, symbol: str) -> Ticker:
        p = self._api.call("GET", f"/symbols/{self.mt_symbol(symbol)}/current-price")
        bid, ask = _dec(p.get("bid")), _dec(p.get("ask"))
        last = (bid + ask) / 2 if bid is not None and ask is not None else (bid or ask)
        if last is None:
            raise InvalidOrder(f"coinexx sent no price for {symbol}")
        at = datetime.fromisoformat(p["time"].replace("Z", "+00:00")) if p.get("time") else None
        return Ticker(symbol, last, bid, ask, at)

    def fetch_balance(self) -> Balance:
        info = self._api.call("GET", "/account-information")
        equity = _dec(info.get("equity")) or Decimal(0)
        entry = BalanceEntry(_dec(info.get("freeMargin")) or Decimal(0),
                             _dec(info.get("margin")) or Decimal(0), equity)
        currency = str(info.get("currency", "USD"))
        # The engine sizes in USDT; a USD account is reported under both names.
        return Balance({currency: entry, "USDT": entry} if currency == "USD" else {currency: entry})

    def verify_credentials(self) -> CredentialReport:
        info = self._api.call("GET", "/account-information")
        server = str(info.get("server", ""))
        if not server.lower().startswith("coinexx"):
            return CredentialReport(False, False, None,
                                    f"the MetaApi account is on server {server!r}, not Coinexx")
        return CredentialReport(True, False, None,
                                f"connected to {server}; a MetaApi token cannot withdraw")

    # --- orders --------------------------------------------------------------------------------

    def create_order(self, req: OrderRequest) -> OrderResult:
        check_client_order_id(req.client_order_id)
        self.market(req.symbol)
        volume = self.amount_to_precision(req.symbol, req.quantity)
        self.check_minimums(req, reference_price=req.reference_price)
        if req.reduce_only:
            return self._reduce(req, volume)
        action = {OrderType.MARKET: "ORDER_TYPE_{}", OrderType.LIMIT: "ORDER_TYPE_{}_LIMIT",
                  OrderType.STOP_MARKET: "ORDER_TYPE_{}_STOP"}[req.type]
        trade: dict[str, Any] = {"actionType": action.format(req.side.value.upper()),
                                 "symbol": self.mt_symbol(req.symbol), "volume": float(volume),
                                 "clientId": mt_client_id(req.client_order_id)}
        if req.stop_loss is not None:
            trade["stopLoss"] = float(self.price_to_precision(req.symbol, req.stop_loss))
        if req.take_profit is not None:
            trade["takeProfit"] = float(self.price_to_precision(req.symbol, req.take_profit))
        if req.type is not OrderType.MARKET:
            price = req.price if req.type is OrderType.LIMIT else req.stop_price
            if price is None:
                raise InvalidOrder(f"a {req.type.value} order needs a price")
            trade["openPrice"] = float(self.price_to_precision(req.symbol, price))
        answer = self._trade(trade)
        filled = req.type is OrderType.MARKET
        return OrderResult(
            client_order_id=req.client_order_id,
            exchange_order_id=str(answer.get("orderId") or answer.get("positionId") or ""),
            status=OrderStatus.FILLED if filled else OrderStatus.OPEN, symbol=req.symbol,
            side=req.side, type=req.type, quantity=volume,
            filled_quantity=volume if filled else Decimal(0), price=req.price)

    def _trade(self, trade: dict[str, Any]) -> dict[str, Any]:
        answer = self._api.call("POST", "/trade", json=trade, trading=True)
        err = trade_error(answer)
        if err is not None:
            raise err
        return dict(answer)

    def _reduce(self, req: OrderRequest, volume: Decimal) -> OrderResult:
        """Close (part of) the opposite position, or set its stop loss for a reduce-only stop."""
        want = Side.LONG if req.side is OrderSide.SELL else Side.SHORT
        positions = [p for p in self.fetch_positions([req.symbol]) if p.side is want]
        if not positions:
            raise InvalidOrder(f"coinexx: no {want.value} position on {req.symbol} to reduce",
                               code="reduce_only_rejected")
        pos = positions[0]
        cid = mt_client_id(req.client_order_id)
        if req.type is OrderType.STOP_MARKET:
            if req.stop_price is None:
                raise InvalidOrder("a stop-market order needs a stop price")
            stop = float(self.price_to_precision(req.symbol, req.stop_price))
            self._trade({"actionType": "POSITION_MODIFY", "positionId": pos.position_id,
                         "stopLoss": stop})
            return OrderResult(req.client_order_id, pos.position_id, OrderStatus.OPEN,
                               symbol=req.symbol, side=req.side, type=req.type,
                               quantity=pos.quantity)
        if req.type is not OrderType.MARKET:
            raise UnsupportedOperation("coinexx: reduce-only limit orders are not supported")
        volume = min(volume, pos.quantity)
        trade: dict[str, Any]
        if volume >= pos.quantity:
            trade = {"actionType": "POSITION_CLOSE_ID", "positionId": pos.position_id,
                     "clientId": cid}
        else:
            trade = {"actionType": "POSITION_PARTIAL", "positionId": pos.position_id,
                     "volume": float(volume), "clientId": cid}
        answer = self._trade(trade)
        return OrderResult(req.client_order_id, str(answer.get("orderId") or pos.position_id),
                           OrderStatus.FILLED, symbol=req.symbol, side=req.side, type=req.type,
                           quantity=volume, filled_quantity=volume)

    def cancel_order(self, symbol: str, *, exchange_order_id: str | None = None,
                     client_order_id: str | None = None) -> OrderResult:
        if exchange_order_id is None:
            exchange_order_id = self.fetch_order(
                symbol, client_order_id=client_order_id).exchange_order_id
        self._trade({"actionType": "ORDER_CANCEL", "orderId": exchange_order_id})
        return OrderResult(client_order_id or "", exchange_order_id, OrderStatus.CANCELED,
                           symbol=symbol)

    def _order_result(self, o: dict[str, Any], *, open_order: bool) -> OrderResult:
        kind = str(o.get("type", ""))
        side = OrderSide.SELL if "SELL" in kind else OrderSide.BUY
        otype = (OrderType.LIMIT if kind.endswith("LIMIT") else
                 OrderType.STOP_MARKET if kind.endswith("STOP") else OrderType.MARKET)
        volume = _dec(o.get("volume")) or _dec(o.get("currentVolume")) or Decimal(0)
        state = _STATE.get(str(o.get("state")), OrderStatus.OPEN if open_order
                           else OrderStatus.FILLED)
        done = volume - (_dec(o.get("currentVolume")) or Decimal(0)) if not open_order \
            else Decimal(0)
        return OrderResult(
            client_order_id=str(o.get("clientId", "")), exchange_order_id=str(o.get("id")),
            status=state, symbol=self.our_symbol(str(o.get("symbol", ""))), side=side,
            type=otype, quantity=volume, price=_dec(o.get("openPrice")),
            filled_quantity=done if state is not OrderStatus.OPEN else Decimal(0),
            average_price=_dec(o.get("openPrice")) if state is OrderStatus.FILLED else None)

    def fetch_order(self, symbol: str, *, exchange_order_id: str | None = None,
                    client_order_id: str | None = None) -> OrderResult:
        wanted = mt_client_id(client_order_id) if client_order_id else None

        def matches(o: dict[str, Any]) -> bool:
            return (wanted is not None and str(o.get("clientId", "")).startswith(wanted)) or (
                exchange_order_id is not None and str(o.get("id")) == exchange_order_id)

        for o in self._api.call("GET", "/orders"):
            if matches(o):
                return self._with_cid(self._order_result(o, open_order=True), client_order_id)
        now = self._clock.now().astimezone(UTC)
        start = (now - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        end = (now + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        for o in self._api.call("GET", f"/history-orders/time/{start}/{end}"):
            if matches(o):
                return self._with_cid(self._order_result(o, open_order=False), client_order_id)
        raise OrderNotFound(f"coinexx: no order {client_order_id or exchange_order_id}")

    @staticmethod
    def _with_cid(result: OrderResult, client_order_id: str | None) -> OrderResult:
        if client_order_id is None:
            return result
        return replace(result, client_order_id=client_order_id)

    def fetch_open_orders(self, symbol: str | None = None) -> list[OrderResult]:
        out = [self._order_result(o, open_order=True) for o in self._api.call("GET", "/orders")]
        return [o for o in out if symbol is None or o.symbol == symbol.split(":")[0]]

    def fetch_closed_orders(self, symbol: str, since: datetime | None = None,
                            ) -> list[OrderResult]:
        now = self._clock.now().astimezone(UTC)
        start = (since or now - timedelta(days=7)).astimezone(UTC)
        path = (f"/history-orders/time/{start.strftime('%Y-%m-%dT%H:%M:%S.000Z')}/"
                f"{now.strftime('%Y-%m-%dT%H:%M:%S.000Z')}")
        out = [self._order_result(o, open_order=False) for o in self._api.call("GET", path)]
        return [o for o in out if o.symbol == symbol.split(":")[0]]

    # --- positions ------------------------------------------------------------------------------

    def fetch_positions(self, symbols: list[str] | None = None) -> list[PositionInfo]:
        wanted = {s.split(":")[0] for s in symbols} if symbols else None
        out = []
        for p in self._api.call("GET", "/positions"):
            symbol = self.our_symbol(str(p.get("symbol", "")))
            if wanted is not None and symbol not in wanted:
                continue
            out.append(PositionInfo(
                symbol=symbol,
                side=Side.LONG if p.get("type") == "POSITION_TYPE_BUY" else Side.SHORT,
                quantity=_dec(p.get("volume")) or Decimal(0),
                entry_price=_dec(p.get("openPrice")), mark_price=_dec(p.get("currentPrice")),
                unrealised_pnl_usdt=_dec(p.get("unrealizedProfit") or p.get("profit"))
                or Decimal(0), position_id=str(p.get("id"))))
        return out

    def modify_position(self, position_id: str, *, stop_loss: Decimal | None = None,
                        take_profit: Decimal | None = None) -> None:
        """Set a position's stop loss and/or take profit on the broker's server."""
        trade: dict[str, Any] = {"actionType": "POSITION_MODIFY", "positionId": position_id}
        if stop_loss is not None:
            trade["stopLoss"] = float(stop_loss)
        if take_profit is not None:
            trade["takeProfit"] = float(take_profit)
        self._trade(trade)

    def set_leverage(self, symbol: str, leverage: int) -> None:
        logger.debug("coinexx: leverage is the MT account's; %sx for %s not set", leverage, symbol)

    def set_margin_mode(self, symbol: str, mode: MarginMode) -> None:
        logger.debug("coinexx: margin mode is the MT account's; %s not set", mode.value)

    def close(self) -> None:
        self._api.close()
