"""Arming: makes a position's resting take-profit, stop and DCA orders what it needs now —
stale or mis-sized ones cancelled, missing ones placed, a stop replaced new-first, a leg the
exchange keeps refusing given up."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from verzek.clock import Clock
from verzek.domain.models import (
    CloseReason,
    Order,
    OrderStatus,
    Position,
    PositionStatus,
    StrategySettings,
)
from verzek.domain.numeric import plain
from verzek.domain.safety.state import OrderPurpose
from verzek.engine import protection, target_hits
from verzek.engine.cancels import Cancels
from verzek.engine.dust import is_dust
from verzek.engine.executor import OrderSpec, SendResult
from verzek.engine.legs import (
    amount_step,
    base_leg,
    leg_kind,
    refusals,
    stale_orders,
    to_precision,
    unused_leg,
)
from verzek.engine.notifier import EventKind
from verzek.engine.tracker import LIVE_STATUSES, find_order
from verzek.errors import ExchangeError, VerzekError, WouldTriggerImmediately
from verzek.exchanges.base import Exchange

logger = logging.getLogger(__name__)
ZERO = Decimal(0)
MAX_REFUSALS = 3  # refusals of one protection leg before it is given up (owner told)
MAX_REPLANS = 5  # fills on placement one arm() follows before leaving the rest to a pass


class Host(Protocol):
    """What arming asks of the position manager that holds it."""

    strategy_of: Callable[[Position], StrategySettings]

    def save(self, position: Position) -> Position: ...

    def send(self, exchange: Exchange, position: Position, leg: str, spec: OrderSpec,
             purpose: OrderPurpose, *, save: bool = True, protect: bool = True,
             ) -> tuple[Position, SendResult]: ...

    def after_close(self, exchange: Exchange, position: Position) -> Position: ...

    def dust_left(self, exchange: Exchange, position: Position) -> Position: ...

    def close_recently_failed(self, position: Position) -> bool: ...

    def close_market(self, exchange: Exchange, position: Position, leg: str,
                     reason: CloseReason) -> Position: ...

    def emit(self, kind: EventKind, position: Position, message: str,
             **data: object) -> None: ...


class Arming:
    """Arms one position at a time; runs under the owner's lock like its host."""

    def __init__(self, *, cancels: Cancels, clock: Clock, host: Host) -> None:
        self._cancels = cancels
        self._clock = clock
        self._host = host

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
        strategy = self._host.strategy_of(position)
        try:
            min_notional = exchange.market(position.symbol).min_notional
        except ExchangeError:
            min_notional = ZERO
        step = amount_step(exchange, position)
        position = self._reached(exchange, position, strategy, min_notional)
        position = self._on_tick(exchange, position)
        desired: list[protection.DesiredLeg] = []
        old_stops: list[Order] = []
        for _ in range(3):
            desired = [protection.DesiredLeg(d.leg, to_precision(exchange, d.spec))
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
                position = self._cancels.cancel(exchange, position, order)
            if stale:
                position = self._host.save(position)
            if len(position.fills) == fills_before:
                break
            # A cancel found the order filled meanwhile: count it, then plan again.
            if position.status is PositionStatus.CLOSED:
                return self._host.save(self._host.after_close(exchange, position))
            if is_dust(exchange, position):
                return self._host.dust_left(exchange, position)
            position = self._host.save(protection.recompute_exits(position, strategy,
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
            position, result = self._host.send(exchange, position, unused_leg(position, item.leg),
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
                    and not self._host.close_recently_failed(position):
                # The price is through the stop already: the stop is hit, close at market
                # now rather than retry a stop the exchange refuses on every pass.
                return self._host.close_market(exchange, self._host.save(position), "sl",
                                               CloseReason.STOP_LOSS)
        if sent:
            position = self._host.save(position)
        if old_stops and position.status is not PositionStatus.CLOSED:
            position = self._retire_stops(exchange, position, old_stops, desired, again=_again)
        return position

    def _on_tick(self, exchange: Exchange, position: Position) -> Position:
        """The position's stop and targets on the market's price step, as their orders are
        placed: a stop moved to an average entry ("3018.486666666666666666666667"), trailed
        by a %, or a target a % from the fill ("145.4224") said one price while the order
        rested at another ("3018.49", "145.42"). Saved when one moves."""
        if position.status is PositionStatus.CLOSED:
            return position
        try:
            stop = position.stop_loss
            on_stop = exchange.price_to_precision(position.symbol, stop) \
                if stop is not None else None
            targets = [t.model_copy(update={"price": placed}) if (
                placed := exchange.price_to_precision(position.symbol, t.price)) != t.price
                and placed > 0 else t for t in position.targets]
        except ExchangeError:
            return position  # the market is unknown here: the orders' own checks say so
        update: dict[str, Any] = {}
        if on_stop is not None and on_stop > 0 and on_stop != stop:
            update["stop_loss"] = on_stop
        if targets != position.targets:
            update["targets"] = targets
        return self._host.save(position.model_copy(update=update)) if update else position

    def _reached(self, exchange: Exchange, position: Position, strategy: StrategySettings,
                 min_notional: Decimal) -> Position:
        """Targets with no order of their own (a share too small for one, carried to a later
        target) that the market price has reached: marked hit, with what follows a target
        (the stop to breakeven, never past the price), since no fill will tell. The price is
        read only when the position has such a target nearer than one with an order (one
        beyond every order is reached only once those filled: nothing rests for it). Saved
        when one is marked."""
        if position.status not in (PositionStatus.OPEN, PositionStatus.PARTIALLY_CLOSED) or \
                position.quantity == 0 or strategy.trailing_tp_activation_pct is not None:
            return position
        legs = protection.desired_legs(position, strategy, min_notional=min_notional,
                                       max_active_dca=0)
        placed = {i for i in (target_hits.target_of_leg(d.leg) for d in legs) if i is not None}
        placed |= target_hits.with_orders(position)
        if not any(not t.hit and i not in placed and i < max(placed, default=-1)
                   for i, t in enumerate(position.targets)):
            return position
        try:
            price = exchange.fetch_ticker(position.symbol).last
        except VerzekError as exc:
            logger.info("price of %s unread (%s): targets passed are looked at next time",
                        position.symbol, exc.code)
            return position
        if not price or price <= 0:
            return position
        position, hit = target_hits.mark_passed(position, strategy, price, placed)
        if not hit:
            return position
        for index in hit:
            self._host.emit(EventKind.TARGET_HIT, position,
                            f"Target {index + 1} reached on {position.symbol} at "
                            f"{plain(price)}; its share was too small for an order of its "
                            "own and is sold at a later target", target=index + 1)
        return self._host.save(protection.recompute_exits(
            position, strategy, amount_step=amount_step(exchange, position)))

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
                position = self._cancels.cancel(exchange, position, current)
        if len(position.fills) == fills_before:
            return self._host.save(position)
        # the old stop filled before its cancel: count it, then size what is left again
        if position.status is PositionStatus.CLOSED:
            return self._host.save(self._host.after_close(exchange, position))
        if is_dust(exchange, position):
            return self._host.dust_left(exchange, position)
        position = self._host.save(protection.recompute_exits(
            position, self._host.strategy_of(position),
            amount_step=amount_step(exchange, position)))
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
            self._host.emit(EventKind.ATTENTION, position,
                            f"The exchange refused the {leg_kind(leg)} order of {position.symbol} "
                            f"{count} times ({result.message[:200]}); it is not sent again. "
                            "Please check this position.", leg=leg, code=result.code)
        return position
