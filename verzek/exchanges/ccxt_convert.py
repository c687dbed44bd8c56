"""Read ccxt's unified order, balance, ticker and position structures into our value types."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from verzek.domain.models import MarginMode, OrderSide, OrderStatus, OrderType, Side
from verzek.exchanges.base import (
    Balance,
    BalanceEntry,
    OrderResult,
    PositionInfo,
    Ticker,
    TradeFill,
)
from verzek.exchanges.ccxt_markets import dec

ZERO = Decimal(0)
_STATUS = {"closed": OrderStatus.FILLED, "canceled": OrderStatus.CANCELED,
           "cancelled": OrderStatus.CANCELED, "expired": OrderStatus.EXPIRED,
           "rejected": OrderStatus.REJECTED}


def at_ms(ms: Any) -> datetime | None:
    return datetime.fromtimestamp(int(ms) / 1000, UTC) if ms not in (None, "") else None


def _fees(item: dict[str, Any]) -> list[dict[str, Any]]:
    """ccxt's fee entries of an order or trade: `fees` (one per currency), else `fee`."""
    fees = [f for f in (item.get("fees") or ()) if f]
    return fees or ([item["fee"]] if item.get("fee") else [])


def _fee_split(item: dict[str, Any], price: Decimal | None, symbol: str,
               ) -> tuple[Decimal, Decimal]:
    """(fee in USDT, fee taken in the traded coin). A fee in the quote (or an unnamed one)
    counts as is; one in the base coin is valued at the fill price and also reported as coins,
    since the account receives that much less of what it bought. A fee in a third coin (BNB)
    has no price here and is not valued: at the fill price it would be off by the ratio of the
    two coins' prices."""
    pair = symbol.split(":", 1)[0]
    base, _, quote = pair.partition("/")
    usdt = coins = ZERO
    for fee in _fees(item):
        cost = abs(dec(fee.get("cost"), ZERO) or ZERO)
        currency = fee.get("currency")
        if currency in (None, "USDT") or (quote and currency == quote):
            usdt += cost
        elif base and currency == base:
            coins += cost
            usdt += cost * price if price is not None else ZERO
    return usdt, coins


def order_from_ccxt(o: dict[str, Any], *, fallback_client_id: str = "") -> OrderResult:
    filled = dec(o.get("filled"), ZERO) or ZERO
    status = _STATUS.get(str(o.get("status")), OrderStatus.OPEN)
    if status is OrderStatus.OPEN and o.get("status") not in ("open", None):
        status = OrderStatus.UNKNOWN
    if status is OrderStatus.OPEN and filled > 0:
        status = OrderStatus.PARTIALLY_FILLED
    if (o.get("info") or {}).get("orderStatus") == "PartiallyFilledCanceled":
        # Bybit spot: part filled, the rest cancelled; ccxt calls it "closed" (filled).
        status = OrderStatus.CANCELED
    average = dec(o.get("average")) or None
    symbol = str(o.get("symbol") or "")
    trades: list[TradeFill] = []
    for t in o.get("trades") or ():
        if t.get("id") is None:
            continue
        price = dec(t.get("price"), ZERO) or ZERO
        trade_fee, trade_fee_base = _fee_split(t, price or None, symbol)
        trades.append(TradeFill(str(t["id"]), price, dec(t.get("amount"), ZERO) or ZERO,
                                trade_fee, at_ms(t.get("timestamp")), trade_fee_base))
    fee, fee_base = _fee_split(o, average, symbol)
    if not fee and not fee_base and trades:
        fee = sum((t.fee_usdt for t in trades), ZERO)
        fee_base = sum((t.fee_base for t in trades), ZERO)
    otype = str(o.get("type") or "").lower()
    side = o.get("side")
    trigger = o.get("triggerPrice") or o.get("stopPrice")
    return OrderResult(
        client_order_id=str(o.get("clientOrderId") or fallback_client_id),
        exchange_order_id=str(o["id"]) if o.get("id") is not None else None,
        status=status, symbol=symbol,
        side=OrderSide(side) if side in ("buy", "sell") else None,
        type=OrderType.STOP_MARKET if trigger else (
            OrderType.LIMIT if otype == "limit" else OrderType.MARKET),
        quantity=dec(o.get("amount"), ZERO) or ZERO, price=dec(o.get("price")) or None,
        filled_quantity=filled, average_price=average, fee_usdt=fee, trades=tuple(trades),
        fee_base=fee_base)


def balance_from_ccxt(b: dict[str, Any]) -> Balance:
    out = {}
    for cur, total in (b.get("total") or {}).items():
        if total is None:
            continue
        out[cur] = BalanceEntry(dec((b.get("free") or {}).get(cur), ZERO) or ZERO,
                                dec((b.get("used") or {}).get(cur), ZERO) or ZERO,
                                dec(total, ZERO) or ZERO)
    return Balance(out)


def ticker_from_ccxt(t: dict[str, Any]) -> Ticker:
    last = dec(t.get("last")) or dec(t.get("close")) or ZERO
    return Ticker(str(t["symbol"]), last, dec(t.get("bid")), dec(t.get("ask")),
                  at_ms(t.get("timestamp")))


def position_from_ccxt(p: dict[str, Any]) -> PositionInfo | None:
    contracts = dec(p.get("contracts"), ZERO) or ZERO
    if contracts == 0 or p.get("side") not in ("long", "short"):
        return None
    mode = p.get("marginMode")
    leverage = p.get("leverage")
    return PositionInfo(
        symbol=str(p["symbol"]), side=Side(p["side"]), quantity=abs(contracts),
        entry_price=dec(p.get("entryPrice")), mark_price=dec(p.get("markPrice")),
        leverage=int(float(leverage)) if leverage else None,
        margin_mode=MarginMode(mode) if mode in ("isolated", "cross") else None,
        liquidation_price=dec(p.get("liquidationPrice")),
        unrealised_pnl_usdt=dec(p.get("unrealizedPnl"), ZERO) or ZERO)
