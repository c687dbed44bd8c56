"""Input validation and step rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from verzek.domain.exits import is_stop_hit
from verzek.domain.models import OrderSide, Side
from verzek.domain.numeric import (
    as_order_side,
    as_side,
    bounded,
    floor_to_step,
    non_negative,
    plain,
    positive,
    positive_int,
    round_to_step,
    to_decimal,
)
from verzek.errors import InvalidInput

D = Decimal


@pytest.mark.parametrize("value,step,mode,expected", [
    (D("1.2345"), D("0.01"), "down", D("1.23")), (D("1.2345"), D("0.01"), "up", D("1.24")),
    (D("1.235"), D("0.01"), "nearest", D("1.24")), (D("1.23"), D("0.01"), "up", D("1.23")),
    (D("17"), D("5"), "down", D(15)), (D("-1.5"), D(1), "down", D(-2)),
    (D("1.2345"), None, "down", D("1.2345")), (D("0.30000"), D("0.1"), "down", D("0.3")),
])
def test_round_to_step(value: Decimal, step: Decimal | None, mode: str,
                       expected: Decimal) -> None:
    result = round_to_step(value, step, mode)  # type: ignore[arg-type]
    assert result == expected
    if step is not None:
        assert result % step == 0


@pytest.mark.parametrize("bad_step", [D(0), D(-1), D("NaN")])
def test_round_to_step_rejects_bad_steps(bad_step: Decimal) -> None:
    with pytest.raises(InvalidInput, match="step"):
        round_to_step(D(1), bad_step)


def test_round_to_step_rejects_bad_mode() -> None:
    with pytest.raises(InvalidInput, match="mode"):
        round_to_step(D(1), D(1), "sideways")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf"), D("NaN"),
                                 D("sNaN"), D("Infinity"), "nan", "abc", True, None, [1]])
def test_to_decimal_rejects_non_finite(bad: object) -> None:
    with pytest.raises(InvalidInput, match="price"):
        to_decimal("price", bad)


def test_to_decimal_accepts_numbers() -> None:
    assert to_decimal("x", 0.1) == D("0.1")
    assert to_decimal("x", " 2.50 ") == D("2.50")
    assert to_decimal("x", 3) == D(3)


def test_sign_checks() -> None:
    with pytest.raises(InvalidInput, match="greater than zero"):
        positive("size", 0)
    with pytest.raises(InvalidInput, match="negative"):
        non_negative("size", -1)
    assert non_negative("size", 0) == 0
    with pytest.raises(InvalidInput):
        positive_int("n", 0)
    with pytest.raises(InvalidInput):
        positive_int("n", True)  # type: ignore[arg-type]
    assert positive_int("n", 0, allow_zero=True) == 0


def test_sides_accept_plain_strings_and_refuse_others() -> None:
    assert as_side("short") is Side.SHORT
    assert as_order_side("buy") is OrderSide.BUY
    assert is_stop_hit("short", D(105), D(106))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="side"):
        as_side("up")
    with pytest.raises(InvalidInput, match="side"):
        as_order_side(None)


@pytest.mark.parametrize("value,step", [(D("1e24"), D("1e-12")), (D("1e30"), D("3e-12")),
                                        (D("123456789012345678901234.5"), D("0.001"))])
def test_rounding_to_a_tiny_step_never_overflows_the_precision(value: Decimal,
                                                               step: Decimal) -> None:
    for mode in ("down", "up", "nearest"):
        rounded = round_to_step(value, step, mode)  # type: ignore[arg-type]
        assert abs(rounded - value) <= step * 2 or abs(rounded - value) <= abs(value) * D("1e-27")
    floored = floor_to_step(value, step)
    assert floored <= value


@pytest.mark.parametrize("value,ok", [(D("0.99"), False), (D(1), True), (D(5), True),
                                      (D(10), True), (D("10.01"), False),
                                      (D("NaN"), False), (D("Infinity"), False)])
def test_bounded_names_the_field_and_the_range(value: Decimal, ok: bool) -> None:
    if ok:
        assert bounded("price", value, D(1), D(10)) == value
        return
    with pytest.raises(InvalidInput, match="price") as info:
        bounded("price", value, D(1), D(10))
    assert info.value.details["field"] == "price"
    if value.is_finite():
        assert "between 1 and 10" in info.value.message


def test_bounded_writes_far_limits_with_an_exponent() -> None:
    with pytest.raises(InvalidInput, match=r"x must be between 1e-12 and 1e\+12 \(got 0\)"):
        bounded("x", D(0), D("1e-12"), D("1e12"))


@pytest.mark.parametrize("value,shown", [
    ("3000", "3000"), ("3E+3", "3000"), ("3.0E+3", "3000"), ("0.00001234", "0.00001234"),
    ("65000.5", "65000.5"), ("1.23456789123", "1.2345679"), ("123456789.5", "123456790"),
    ("-2.5", "-2.5"), ("0", "0")])
def test_plain_never_shows_an_exponent(value: str, shown: str) -> None:
    assert plain(Decimal(value)) == shown
