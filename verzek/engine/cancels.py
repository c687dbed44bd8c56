"""Cancelling a position's orders: a fill found on the way is counted, never lost; an order
the exchange has not shown yet is never taken for cancelled; cancels it does not confirm are
left to the reconciler (`LEFTOVERS`) or asked again next pass."""

from __future__ import annotations

import logging
from typing import Protocol

from verzek.clock import Clock
from verzek.domain.models import CloseReason, Order, OrderStatus, Position, PositionStatus
from verzek.domain.positions import close as close_position
from verzek.engine.executor import OrderExecutor
from verzek.engine.tracker import apply_result, live_orders, set_order_status
from verzek.errors import OrderNotFound, TransientExchangeError
from verzek.exchanges.base import Exchange
from verzek.store.repos import PositionRepository

logger = logging.getLogger(__name__)
LEFTOVERS = "leftover_orders.json"  # orders of closed positions still to cancel (reconciler)


class Saver(Protocol):
    def save(self, position: Position) -> Position: ...


def still_resting(position: Position) -> bool:
    """An order of the position may still rest on the exchange (sent, not confirmed gone)."""
    return any(o.status is not OrderStatus.INTENDED for o in live_orders(position))


class Cancels:
    """Cancels orders of one position at a time; runs under the owner's lock like the
    position manager that holds it (`host` saves, so a save is one path for both)."""

    def __init__(self, *, positions: PositionRepository, executor: OrderExecutor,
                 clock: Clock, host: Saver) -> None:
        self._positions = positions
        self._executor = executor
        self._clock = clock
        self._host = host

    def cancel(self, exchange: Exchange, position: Position, order: Order) -> Position:
        """Cancel one order, applying what the exchange says of it (a fill is never lost).

        An order the exchange has not shown yet (its intent is open: the send's answer was
        lost) stays UNKNOWN on "not found": it may still appear and fill within the visibility
        window, so reconciliation resolves it; it is never taken for cancelled. Whoever asked
        sees it still live (a cancel that waits, a stop or DCA left for the next pass)."""
        coid = order.client_order_id
        try:
            report = exchange.cancel_order(position.symbol, client_order_id=coid)
        except OrderNotFound:
            # Filled or gone meanwhile: read it once to count any fill, never lose one.
            try:
                report = exchange.fetch_order(position.symbol, client_order_id=coid)
            except OrderNotFound:
                if self._executor.is_unresolved(coid):
                    logger.warning("cancel of %s: not found, but its send is unresolved; left "
                                   "unknown for reconciliation", coid)
                    return set_order_status(position, coid, OrderStatus.UNKNOWN,
                                            self._clock.now())
                return set_order_status(position, coid, OrderStatus.CANCELED,
                                        self._clock.now())
            except TransientExchangeError as exc:
                # not found to cancel, and no answer on what became of it: it may have filled,
                # so it stays as it is and the next pass asks again
                logger.warning("cancel of %s not confirmed: %s", coid, exc.code)
                return position
        except TransientExchangeError as exc:
            logger.warning("cancel of %s deferred: %s", coid, exc.code)
            return position
        self._executor.note_answered(coid)
        position, _ = apply_result(position, order, report, self._clock.now())
        return position

    def cancel_all(self, exchange: Exchange, position: Position, prefix: str = "") -> Position:
        """Cancel the live orders whose leg starts with `prefix` (all by default); saved."""
        orders = [o for o in live_orders(position, prefix)
                  if o.status is not OrderStatus.INTENDED]
        for order in orders:
            position = self.cancel(exchange, position, order)
        return self._host.save(position) if orders else position

    def cancel_unfilled(self, exchange: Exchange, position: Position,
                        why: str | None = None,
                        reason: CloseReason = CloseReason.CANCELLED) -> Position:
        """Cancel the resting entry and DCA orders; a position that filled nothing (a resting
        entry, a breakout still waiting) is closed for `reason` (`why`, in words, goes with
        the user's notice). Saved."""
        position = self.cancel_all(exchange, position, "entry")
        position = self.cancel_all(exchange, position, "dca")
        if position.quantity == 0 and position.status is not PositionStatus.CLOSED:
            position = self.cancel_all(exchange, position)
            if still_resting(position):
                return self.cancel_pending(position, why or "cancel requested")
            if why:
                position = position.model_copy(
                    update={"extra": {**position.extra, "entry_cancelled": why}})
            position = self._host.save(close_position(position, reason, self._clock.now()))
        return position

    def leave_for_reconciler(self, position: Position) -> None:
        """Orders of a closing position whose cancel the exchange has not confirmed: queued
        (`LEFTOVERS`) for the reconciler to cancel on its next passes, with what had filled, so
        a fill after the close is reported, never lost."""
        orders = [{"coid": o.client_order_id, "filled": str(o.filled_quantity), "leg": o.leg}
                  for o in live_orders(position) if o.status is not OrderStatus.INTENDED]
        logger.warning("position %s closes with %d order(s) whose cancel is not confirmed; "
                       "the reconciler cancels them", position.id, len(orders))
        item = {"user_id": position.user_id, "position_id": position.id,
                "account_id": position.account_id, "market_type": position.market_type.value,
                "symbol": position.symbol, "orders": orders,
                "since": self._clock.now().isoformat()}
        self._positions.store.update(LEFTOVERS, lambda doc: {
            "schema_version": 1, "items": [
                *[i for i in (doc or {}).get("items", []) if i["position_id"] != position.id],
                item]})

    def cancel_pending(self, position: Position, why: str) -> Position:
        """A cancel the exchange has not confirmed (a timeout, a 5xx): the position is never
        closed with an order still resting; it waits, and the monitor asks again each pass."""
        logger.warning("position %s: a cancel is not confirmed yet; asked again next pass",
                       position.id)
        return self._host.save(position.model_copy(update={"extra": {
            **position.extra, "cancel_pending": why}}))
