"""The stop loss against liquidation: a futures stop must act before the position is
liquidated; and the stop a trade starts with, for the rule and for the DCA plan.

Which liquidation: the one of the position as it stands when the price reaches the stop. On
isolated margin every fill adds margin with its notional, so the liquidation follows the
average entry (`margin.liquidation_price`, the estimate the DCA plan uses: avg · (1 − 1/L +
mmr) for a long). Going from the entry toward the stop the price first meets the DCA levels
lying before the stop (the plan drops those at or past it), so the relevant position is the
entry plus those levels — counted in order, and only while each lies before the liquidation
of the position as it stands then (a level beyond it never fills; with
`allow_dca_beyond_liquidation` off such a plan is refused anyway). Averaging only moves the
liquidation away from the entry, so with no DCA this is the entry's own liquidation, and a
lower leverage never makes it worse. A percent stop moved with the average
(`sl_recompute_on_dca`) keeps its distance to the liquidation at every fill: it is checked
against the entry's.
"""

from __future__ import annotations

import math
from decimal import Context, Decimal

from verzek.domain.decision import Decision
from verzek.domain.exits import stop_loss_price
from verzek.domain.margin import (
    DEFAULT_MAINTENANCE_MARGIN_RATE,
    is_beyond_liquidation,
    liquidation_price,
)
from verzek.domain.models import MarginMode, MarketType, Side, StrategySettings
from verzek.domain.risk.context import RiskContext


def initial_stop(side: Side, strategy: StrategySettings, entry_price: Decimal,
                 signal_stop: Decimal | None) -> Decimal | None:
    """The stop the position starts with when its entry fills at `entry_price`: the call's,
    a percent from the entry, or none (`stop_loss_mode`)."""
    return stop_loss_price(side, strategy, average_entry=entry_price, first_entry=entry_price,
                           signal_stop=signal_stop)


def fixed_stop(side: Side, strategy: StrategySettings, entry_price: Decimal,
               signal_stop: Decimal | None) -> Decimal | None:
    """The stop that stays where it is while DCA levels fill (a DCA level at or past it can
    never fill while the position is open), or None: no stop, or a percent stop moved with the
    average after each fill (`sl_recompute_on_dca`)."""
    if strategy.stop_loss_mode == "percent" and strategy.sl_recompute_on_dca:
        return None
    return initial_stop(side, strategy, entry_price, signal_stop)


def max_safe_leverage(side: Side, entry_price: Decimal, stop: Decimal,
                      maintenance_margin_rate: Decimal) -> int:
    """The highest leverage whose liquidation lies beyond `stop` (0: none does). For a long,
    stop > entry · (1 − 1/L + mmr) ⇔ L < 1 / (d + mmr), d the stop's distance as a share."""
    distance = (entry_price - stop if side is Side.LONG else stop - entry_price) / entry_price
    room = distance + maintenance_margin_rate
    if room <= 0:
        return 0
    return max(0, math.ceil(1 / room) - 1)


def _stage_at_stop(ctx: RiskContext, entry: Decimal, stop: Decimal, mmr: Decimal,
                   ) -> tuple[Decimal, Decimal, int]:
    """(average, liquidation, DCA levels filled) of the position when the price reaches
    `stop`: the entry, then each planned level in turn while it lies before both the stop and
    the liquidation of the position as it stands (see the module docstring)."""
    side, leverage = ctx.signal.side, ctx.leverage
    quote = ctx.base_order_usdt
    quantity = quote / entry
    average = entry
    liquidation = liquidation_price(side, average, leverage, mmr)
    filled = 0
    for level in ctx.dca_plan.levels if ctx.dca_plan is not None else ():
        if level.level == 0:
            continue
        if is_beyond_liquidation(side, level.price, stop) or \
                is_beyond_liquidation(side, level.price, liquidation):
            break
        quote += level.quote
        quantity += level.quantity
        average = quote / quantity
        liquidation = liquidation_price(side, average, leverage, mmr)
        filled += 1
    return average, liquidation, filled


def stop_within_liquidation(ctx: RiskContext) -> Decision:
    """On isolated-margin futures, the stop lies ahead of the approximate liquidation price of
    the position as it stands when the price gets there (the entry and the DCA levels that
    fill before the stop; see the module docstring); at or beyond it the position would be
    liquidated before its stop acts. Cross margin is not checked (no per-position price)."""
    if ctx.market is not MarketType.FUTURES:
        return Decision.allow("no_liquidation", "Spot positions are not liquidated.")
    if ctx.user.settings.risk.margin_mode is MarginMode.CROSS:
        # the account's whole balance backs the position: its liquidation depends on that
        # balance and every other position, not on this position's margin alone
        return Decision.allow("cross_margin", "On cross margin the account's balance backs "
                              "the position; no isolated liquidation price applies.")
    signal = ctx.signal
    strategy = ctx.user.settings.strategy
    entry = ctx.expected_entry_price
    stop = initial_stop(signal.side, strategy, entry, signal.stop_loss)
    if stop is None:
        return Decision.allow("no_stop", "No stop loss is set.")
    mmr = ctx.dca_plan.params.maintenance_margin_rate if ctx.dca_plan is not None \
        else DEFAULT_MAINTENANCE_MARGIN_RATE
    leverage = ctx.leverage
    if fixed_stop(signal.side, strategy, entry, signal.stop_loss) is None:
        average, filled = entry, 0  # a stop moved with the average: the entry's distance
        liquidation = liquidation_price(signal.side, entry, leverage, mmr)
    else:
        average, liquidation, filled = _stage_at_stop(ctx, entry, stop, mmr)
    if not is_beyond_liquidation(signal.side, stop, liquidation):
        return Decision.allow("stop_before_liquidation", f"The stop {_price(stop)} acts before "
                              f"the liquidation price (about {_price(liquidation, 6)}).")
    safe = max_safe_leverage(signal.side, average, stop, mmr)
    advice = f"use at most {safe}x leverage or a closer stop" if safe >= 1 \
        else "use a closer stop"
    dca = f" with {filled} DCA level{'s' if filled > 1 else ''} filled (average " \
        f"{_price(average, 6)})" if filled else ""
    return Decision.deny(
        "stop_beyond_liquidation", f"The stop {_price(stop)} lies at or beyond the liquidation "
        f"price (about {_price(liquidation, 6)}) of a {signal.side.value} from {_price(entry)} at "
        f"{leverage}x{dca}: the position would be liquidated before its stop acts; {advice}.",
        stop=stop, liquidation_price=liquidation, entry_price=entry, average_price=average,
        dca_levels_filled=filled, leverage=leverage, max_leverage=safe)


def _price(value: Decimal, digits: int = 8) -> str:
    """A price for a sentence: `digits` significant digits at most, no trailing zeros (an
    estimate such as a liquidation price gets 6)."""
    return format(Context(prec=digits).plus(value).normalize(), "f")
