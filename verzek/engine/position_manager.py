"""Position manager: sends a position's orders, applies their fills and keeps it protected.

Every method runs under the owner's lock (one user's work is in order; users run in
parallel) and saves the position after each step, so a crash loses at most the step in flight,
which the intent journal and reconciliation then resolve.
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
    CloseReason,
    Order,
    OrderStatus,
    OrderType,
    Position,
    PositionStatus,
    StrategySettings,
    User,
)
from verzek.domain.numeric import plain
from verzek.domain.positions import close as close_position
from verzek.domain.positions import closing_side, opening_side
from verzek.domain.safety.state import OrderPurpose
from verzek.engine import protection, target_hits
from verzek.engine.arming import Arming
from verzek.engine.cancels import Cancels, still_resting
from verzek.engine.dust import close_dust, is_dust
from verzek.engine.executor import OrderExecutor, OrderSpec, SendResult
from verzek.engine.late_fills import LateFills
from verzek.engine.legs import amount_step, base_leg, price_step, to_precision
from verzek.engine.locks import UserLocks
from verzek.engine.notifier import Event, EventKind, Notifier
from verzek.engine.tracker import (
    LIVE_STATUSES,
    add_order,
    apply_result,
    find_order,
    late_opening_fills,
    live_orders,
    new_order,
)
from verzek.errors import OrderNotFound, TransientExchangeError, VerzekError
from verzek.exchanges.base import Exchange, OrderResult
from verzek.store.repos import PositionRepository

logger = logging.getLogger(__name__)
ZERO = Decimal(0)
OnClosed = Callable[[Position], None]


class PositionManager:
    """Places, syncs, protects and closes positions."""

    def __init__(self, *, positions: PositionRepository, executor: OrderExecutor,
                 notifier: Notifier, clock: Clock, locks: UserLocks,
                 strategy_of: Callable[[Position], StrategySettings]) -> None:
        self._positions = positions
        self._executor = executor
        self._notifier = notifier
        self._clock = clock
        self.locks = locks
        self.strategy_of = strategy_of
        self.on_closed: list[OnClosed] = []
        self._closed_seen: set[str] = set()
        self._closed_lock = threading.Lock()
        self._cancels = Cancels(positions=positions, executor=executor, clock=clock, host=self)
        self._late = LateFills(positions=positions, executor=executor, clock=clock, host=self)
        self._arming = Arming(cancels=self._cancels, clock=clock, host=self)

    # --- persistence ---------------------------------------------------------------------

    def save(self, position: Position) -> Position:
        """Save the position, then journal PLACED for its orders whose intents were open: an
        order's outcome is final only once the position that tracks it is durable."""
        self._positions.save(position)
        self._executor.confirm(position)
        if position.status is PositionStatus.CLOSED:
            self._closed(position)
        return position

    def emit(self, kind: EventKind, position: Position, message: str, **data: object) -> None:
        self._notifier.notify(Event(kind, position.user_id, self._clock.now(), message, {
            "position_id": position.id, "symbol": position.symbol, "side": position.side.value,
            **data}))

    # --- sending -------------------------------------------------------------------------

    def send(self, exchange: Exchange, position: Position, leg: str, spec: OrderSpec,
             purpose: OrderPurpose, *, save: bool = True, protect: bool = True,
             ) -> tuple[Position, SendResult]:
        """Send one leg and apply the exchange's answer to the position.

        The position is saved unless `save` is False (the caller saves a batch of sends once;
        the intent journal already holds every order sent). A fill is always saved, and
        re-arms the position's protection unless `protect` is False.
        """
        spec, result = self.dispatch(exchange, position, leg, spec, purpose)
        return self.take(exchange, position, leg, spec, result, save=save, protect=protect)

    def dispatch(self, exchange: Exchange, position: Position, leg: str, spec: OrderSpec,
                 purpose: OrderPurpose) -> tuple[OrderSpec, SendResult]:
        """The first half of `send`: the order sent (exactly once), its answer not applied.
        `take` applies it; until then the intent journal is the order's only record (a new
        position's first order carries the position), as for any send cut off by a crash."""
        spec = to_precision(exchange, spec)
        first = position.status is PositionStatus.PENDING and not position.orders
        result = self._executor.send(exchange, spec, user_id=position.user_id,
                                     account_id=position.account_id, position_id=position.id,
                                     leg=leg, purpose=purpose,
                                     position_doc=position.model_dump(mode="json")
                                     if first else None)
        return spec, result

    def take(self, exchange: Exchange, position: Position, leg: str, spec: OrderSpec,
             result: SendResult, *, save: bool = True, protect: bool = True,
             ) -> tuple[Position, SendResult]:
        """The second half of `send`: apply a dispatched order's answer to its position."""
        now = self._clock.now()
        order = find_order(position, result.client_order_id) or new_order(
            result.client_order_id, leg, spec.side, spec.type, spec.quantity, now,
            price=spec.price, stop_price=spec.stop_price, reduce_only=spec.reduce_only)
        if result.placed and result.result is not None:
            position, fills = apply_result(position, order, result.result, now)
            if fills:
                return self._react(exchange, position, order.leg, protect=protect), result
            return (self.save(position) if save else position), result
        status = {"unknown": OrderStatus.UNKNOWN, "blocked": OrderStatus.CANCELED}.get(
            result.status, OrderStatus.REJECTED)
        position = add_order(position, order.model_copy(update={"status": status,
                                                                "updated_at": now}))
        if leg.startswith("entry") and status is not OrderStatus.UNKNOWN and result.message:
            # the exchange's (or a safety check's) own words, for the user's decision
            position = position.model_copy(update={"extra": {
                **position.extra, "entry_refused": result.message[:300]}})
        return (self.save(position) if save else position), result

    # --- fills and reactions ---------------------------------------------------------------

    def sync_order(self, exchange: Exchange, position: Position, order: Order,
                   report: OrderResult | None = None, *, protect: bool = True) -> Position:
        """Apply what the exchange says about one of our live orders (asked if not given);
        new fills re-arm the position's protection unless `protect` is False."""
        if report is None:
            try:
                report = exchange.fetch_order(position.symbol,
                                              client_order_id=order.client_order_id)
            except OrderNotFound:
                return position  # not visible (yet): reconciliation decides, never a resend
            except TransientExchangeError as exc:
                logger.info("sync of %s deferred: %s", order.client_order_id, exc.code)
                return position
        self._executor.note_answered(order.client_order_id)
        position, fills = apply_result(position, order, report, self._clock.now())
        if fills:
            return self._react(exchange, position, order.leg, protect=protect)
        if report.status is order.status:
            return position
        return self.save(position)

    def sync(self, exchange: Exchange, position: Position,
             only: set[str] | None = None) -> Position:
        """Sync the position's live orders (or `only` these client ids), applying what filled
        in the order it filled: when a DCA buy and the stop both filled since the last look,
        the buy counts first, so the stop never closes more than the position holds. Every
        fill found is counted before the protection is re-armed once: re-armed in between, it
        would be sized for a position that misses fills the exchange has made already."""
        reports: list[tuple[Order, OrderResult]] = []
        for order in live_orders(position):
            if order.status is OrderStatus.INTENDED or (
                    only is not None and order.client_order_id not in only):
                continue
            try:
                reports.append((order, exchange.fetch_order(
                    position.symbol, client_order_id=order.client_order_id)))
            except OrderNotFound:
                continue
            except TransientExchangeError as exc:
                logger.info("sync of %s deferred: %s", order.client_order_id, exc.code)
        opening = opening_side(position.side)

        def when(item: tuple[Order, OrderResult]) -> tuple[Any, ...]:
            order, report = item
            times = [t.at for t in report.trades if t.at is not None]
            first = min(times).timestamp() if times else float("inf")
            return (first, 0 if order.side is opening else 1,
                    min((_trade_seq(t.trade_id) for t in report.trades), default=0))

        filled = False
        for order, report in sorted(reports, key=when):
            current = find_order(position, order.client_order_id) or order
            if position.status is PositionStatus.CLOSED:
                break
            if current.status not in LIVE_STATUSES:
                continue  # cancelled or settled by an earlier reaction: the report is stale
            fills_before = len(position.fills)
            position = self.sync_order(exchange, position, current, report, protect=False)
            filled = filled or len(position.fills) > fills_before
        if filled and position.status is not PositionStatus.CLOSED:
            position = self.arm(exchange, position)
        return position

    def _react(self, exchange: Exchange, position: Position, leg: str, *,
               protect: bool = True) -> Position:
        """After new fills of `leg`: notify, move targets and stops, re-arm or clean up."""
        strategy = self.strategy_of(position)
        step = amount_step(exchange, position)
        # a target's fill marks it hit, even the last one's that closed the position
        position, hit = target_hits.on_fill(position, leg, strategy)
        for index in hit:
            self.emit(EventKind.TARGET_HIT, position,
                      f"Target {index + 1} hit on {position.symbol}", target=index + 1)
        if position.status is PositionStatus.CLOSED:
            return self.save(self.after_close(exchange, position))
        if leg.startswith(("entry", "dca")):
            if leg.startswith("dca"):
                extra = dict(position.extra)
                extra["tp_rev"] = protection.tp_rev(position) + 1
                # the stop covers the new quantity (and moves, when set to follow the average)
                extra["sl_rev"] = protection.sl_rev(position) + 1
                position = position.model_copy(update={"extra": extra})
                # the plan's number (as the decision named the levels, one left out too),
                # not the count filled so far
                number = base_leg(leg)[3:]
                level = int(number) if number.isdigit() else position.dca_levels_filled
                self.emit(EventKind.DCA_FILLED, position,
                          f"DCA level {level} filled on "
                          f"{position.symbol}; new average {plain(position.average_entry)}",
                          level=level, levels_filled=position.dca_levels_filled,
                          average_entry=str(position.average_entry))
            elif not position.extra.get("opened_notified"):
                # the first fill is the entry: stops and percent exits measure from it, not
                # from the ticker read before the order (slippage, a limit below the market)
                symbol = position.symbol
                position = protection.measured_from_fill(
                    position, lambda price: exchange.price_to_precision(symbol, price), step,
                    price_step=price_step(exchange, symbol))
                position = position.model_copy(
                    update={"extra": {**position.extra, "opened_notified": True}})
                self.emit(EventKind.POSITION_OPENED, position,
                          f"Opened {position.side.value} {position.symbol} at "
                          f"{plain(position.average_entry)}", quantity=str(position.quantity))
            position = protection.recompute_exits(position, strategy, amount_step=step)
        elif leg.startswith("sl"):
            self.emit(EventKind.STOP_HIT, position, f"Stop loss hit on {position.symbol}")
        if not leg.startswith(("entry", "dca")) and is_dust(exchange, position):
            # A spot buy's fee taken in the coin bought can leave less than the exchange
            # lets us sell: no exit can ever take it, so the position closes around it.
            return self.save(self.after_close(exchange, close_dust(position, leg,
                                                                   self._clock.now())))
        if not leg.startswith(("entry", "dca")):
            # what is left to protect changed: targets and stop follow the open quantity
            position = protection.recompute_exits(position, strategy, amount_step=step)
        position = self.save(position)
        return self.arm(exchange, position) if protect else position

    def dust_left(self, exchange: Exchange, position: Position) -> Position:
        """An exit found filled by its cancel left only dust: closed around it (saved), as
        when the exit's fill is seen by order sync (`_react`)."""
        last = find_order(position, position.fills[-1].client_order_id) \
            if position.fills else None
        return self.save(self.after_close(exchange, close_dust(
            position, last.leg if last else "close", self._clock.now())))

    def after_close(self, exchange: Exchange, position: Position) -> Position:
        """Cancel what still rests; the caller saves (and `save` tells the listeners).

        An entry or DCA order can fill in the moment between the closing fill and its cancel.
        That quantity is held on the exchange but by no open position, so the position is
        reopened for it and flattened at market: nothing the engine does not track stays."""
        for order in live_orders(position):
            position = self._cancels.cancel(exchange, position, order)
        if still_resting(position):
            self._cancels.leave_for_reconciler(position)
        late = late_opening_fills(position)
        if late and not position.extra.get("late_fill_flattened"):
            position = self._late.flatten(exchange, position, late)
        return position

    def _closed(self, position: Position) -> None:
        """Tell the owner and the listeners (stats, breaker) once the close is durable."""
        with self._closed_lock:
            if position.id in self._closed_seen:
                return
            self._closed_seen.add(position.id)
        why = position.extra.get("entry_cancelled")
        self.emit(EventKind.POSITION_CLOSED, position,
                  f"Closed {position.symbol} ({position.close_reason}"
                  f"{': ' + why if why else ''}); realised PnL "
                  f"{position.realised_pnl_usdt:.2f} USDT",
                  reason=str(position.close_reason),
                  pnl_usdt=str(position.realised_pnl_usdt))
        if position.close_reason is CloseReason.STOP_LOSS:
            self.emit(EventKind.STOP_HIT, position, f"Stop loss hit on {position.symbol}")
        for listener in self.on_closed:
            try:
                listener(position)
            except Exception:
                logger.exception("close listener failed for position %s", position.id)

    # --- protection -------------------------------------------------------------------------

    def arm(self, exchange: Exchange, position: Position) -> Position:
        """Make the resting TP/SL/DCA orders what the position needs now (see `Arming.arm`).
        Entry pieces still resting once a target was taken are cancelled: the move is under
        way, and they would buy again on a pull-back after the profit was taken (+1.49 became
        -1.03). Asked at every arming (after a target's fill, and at each order-sync pass), so
        a cancel that timed out is asked again."""
        if any(t.hit for t in position.targets) and any(
                o.status is not OrderStatus.INTENDED for o in live_orders(position, "entry")) \
                and self.strategy_of(position).cancel_entry_at_target:
            logger.info("position %s: a target was taken; the entry orders not filled are "
                        "cancelled", position.id)
            position = self.cancel_all(exchange, position, "entry")
        return self._arming.arm(exchange, position)

    def close_recently_failed(self, position: Position) -> bool:
        """A close the exchange refused less than 30 s ago: wait before trying again."""
        failed_at = position.extra.get("close_failed_at")
        return failed_at is not None and (
            self._clock.now() - datetime.fromisoformat(failed_at)).total_seconds() < 30

    def cancel_all(self, exchange: Exchange, position: Position, prefix: str = "") -> Position:
        """Cancel the live orders whose leg starts with `prefix` (all by default); saved."""
        return self._cancels.cancel_all(exchange, position, prefix)

    def cancel_unfilled(self, exchange: Exchange, position: Position,
                        why: str | None = None,
                        reason: CloseReason = CloseReason.CANCELLED) -> Position:
        """Cancel the resting entry and DCA orders; a position that filled nothing is closed
        for `reason`, cancelled by default (`why` goes with the user's notice). Saved (see
        `Cancels`)."""
        return self._cancels.cancel_unfilled(exchange, position, why, reason)

    def recover_late_fill(self, exchange: Exchange, closed: Position, order: Order,
                          report: OrderResult) -> Position | None:
        """An entry or DCA order of a position closed and archived meanwhile filled: taken
        over and closed at market (see `LateFills.recover`)."""
        return self._late.recover(exchange, closed, order, report)

    # --- closing -----------------------------------------------------------------------------

    def settle(self, exchange: Exchange, position: Position, reason: CloseReason,
               price: Decimal, *, fee_usdt: Decimal = Decimal(0),
               pnl_usdt: Decimal | None = None) -> Position:
        """Close what the exchange closed by itself (a liquidation) at its price, with the
        result the exchange reports when it does (`pnl_usdt`, net of `fee_usdt`); saved."""
        closed = close_position(position, reason, self._clock.now(), settle_price=price,
                                fee_usdt=fee_usdt, pnl_usdt=pnl_usdt)
        return self.save(self.after_close(exchange, closed))

    def close_market(self, exchange: Exchange, position: Position, leg: str,
                     reason: CloseReason) -> Position:
        """Cancel resting orders and close what is open at market (reduce-only on futures)."""
        position = self.cancel_all(exchange, position)
        if position.status is PositionStatus.CLOSED:
            return position
        if position.quantity == 0:
            if still_resting(position):
                return self._cancels.cancel_pending(position, f"closing ({reason.value})")
            position = close_position(position, reason, self._clock.now())
            return self.save(self.after_close(exchange, position))
        spec = OrderSpec(symbol=position.symbol, side=closing_side(position.side),
                         type=OrderType.MARKET, quantity=position.quantity,
                         reduce_only=position.market_type.value == "futures")
        n = sum(1 for o in position.orders if o.leg.startswith(leg))
        position, result = self.send(exchange, position, f"{leg}{n}", spec,
                                     OrderPurpose.REDUCE)
        if result.placed and position.status is not PositionStatus.CLOSED:
            position = self.sync(exchange, position)
        if result.status == "rejected" and spec.reduce_only:
            gone = self._nothing_held(exchange, position, reason)
            if gone is not None:
                return gone
        if result.status in ("rejected", "blocked"):
            # The close did not happen: put the protection back rather than leave it bare,
            # and let a monitor-driven close wait before it tries again.
            position = self.save(position.model_copy(update={"extra": {
                **position.extra, "close_failed_at": self._clock.now().isoformat()}}))
            position = self.arm(exchange, position)
        if position.status is PositionStatus.CLOSED and position.close_reason is not reason \
                and reason in (CloseReason.MANUAL, CloseReason.KILL_SWITCH,
                               CloseReason.CHANNEL):
            position = self.save(position.model_copy(update={"close_reason": reason}))
        return position

    def _nothing_held(self, exchange: Exchange, position: Position,
                      reason: CloseReason) -> Position | None:
        """A reduce-only close the exchange refused while it holds none of the position's side
        on the symbol: nothing is left to close (closed outside us, or a late fill that another
        order of ours sold already). Settled at the market price and the owner told, never kept
        open for quantity the exchange does not hold. None when it holds some, or cannot say."""
        try:
            if any(i.side is position.side and i.quantity > 0
                   for i in exchange.fetch_positions([position.symbol])):
                return None
            price = exchange.fetch_ticker(position.symbol).last
        except VerzekError:
            return None
        logger.error("position %s: the exchange refused to close %s %s and holds none: settled "
                     "at %s", position.id, position.quantity, position.symbol, price)
        self.emit(EventKind.ATTENTION, position,
                  f"The exchange holds no {position.side.value} {position.symbol} to close: the "
                  f"position ({plain(position.quantity)}) is settled as closed at {plain(price)}.",
                  quantity=str(position.quantity))
        return self.settle(exchange, position, reason, price)


def _trade_seq(trade_id: str) -> int:
    """The number at the end of a trade id (exchanges number their trades), else 0."""
    digits = ""
    for char in reversed(trade_id):
        if not char.isdigit():
            break
        digits = char + digits
    return int(digits) if digits else 0


def user_strategy(users_get: Callable[[str], User]) -> Callable[[Position], StrategySettings]:
    """The strategy settings of the position's owner (defaults if the user is gone)."""

    def strategy(position: Position) -> StrategySettings:
        try:
            return users_get(position.user_id).settings.strategy
        except Exception:
            return StrategySettings()

    return strategy
