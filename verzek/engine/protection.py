"""What should rest on the exchange for a position: take-profit, stop-loss and DCA orders.

Pure functions over a Position (no I/O): the position manager diffs the desired legs against
the live ones, cancelling what is stale and placing what is missing. Leg names carry a
revision so a re-placed order gets a new client id (a TP re-placed after a DCA fill, say).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from verzek.domain.dca import take_profit_price
from verzek.domain.exits import (
    MAX_FEE_RATE,
    breakeven_price,
    is_stop_hit,
    is_target_hit,
    percent_from,
    split_quantity,
    stop_after_target,
    stop_loss_price,
)
from verzek.domain.models import (
    MarketType,
    OrderType,
    Position,
    PositionStatus,
    Side,
    StrategySettings,
    TakeProfitTarget,
)
from verzek.domain.numeric import round_to_step
from verzek.domain.positions import closing_side, opening_side
from verzek.engine.executor import OrderSpec

ZERO = Decimal(0)


@dataclass(frozen=True)
class DesiredLeg:
    leg: str
    spec: OrderSpec


def tp_rev(position: Position) -> int:
    return int(position.extra.get("tp_rev", 0))


def sl_rev(position: Position) -> int:
    return int(position.extra.get("sl_rev", 0))


STOP_RULE_FIELDS = ("stop_loss_mode", "stop_loss_pct", "sl_recompute_on_dca")


def stop_rule(strategy: StrategySettings) -> dict[str, Any]:
    """How a position's stop is set, kept on it when opened (`extra.stop_rule`)."""
    return strategy.model_dump(mode="json", include=set(STOP_RULE_FIELDS))


def opened_with(position: Position, strategy: StrategySettings) -> StrategySettings:
    """The strategy with the stop rule the position was opened with: a later change of the
    user's settings (stop mode "none", or "signal" for a wider stop) removed or widened the
    stop of an open position at its next DCA fill, unasked and untold. Positions opened
    before the rule was kept follow the settings."""
    rule = position.extra.get("stop_rule")
    if not isinstance(rule, dict) or not rule:
        return strategy
    return strategy.model_copy(update=StrategySettings.model_validate(
        {**strategy.model_dump(mode="json"), **rule}).model_dump(include=set(rule)))


def recompute_exits(position: Position, strategy: StrategySettings, *,
                    amount_step: Decimal | None) -> Position:
    """Targets' prices and quantities and the stop for the position as it stands now (the
    stop by the rule it was opened with)."""
    if position.average_entry is None or position.quantity == 0:
        return position
    strategy = opened_with(position, strategy)
    extra: dict[str, Any] = dict(position.extra)
    targets = list(position.targets)
    if extra.get("tp_pct") is not None:
        price = take_profit_price(position.side, position.average_entry,
                                  Decimal(extra["tp_pct"]))
        targets = [TakeProfitTarget(price=price)]
    open_targets = [i for i, t in enumerate(targets) if not t.hit]
    if open_targets:
        weights = [Decimal(w) for w in extra.get("tp_weights", [])]
        open_weights = [weights[i] for i in open_targets] if len(weights) == len(targets) \
            else [Decimal(1)] * len(open_targets)
        total = sum(open_weights, ZERO) or Decimal(1)
        pcts = [w * 100 / total for w in open_weights]
        # the steps rounding leaves over go to the nearest targets: a small position still
        # has an order at its first target, so reaching it is seen (and moves the stop)
        quantities = split_quantity(position.quantity, pcts, amount_step, leftover="nearest")
        for i, qty in zip(open_targets, quantities, strict=True):
            targets[i] = targets[i].model_copy(update={"quantity": qty})
    stop = position.stop_loss
    first_entry = Decimal(extra.get("first_entry", position.average_entry))
    if not extra.get("stop_moved"):
        computed = stop_loss_price(position.side, strategy, average_entry=position.average_entry,
                                   first_entry=first_entry,
                                   signal_stop=_d(extra.get("signal_stop")))
        if strategy.stop_loss_mode != "signal" or computed is not None:
            stop = computed
    return position.model_copy(update={"targets": targets, "stop_loss": stop})


def measured_from_fill(position: Position, to_tick: Callable[[Decimal], Decimal],
                       amount_step: Decimal | None, *,
                       price_step: Decimal | None = None) -> Position:
    """At the first fill: `first_entry` becomes the price filled at; the DCA levels, planned
    from the price the entry was expected at (`dca_base`), move with it (same deviations, about
    the same quote per level); exits the call wrote as percentages (`pct_exits`: "TP 2% 4%, SL
    3%" beside a market entry) are measured again from it. Prices on the market's tick
    (`to_tick`), quantities on its step (`amount_step`).

    A level's quantity is its planned quantity moved with the prices (the same quote at the
    new price), rounded once, to the nearest step, and never below one step: the plan's
    quantity is already rounded down, so rounding it down again lost a step on every level of
    a long filled above its reference, and whole levels of a breakout. A small slip keeps the
    planned quantities; the level's `quote` is what it costs at its new price."""
    if position.average_entry is None:
        return position
    entry = position.average_entry
    extra: dict[str, Any] = {**position.extra, "first_entry": f"{entry:f}"}
    extra.pop("cancel_pending", None)  # filled before a cancel went through: it is open now
    update: dict[str, Any] = {}
    base = _expected_entry(position, _d(extra.pop("dca_base", None)))
    if base and base != entry and extra.get("dca_levels"):
        levels = []
        for level in extra["dca_levels"]:
            moved = Decimal(level["price"]) * entry / base
            # a level moved onto the tick away from the entry, as planned: never one that
            # fills before its deviation (a long's 6.89894 went to 6.899, not 6.898)
            price = round_to_step(moved, price_step, "down" if position.side is Side.LONG
                                  else "up") if price_step is not None else to_tick(moved)
            quantity = Decimal(level["quantity"])
            if amount_step is not None:
                quantity = max(round_to_step(quantity * base / entry, amount_step, "nearest"),
                               amount_step)
            if price > 0 and quantity > 0:
                levels.append({**level, "price": f"{price:f}", "quantity": f"{quantity:f}",
                               "quote": f"{quantity * price:f}"})
        extra["dca_levels"] = levels
        extra["dca_planned_from"] = f"{base:f}"
    pct = extra.pop("pct_exits", None)
    if pct:
        pcts = [Decimal(p) for p in pct.get("targets", [])]
        if pcts and len(pcts) == len(position.targets):
            update["targets"] = [t.model_copy(update={"price": to_tick(percent_from(
                position.side, entry, p, favourable=True))})
                for t, p in zip(position.targets, pcts, strict=True)]
        if pct.get("stop") is not None and extra.get("signal_stop") is not None:
            stop = to_tick(percent_from(position.side, entry, Decimal(pct["stop"]),
                                        favourable=False))
            extra["signal_stop"] = str(stop)
            update["stop_loss"] = stop
        extra["pct_exits_from"] = f"{entry:f}"
    return position.model_copy(update={**update, "extra": extra})


def _expected_entry(position: Position, planned: Decimal | None) -> Decimal | None:
    """What the entry's fills so far were expected to cost: the limit prices of the entry
    orders that filled (weighted), or `planned` (a market entry's reference price)."""
    filled = [o for o in position.orders if o.leg.startswith("entry") and o.filled_quantity]
    if not filled or any(o.type is not OrderType.LIMIT or o.price is None for o in filled):
        return planned
    quantity = sum((o.filled_quantity for o in filled), ZERO)
    return sum((o.filled_quantity * (o.price or ZERO) for o in filled), ZERO) / quantity


def after_target(position: Position, strategy: StrategySettings, index: int, *,
                 market: Decimal | None = None) -> Position:
    """Mark target `index` (0-based) hit and move the stop (breakeven after the first), but
    never to a stop the `market` price is already at or past: that stop would close the
    position at once, so the old one stays (see `stop_past_market`). A closed position only
    records the hit."""
    targets = [t.model_copy(update={"hit": True}) if i == index else t
               for i, t in enumerate(position.targets)]
    stop = position.stop_loss
    if position.average_entry is not None and position.status is not PositionStatus.CLOSED:
        stop = stop_after_target(position.side, strategy, target_index=index + 1,
                                 current_stop=position.stop_loss,
                                 average_entry=position.average_entry,
                                 fee_rate=entry_fee_rate(position),
                                 exit_fee_rate=exit_fee_rate(position))
        if stop != position.stop_loss and stop_past_market(position, stop, market):
            stop = position.stop_loss
    extra = dict(position.extra)
    if stop != position.stop_loss:
        extra["stop_moved"] = True
        extra["sl_rev"] = sl_rev(position) + 1
    return position.model_copy(update={"targets": targets, "stop_loss": stop, "extra": extra})


def entry_fee_rate(position: Position) -> Decimal:
    """The fee rate the position's entry and DCA fills paid (their fees over their value), the
    rate its breakeven assumes for the exit too; 0 before any fill records a fee."""
    buying = {o.client_order_id for o in position.orders if o.leg.startswith(("entry", "dca"))}
    fees = value = ZERO
    for fill in position.fills:
        if fill.client_order_id in buying:
            fees += fill.fee_usdt
            value += fill.price * fill.quantity
    return min(fees / value, MAX_FEE_RATE) if value > 0 else ZERO


def exit_fee_rate(position: Position) -> Decimal:
    """The fee rate a stop's exit pays: the market's taker rate kept when the position opened
    (a stop-market exit takes liquidity), else the rate its entry paid. The entry's own rate
    blends maker fills (resting DCA buys) in: a stop there still lost the taker's difference."""
    kept = position.extra.get("exit_fee_rate")
    try:
        return min(max(Decimal(str(kept)), ZERO), MAX_FEE_RATE) if kept is not None else \
            entry_fee_rate(position)
    except ArithmeticError:
        return entry_fee_rate(position)


def breakeven(position: Position, strategy: StrategySettings) -> Decimal | None:
    """Where "move the stop to breakeven" puts it (None before an entry fill): the average
    entry, or with `breakeven_covers_fees` the price at which the open quantity closes
    without a loss after fees."""
    if position.average_entry is None:
        return None
    if not strategy.breakeven_covers_fees:
        return position.average_entry
    return breakeven_price(position.side, position.average_entry, entry_fee_rate(position),
                           exit_fee_rate(position))


def stop_past_market(position: Position, stop: Decimal | None,
                     market: Decimal | None) -> bool:
    """Whether `stop` is at or past the `market` price (a long's at or above it, a short's at
    or below): placed, it would trigger at once and close the position at market."""
    return stop is not None and market is not None and market > 0 and \
        is_stop_hit(position.side, stop, market)


def passed_targets(position: Position, price: Decimal, placed: set[int]) -> list[int]:
    """The targets not hit yet, without an order of their own (not in `placed`, 0-based),
    that `price` has reached: their share rests with a later target (too small alone), so
    no fill tells that the price got there."""
    return [i for i, t in enumerate(position.targets) if not t.hit and i not in placed
            and is_target_hit(position.side, t.price, price)]


def desired_legs(position: Position, strategy: StrategySettings, *,
                 min_notional: Decimal, max_active_dca: int) -> list[DesiredLeg]:
    """The resting orders this position should have now."""
    if position.status not in (PositionStatus.OPEN, PositionStatus.PARTIALLY_CLOSED):
        return []
    legs: list[DesiredLeg] = []
    futures = position.market_type is MarketType.FUTURES
    close_side = closing_side(position.side)
    trailing_tp = strategy.trailing_tp_activation_pct is not None and \
        strategy.trailing_tp_callback_pct is not None
    if not trailing_tp and position.quantity > 0:
        carry = ZERO
        for i, target in enumerate(position.targets):
            if target.hit:
                continue
            qty = target.quantity + carry
            if qty <= 0:
                continue
            if qty * target.price < min_notional and i < len(position.targets) - 1:
                carry = qty  # too small alone: folded into the next target
                continue
            carry = ZERO
            legs.append(DesiredLeg(f"tp{i + 1}r{tp_rev(position)}", OrderSpec(
                symbol=position.symbol, side=close_side, type=OrderType.LIMIT, quantity=qty,
                price=target.price, reduce_only=futures)))
    if futures and position.stop_loss is not None and position.quantity > 0:
        legs.append(DesiredLeg(f"slr{sl_rev(position)}", OrderSpec(
            symbol=position.symbol, side=close_side, type=OrderType.STOP_MARKET,
            quantity=position.quantity, stop_price=position.stop_loss, reduce_only=True)))
    if position.extra.get("dca_execution") == "limit":
        for lv in pending_dca_levels(position)[:max_active_dca]:
            legs.append(DesiredLeg(f"dca{lv['level']}", OrderSpec(
                symbol=position.symbol, side=opening_side(position.side), type=OrderType.LIMIT,
                quantity=Decimal(lv["quantity"]), price=Decimal(lv["price"]),
                leverage=position.leverage)))
    return legs


def pending_dca_levels(position: Position) -> list[dict[str, Any]]:
    """The DCA levels still to fill that can fill while the position is open: none at or
    past its stop. A level the stop has moved past (to breakeven, a channel's move, a
    trailing step) is not armed, and its resting order is cancelled as stale: in a gap
    through both it would add to the position just before the stop sells it all."""
    stop = position.stop_loss
    long = position.side is Side.LONG
    return [lv for lv in position.extra.get("dca_levels", [])
            if int(lv["level"]) > position.dca_levels_filled and (
                stop is None or (Decimal(lv["price"]) > stop if long
                                 else Decimal(lv["price"]) < stop))]


def dca_levels_past_stop(position: Position) -> int:
    """How many DCA levels still to fill the stop has moved past (not armed)."""
    waiting = [lv for lv in position.extra.get("dca_levels", [])
               if int(lv["level"]) > position.dca_levels_filled]
    return len(waiting) - len(pending_dca_levels(position))


def next_monitored_dca(position: Position) -> dict[str, Any] | None:
    """The next DCA level a monitor triggers at market (execution "monitored")."""
    if position.extra.get("dca_execution") != "monitored":
        return None
    pending = pending_dca_levels(position)
    return dict(pending[0]) if pending else None


def _d(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))
