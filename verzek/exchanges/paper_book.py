"""The paper exchange's accounting: balances, fills, fees, futures margin and liquidation.

Pure functions over the account's state document (a dict of strings, as stored): they raise
before changing anything they were handed a copy of, so a refused fill leaves no trace.
Futures use one-way positions and isolated margin; liquidation price follows the usual
isolated formula with a flat maintenance margin rate (`MAINTENANCE_MARGIN_RATE`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from verzek.domain.models import MarketType, OrderSide, OrderStatus
from verzek.errors import InsufficientFunds, InvalidOrder
from verzek.exchanges.base import MarketInfo

ZERO = Decimal(0)
MAINTENANCE_MARGIN_RATE = Decimal("0.005")  # Binance's first tier for BTC/ETH perpetuals
MAX_FILLS_KEPT = 5000
State = dict[str, Any]


def new_state(account_id: str, exchange: str, balance_usdt: Decimal) -> State:
    return {"schema_version": 1, "account_id": account_id, "exchange": exchange, "seq": 0,
            "wallet": {"USDT": str(balance_usdt)}, "orders": {}, "positions": {},
            "leverage": {}, "margin_mode": {}, "fills": [], "reserved": {}}


def wallet(state: State, currency: str) -> Decimal:
    return Decimal(state["wallet"].get(currency, "0"))


def reserved(state: State, currency: str) -> Decimal:
    return Decimal(state.setdefault("reserved", {}).get(currency, "0"))


def available(state: State, currency: str) -> Decimal:
    """What a new order may use: the wallet minus what resting orders hold."""
    return wallet(state, currency) - reserved(state, currency)


def reserve(state: State, order: dict[str, Any], currency: str, amount: Decimal) -> None:
    """Hold funds for a resting order, as an exchange does; InsufficientFunds if short."""
    if available(state, currency) < amount:
        raise InsufficientFunds(f"paper: {amount} {currency} needed for the order, "
                                f"{available(state, currency)} available")
    state["reserved"][currency] = str(reserved(state, currency) + amount)
    order["reserved"] = {"currency": currency, "amount": str(amount)}


def release(state: State, order: dict[str, Any]) -> None:
    """Give back what a resting order held (on fill, cancel or rejection)."""
    held = order.pop("reserved", None)
    if held:
        cur = held["currency"]
        state["reserved"][cur] = str(max(ZERO, reserved(state, cur) - Decimal(held["amount"])))


def _add(state: State, currency: str, amount: Decimal) -> None:
    state["wallet"][currency] = str(wallet(state, currency) + amount)


def next_trade_id(state: State) -> str:
    state["seq"] = int(state["seq"]) + 1
    return f"pt-{state['account_id']}-{state['seq']}"


def liquidation_price(side: str, entry: Decimal, qty: Decimal, cs: Decimal,
                      margin: Decimal) -> Decimal:
    """Isolated margin: the price at which margin minus loss meets maintenance margin."""
    size = qty * cs
    if size <= 0:
        return ZERO
    maintenance = size * entry * MAINTENANCE_MARGIN_RATE
    move = (margin - maintenance) / size
    return max(ZERO, entry - move) if side == "long" else entry + move


def _fill_spot(state: State, m: MarketInfo, side: OrderSide, qty: Decimal, price: Decimal,
               fee: Decimal) -> None:
    cost = qty * price
    if side is OrderSide.BUY:
        if available(state, m.quote) < cost + fee:
            raise InsufficientFunds(f"paper: {cost + fee} {m.quote} needed, "
                                    f"{available(state, m.quote)} free")
        _add(state, m.quote, -(cost + fee))
        _add(state, m.base, qty)
    else:
        if available(state, m.base) < qty:
            raise InsufficientFunds(f"paper: {qty} {m.base} needed, "
                                    f"{available(state, m.base)} free")
        _add(state, m.base, -qty)
        _add(state, m.quote, cost - fee)


def _fill_futures(state: State, m: MarketInfo, side: OrderSide, qty: Decimal, price: Decimal,
                  fee_rate: Decimal, reduce_only: bool) -> tuple[Decimal, Decimal]:
    """Apply a futures fill; returns (quantity filled, fee). Checks all before changing any."""
    pos = state["positions"].get(m.symbol)
    signed = Decimal(pos["quantity"]) * (1 if pos["side"] == "long" else -1) if pos else ZERO
    buying = side is OrderSide.BUY
    opposite = signed != 0 and (signed > 0) != buying
    if reduce_only:
        if not opposite:
            raise InvalidOrder(f"paper: reduce-only {side} on {m.symbol} has nothing to reduce",
                               code="reduce_only_rejected")
        qty = min(qty, abs(signed))
    cs = m.contract_size
    fee = qty * cs * price * fee_rate
    closing = min(qty, abs(signed)) if opposite else ZERO
    opening = qty - closing
    pnl = released = ZERO
    if closing and pos is not None:
        direction = 1 if signed > 0 else -1
        pnl = closing * cs * (price - Decimal(pos["entry_price"])) * direction
        released = Decimal(pos["margin"]) * closing / abs(signed)
    leverage = Decimal(state["leverage"].get(m.symbol, 1))
    margin_needed = opening * cs * price / leverage
    if available(state, "USDT") + released + pnl < margin_needed + fee:
        raise InsufficientFunds(f"paper: margin {margin_needed + fee} USDT needed, "
                                f"{available(state, 'USDT') + released + pnl} free")
    # --- checks passed: change the state -----------------------------------------------------
    _add(state, "USDT", released + pnl - margin_needed - fee)
    if closing and pos is not None:
        remaining = abs(signed) - closing
        if remaining == 0:
            del state["positions"][m.symbol]
            pos = None
        else:
            pos["quantity"] = str(remaining)
            pos["margin"] = str(Decimal(pos["margin"]) - released)
    if opening:
        if pos is None:
            pos = {"side": "long" if buying else "short", "quantity": "0",
                   "entry_price": str(price), "margin": "0", "leverage": int(leverage),
                   "margin_mode": state["margin_mode"].get(m.symbol, "isolated")}
            state["positions"][m.symbol] = pos
        old_qty = Decimal(pos["quantity"])
        new_qty = old_qty + opening
        pos["entry_price"] = str((Decimal(pos["entry_price"]) * old_qty + price * opening)
                                 / new_qty)
        pos["quantity"] = str(new_qty)
        pos["margin"] = str(Decimal(pos["margin"]) + margin_needed)
    if pos is not None and m.symbol in state["positions"]:
        pos["liquidation_price"] = str(liquidation_price(
            pos["side"], Decimal(pos["entry_price"]), Decimal(pos["quantity"]), cs,
            Decimal(pos["margin"])))
    return qty, fee


def apply_fill(state: State, m: MarketInfo, order: dict[str, Any], price: Decimal,
               fee_rate: Decimal, now: datetime) -> dict[str, Any]:
    """Fill `order` (a stored order dict) completely at `price`; returns the fill record."""
    release(state, order)
    side = OrderSide(order["side"])
    qty = Decimal(order["quantity"]) - Decimal(order["filled"])
    if m.market_type is MarketType.SPOT:
        fee = qty * price * fee_rate
        _fill_spot(state, m, side, qty, price, fee)
    else:
        qty, fee = _fill_futures(state, m, side, qty, price, fee_rate,
                                 bool(order["reduce_only"]))
    fill = {"trade_id": next_trade_id(state), "client_order_id": order["client_order_id"],
            "symbol": m.symbol, "side": side.value, "price": str(price), "quantity": str(qty),
            "fee_usdt": str(fee), "at": now.isoformat()}
    order["filled"] = str(Decimal(order["filled"]) + qty)
    order["average_price"] = str(price)
    order["fee_usdt"] = str(Decimal(order["fee_usdt"]) + fee)
    order["status"] = OrderStatus.FILLED.value
    order.setdefault("trade_ids", []).append(fill["trade_id"])
    state["fills"].append(fill)
    del state["fills"][:-MAX_FILLS_KEPT]
    return fill


def liquidate(state: State, m: MarketInfo, price: Decimal, now: datetime) -> dict[str, Any]:
    """Close the position at `price`, its isolated margin lost; returns the fill record."""
    pos = state["positions"].pop(m.symbol)
    qty = Decimal(pos["quantity"])
    entry = Decimal(pos["entry_price"])
    direction = 1 if pos["side"] == "long" else -1
    margin = Decimal(pos["margin"])
    gross = qty * m.contract_size * (price - entry) * direction
    returned = max(ZERO, margin + gross - qty * m.contract_size * price * MAINTENANCE_MARGIN_RATE)
    _add(state, "USDT", returned)
    # What the account got back decides the result: the maintenance margin kept is the
    # exchange's clearance fee; a price gapped past the margin costs the margin, no more
    # (isolated: the exchange's insurance fund takes the rest).
    fee = max(ZERO, gross - (returned - margin))
    fill = {"trade_id": next_trade_id(state), "client_order_id": "liquidation",
            "symbol": m.symbol, "side": "sell" if direction > 0 else "buy", "price": str(price),
            "quantity": str(qty), "fee_usdt": str(fee), "pnl_usdt": str(returned - margin),
            "at": now.isoformat(), "liquidation": True}
    state["fills"].append(fill)
    for order in state["orders"].values():
        if order["symbol"] == m.symbol and order["reduce_only"] and order["status"] == "open":
            order["status"] = OrderStatus.CANCELED.value
    return fill
