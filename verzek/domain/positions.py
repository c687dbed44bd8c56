"""Position state machine: pending → open → DCA fills → partly closed → closed, with PnL.

Every function returns a new Position (the input is never mutated). A fill whose trade id was
applied already is a no-op, so fills are counted once however often they are reported.
Realised PnL is net of every fee paid (entry and exit); unrealised PnL comes from a mark price.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from verzek.domain.models import (
    CloseReason,
    Fill,
    OrderSide,
    Position,
    PositionStatus,
    Side,
)
from verzek.domain.numeric import as_order_side, as_side, non_negative, positive
from verzek.errors import Conflict

_ACTIVE = (PositionStatus.OPEN, PositionStatus.PARTIALLY_CLOSED)


def opening_side(side: Side) -> OrderSide:
    """The order side that adds to a position: buy for a long, sell for a short."""
    return OrderSide.BUY if as_side(side) is Side.LONG else OrderSide.SELL


def closing_side(side: Side) -> OrderSide:
    """The order side that reduces a position."""
    return OrderSide.SELL if as_side(side) is Side.LONG else OrderSide.BUY


def reason_for_leg(leg: str) -> CloseReason:
    """The close reason implied by the leg of the order that closed the position."""
    if leg.startswith("tp"):
        return CloseReason.TAKE_PROFIT
    if leg.startswith("sl"):
        return CloseReason.STOP_LOSS
    if leg.startswith("liq"):
        return CloseReason.LIQUIDATED
    if leg.startswith("kill"):
        return CloseReason.KILL_SWITCH
    return CloseReason.MANUAL


def has_fill(position: Position, trade_id: str) -> bool:
    """Whether the exchange trade id was applied to the position already."""
    return any(f.trade_id == trade_id for f in position.fills)


def apply_fill(
    position: Position, fill: Fill, side_of_order: OrderSide, leg: str,
    *, close_reason: CloseReason | None = None,
) -> Position:
    """The position after `fill` of an order on `side_of_order` for `leg` ("entry", "dca2",
    "tp1", "sl", "close"…). Entries raise the average; exits realise PnL. Raises Conflict on a
    closed position, an exit before any entry, or an exit larger than what is open; raises
    InvalidInput on a fill whose figures are not finite or not positive (a Fill changed after
    it was built is not re-validated by pydantic)."""
    _check_fill(fill)
    if has_fill(position, fill.trade_id):
        return position
    if position.status is PositionStatus.CLOSED:
        raise Conflict(f"position {position.id} is closed; fill {fill.trade_id} not applied")
    if as_order_side(side_of_order) is opening_side(position.side):
        return _apply_entry(position, fill, leg)
    return _apply_exit(position, fill, leg, close_reason)


def _check_fill(fill: Fill) -> None:
    positive("fill.price", fill.price)
    positive("fill.quantity", fill.quantity)
    non_negative("fill.fee_usdt", fill.fee_usdt)


def _apply_entry(position: Position, fill: Fill, leg: str) -> Position:
    cost = position.cost_usdt + fill.price * fill.quantity
    quantity = position.quantity + fill.quantity
    new_level = leg.startswith("dca") and not any(
        f.client_order_id == fill.client_order_id for f in position.fills
    )
    status = position.status
    if status is PositionStatus.PENDING:
        status = PositionStatus.OPEN
    return position.model_copy(update={
        "status": status,
        "quantity": quantity,
        "entry_quantity": position.entry_quantity + fill.quantity,
        "cost_usdt": cost,
        "average_entry": cost / quantity,
        "fees_usdt": position.fees_usdt + fill.fee_usdt,
        "realised_pnl_usdt": position.realised_pnl_usdt - fill.fee_usdt,
        "dca_levels_filled": position.dca_levels_filled + (1 if new_level else 0),
        "fills": [*position.fills, fill],
    })


def _apply_exit(
    position: Position, fill: Fill, leg: str, close_reason: CloseReason | None
) -> Position:
    if position.status not in _ACTIVE or position.average_entry is None:
        raise Conflict(f"position {position.id} has nothing open to close")
    if fill.quantity > position.quantity:
        raise Conflict(
            f"fill {fill.trade_id} closes {fill.quantity} but position {position.id} holds "
            f"only {position.quantity}"
        )
    pnl, cost = exit_pnl(position.side, position.cost_usdt, position.quantity, fill.price,
                         fill.quantity)
    quantity = position.quantity - fill.quantity
    update: dict[str, object] = {
        "quantity": quantity,
        "cost_usdt": cost,
        "fees_usdt": position.fees_usdt + fill.fee_usdt,
        "realised_pnl_usdt": position.realised_pnl_usdt + pnl - fill.fee_usdt,
        "fills": [*position.fills, fill],
        "status": PositionStatus.PARTIALLY_CLOSED,
    }
    if quantity == 0:
        update.update(status=PositionStatus.CLOSED, closed_at=fill.at,
                      close_reason=close_reason or reason_for_leg(leg))
    return position.model_copy(update=update)


def realised_on(position: Position, day: date) -> Decimal:
    """What the position's exits realised on `day` (UTC), net of their fees: each exit fill
    against the average entry at the moment it filled, as `apply_fill` counted it (fills in
    the order they were applied). Entry fees are left out: they are paid for what is still
    open. A fill whose order the position does not list is left out too."""
    sides = {o.client_order_id: as_order_side(o.side) for o in position.orders}
    opening = opening_side(position.side)
    quantity = cost = total = Decimal(0)
    for fill in position.fills:
        side = sides.get(fill.client_order_id)
        if side is None:
            continue
        if side is opening:
            quantity += fill.quantity
            cost += fill.price * fill.quantity
            continue
        if quantity <= 0:
            continue
        closed = min(fill.quantity, quantity)
        pnl, cost = exit_pnl(position.side, cost, quantity, fill.price, closed)
        if fill.at.date() == day:
            total += pnl - fill.fee_usdt
        quantity -= closed
    return total


COST_QUANTUM = Decimal("1E-18")


def exit_pnl(side: Side, cost: Decimal, quantity: Decimal, price: Decimal,
             closed: Decimal) -> tuple[Decimal, Decimal]:
    """(PnL before fees, cost of what stays open) of closing `closed` of `quantity` bought
    (sold, for a short) for `cost` at `price`. The share of the cost is taken from the cost
    itself (to 18 decimals, the most the API writes), not from a rounded average entry: the
    exits of a position add up to its proceeds less its cost exactly, as its fills do, and
    the last one takes what is left of it."""
    cost, held = non_negative("cost", cost), positive("quantity", quantity)
    closed, price = non_negative("closed", closed), positive("price", price)
    share = cost if closed >= held else (cost * closed / held).quantize(COST_QUANTUM)
    proceeds = price * closed
    pnl = proceeds - share if as_side(side) is Side.LONG else share - proceeds
    return pnl, cost - share


def gross_pnl(side: Side, average_entry: Decimal, price: Decimal, quantity: Decimal) -> Decimal:
    """PnL before fees of closing `quantity` at `price`."""
    entry = positive("average_entry", average_entry)
    exit_price = positive("price", price)
    move = exit_price - entry if as_side(side) is Side.LONG else entry - exit_price
    return move * non_negative("quantity", quantity)


def unrealised_pnl(position: Position, mark_price: Decimal) -> Decimal:
    """PnL of what is still open at `mark_price` (before the fees of closing it)."""
    mark = positive("mark_price", mark_price)
    if position.average_entry is None or position.quantity == 0:
        return Decimal(0)
    return gross_pnl(position.side, position.average_entry, mark, position.quantity)


def close(
    position: Position, reason: CloseReason, now: datetime, *,
    settle_price: Decimal | None = None, fee_usdt: Decimal = Decimal(0),
    pnl_usdt: Decimal | None = None,
) -> Position:
    """Mark the position closed without an order fill: a pending one cancelled, or what
    remains settled at `settle_price` (a liquidation, a close reported by the exchange).
    A position that still holds quantity cannot be closed without a settle price. A NaN,
    infinite or negative `fee_usdt` or a bad `settle_price` raises InvalidInput."""
    fee_usdt = non_negative("fee_usdt", fee_usdt)
    if settle_price is not None:
        settle_price = positive("settle_price", settle_price)
    if position.status is PositionStatus.CLOSED:
        raise Conflict(f"position {position.id} is closed already")
    if position.quantity == 0:
        return position.model_copy(update={
            "status": PositionStatus.CLOSED, "close_reason": reason, "closed_at": now})
    if settle_price is None or position.average_entry is None:
        raise Conflict(
            f"position {position.id} still holds {position.quantity}; close it with a fill or "
            "a settle price, never leave it open while marked closed"
        )
    # net of the fee: the exchange's own figure when it reports one (an isolated liquidation
    # gapped past the margin loses the margin, not what the price says), else the price's
    net = exit_pnl(position.side, position.cost_usdt, position.quantity, settle_price,
                   position.quantity)[0] - fee_usdt if pnl_usdt is None else pnl_usdt
    # the exit the position's fills do not show, kept on it: its price, quantity and fee
    settlement = {"price": str(settle_price), "quantity": str(position.quantity),
                  "fee_usdt": str(fee_usdt), "pnl_usdt": str(net)}
    return position.model_copy(update={
        "quantity": Decimal(0), "cost_usdt": Decimal(0),
        "realised_pnl_usdt": position.realised_pnl_usdt + net,
        "fees_usdt": position.fees_usdt + fee_usdt,
        "status": PositionStatus.CLOSED, "close_reason": reason, "closed_at": now,
        "extra": {**position.extra, "settlement": settlement},
    })


def reopen(position: Position) -> Position:
    """A closed position open again, holding nothing yet: for a fill the exchange made as it
    closed (an entry filled before its cancel arrived), which is then applied and closed."""
    if position.status is not PositionStatus.CLOSED:
        raise Conflict(f"position {position.id} is not closed")
    status = PositionStatus.PARTIALLY_CLOSED if position.fills else PositionStatus.OPEN
    return position.model_copy(update={"status": status, "closed_at": None,
                                       "close_reason": None})


def notional_usdt(position: Position) -> Decimal:
    """What is open, valued at the average entry (for exposure caps)."""
    return position.cost_usdt


def is_active(position: Position) -> bool:
    """Whether the position still holds something or waits for its entry."""
    return position.status is not PositionStatus.CLOSED
