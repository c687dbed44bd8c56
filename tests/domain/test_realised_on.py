"""What a position's exits realised on one UTC day (the daily loss limit counts it for open
positions): each exit against the average entry when it filled, net of its fee."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from verzek.domain.models import Fill, Order, OrderSide, OrderType, Position, Side
from verzek.domain.positions import apply_fill, realised_on

D = Decimal
T0 = datetime(2026, 3, 1, 22, tzinfo=UTC)


def _position(side: Side) -> Position:
    return Position(id="p1", user_id="u1", account_id="a1", exchange="binance",
                    market_type="futures", mode="demo", symbol="BTC/USDT:USDT", side=side,
                    opened_at=T0)


def _fill(pos: Position, n: int, side: OrderSide, price: str, qty: str, fee: str,
          hours: float) -> Position:
    coid = f"o{n}"
    order = Order(client_order_id=coid, leg="entry" if n == 0 else f"x{n}", side=side,
                  type=OrderType.MARKET, quantity=D(qty), created_at=T0)
    pos = pos.model_copy(update={"orders": [*pos.orders, order]})
    return apply_fill(pos, Fill(trade_id=f"t{n}", client_order_id=coid, price=D(price),
                                quantity=D(qty), fee_usdt=D(fee),
                                at=T0 + timedelta(hours=hours)), side, order.leg)


def test_exits_count_on_the_day_they_filled() -> None:
    pos = _position(Side.LONG)
    pos = _fill(pos, 0, OrderSide.BUY, "100", "2", "0.2", 0)        # day 1, 22:00
    pos = _fill(pos, 1, OrderSide.SELL, "90", "1", "0.1", 1)        # day 1: -10 - 0.1
    pos = _fill(pos, 2, OrderSide.BUY, "80", "1", "0.1", 3)         # day 2: average 90
    pos = _fill(pos, 3, OrderSide.SELL, "95", "1", "0.05", 4)       # day 2: +5 - 0.05
    day1, day2 = T0.date(), (T0 + timedelta(hours=3)).date()
    assert realised_on(pos, day1) == D("-10.1")
    assert realised_on(pos, day2) == D("4.95")
    assert realised_on(pos, day2 + timedelta(days=1)) == 0
    entry_fees = D("0.3")
    assert realised_on(pos, day1) + realised_on(pos, day2) == pos.realised_pnl_usdt + entry_fees


def test_a_short_gains_when_the_price_falls() -> None:
    pos = _position(Side.SHORT)
    pos = _fill(pos, 0, OrderSide.SELL, "100", "2", "0", 0)
    pos = _fill(pos, 1, OrderSide.BUY, "95", "1", "0.1", 1)
    assert realised_on(pos, (T0 + timedelta(hours=1)).date()) == D("4.9")


def test_a_fill_of_an_order_the_position_does_not_list_is_left_out() -> None:
    pos = _position(Side.LONG)
    pos = _fill(pos, 0, OrderSide.BUY, "100", "2", "0", 0)
    pos = apply_fill(pos, Fill(trade_id="t9", client_order_id="gone", price=D(90),
                               quantity=D(1), at=T0), OrderSide.SELL, "tp1")
    assert realised_on(pos, T0.date()) == 0


@settings(max_examples=200)
@given(side=st.sampled_from([Side.LONG, Side.SHORT]),
       steps=st.lists(st.tuples(st.booleans(), st.integers(1, 500), st.integers(1, 9),
                                st.integers(0, 30), st.integers(0, 40)),
                      min_size=1, max_size=12))
def test_the_days_add_up_to_the_realised_pnl_plus_entry_fees(
        side: Side, steps: list[tuple[bool, int, int, int, int]]) -> None:
    """Over every day, the exits' figures sum to the position's realised PnL with the entry
    fees given back: the replay counts exactly what `apply_fill` counted."""
    pos = _position(side)
    opening = OrderSide.BUY if side is Side.LONG else OrderSide.SELL
    closing = OrderSide.SELL if side is Side.LONG else OrderSide.BUY
    entry_fees = D(0)
    hours = 0
    for n, (add, price, qty, fee_bp, gap_h) in enumerate(steps):
        hours += gap_h
        quantity = D(qty)
        if not add and pos.quantity > 0:
            quantity = min(quantity, pos.quantity)
        elif not add or n == 0:
            add = True
        fee = D(price) * quantity * fee_bp / 10000
        pos = _fill(pos, n, opening if add else closing, str(price), str(quantity), str(fee),
                    hours)
        if add:
            entry_fees += fee
        if pos.quantity == 0:
            break
    days = {f.at.date() for f in pos.fills}
    total = sum((realised_on(pos, d) for d in days), D(0))
    assert abs(total - (pos.realised_pnl_usdt + entry_fees)) < D("1e-18")  # 28-digit division
