"""Position state machine: fills, DCA, partial closes, PnL net of fees, invalid transitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from verzek.domain.models import (
    CloseReason,
    Fill,
    OrderSide,
    Position,
    PositionStatus,
    Side,
)
from verzek.domain.positions import apply_fill, close, reopen, unrealised_pnl
from verzek.errors import Conflict, InvalidInput

D = Decimal
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def position(side: Side = Side.LONG) -> Position:
    return Position(id="p1", user_id="u1", account_id="a1", exchange="binance",
                    market_type="futures", mode="demo", symbol="BTC/USDT", side=side,
                    opened_at=T0)


def fill(trade_id: str, price: str, qty: str, fee: str = "0", order: str | None = None,
         seconds: int = 0) -> Fill:
    return Fill(trade_id=trade_id, client_order_id=order or trade_id, price=D(price),
                quantity=D(qty), fee_usdt=D(fee), at=T0 + timedelta(seconds=seconds))


def test_long_lifecycle_with_dca_partial_close_and_fees() -> None:
    pos = position()
    assert pos.status is PositionStatus.PENDING
    pos = apply_fill(pos, fill("t1", "100", "1", "0.1"), OrderSide.BUY, "entry")
    assert pos.status is PositionStatus.OPEN and pos.average_entry == D(100)
    pos = apply_fill(pos, fill("t2", "90", "1", "0.09", order="dca1"), OrderSide.BUY, "dca1")
    assert pos.average_entry == D(95) and pos.dca_levels_filled == 1
    pos = apply_fill(pos, fill("t3", "90", "0.5", order="dca2"), OrderSide.BUY, "dca2")
    pos = apply_fill(pos, fill("t4", "90", "0.5", order="dca2"), OrderSide.BUY, "dca2")
    assert pos.dca_levels_filled == 2  # two fills of one DCA order count as one level
    assert pos.quantity == D(3) and pos.cost_usdt == D(280)
    avg = D(280) / 3
    assert pos.average_entry == avg
    pos = apply_fill(pos, fill("t5", "100", "1", "0.1"), OrderSide.SELL, "tp1")
    assert pos.status is PositionStatus.PARTIALLY_CLOSED
    assert pos.quantity == D(2)
    assert unrealised_pnl(pos, D(100)) == (D(100) - avg) * 2
    pos = apply_fill(pos, fill("t6", "110", "2", "0.2"), OrderSide.SELL, "tp2")
    assert pos.status is PositionStatus.CLOSED
    assert pos.close_reason is CloseReason.TAKE_PROFIT
    assert pos.quantity == 0 and pos.cost_usdt == 0
    gross = (D(100) - avg) * 1 + (D(110) - avg) * 2
    fees = D("0.1") + D("0.09") + D("0.1") + D("0.2")
    assert pos.fees_usdt == fees
    assert abs(pos.realised_pnl_usdt - (gross - fees)) < D("1e-20")


def test_short_pnl() -> None:
    pos = apply_fill(position(Side.SHORT), fill("t1", "100", "2"), OrderSide.SELL, "entry")
    assert unrealised_pnl(pos, D(90)) == D(20)
    pos = apply_fill(pos, fill("t2", "110", "2"), OrderSide.BUY, "sl")
    assert pos.realised_pnl_usdt == D(-20)
    assert pos.close_reason is CloseReason.STOP_LOSS


def test_same_trade_id_counts_once() -> None:
    pos = apply_fill(position(), fill("t1", "100", "1"), OrderSide.BUY, "entry")
    again = apply_fill(pos, fill("t1", "100", "1"), OrderSide.BUY, "entry")
    assert again == pos and again.quantity == D(1)


def test_exit_before_entry_is_a_conflict() -> None:
    with pytest.raises(Conflict):
        apply_fill(position(), fill("t1", "100", "1"), OrderSide.SELL, "tp1")


def test_overfill_is_a_conflict() -> None:
    pos = apply_fill(position(), fill("t1", "100", "1"), OrderSide.BUY, "entry")
    with pytest.raises(Conflict, match="holds only"):
        apply_fill(pos, fill("t2", "100", "1.5"), OrderSide.SELL, "tp1")


def test_fill_on_closed_position_is_a_conflict() -> None:
    pos = apply_fill(position(), fill("t1", "100", "1"), OrderSide.BUY, "entry")
    pos = apply_fill(pos, fill("t2", "100", "1"), OrderSide.SELL, "close",
                     close_reason=CloseReason.KILL_SWITCH)
    assert pos.close_reason is CloseReason.KILL_SWITCH
    with pytest.raises(Conflict):
        apply_fill(pos, fill("t3", "100", "1"), OrderSide.BUY, "entry")


def test_reopened_for_a_late_entry_fill_then_closed_again_counts_the_round_trip() -> None:
    pos = apply_fill(position(), fill("t1", "100", "1", fee="0.1"), OrderSide.BUY, "entry")
    pos = apply_fill(pos, fill("t2", "110", "1", fee="0.1"), OrderSide.SELL, "tp1")
    assert pos.status is PositionStatus.CLOSED and pos.realised_pnl_usdt == D("9.8")
    with pytest.raises(Conflict):
        reopen(apply_fill(position(), fill("t1", "100", "1"), OrderSide.BUY, "entry"))
    again = reopen(pos)
    assert again.status is PositionStatus.PARTIALLY_CLOSED and again.quantity == 0
    assert again.closed_at is None and again.close_reason is None
    again = apply_fill(again, fill("t3", "105", "0.5"), OrderSide.BUY, "dca1")
    assert again.quantity == D("0.5") and again.average_entry == D("105")
    again = apply_fill(again, fill("t4", "104", "0.5"), OrderSide.SELL, "flat0",
                       close_reason=CloseReason.TAKE_PROFIT)
    assert again.status is PositionStatus.CLOSED
    assert again.close_reason is CloseReason.TAKE_PROFIT
    assert again.realised_pnl_usdt == D("9.3")  # 9.8, then 0.5 bought at 105, sold at 104
    assert pos.status is PositionStatus.CLOSED  # the input is not changed


def test_cancel_pending_position() -> None:
    pos = close(position(), CloseReason.CANCELLED, T0)
    assert pos.status is PositionStatus.CLOSED and pos.close_reason is CloseReason.CANCELLED
    with pytest.raises(Conflict):
        close(pos, CloseReason.MANUAL, T0)


def test_close_with_quantity_needs_a_settle_price() -> None:
    pos = apply_fill(position(), fill("t1", "100", "1"), OrderSide.BUY, "entry")
    with pytest.raises(Conflict, match="still holds"):
        close(pos, CloseReason.MANUAL, T0)
    liquidated = close(pos, CloseReason.LIQUIDATED, T0, settle_price=D("90.5"))
    assert liquidated.quantity == 0 and liquidated.realised_pnl_usdt == D("-9.5")
    assert liquidated.close_reason is CloseReason.LIQUIDATED


@pytest.mark.parametrize("bad", [D(0), D(-1), D("NaN"), D("Infinity")])
def test_bad_mark_price(bad: Decimal) -> None:
    pos = apply_fill(position(), fill("t1", "100", "1"), OrderSide.BUY, "entry")
    with pytest.raises(InvalidInput, match="mark_price"):
        unrealised_pnl(pos, bad)


def test_input_position_is_not_mutated() -> None:
    pos = position()
    apply_fill(pos, fill("t1", "100", "1"), OrderSide.BUY, "entry")
    assert pos.quantity == 0 and pos.fills == []


NON_FINITE = [D("NaN"), D("sNaN"), D("Infinity"), D("-Infinity"), float("nan"), float("inf")]


@pytest.mark.parametrize("bad", [*NON_FINITE, D(-1), D("-0.0001")])
def test_close_refuses_a_bad_fee(bad: object) -> None:
    pos = apply_fill(position(), fill("t1", "100", "1"), OrderSide.BUY, "entry")
    with pytest.raises(InvalidInput, match="fee_usdt"):
        close(pos, CloseReason.LIQUIDATED, T0, settle_price=D(90), fee_usdt=bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="fee_usdt"):  # also with nothing left to settle
        close(position(), CloseReason.CANCELLED, T0, fee_usdt=bad)  # type: ignore[arg-type]


def test_close_with_a_zero_fee_or_a_real_fee_is_exact() -> None:
    pos = apply_fill(position(), fill("t1", "100", "1", "0.1"), OrderSide.BUY, "entry")
    closed = close(pos, CloseReason.LIQUIDATED, T0, settle_price=D(90), fee_usdt=D("0.2"))
    assert closed.realised_pnl_usdt == D("-10.3") and closed.realised_pnl_usdt.is_finite()
    assert closed.fees_usdt == D("0.3")


@pytest.mark.parametrize("bad", [*NON_FINITE, D(0), D(-90)])
def test_close_refuses_a_bad_settle_price(bad: object) -> None:
    pos = apply_fill(position(), fill("t1", "100", "1"), OrderSide.BUY, "entry")
    with pytest.raises(InvalidInput, match="settle_price"):
        close(pos, CloseReason.LIQUIDATED, T0, settle_price=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("field", ["price", "quantity", "fee_usdt"])
@pytest.mark.parametrize("bad", [D("NaN"), D("Infinity"), D("-Infinity"), D(-1)])
def test_apply_fill_refuses_a_fill_changed_after_validation(field: str, bad: Decimal) -> None:
    pos = apply_fill(position(), fill("t1", "100", "1"), OrderSide.BUY, "entry")
    changed = fill("t2", "101", "1").model_copy(update={field: bad})  # model_copy: no validation
    for side_of_order, leg in ((OrderSide.BUY, "dca1"), (OrderSide.SELL, "tp1")):
        with pytest.raises(InvalidInput, match=f"fill.{field}"):
            apply_fill(pos, changed, side_of_order, leg)


def test_a_fill_with_a_nan_price_is_refused_by_the_model_too() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        fill("t1", "NaN", "1")


@pytest.mark.parametrize("bad", [*NON_FINITE, D(-1)])
def test_gross_pnl_refuses_bad_numbers(bad: object) -> None:
    from verzek.domain.positions import gross_pnl

    for args in ((bad, D(100), D(1)), (D(100), bad, D(1)), (D(100), D(100), bad)):
        with pytest.raises(InvalidInput):
            gross_pnl(Side.LONG, *args)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [D("-Infinity"), float("nan"), float("-inf")])
def test_bad_mark_price_of_every_kind(bad: object) -> None:
    pos = apply_fill(position(), fill("t1", "100", "1"), OrderSide.BUY, "entry")
    with pytest.raises(InvalidInput, match="mark_price"):
        unrealised_pnl(pos, bad)  # type: ignore[arg-type]
