"""The DCA plan: safety-order levels, average entry, take profit and liquidation per level.

Generated levels follow the industry-standard (3Commas) semantics: with deviation `d`, step
scale `s` and volume scale `v`, the gap before safety order n is d·s^(n−1), its total deviation
D_n is the sum of the gaps, its trigger price is P0·(1 − D_n/100) for a long (P0·(1 + D_n/100)
for a short), and its size is the first safety order × v^(n−1). Explicit levels give each
safety order's total deviation from the entry price and its size as a multiple of the first
safety order. Amounts in quote (USDT) are notional values; margin = notional ÷ leverage.
Average entry = total quote spent ÷ total base bought. Maths is Decimal at 28 significant
digits (a division is exact to about one part in 10^27); prices and quantities are rounded
further only through `price_step` / `amount_step`.

Inputs outside the accepted ranges of `dca_bounds` (prices 1e-12 … 1e12, orders 1e-12 … 1e12
USDT, …) raise InvalidInput naming the field; a generated trigger price outside 1e-12 … 1e12
drops that level and every later one, and so does a level at or past `stop_price` (the stop
closes the position before such a level could fill).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from verzek.domain.dca_bounds import MAX_PRICE, MIN_PRICE
from verzek.domain.dca_params import MAX_SAFETY_ORDERS, DcaParams
from verzek.domain.margin import is_beyond_liquidation, liquidation_price
from verzek.domain.models import Side
from verzek.domain.numeric import (
    RoundMode,
    as_side,
    floor_to_step,
    non_negative,
    positive,
    positive_int,
    round_to_step,
    to_decimal,
)
from verzek.errors import InvalidInput

HUNDRED = Decimal(100)
__all__ = ["MAX_SAFETY_ORDERS", "DcaParams", "DcaPlan", "DroppedLevel", "PlanLevel", "Progress",
           "average_entry", "build_plan", "level_deviations", "quote_of", "take_profit_price",
           "trigger_price"]


@dataclass(frozen=True)
class PlanLevel:
    """One order of the plan (level 0 is the base order) and the position after it fills."""

    level: int
    deviation_pct: Decimal
    price: Decimal
    quote: Decimal
    quantity: Decimal
    cumulative_quote: Decimal
    cumulative_quantity: Decimal
    average_price: Decimal
    take_profit_price: Decimal | None
    liquidation_price: Decimal | None
    margin: Decimal
    beyond_liquidation: bool = False  # the price passes the previous liquidation first


@dataclass(frozen=True)
class DroppedLevel:
    """A safety order left out of the plan, with a machine code and the reason in words."""

    level: int
    price: Decimal
    quote: Decimal
    code: str
    reason: str


@dataclass(frozen=True)
class Progress:
    """What a position holds already: the engine re-plans from this after every fill."""

    levels_filled: int  # safety orders filled so far (0: only the base order)
    cost_usdt: Decimal
    quantity: Decimal


@dataclass(frozen=True)
class DcaPlan:
    """The computed plan; `levels` holds the orders still to fill, in trigger order."""

    params: DcaParams
    levels: tuple[PlanLevel, ...]
    dropped: tuple[DroppedLevel, ...] = ()
    current: PlanLevel | None = None  # the position as it stands, when re-planned
    notes: tuple[str, ...] = field(default=())

    @property
    def max_investment(self) -> Decimal:
        """Total quote once every kept level has filled."""
        last = self.levels[-1] if self.levels else self.current
        return last.cumulative_quote if last else Decimal(0)

    @property
    def max_margin(self) -> Decimal:
        """Margin needed once every kept level has filled (= max_investment on spot)."""
        lev = self.params.leverage or 1
        return self.max_investment / lev

    @property
    def has_levels_beyond_liquidation(self) -> bool:
        """Whether some later level can only fill after the position was liquidated."""
        return any(level.beyond_liquidation for level in self.levels)

    @property
    def safety_order_count(self) -> int:
        """How many safety orders the plan keeps (the base order not counted)."""
        return sum(1 for level in self.levels if level.level > 0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form with numbers as strings (exact Decimal)."""
        return {
            "side": self.params.side.value,
            "levels": [_level_dict(level) for level in self.levels],
            "max_investment": str(self.max_investment),
            "max_margin": str(self.max_margin),
            "dropped_levels": [_level_dict(drop) for drop in self.dropped],
            "has_levels_beyond_liquidation": self.has_levels_beyond_liquidation,
        }


def _level_dict(item: PlanLevel | DroppedLevel) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for f in fields(item):
        value = getattr(item, f.name)
        result[f.name] = str(value) if isinstance(value, Decimal) else value
    return result


def level_deviations(params: DcaParams) -> list[tuple[int, Decimal, Decimal]]:
    """(level, total deviation %, quote) of every safety order before caps and rounding."""
    if params.explicit_levels:
        return [
            (n, lvl.deviation_pct, params.safety_order_usdt * lvl.size_multiplier)
            for n, lvl in enumerate(params.explicit_levels[: params.max_safety_orders], start=1)
        ]
    result = []
    total = Decimal(0)
    for n in range(1, params.max_safety_orders + 1):
        total += params.deviation_pct * params.step_scale ** (n - 1)
        result.append((n, total, params.safety_order_usdt * params.volume_scale ** (n - 1)))
    return result


def trigger_price(side: Side, entry_price: Decimal, deviation_pct: Decimal) -> Decimal:
    """P0·(1 − D/100) for a long, P0·(1 + D/100) for a short."""
    entry = positive("entry_price", entry_price)
    factor = non_negative("deviation_pct", deviation_pct) / HUNDRED
    return entry * (1 - factor) if as_side(side) is Side.LONG else entry * (1 + factor)


def take_profit_price(side: Side, average: Decimal, tp_pct: Decimal) -> Decimal:
    """The take profit `tp_pct` % above (long) or below (short) the average entry."""
    factor = positive("take_profit_pct", tp_pct) / HUNDRED
    avg = positive("average", average)
    return avg * (1 + factor) if as_side(side) is Side.LONG else avg * (1 - factor)


def build_plan(params: DcaParams, progress: Progress | None = None) -> DcaPlan:
    """The plan for `params`; with `progress`, only the orders still to fill are planned."""
    cap, cap_name = _cap(params)
    side = params.side
    levels: list[PlanLevel] = []
    dropped: list[DroppedLevel] = []
    current: PlanLevel | None = None
    if progress is None:
        cum_quote, cum_qty, first_level = Decimal(0), Decimal(0), 0
    else:
        cum_quote = positive("progress.cost_usdt", progress.cost_usdt)
        cum_qty = positive("progress.quantity", progress.quantity)
        first_level = positive_int("progress.levels_filled", progress.levels_filled,
                                   allow_zero=True) + 1
        average = cum_quote / cum_qty
        current = _point(params, first_level - 1, Decimal(0), average, cum_quote, cum_qty,
                         cum_quote, cum_qty, average, None)
    previous_liq = current.liquidation_price if current else None
    low = high = current.average_price if current else None
    candidates = [(0, Decimal(0), params.base_order_usdt), *level_deviations(params)]
    blocked: DroppedLevel | None = None
    for number, deviation, quote in candidates:
        if number < first_level:
            continue
        raw_price = params.entry_price if number == 0 else trigger_price(
            side, params.entry_price, deviation)
        # triggers round away from the entry: a safety order never fills early
        price = _round_price(params, raw_price, "down") if number else raw_price
        if blocked is not None:
            dropped.append(DroppedLevel(number, price, quote, blocked.code,
                                        f"follows level {blocked.level}, which was dropped"))
            continue
        if price <= 0:
            blocked = DroppedLevel(number, price, quote, "price_not_positive",
                                   f"a {_fmt(deviation)}% deviation puts the price at or below "
                                   "zero; it and every later level are dropped")
            dropped.append(blocked)
            continue
        if not MIN_PRICE <= price <= MAX_PRICE:
            blocked = DroppedLevel(number, price, quote, "price_out_of_range",
                                   f"a {_fmt(deviation)}% deviation puts the price at "
                                   f"{_fmt(price)}, outside the accepted {MIN_PRICE:.0e} to "
                                   f"{MAX_PRICE:.0e}; it and every later level are dropped")
            dropped.append(blocked)
            continue
        stop = params.stop_price
        if number and stop is not None and (price <= stop if side is Side.LONG
                                            else price >= stop):
            blocked = DroppedLevel(number, price, quote, "beyond_stop",
                                   f"at {_fmt(price)} it lies at or past the stop loss "
                                   f"{_fmt(stop)}, which closes the position before it could "
                                   "fill; it and every later level are dropped")
            dropped.append(blocked)
            continue
        quantity = quote / price
        if params.amount_step is not None:
            quantity = floor_to_step(quantity, params.amount_step)
            quote = quantity * price
        if quantity <= 0:
            dropped.append(DroppedLevel(number, price, quote, "below_amount_step",
                                        "the order is smaller than the exchange's amount step"))
            continue
        if cap is not None and cum_quote + quote > cap:
            blocked = DroppedLevel(
                number, price, quote, "cap_reached",
                f"level {number} would raise the position to {_fmt(cum_quote + quote)} USDT, "
                f"above the {cap_name} of {_fmt(cap)} USDT; it and every later level are dropped",
            )
            dropped.append(blocked)
            continue
        cum_quote += quote
        cum_qty += quantity
        low = price if low is None else min(low, price)
        high = price if high is None else max(high, price)
        # Without an amount step, quantity = quote ÷ price is rounded to 28 significant digits,
        # so cum_quote ÷ cum_qty can differ from the fills' true average by a unit in the 28th
        # digit and fall just outside the range of fill prices (one fill of 151 USDT at
        # 68.1099: 151 ÷ 2.21700…245102 = 68.10990…01). The true average always lies in
        # [low, high]; the clamp keeps the figure there, moving it by at most that rounding.
        average = min(max(cum_quote / cum_qty, low), high)
        point = _point(params, number, deviation, price, quote, quantity, cum_quote, cum_qty,
                       average, previous_liq)
        levels.append(point)
        previous_liq = point.liquidation_price
    return DcaPlan(params=params, levels=tuple(levels), dropped=tuple(dropped), current=current)


def _point(
    params: DcaParams, number: int, deviation: Decimal, price: Decimal, quote: Decimal,
    quantity: Decimal, cum_quote: Decimal, cum_qty: Decimal, average: Decimal,
    previous_liq: Decimal | None,
) -> PlanLevel:
    tp = None
    if params.take_profit_pct is not None:
        # a take profit rounds away from the entry: never less profit than asked
        tp = _round_price(
            params, take_profit_price(params.side, average, params.take_profit_pct), "up")
    liq = None
    if params.leverage is not None:
        # a liquidation price rounds toward the entry: assume the worse case
        liq = _round_price(params, liquidation_price(
            params.side, average, params.leverage, params.maintenance_margin_rate), "up")
    beyond = previous_liq is not None and is_beyond_liquidation(params.side, price, previous_liq)
    return PlanLevel(
        level=number, deviation_pct=deviation, price=price, quote=quote, quantity=quantity,
        cumulative_quote=cum_quote, cumulative_quantity=cum_qty, average_price=average,
        take_profit_price=tp, liquidation_price=liq, margin=quote / (params.leverage or 1),
        beyond_liquidation=beyond,
    )


def _round_price(params: DcaParams, price: Decimal, long_mode: RoundMode) -> Decimal:
    """Round to the tick in `long_mode` for a long and the opposite way for a short."""
    if params.price_step is None:
        return price
    mode: RoundMode = long_mode
    if params.side is Side.SHORT:
        mode = "down" if long_mode == "up" else "up"
    return round_to_step(price, params.price_step, mode)


def _fmt(value: Decimal) -> str:
    """A Decimal for a sentence: no trailing zeros, and no exponent unless it is huge or tiny."""
    text = format(value.normalize(), "f")
    return text if len(text) <= 24 else format(value, ".6e")


def _cap(params: DcaParams) -> tuple[Decimal | None, str]:
    caps = [
        (params.max_position_usdt, "per-position cap"),
        (params.symbol_room_usdt, "room left under the per-symbol cap"),
    ]
    present = [(value, name) for value, name in caps if value is not None]
    if not present:
        return None, ""
    return min(present, key=lambda item: item[0])


def quote_of(price: object, quantity: object) -> Decimal:
    """price × quantity, validated: the notional value of an order."""
    return to_decimal("price", price) * to_decimal("quantity", quantity)


def average_entry(fills: Sequence[tuple[Decimal, Decimal]]) -> Decimal:
    """Total quote ÷ total base over (price, quantity) pairs."""
    if not fills:
        raise InvalidInput("average_entry needs at least one fill")
    valid = [(positive("price", p), positive("quantity", q)) for p, q in fills]
    total_quote = sum((p * q for p, q in valid), Decimal(0))
    total_base = sum((q for _, q in valid), Decimal(0))
    return total_quote / total_base
