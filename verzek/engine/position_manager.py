"""Position manager: sends a position's orders, applies their fills and keeps it protected.

Every method runs under the owner's lock (one user's work is in order; users run in
parallel) and saves the position after each step, so a crash loses at most the step in flight,
which the intent journal and reconciliation then resolve.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from verzek.clock import Clock
from verzek.domain.models import (
    CloseReason,
    Fill,
    MarketType,
    Order,
    OrderStatus,
    OrderType,
    Position,
    PositionStatus,
    StrategySettings,
    User,
)
from verzek.domain.positions import (
    apply_fill,
    closing_side,
    opening_side,
    reason_for_leg,
    reopen,
)
from verzek.domain.positions import close as close_position
from verzek.domain.safety.state import OrderPurpose
from verzek.engine import protection
from verzek.engine.executor import OrderExecutor, OrderSpec, SendResult
from verzek.engine.legs import (
    base_leg,
    leg_kind,
    refusals,
    stale_orders,
    unused_leg,
)
from verzek.engine.locks import UserLocks
from verzek.engine.notifier import Event, EventKind, Notifier
from verzek.engine.tracker import (
    LIVE_STATUSES,
    add_order,
    applied_quantity,
    apply_result,
    find_order,
    late_opening_fills,
    live_orders,
    new_order,
    set_order_status,
)
from verzek.errors import (
    BelowMinimum,
    ExchangeError,
    OrderNotFound,
    TransientExchangeError,
    WouldTriggerImmediately,
)
from verzek.exchanges.base import Exchange, OrderResult
from verzek.store.repos import PositionRepository

logger = logging.getLogger(__name__)
ZERO = Decimal(0)
OnClosed = Callable[[Position], None]
LEFTOVERS = "leftover_orders.json"  # orders of closed positions still to cancel (reconciler)
MAX_REFUSALS = 3  # refusals of one protection leg before it is given up (owner told)
MAX_REPLANS = 5  # fills on placement one arm() follows before leaving the rest to a pass


def recovery_position_id(position_id: str, client_order_id: str) -> str:
    """The position that takes over a late fill of `client_order_id` (deterministic)."""
    digest = hashlib.sha256(f"{position_id}|late|{client_order_id}".encode()).hexdigest()
    return f"p{digest[:20]}"


def _still_resting(position: Position) -> bool:
    """An order of the position may still rest on the exchange (sent, not confirmed gone)."""
    return any(o.status is not OrderStatus.INTENDED for o in live_orders(position))


def _beyond(report: OrderResult, counted: Decimal) -> OrderResult:
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

    # --- persistence ---------------------------------------------------------------------

    def save(self, position: Position) -> Position:
        """Save the position, then journal PLACED for its orders whose intents were open: an
        order's outcome is final only once the position that tracks it is durable."""
        self._positions.save(position)
        self._executor.confirm(position)
        if position.status is PositionStatus.CLOSED:
            self._closed(position)
        return position

    def _emit(self, kind: EventKind, position: Position, message: str, **data: object) -> None:
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
        spec = self._to_precision(exchange, spec)
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
        step = self._amount_step(exchange, position)
        if position.status is PositionStatus.CLOSED:
            return self.save(self._after_close(exchange, position))
        if leg.startswith(("entry", "dca")):
            if leg.startswith("dca"):
                extra = dict(position.extra)
                extra["tp_rev"] = protection.tp_rev(position) + 1
                # the stop covers the new quantity (and moves, when set to follow the average)
                extra["sl_rev"] = protection.sl_rev(position) + 1
                position = position.model_copy(update={"extra": extra})
                self._emit(EventKind.DCA_FILLED, position,
                           f"DCA level {position.dca_levels_filled} filled on "
                           f"{position.symbol}; new average {position.average_entry:.8g}",
                           level=position.dca_levels_filled,
                           average_entry=str(position.average_entry))
            elif not position.extra.get("opened_notified"):
                # the first fill is the entry: stops and percent exits measure from it, not
                # from the ticker read before the order (slippage, a limit below the market)
                symbol = position.symbol
                position = protection.measured_from_fill(
                    position, lambda price: exchange.price_to_precision(symbol, price),
                    lambda amount: exchange.amount_to_precision(symbol, amount))
                position = position.model_copy(
                    update={"extra": {**position.extra, "opened_notified": True}})
                self._emit(EventKind.POSITION_OPENED, position,
                           f"Opened {position.side.value} {position.symbol} at "
                           f"{position.average_entry:.8g}", quantity=str(position.quantity))
            position = protection.recompute_exits(position, strategy, amount_step=step)
        elif leg.startswith("tp"):
            index = int(leg[2:].split("r")[0]) - 1
            order = next((o for o in position.orders if o.leg == leg), None)
            if order is not None and order.status is OrderStatus.FILLED and \
                    index < len(position.targets) and not position.targets[index].hit:
                position = protection.after_target(position, strategy, index)
                self._emit(EventKind.TARGET_HIT, position,
                           f"Target {index + 1} hit on {position.symbol}", target=index + 1)
        elif leg.startswith("sl"):
            self._emit(EventKind.STOP_HIT, position, f"Stop loss hit on {position.symbol}")
        if not leg.startswith(("entry", "dca")) and self._is_dust(exchange, position):
            # A spot buy's fee taken in the coin bought can leave less than the exchange
            # lets us sell: no exit can ever take it, so the position closes around it.
            return self.save(self._after_close(exchange, self._close_dust(position, leg)))
        if not leg.startswith(("entry", "dca")):
            # what is left to protect changed: targets and stop follow the open quantity
            position = protection.recompute_exits(position, strategy, amount_step=step)
        position = self.save(position)
        return self.arm(exchange, position) if protect else position

    @staticmethod
    def _is_dust(exchange: Exchange, position: Position) -> bool:
        """An open spot remainder below the market's amount step or minimum amount."""
        if position.market_type is not MarketType.SPOT or position.quantity <= 0 or \
                position.status is PositionStatus.CLOSED:
            return False
        try:
            market = exchange.market(position.symbol)
            sellable = exchange.amount_to_precision(position.symbol, position.quantity)
        except BelowMinimum:
            return True
        except ExchangeError:
            return False  # the market is not known now: nothing to decide on
        return sellable <= 0 or bool(market.min_amount and sellable < market.min_amount)

    def _close_dust(self, position: Position, leg: str) -> Position:
        """Close a position holding only dust, valued at its last exit's price; the dust stays
        in the account (`dust_qty` in its extra)."""
        dust = position.quantity
        price = position.fills[-1].price if position.fills else position.average_entry
        logger.info("position %s: %s %s left below the exchange's minimum amount; closed",
                    position.id, dust, position.symbol)
        position = position.model_copy(update={"extra": {**position.extra,
                                                         "dust_qty": str(dust)}})
        return close_position(position, _close_reason(position, leg), self._clock.now(),
                              settle_price=price)

    def _dust_left(self, exchange: Exchange, position: Position) -> Position:
        """An exit found filled by its cancel left only dust: closed around it (saved), as
        when the exit's fill is seen by order sync (`_react`)."""
        last = find_order(position, position.fills[-1].client_order_id) \
            if position.fills else None
        return self.save(self._after_close(
            exchange, self._close_dust(position, last.leg if last else "close")))

    def _after_close(self, exchange: Exchange, position: Position) -> Position:
        """Cancel what still rests; the caller saves (and `save` tells the listeners).

        An entry or DCA order can fill in the moment between the closing fill and its cancel.
        That quantity is held on the exchange but by no open position, so the position is
        reopened for it and flattened at market: nothing the engine does not track stays."""
        for order in live_orders(position):
            position = self._cancel(exchange, position, order)
        if _still_resting(position):
            self._leave_for_reconciler(position)
        late = late_opening_fills(position)
        if late and not position.extra.get("late_fill_flattened"):
            position = self._flatten_late_fills(exchange, position, late)
        return position

    def _flatten_late_fills(self, exchange: Exchange, position: Position,
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
        self._emit(EventKind.ATTENTION, reopened,
                   f"A {position.symbol} order filled {quantity} as the position closed; "
                   "it is being closed at market.", quantity=str(quantity))
        reopened = self.save(reopened)
        return self.close_market(exchange, reopened, "flat", reason)

    def recover_late_fill(self, exchange: Exchange, closed: Position, order: Order,
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
            recovery, _ = apply_result(recovery, mine, _beyond(report, counted), now)
            logger.warning("%s of closed position %s filled %s %s after the close; position %s "
                           "takes it over and closes it at market", order.leg, closed.id, late,
                           closed.symbol, rid)
            self._emit(EventKind.ATTENTION, recovery,
                       f"A {closed.symbol} order filled {late} after its position closed; it "
                       "is being closed at market.", quantity=str(late),
                       recovered_from=closed.id)
            recovery = self.save(recovery)
        return self.close_market(exchange, recovery, "flat", reason)

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

    def _closed(self, position: Position) -> None:
        """Tell the owner and the listeners (stats, breaker) once the close is durable."""
        with self._closed_lock:
            if position.id in self._closed_seen:
                return
            self._closed_seen.add(position.id)
        why = position.extra.get("entry_cancelled")
        self._emit(EventKind.POSITION_CLOSED, position,
                   f"Closed {position.symbol} ({position.close_reason}"
                   f"{': ' + why if why else ''}); realised PnL "
                   f"{position.realised_pnl_usdt:.2f} USDT",
                   reason=str(position.close_reason),
                   pnl_usdt=str(position.realised_pnl_usdt))
        if position.close_reason is CloseReason.STOP_LOSS:
            self._emit(EventKind.STOP_HIT, position, f"Stop loss hit on {position.symbol}")
        for listener in self.on_closed:
            try:
                listener(position)
            except Exception:
                logger.exception("close listener failed for position %s", position.id)

    # --- protection -------------------------------------------------------------------------

    def arm(self, exchange: Exchange, position: Position, *, _again: bool = True,
            _depth: int = 0) -> Position:
        """Make the resting TP/SL/DCA orders what the position needs now: cancel stale or
        mis-sized ones, place what is missing.

        A stop is replaced new-first: the old one is cancelled only once its replacement
        rests on the exchange, so the position is never without one (two reduce-only stops
        cannot close more than it holds). A leg the exchange refused `MAX_REFUSALS` times is
        not sent again (`refused_legs` in the position's extra; the owner is told once).

        An order that fills as it is placed (a target the market is already past) moves the
        exits: the rest is planned again from the moved exits, never sent from the plan made
        before the fill. Two live orders for one leg (whatever left them) are one too many:
        the later one is cancelled like a stale one."""
        strategy = self.strategy_of(position)
        try:
            min_notional = exchange.market(position.symbol).min_notional
        except ExchangeError:
            min_notional = ZERO
        step = self._amount_step(exchange, position)
        desired: list[protection.DesiredLeg] = []
        old_stops: list[Order] = []
        for _ in range(3):
            desired = [protection.DesiredLeg(d.leg, self._to_precision(exchange, d.spec))
                       for d in protection.desired_legs(
                           position, strategy, min_notional=min_notional,
                           max_active_dca=int(position.extra.get("max_active_dca", 3)))]
            wanted = {d.leg: d.spec for d in desired}
            stale = stale_orders(position, wanted)
            stop_wanted = any(leg.startswith("sl") for leg in wanted)
            old_stops = [o for o in stale if o.leg.startswith("sl") and stop_wanted]
            stale = [o for o in stale if o not in old_stops]
            fills_before = len(position.fills)
            for order in stale:
                position = self._cancel(exchange, position, order)
            if stale:
                position = self.save(position)
            if len(position.fills) == fills_before:
                break
            # A cancel found the order filled meanwhile: count it, then plan again.
            if position.status is PositionStatus.CLOSED:
                return self.save(self._after_close(exchange, position))
            if self._is_dust(exchange, position):
                return self._dust_left(exchange, position)
            position = self.save(protection.recompute_exits(position, strategy,
                                                            amount_step=step))
        replaced = {o.client_order_id for o in old_stops}
        placed = {base_leg(o.leg) for o in position.orders if o.client_order_id not in replaced
                  and (o.status in LIVE_STATUSES or o.status is OrderStatus.FILLED)}
        sent = False
        for item in desired:
            if item.leg in placed or refusals(position, item.leg) >= MAX_REFUSALS:
                continue
            purpose = OrderPurpose.INCREASE if item.leg.startswith("dca") else \
                OrderPurpose.REDUCE
            fills_before = len(position.fills)
            position, result = self.send(exchange, position, unused_leg(position, item.leg),
                                         item.spec, purpose, save=False, protect=False)
            sent = True
            if len(position.fills) != fills_before:
                # Filled on placement: the reaction moved the exits (and saved). The legs
                # planned before the fill are stale: plan again from what is now.
                if position.status is PositionStatus.CLOSED or _depth >= MAX_REPLANS:
                    return position  # the next order-sync pass arms what is left
                return self.arm(exchange, position, _again=_again, _depth=_depth + 1)
            if not result.placed and result.status != "unknown":
                logger.warning("could not place %s for position %s: %s %s", item.leg,
                               position.id, result.code, result.message)
                position = self._refused(position, item.leg, result)
            if position.status is PositionStatus.CLOSED:
                break
            if item.leg.startswith("sl") and result.code == WouldTriggerImmediately.code \
                    and not self.close_recently_failed(position):
                # The price is through the stop already: the stop is hit, close at market
                # now rather than retry a stop the exchange refuses on every pass.
                return self.close_market(exchange, self.save(position), "sl",
                                         CloseReason.STOP_LOSS)
        if sent:
            position = self.save(position)
        if old_stops and position.status is not PositionStatus.CLOSED:
            position = self._retire_stops(exchange, position, old_stops, desired, again=_again)
        return position

    def _retire_stops(self, exchange: Exchange, position: Position, old: list[Order],
                      desired: list[protection.DesiredLeg], *, again: bool) -> Position:
        """Cancel the stops a new one replaces, once the new one rests (the exchange showed
        it) or the exchange has refused it for good (the monitor then watches the stop, as
        for any futures position without one); else they stay until a later pass."""
        leg = next(d.leg for d in desired if d.leg.startswith("sl"))
        old_ids = {o.client_order_id for o in old}
        rests = any(base_leg(o.leg) == leg and o.client_order_id not in old_ids and o.status in
                    (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED) for o in position.orders)
        if not rests and refusals(position, leg) < MAX_REFUSALS:
            return position
        fills_before = len(position.fills)
        for order in old:
            current = find_order(position, order.client_order_id) or order
            if current.status in LIVE_STATUSES:
                position = self._cancel(exchange, position, current)
        if len(position.fills) == fills_before:
            return self.save(position)
        # the old stop filled before its cancel: count it, then size what is left again
        if position.status is PositionStatus.CLOSED:
            return self.save(self._after_close(exchange, position))
        if self._is_dust(exchange, position):
            return self._dust_left(exchange, position)
        position = self.save(protection.recompute_exits(
            position, self.strategy_of(position),
            amount_step=self._amount_step(exchange, position)))
        return self.arm(exchange, position, _again=False) if again else position

    def _refused(self, position: Position, leg: str, result: SendResult) -> Position:
        """Count an exchange's refusal of a protection leg; at `MAX_REFUSALS` the leg is given
        up (it is not re-sent every pass, refused for ever) and its owner told once."""
        if result.status != "rejected" or result.code == "not_placed" or \
                result.code.startswith("already_"):
            return position  # not the exchange refusing this order (see OrderExecutor.send)
        refused = dict(position.extra.get("refused_legs", {}))
        count = refusals(position, leg) + 1
        refused[leg] = {"count": count, "code": result.code, "message": result.message[:300],
                        "at": self._clock.now().isoformat()}
        extra: dict[str, Any] = {**position.extra, "refused_legs": refused}
        if count >= MAX_REFUSALS:
            extra["attention"] = (f"the exchange refused the {leg} order {count} times "
                                  f"({result.message[:200]}); it is not sent again")
            logger.error("position %s: %s given up after %d refusals: %s", position.id, leg,
                         count, result.message)
        position = position.model_copy(update={"extra": extra})
        if count == MAX_REFUSALS:
            self._emit(EventKind.ATTENTION, position,
                       f"The exchange refused the {leg_kind(leg)} order of {position.symbol} "
                       f"{count} times ({result.message[:200]}); it is not sent again. "
                       "Please check this position.", leg=leg, code=result.code)
        return position

    def close_recently_failed(self, position: Position) -> bool:
        """A close the exchange refused less than 30 s ago: wait before trying again."""
        failed_at = position.extra.get("close_failed_at")
        return failed_at is not None and (
            self._clock.now() - datetime.fromisoformat(failed_at)).total_seconds() < 30

    def _cancel(self, exchange: Exchange, position: Position, order: Order) -> Position:
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
            position = self._cancel(exchange, position, order)
        return self.save(position) if orders else position

    def cancel_unfilled(self, exchange: Exchange, position: Position,
                        why: str | None = None) -> Position:
        """Cancel the resting entry and DCA orders; a position that filled nothing (a resting
        entry, a breakout still waiting) is closed as cancelled (`why`, in words, goes with
        the user's notice). Saved."""
        position = self.cancel_all(exchange, position, "entry")
        position = self.cancel_all(exchange, position, "dca")
        if position.quantity == 0 and position.status is not PositionStatus.CLOSED:
            position = self.cancel_all(exchange, position)
            if _still_resting(position):
                return self._cancel_pending(position, why or "cancel requested")
            if why:
                position = position.model_copy(
                    update={"extra": {**position.extra, "entry_cancelled": why}})
            position = self.save(close_position(position, CloseReason.CANCELLED,
                                                self._clock.now()))
        return position

    def _leave_for_reconciler(self, position: Position) -> None:
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

    def _cancel_pending(self, position: Position, why: str) -> Position:
        """A cancel the exchange has not confirmed (a timeout, a 5xx): the position is never
        closed with an order still resting; it waits, and the monitor asks again each pass."""
        logger.warning("position %s: a cancel is not confirmed yet; asked again next pass",
                       position.id)
        return self.save(position.model_copy(update={"extra": {
            **position.extra, "cancel_pending": why}}))

    # --- closing -----------------------------------------------------------------------------

    def settle(self, exchange: Exchange, position: Position, reason: CloseReason,
               price: Decimal) -> Position:
        """Close what the exchange closed by itself (a liquidation) at its price; saved."""
        closed = close_position(position, reason, self._clock.now(), settle_price=price)
        return self.save(self._after_close(exchange, closed))

    def close_market(self, exchange: Exchange, position: Position, leg: str,
                     reason: CloseReason) -> Position:
        """Cancel resting orders and close what is open at market (reduce-only on futures)."""
        position = self.cancel_all(exchange, position)
        if position.status is PositionStatus.CLOSED:
            return position
        if position.quantity == 0:
            if _still_resting(position):
                return self._cancel_pending(position, f"closing ({reason.value})")
            position = close_position(position, reason, self._clock.now())
            return self.save(self._after_close(exchange, position))
        spec = OrderSpec(symbol=position.symbol, side=closing_side(position.side),
                         type=OrderType.MARKET, quantity=position.quantity,
                         reduce_only=position.market_type.value == "futures")
        n = sum(1 for o in position.orders if o.leg.startswith(leg))
        position, result = self.send(exchange, position, f"{leg}{n}", spec,
                                     OrderPurpose.REDUCE)
        if result.placed and position.status is not PositionStatus.CLOSED:
            position = self.sync(exchange, position)
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

    # --- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _to_precision(exchange: Exchange, spec: OrderSpec) -> OrderSpec:
        """Prices and amounts as the exchange accepts them (decided before the intent)."""
        try:
            return replace(
                spec, quantity=exchange.amount_to_precision(spec.symbol, spec.quantity),
                price=exchange.price_to_precision(spec.symbol, spec.price)
                if spec.price is not None else None,
                stop_price=exchange.price_to_precision(spec.symbol, spec.stop_price)
                if spec.stop_price is not None else None)
        except ExchangeError:
            return spec

    @staticmethod
    def _amount_step(exchange: Exchange, position: Position) -> Decimal | None:
        try:
            return exchange.market(position.symbol).amount_step
        except ExchangeError:
            return None


def _close_reason(position: Position, leg: str) -> CloseReason:
    """Why a position closes when an order of `leg` empties it (as the tracker decides)."""
    if leg.startswith("chan"):
        return CloseReason.CHANNEL
    if leg.startswith("trail"):
        return CloseReason.TAKE_PROFIT
    if position.extra.get("close_as") and not leg.startswith("kill"):
        return CloseReason(position.extra["close_as"])  # reopened only to close it again
    return reason_for_leg(leg)




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
