"""Exits of a position: take-profit split over targets, stop loss, breakeven and trailing."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Literal

from verzek.domain.models import Side, StrategySettings, TakeProfitTarget
from verzek.domain.numeric import (
    as_side,
    floor_to_step,
    non_negative,
    optional_positive,
    positive,
)
from verzek.errors import InvalidInput

HUNDRED = Decimal(100)
Distribution = Literal["whole", "even", "explicit"]


def distribution_weights(
    n_targets: int, distribution: Distribution, explicit_pcts: Sequence[Decimal] = ()
) -> list[Decimal]:
    """Percent of the position for each target, summing to exactly 100.

    `whole` puts everything on the first target; `even` splits evenly; `explicit` uses the
    given percents (which must sum to 100): with fewer targets than percents the extra
    percents go to the last target, with more targets the extra targets get nothing.
    """
    if n_targets < 1:
        raise InvalidInput("at least one take-profit target is needed (targets is empty)",
                           details={"field": "targets"})
    if distribution == "whole":
        return [HUNDRED] + [Decimal(0)] * (n_targets - 1)
    if distribution == "even":
        share = HUNDRED / n_targets
        return [share] * (n_targets - 1) + [HUNDRED - share * (n_targets - 1)]
    if distribution != "explicit":
        raise InvalidInput(f"unknown take-profit distribution {distribution!r}")
    pcts = [positive(f"tp_distribution_pcts[{i}]", p) for i, p in enumerate(explicit_pcts)]
    if not pcts:
        raise InvalidInput("an explicit distribution needs tp_distribution_pcts, e.g. 30/30/40",
                           details={"field": "tp_distribution_pcts"})
    if sum(pcts, Decimal(0)) != HUNDRED:
        raise InvalidInput(f"tp_distribution_pcts must sum to 100 (got {sum(pcts)})",
                           details={"field": "tp_distribution_pcts"})
    if len(pcts) >= n_targets:
        head = pcts[: n_targets - 1]
        return [*head, HUNDRED - sum(head, Decimal(0))]
    return pcts + [Decimal(0)] * (n_targets - len(pcts))


def split_quantity(
    quantity: Decimal, weights_pct: Sequence[Decimal], amount_step: Decimal | None = None,
    *, leftover: Literal["last", "nearest"] = "last",
) -> list[Decimal]:
    """Quantities per target: each rounded down to the step, the last closes what remains.

    The result sums to `quantity` exactly, so closing the last target leaves no dust.
    A target whose share is below one step gets 0 (the engine skips it).

    `leftover="nearest"` hands the whole steps the rounding left over one each to the targets
    whose share lost the most to the rounding (the nearest first among equal ones) instead of
    all to the last: every target stays within one step of its share, and a position too
    small to give each target a step sells at the nearest targets first rather than only at
    the farthest. What is below one step still goes to the last target.
    """
    total = non_negative("quantity", quantity)
    step = optional_positive("amount_step", amount_step)
    if not weights_pct:
        raise InvalidInput("at least one take-profit target is needed (targets is empty)")
    weights = [non_negative("weight", weight) for weight in weights_pct]
    if leftover == "nearest" and step is not None:
        exact = [total * weight / HUNDRED for weight in weights]
        parts = [floor_to_step(share, step) for share in exact]
        spare = floor_to_step(total - sum(parts, Decimal(0)), step)
        # the largest remainders first (50/30/20 of 6 is 3/2/1, not 4/1/1), the nearest
        # target first among equal ones (to a hundredth of a step: "even" thirds are 33.33,
        # 33.33 and 33.34 %, whose remainders are the same to a trader)
        grain = step / 100
        order = sorted((i for i, weight in enumerate(weights) if weight > 0),
                       key=lambda i: (-floor_to_step(exact[i] - parts[i], grain), i))
        for i in order:
            if spare < step:
                break
            parts[i] += step
            spare -= step
        parts[-1] += total - sum(parts, Decimal(0))
        return parts
    parts = []
    for weight in weights[:-1]:
        part = floor_to_step(total * weight / HUNDRED, step)
        parts.append(min(part, total - sum(parts, Decimal(0))))
    parts.append(total - sum(parts, Decimal(0)))
    return parts


def target_quantities(
    quantity: Decimal, n_targets: int, settings: StrategySettings,
    amount_step: Decimal | None = None,
) -> list[Decimal]:
    """The user's distribution applied to `quantity` over `n_targets` signal targets."""
    weights = distribution_weights(n_targets, settings.tp_distribution,
                                   settings.tp_distribution_pcts)
    return split_quantity(quantity, weights, amount_step)


def build_targets(
    prices: Sequence[Decimal], quantity: Decimal, settings: StrategySettings,
    amount_step: Decimal | None = None,
) -> list[TakeProfitTarget]:
    """The signal's target prices with the user's distribution of `quantity` over them; the
    last target's quantity closes exactly what remains."""
    if not prices:
        raise InvalidInput("at least one take-profit target is needed (targets is empty)",
                           details={"field": "targets"})
    valid = [positive(f"targets[{i}]", price) for i, price in enumerate(prices)]
    quantities = target_quantities(quantity, len(valid), settings, amount_step)
    return [TakeProfitTarget(price=price, quantity=qty)
            for price, qty in zip(valid, quantities, strict=True)]


def percent_from(side: Side, reference: Decimal, pct: Decimal, *, favourable: bool) -> Decimal:
    """`pct` % from `reference` in the direction that is a gain (`favourable`) or a loss."""
    factor = positive("pct", pct) / HUNDRED
    up = (as_side(side) is Side.LONG) == favourable
    ref = positive("reference", reference)
    return ref * (1 + factor) if up else ref * (1 - factor)


def stop_loss_price(
    side: Side, settings: StrategySettings, *, average_entry: Decimal, first_entry: Decimal,
    signal_stop: Decimal | None = None,
) -> Decimal | None:
    """The stop for the position now: the signal's, or a % from the average entry (recomputed
    after each DCA fill when `sl_recompute_on_dca`, otherwise fixed from the first entry)."""
    if settings.stop_loss_mode == "none":
        return None
    if settings.stop_loss_mode == "signal":
        return optional_positive("signal_stop", signal_stop)
    reference = average_entry if settings.sl_recompute_on_dca else first_entry
    return percent_from(side, reference, settings.stop_loss_pct, favourable=False)


MAX_FEE_RATE = Decimal("0.01")  # 1 % a side: more is a bad fill record, not a fee


def breakeven_price(side: Side, average_entry: Decimal, fee_rate: Decimal,
                    exit_fee_rate: Decimal | None = None) -> Decimal:
    """The exit price at which the open quantity closes without a loss after fees: the entry
    paid `fee_rate` of its value, and the exit pays `exit_fee_rate` (the same rate when not
    given) of its own. A long's is above the entry (E(1+f)/(1-g)), a short's below
    (E(1-f)/(1+g)); with no fee, the entry."""
    entry = positive("average_entry", average_entry)
    rate = non_negative("fee_rate", fee_rate)
    out = rate if exit_fee_rate is None else non_negative("exit_fee_rate", exit_fee_rate)
    for name, value in (("fee_rate", rate), ("exit_fee_rate", out)):
        if value > MAX_FEE_RATE:
            raise InvalidInput(f"{name} must be at most {MAX_FEE_RATE}, got {value}")
    if rate == 0 and out == 0:
        return entry
    long = as_side(side) is Side.LONG
    price = entry * (1 + rate) / (1 - out) if long else entry * (1 - rate) / (1 + out)
    # 10 significant digits, rounded away from the entry: still no loss, and a readable price
    step = Decimal(1).scaleb(price.adjusted() - 9)
    return price.quantize(step, rounding=ROUND_CEILING if long else ROUND_FLOOR).normalize()


def stop_after_target(
    side: Side, settings: StrategySettings, *, target_index: int, current_stop: Decimal | None,
    average_entry: Decimal, fee_rate: Decimal = Decimal(0),
    exit_fee_rate: Decimal | None = None,
) -> Decimal | None:
    """The stop after target `target_index` (1-based) was hit: breakeven after the first when
    set (the entry, or with `breakeven_covers_fees` the entry plus the fees in at `fee_rate`
    and out at `exit_fee_rate`), but never a stop that is worse than the current one."""
    if not (settings.move_sl_to_breakeven_after_tp1 and target_index >= 1):
        return current_stop
    breakeven = breakeven_price(side, average_entry, fee_rate, exit_fee_rate) \
        if settings.breakeven_covers_fees else positive("average_entry", average_entry)
    current_stop = optional_positive("current_stop", current_stop)
    if current_stop is None:
        return breakeven
    better = max if as_side(side) is Side.LONG else min
    return better(current_stop, breakeven)


def is_stop_hit(side: Side, stop: Decimal, price: Decimal) -> bool:
    """Whether the market price has reached the stop."""
    stop, price = positive("stop", stop), positive("price", price)
    return price <= stop if as_side(side) is Side.LONG else price >= stop


def is_in_profit(side: Side, average_entry: Decimal, price: Decimal) -> bool:
    """Whether selling (a long) or buying back (a short) at `price` gains on `average_entry`:
    the price is strictly on the profitable side of it (fees aside)."""
    entry, price = positive("average_entry", average_entry), positive("price", price)
    return price > entry if as_side(side) is Side.LONG else price < entry


def is_crossed(direction: str, trigger: Decimal, price: Decimal) -> bool:
    """Whether the price is at or past a breakout entry's trigger ("above" or "below")."""
    if direction not in ("above", "below"):
        raise InvalidInput(f"a breakout direction is above or below (got {direction!r})",
                           details={"field": "direction"})
    trigger, price = positive("trigger", trigger), positive("price", price)
    return price >= trigger if direction == "above" else price <= trigger


def is_target_hit(side: Side, target: Decimal, price: Decimal) -> bool:
    """Whether the market price has reached a take-profit target."""
    target, price = positive("target", target), positive("price", price)
    return price >= target if as_side(side) is Side.LONG else price <= target


def trail_take_profit(
    side: Side, *, average_entry: Decimal, activation_pct: Decimal, callback_pct: Decimal,
    extreme: Decimal | None, price: Decimal,
) -> tuple[Decimal | None, bool]:
    """Step a trailing take profit with a new price; returns (new extreme, should close).

    It activates once the price is `activation_pct` % in profit, then follows the best price
    (`extreme`) and closes when the price falls back `callback_pct` % from it.
    """
    price = positive("price", price)
    extreme = optional_positive("extreme", extreme)
    activation = percent_from(side, average_entry, activation_pct, favourable=True)
    if extreme is None:
        if not is_target_hit(side, activation, price):
            return None, False
        extreme = price
    best = max if as_side(side) is Side.LONG else min
    extreme = best(extreme, price)
    trigger = percent_from(side, extreme, callback_pct, favourable=False)
    return extreme, is_stop_hit(side, trigger, price)


def trail_stop(side: Side, *, stop: Decimal | None, trail_pct: Decimal, price: Decimal) -> Decimal:
    """A trailing stop `trail_pct` % behind the price that only ever moves in the gain's way."""
    candidate = percent_from(side, price, trail_pct, favourable=False)
    stop = optional_positive("stop", stop)
    if stop is None:
        return candidate
    better = max if as_side(side) is Side.LONG else min
    return better(stop, candidate)
