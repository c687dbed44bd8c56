"""Position tracker: applies what the exchange reports about our orders to positions.

Each exchange trade id is counted once. When an exchange reports a filled amount without its
trades, the missing part is recorded as one fill keyed by the cumulative amount, so the same
report twice still counts once.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from verzek.domain.models import (
    CloseReason,
    Fill,
    MarketType,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
    PositionStatus,
)
from verzek.domain.positions import apply_fill, has_fill
from verzek.exchanges.base import OrderResult

logger = logging.getLogger(__name__)
ZERO = Decimal(0)
LIVE_STATUSES = (OrderStatus.INTENDED, OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED,
                 OrderStatus.UNKNOWN)
LIVE_VALUES = frozenset(s.value for s in LIVE_STATUSES)  # the same, as stored in JSON


def find_order(position: Position, client_order_id: str) -> Order | None:
    for order in position.orders:
        if order.client_order_id == client_order_id:
            return order
    return None


def add_order(position: Position, order: Order) -> Position:
    """The position with `order` added (or replaced, same client id)."""
    orders = [o for o in position.orders if o.client_order_id != order.client_order_id]
    return position.model_copy(update={"orders": [*orders, order]})


def set_order_status(position: Position, client_order_id: str, status: OrderStatus,
                     now: datetime) -> Position:
    orders = [o.model_copy(update={"status": status, "updated_at": now})
              if o.client_order_id == client_order_id else o for o in position.orders]
    return position.model_copy(update={"orders": orders})


def new_order(client_order_id: str, leg: str, side: OrderSide, type_: OrderType,
              quantity: Decimal, now: datetime, *, price: Decimal | None = None,
              stop_price: Decimal | None = None, reduce_only: bool = False,
              status: OrderStatus = OrderStatus.INTENDED) -> Order:
    return Order(client_order_id=client_order_id, leg=leg, side=side, type=type_,
                 quantity=quantity, price=price, stop_price=stop_price,
                 reduce_only=reduce_only, status=status, created_at=now)


def applied_quantity(position: Position, client_order_id: str) -> Decimal:
    return sum((f.quantity for f in position.fills if f.client_order_id == client_order_id),
               ZERO)


def late_opening_fills(position: Position) -> list[tuple[Order, Decimal]]:
    """Entry and DCA orders of a closed position that the exchange filled beyond the fills the
    position counted: quantity held on the exchange that no open position tracks."""
    if position.status is not PositionStatus.CLOSED:
        return []
    opening = _opening(position)
    late = []
    for order in position.orders:
        if order.side is opening:
            extra = order.filled_quantity - applied_quantity(position, order.client_order_id)
            if extra > 0:
                late.append((order, extra))
    return late


def apply_result(position: Position, order: Order, result: OrderResult, now: datetime,
                 ) -> tuple[Position, list[Fill]]:
    """Apply an exchange report of `order`; returns the position and the fills that were new."""
    coid = order.client_order_id
    new_fills: list[Fill] = []
    filled_reported = max(result.filled_quantity,
                          sum((t.quantity for t in result.trades), ZERO))
    for trade in result.trades:
        if has_fill(position, trade.trade_id) or trade.quantity <= 0:
            continue
        if applied_quantity(position, coid) + trade.quantity > filled_reported:
            continue
        fill = Fill(trade_id=trade.trade_id, client_order_id=coid, price=trade.price,
                    quantity=trade.quantity, fee_usdt=trade.fee_usdt, at=trade.at or now)
        position = _apply(position, order, fill, trade.fee_base)
        new_fills.append(fill)
    missing = filled_reported - applied_quantity(position, coid)
    if missing > 0 and position.status is not PositionStatus.CLOSED:
        price = result.average_price or order.price or order.stop_price
        if price is not None:
            fee = fee_base = ZERO
            if filled_reported:
                fee = result.fee_usdt * missing / filled_reported
                fee_base = result.fee_base * missing / filled_reported
            fill = Fill(trade_id=f"{coid}:{filled_reported}", client_order_id=coid,
                        price=price, quantity=missing, fee_usdt=fee, at=now)
            position = _apply(position, order, fill, fee_base)
            new_fills.append(fill)
    status = result.status
    if status is OrderStatus.OPEN and filled_reported > 0:
        status = OrderStatus.PARTIALLY_FILLED
    updated = order.model_copy(update={
        "status": status, "exchange_order_id": result.exchange_order_id or
        order.exchange_order_id, "filled_quantity": filled_reported,
        "average_price": result.average_price or order.average_price, "updated_at": now})
    position = add_order(position, updated)
    return position, new_fills


def _apply(position: Position, order: Order, fill: Fill, fee_base: Decimal = ZERO,
           ) -> Position:
    if position.status is PositionStatus.CLOSED:
        logger.warning("fill %s of closed position %s not applied to it (qty %s)",
                       fill.trade_id, position.id, fill.quantity)
        return position
    reason = None
    if order.leg.startswith("kill"):
        reason = CloseReason.KILL_SWITCH
    elif order.leg.startswith("chan"):
        reason = CloseReason.CHANNEL
    elif order.leg.startswith("trail"):
        reason = CloseReason.TAKE_PROFIT
    elif position.extra.get("close_as"):
        reason = CloseReason(position.extra["close_as"])  # reopened only to close it again
    if fill.quantity > position.quantity and order.side is not _opening(position):
        # Never sell more than is open: the exchange filled a reduce order larger than what we
        # hold (a rounding difference); count what closes the position.
        fill = fill.model_copy(update={"quantity": position.quantity})
        if fill.quantity == 0:
            return position
    fills_before = len(position.fills)
    position = apply_fill(position, fill, order.side, order.leg, close_reason=reason)
    if fee_base > 0 and len(position.fills) > fills_before:
        position = _less_fee_coins(position, order, fee_base)
    return position


def _less_fee_coins(position: Position, order: Order, fee_base: Decimal) -> Position:
    """A spot buy whose fee the exchange took in the coin bought (Binance without BNB, Bybit)
    leaves the account `fee_base` short of the filled amount: the position holds what the
    account holds, or every exit sized from it is refused for insufficient funds. The fee is
    in `fees_usdt` already, so the average entry stays and the PnL counts the fee once."""
    if position.market_type is not MarketType.SPOT or order.side is not OrderSide.BUY or \
            order.side is not _opening(position) or position.average_entry is None or \
            fee_base >= position.quantity:
        return position
    held = position.quantity - fee_base
    taken = Decimal(str(position.extra.get("fee_base_qty", "0"))) + fee_base
    return position.model_copy(update={
        "quantity": held, "cost_usdt": position.average_entry * held,
        "extra": {**position.extra, "fee_base_qty": str(taken)}})


def _opening(position: Position) -> OrderSide:
    return OrderSide.BUY if position.side.value == "long" else OrderSide.SELL


def live_orders(position: Position, prefix: str = "") -> list[Order]:
    """Orders that may still fill (open, partly filled, or not yet resolved)."""
    return [o for o in position.orders if o.status in LIVE_STATUSES
            and o.leg.startswith(prefix)]


def waiting_breakout(position: Position) -> dict[str, str] | None:
    """The trigger of a breakout entry still waiting for its cross ("LONG above 65500"): a
    pending position with no entry order yet, which is not an empty one to clean up."""
    waiting = position.extra.get("entry_trigger")
    if waiting is None or position.status is not PositionStatus.PENDING or any(
            o.leg == "entry" for o in position.orders):
        return None
    return dict(waiting)
