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
drops that level and every later one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from verzek.domain.dca_bounds import (
    MAX_LEVERAGE,
    MAX_ORDER_USDT,
    MAX_PRICE,
    MAX_SCALE,
    MAX_STEP,
    MIN_ORDER_USDT,
    MIN_PRICE,
    MIN_SCALE,
    MIN_STEP,
    check_order_sizes,
    percent,
    take_profit_percent,
)
from verzek.domain.margin import (
    DEFAULT_MAINTENANCE_MARGIN_RATE,
    is_beyond_liquidation,
    liquidation_price,
    validate_mmr,
)
from verzek.domain.models import DcaLevel, Side, UserSettings
from verzek.domain.numeric import (
    RoundMode,
    as_side,
    bounded,
    floor_to_step,
    non_negative,
    optional_positive,
    positive,
    positive_int,
    round_to_step,
    to_decimal,
)
from verzek.domain.sizing import position_cap_usdt, symbol_room_usdt
from verzek.errors import InvalidInput

HUNDRED = Decimal(100)
MAX_SAFETY_ORDERS = 100  # no exchange ladder is longer; bounds the work per plan


@dataclass(frozen=True)
class DcaParams:
    """Validated inputs of a plan; construction raises InvalidInput naming a bad field."""

    side: Side
    entry_price: Decimal
    base_order_usdt: Decimal
    safety_order_usdt: Decimal
    max_safety_orders: int
    deviation_pct: Decimal
    step_scale: Decimal = Decimal(1)
    volume_scale: Decimal = Decimal(1)
    explicit_levels: tuple[DcaLevel, ...] = ()
    take_profit_pct: Decimal | None = None
    leverage: int | None = None  # None: spot, no liquidation
    maintenance_margin_rate: Decimal = DEFAULT_MAINTENANCE_MARGIN_RATE
    max_position_usdt: Decimal | None = None
    symbol_room_usdt: Decimal | None = None  # what the per-symbol cap still allows
    price_step: Decimal | None = None
    amount_step: Decimal | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "side", as_side(self.side))
        set_(self, "entry_price", bounded("entry_price", self.entry_price, MIN_PRICE, MAX_PRICE))
        for name in ("base_order_usdt", "safety_order_usdt"):
            set_(self, name, bounded(name, getattr(self, name), MIN_ORDER_USDT, MAX_ORDER_USDT))
        set_(self, "deviation_pct", percent("deviation_pct", self.deviation_pct))
        for name in ("step_scale", "volume_scale"):
            set_(self, name, bounded(name, getattr(self, name), MIN_SCALE, MAX_SCALE))
        if self.take_profit_pct is not None:
            set_(self, "take_profit_pct", take_profit_percent(self.side, self.take_profit_pct))
        set_(self, "max_position_usdt",
             optional_positive("max_position_usdt", self.max_position_usdt))
        for name in ("price_step", "amount_step"):
            if getattr(self, name) is not None:
                set_(self, name, bounded(name, getattr(self, name), MIN_STEP, MAX_STEP))
        if self.symbol_room_usdt is not None:
            set_(self, "symbol_room_usdt",
                 non_negative("symbol_room_usdt", self.symbol_room_usdt))
        positive_int("max_safety_orders", self.max_safety_orders, allow_zero=True)
        if self.max_safety_orders > MAX_SAFETY_ORDERS:
            raise InvalidInput(f"max_safety_orders must be at most {MAX_SAFETY_ORDERS}",
                               details={"field": "max_safety_orders"})
        if self.leverage is not None and positive_int("leverage", self.leverage) > MAX_LEVERAGE:
            raise InvalidInput(f"leverage must be between 1 and {MAX_LEVERAGE} "
                               f"(got {self.leverage})", details={"field": "leverage"})
        set_(self, "maintenance_margin_rate", validate_mmr(self.maintenance_margin_rate))
        set_(self, "explicit_levels", tuple(self.explicit_levels))
        previous = Decimal(0)
        for index, level in enumerate(self.explicit_levels, start=1):
            deviation = percent(f"levels[{index}].deviation_pct", level.deviation_pct)
            positive(f"levels[{index}].size_multiplier", level.size_multiplier)
            if deviation <= previous:
                raise InvalidInput(
                    f"levels[{index}].deviation_pct must be larger than the level before it",
                    details={"field": f"levels[{index}].deviation_pct"},
                )
            previous = deviation
        check_order_sizes(self.safety_order_usdt, self.volume_scale, self.max_safety_orders,
                          self.explicit_levels)

    @classmethod
    def from_settings(
        cls, side: Side, entry_price: Decimal, base_order_usdt: Decimal, settings: UserSettings,
        *, symbol_exposure_usdt: Decimal = Decimal(0), **overrides: Any,
    ) -> DcaParams:
        """Parameters from a user's settings: DCA levels (none when DCA is off), the take
        profit in percent mode, the per-position cap and the room under the per-symbol cap.
        `overrides` set the rest (leverage, maintenance_margin_rate, price_step, …)."""
        dca = settings.dca
        explicit = tuple(dca.levels) if dca.enabled else ()
        count = (len(explicit) or dca.max_safety_orders) if dca.enabled else 0
        strategy = settings.strategy
        tp_pct = strategy.take_profit_pct if strategy.take_profit_mode == "percent" else None
        values: dict[str, Any] = {
            "safety_order_usdt": dca.safety_order_usdt, "max_safety_orders": count,
            "deviation_pct": dca.deviation_pct, "step_scale": dca.step_scale,
            "volume_scale": dca.volume_scale, "explicit_levels": explicit,
            "take_profit_pct": tp_pct, "max_position_usdt": position_cap_usdt(settings),
            "symbol_room_usdt": symbol_room_usdt(settings.risk, symbol_exposure_usdt),
        }
        values.update(overrides)
        return cls(side=side, entry_price=entry_price, base_order_usdt=base_order_usdt,
                   **values)


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
