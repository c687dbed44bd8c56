"""Decimal input validation and exchange-step rounding shared by the DCA, risk and PnL maths."""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

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
    units = (value / step).quantize(Decimal(1), rounding=_ROUNDING[mode])
    return units * step


def floor_to_step(value: Decimal, step: Decimal | None) -> Decimal:
    """Round a non-negative quantity down to the step (never sells or buys more than asked)."""
    if step is None:
        return value
    units = (value / step).quantize(Decimal(1), rounding=ROUND_DOWN)
    return units * step
