"""Accepted ranges of a DCA plan's inputs, and their checks (each raises InvalidInput naming
the field and the range).

Beyond these ranges a figure is a typo, and 28-digit Decimal maths and its output overflow:
prices and exchange steps 1e-12 … 1e12; every order 1e-12 … 1e12 USDT; deviation and
take-profit percents up to 1000 (a short's take profit below 100); step and volume scale
0.01 … 100; leverage 1 … 125.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from verzek.domain.models import DcaLevel, Side
from verzek.domain.numeric import as_side, positive
from verzek.errors import InvalidInput

HUNDRED = Decimal(100)
MIN_PRICE, MAX_PRICE = Decimal("1e-12"), Decimal("1e12")
MIN_ORDER_USDT, MAX_ORDER_USDT = Decimal("1e-12"), Decimal("1e12")
MIN_STEP, MAX_STEP = Decimal("1e-12"), Decimal("1e12")
MAX_PCT = Decimal(1000)
MIN_SCALE, MAX_SCALE = Decimal("0.01"), Decimal(100)
MAX_LEVERAGE = 125  # the highest any supported exchange offers (Position.leverage agrees)


def percent(name: str, value: object) -> Decimal:
    """A percent greater than zero and at most MAX_PCT."""
    pct = positive(name, value)
    if pct > MAX_PCT:
        raise InvalidInput(f"{name} must be greater than 0 and at most {MAX_PCT} (got {value})",
                           details={"field": name, "max": str(MAX_PCT)})
    return pct


def take_profit_percent(side: Side, value: object) -> Decimal:
    """A take-profit percent; a short's is below 100 (its price cannot fall to zero)."""
    pct = percent("take_profit_pct", value)
    if as_side(side) is Side.SHORT and pct >= HUNDRED:
        raise InvalidInput(f"take_profit_pct must be below 100 for a short (got {value}): the "
                           "target would be at or below zero", details={"field": "take_profit_pct"})
    return pct


def check_order_sizes(safety_order_usdt: Decimal, volume_scale: Decimal, count: int,
                      explicit_levels: Sequence[DcaLevel] = ()) -> None:
    """Every planned safety order within MIN_ORDER_USDT … MAX_ORDER_USDT: a volume scale or a
    size multiplier compounds over the levels, so a sane first order can still end in 1e22."""
    if explicit_levels:
        sizes = [(f"levels[{n}].size_multiplier", lvl.size_multiplier, n,
                  safety_order_usdt * lvl.size_multiplier)
                 for n, lvl in enumerate(explicit_levels[:count], start=1)]
    elif count > 1:  # sizes grow (or shrink) steadily: the last order is the extreme one
        sizes = [("volume_scale", volume_scale, count,
                  safety_order_usdt * volume_scale ** (count - 1))]
    else:
        sizes = []
    for name, value, level, quote in sizes:
        if not MIN_ORDER_USDT <= quote <= MAX_ORDER_USDT:
            raise InvalidInput(
                f"{name} {value} makes safety order {level} {quote:.3e} USDT; every order must "
                f"be between {MIN_ORDER_USDT:.0e} and {MAX_ORDER_USDT:.0e} USDT: change "
                f"safety_order_usdt, {name} or max_safety_orders",
                details={"field": name, "min": str(MIN_ORDER_USDT), "max": str(MAX_ORDER_USDT)})
