"""Late fills: an entry or DCA order that fills as its position closes, or after it was
archived. Nothing the exchange holds is left untracked: the quantity is taken over and closed
at market, with the position's own close reason."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from decimal import Decimal
from typing import Protocol

from verzek.clock import Clock
from verzek.domain.models import CloseReason, Fill, Order, Position
from verzek.domain.positions import apply_fill, opening_side, reopen
from verzek.engine.executor import OrderExecutor
from verzek.engine.notifier import EventKind
from verzek.engine.tracker import add_order, applied_quantity, apply_result, find_order
from verzek.errors import OrderNotFound, TransientExchangeError
from verzek.exchanges.base import Exchange, OrderResult
from verzek.store.repos import PositionRepository

logger = logging.getLogger(__name__)
ZERO = Decimal(0)


class Host(Protocol):
    """What late-fill recovery asks of the position manager that holds it."""

    def save(self, position: Position) -> Position: ...

    def emit(self, kind: EventKind, position: Position, message: str,
             **data: object) -> None: ...

    def close_market(self, exchange: Exchange, position: Position, leg: str,
                     reason: CloseReason) -> Position: ...


def recovery_position_id(position_id: str, client_order_id: str) -> str:
    """The position that takes over a late fill of `client_order_id` (deterministic)."""
    digest = hashlib.sha256(f"{position_id}|late|{client_order_id}".encode()).hexdigest()
    return f"p{digest[:20]}"


def beyond(report: OrderResult, counted: Decimal) -> OrderResult:
    """The report without its first `counted` filled quantity (trades in order)."""
    if counted <= 0:
        return report
    trades, skip = [], counted
    for trade in report.trades:
        if skip >= trade.quantity:
            skip -= trade.quantity
            continue
        if skip:
            left = trade.quantity - skip
            ratio = left / trade.quantity
            trade = replace(trade, quantity=left, fee_usdt=trade.fee_usdt * ratio,
                            fee_base=trade.fee_base * ratio)
        trades.append(trade)
        skip = ZERO
    filled = max(report.filled_quantity - counted, ZERO)
    # the order's fees follow the share of it left (used when its trades are not listed)
    share = filled / report.filled_quantity if report.filled_quantity > 0 else ZERO
    return replace(report, trades=tuple(trades), filled_quantity=filled,
                   fee_usdt=report.fee_usdt * share, fee_base=report.fee_base * share)


class LateFills:
    """Takes over late fills and closes them at market; runs under the owner's lock."""

    def __init__(self, *, positions: PositionRepository, executor: OrderExecutor,
                 clock: Clock, host: Host) -> None:
        self._positions = positions
        self._executor = executor
        self._clock = clock
        self._host = host

    def flatten(self, exchange: Exchange, position: Position,
                late: list[tuple[Order, Decimal]]) -> Position:
        reason = position.close_reason or CloseReason.MANUAL
        quantity = sum((q for _, q in late), ZERO)
        logger.warning("%s %s filled on %s after position %s closed; flattening at market",
                       ", ".join(o.leg for o, _ in late), quantity, position.symbol,
                       position.id)
        reopened = reopen(position)
        for order, _ in late:  # the exchange's own trades (prices, fees) when it answers
            reopened = self._apply_report(exchange, reopened, order)
        reopened = reopened.model_copy(update={"extra": {
            **reopened.extra, "late_fill_flattened": str(quantity), "close_as": reason.value}})
        self._host.emit(EventKind.ATTENTION, reopened,
                        f"A {position.symbol} order filled {quantity} as the position closed; "
                        "it is being closed at market.", quantity=str(quantity))
        reopened = self._host.save(reopened)
        return self._host.close_market(exchange, reopened, "flat", reason)

    def recover(self, exchange: Exchange, closed: Position, order: Order,
                report: OrderResult) -> Position | None:
        """An entry or DCA order of a position closed and archived meanwhile filled (found
        when reconciliation resolves its unknown outcome, after a crash or a lost answer).

        An archived position never reopens, so a new position takes over the quantity the
        exchange holds and closes it at market with the original reason; its history record
        carries the result. Its id comes from the order's, so a second pass (a crash in
        between) finds it instead of opening another. None when nothing is left over."""
        if order.side is not opening_side(closed.side):
            return None
        filled = max(report.filled_quantity, sum((t.quantity for t in report.trades), ZERO))
        late = filled - applied_quantity(closed, order.client_order_id)
        if late <= 0:
            return None
        rid = recovery_position_id(closed.id, order.client_order_id)
        if self._positions.is_archived(closed.user_id, rid):
            return None  # recovered and closed already
        reason = closed.close_reason or CloseReason.MANUAL
        recovery = next((p for p in self._positions.open_positions(closed.user_id)
                         if p.id == rid), None)
        if recovery is None:
            now = self._clock.now()
            recovery = Position(
                id=rid, user_id=closed.user_id, signal_id=closed.signal_id,
                account_id=closed.account_id, exchange=closed.exchange,
                market_type=closed.market_type, mode=closed.mode, symbol=closed.symbol,
                side=closed.side, leverage=closed.leverage, opened_at=now,
                extra={"recovered_from": closed.id, "late_fill_flattened": str(late),
                       "close_as": reason.value})
            # only what the closed position did not count: its own fills stay with it
            counted = applied_quantity(closed, order.client_order_id)
            mine = order.model_copy(update={"filled_quantity": ZERO})
            self._executor.note_answered(order.client_order_id)
            recovery = add_order(recovery, mine)
            recovery, _ = apply_result(recovery, mine, beyond(report, counted), now)
            logger.warning("%s of closed position %s filled %s %s after the close; position %s "
                           "takes it over and closes it at market", order.leg, closed.id, late,
                           closed.symbol, rid)
            self._host.emit(EventKind.ATTENTION, recovery,
                            f"A {closed.symbol} order filled {late} after its position closed; it "
                            "is being closed at market.", quantity=str(late),
                            recovered_from=closed.id)
            recovery = self._host.save(recovery)
        return self._host.close_market(exchange, recovery, "flat", reason)

    def _apply_report(self, exchange: Exchange, position: Position, order: Order) -> Position:
        current = find_order(position, order.client_order_id) or order
        try:
            report = exchange.fetch_order(position.symbol, client_order_id=order.client_order_id)
        except (OrderNotFound, TransientExchangeError):
            report = None
        if report is not None:
            self._executor.note_answered(order.client_order_id)
            position, _ = apply_result(position, current, report, self._clock.now())
            current = find_order(position, order.client_order_id) or current
        missing = current.filled_quantity - applied_quantity(position, order.client_order_id)
        price = current.average_price or current.price
        if missing > 0 and price is not None:
            position = apply_fill(position, Fill(
                trade_id=f"{order.client_order_id}:{current.filled_quantity}",
                client_order_id=order.client_order_id, price=price, quantity=missing,
                fee_usdt=ZERO, at=self._clock.now()), order.side, order.leg)
        return position
