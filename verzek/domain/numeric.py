"""Input validation (Decimals, sides) and exchange-step rounding for the DCA, risk and PnL maths.

Arithmetic runs in Decimal's default context: 28 significant digits, so a division or a
product is exact to about one part in 10^27. Rounding to a step never raises for a large
quotient (it widens the precision for that one rounding instead).
"""

from __future__ import annotations

import math
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_UP,
    Decimal,
    InvalidOperation,
    localcontext,
)
from typing import Literal

from verzek.domain.models import OrderSide, Side
from verzek.errors import InvalidInput

RoundMode = Literal["down", "up", "nearest"]

_ROUNDING = {"down": ROUND_FLOOR, "up": ROUND_CEILING, "nearest": ROUND_HALF_UP}


def to_decimal(name: str, value: object) -> Decimal:
    """`value` as a finite Decimal; NaN, ±Infinity, bools and non-numbers raise InvalidInput."""
    if isinstance(value, bool):
        raise InvalidInput(f"{name} must be a number, not a boolean", details={"field": name})
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise InvalidInput(
                f"{name} must be a finite number (got {value!r})", details={"field": name}
            )
        result = Decimal(str(value))  # str() keeps the short decimal form the user typed
    elif isinstance(value, Decimal | int | str):
        try:
            result = Decimal(value.strip() if isinstance(value, str) else value)
        except (InvalidOperation, ValueError):
            raise InvalidInput(
                f"{name} must be a number (got {value!r})", details={"field": name}
            ) from None
    else:
        raise InvalidInput(f"{name} must be a number (got {value!r})", details={"field": name})
    if not result.is_finite():
        raise InvalidInput(
            f"{name} must be a finite number (got {value!r})", details={"field": name}
        )
    return result


def positive(name: str, value: object) -> Decimal:
    """`value` as a finite Decimal greater than zero, or InvalidInput naming `name`."""
    result = to_decimal(name, value)
    if result <= 0:
        raise InvalidInput(
            f"{name} must be greater than zero (got {value})", details={"field": name}
        )
    return result


def non_negative(name: str, value: object) -> Decimal:
    """`value` as a finite Decimal that is zero or more, or InvalidInput naming `name`."""
    result = to_decimal(name, value)
    if result < 0:
        raise InvalidInput(f"{name} must not be negative (got {value})", details={"field": name})
    return result


def optional_positive(name: str, value: object | None) -> Decimal | None:
    """None stays None; anything else must be a finite Decimal greater than zero."""
    return None if value is None else positive(name, value)


def bounded(name: str, value: object, low: Decimal, high: Decimal) -> Decimal:
    """`value` as a finite Decimal within [low, high], or InvalidInput naming `name` and the
    accepted range."""
    result = to_decimal(name, value)
    if not low <= result <= high:
        raise InvalidInput(
            f"{name} must be between {_bound(low)} and {_bound(high)} (got {value})",
            details={"field": name, "min": str(low), "max": str(high)},
        )
    return result


def plain(value: Decimal | None, significant: int = 8) -> str:
    """A price or amount for people: at most `significant` digits, never an exponent
    ("3000", not "3e+3"; "0.00001234"; "65000.5"); "-" for none."""
    if value is None:
        return "-"
    if not value.is_finite() or value == 0:
        return str(value) if not value.is_finite() else "0"
    step = Decimal(1).scaleb(value.adjusted() - significant + 1)
    text = format(value.quantize(step) if step < 1 else round(value / step) * step, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _bound(value: Decimal) -> str:
    """A range bound for a message: 1e-12 and 1e+12 rather than 28 digits."""
    text = format(value.normalize(), "f")
    return text if len(text) <= 8 else format(value, ".0e")


def positive_int(name: str, value: int, *, allow_zero: bool = False) -> int:
    """`value` as an int that is positive (or zero when allowed), or InvalidInput."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(
            f"{name} must be a whole number (got {value!r})", details={"field": name}
        )
    if value < 0 or (value == 0 and not allow_zero):
        bound = "zero or more" if allow_zero else "greater than zero"
        raise InvalidInput(f"{name} must be {bound} (got {value})", details={"field": name})
    return value


def round_to_step(value: Decimal, step: Decimal | None, mode: RoundMode = "down") -> Decimal:
    """Round `value` to a multiple of the exchange's `step` (price tick or amount step).

    `down` and `up` are toward −∞ and +∞; `nearest` rounds half up. A `None` step leaves the
    value exact. The result is a multiple of `step` exactly (Decimal, no binary drift).
    """
    value = to_decimal("value", value)
    if step is None:
        return value
    step = positive("step", step)
    if mode not in _ROUNDING:
        raise InvalidInput(f"rounding mode must be down, up or nearest (got {mode!r})")
    return _units(value / step, _ROUNDING[mode]) * step


def floor_to_step(value: Decimal, step: Decimal | None) -> Decimal:
    """Round a non-negative quantity down to the step (never sells or buys more than asked)."""
    if step is None:
        return value
    return _units(value / step, ROUND_DOWN) * step


def _units(ratio: Decimal, rounding: str) -> Decimal:
    """`ratio` rounded to a whole number of steps. A quotient with more integer digits than
    the context's precision (a tiny step on a large value) would make `quantize` raise
    InvalidOperation, so the precision is widened for this one rounding."""
    with localcontext() as ctx:
        ctx.prec = max(ctx.prec, ratio.adjusted() + 2)
        return ratio.quantize(Decimal(1), rounding=rounding)


def as_side(value: object) -> Side:
    """`value` as a position Side; a plain "long"/"short" string is accepted."""
    try:
        return Side(str(value))
    except ValueError:
        raise InvalidInput(f"side must be long or short (got {value!r})",
                           details={"field": "side"}) from None


def as_order_side(value: object) -> OrderSide:
    """`value` as an OrderSide; a plain "buy"/"sell" string is accepted."""
    try:
        return OrderSide(str(value))
    except ValueError:
        raise InvalidInput(f"order side must be buy or sell (got {value!r})",
                           details={"field": "side_of_order"}) from None
