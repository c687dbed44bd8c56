"""Property-based checks of the DCA maths, target splits, caps, mirroring and closing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from verzek.domain.dca import DcaParams, build_plan
from verzek.domain.exits import distribution_weights, split_quantity
from verzek.domain.models import (
    Fill,
    MarketType,
    Position,
    PositionStatus,
    Side,
    TradingMode,
)
from verzek.domain.positions import apply_fill, closing_side, opening_side
from verzek.domain.sizing import effective_leverage

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def decimals(low: str, high: str, places: int = 4) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=places,
                       allow_nan=False, allow_infinity=False)


@st.composite
def dca_params(draw: st.DrawFn, side: Side | None = None) -> DcaParams:
    return DcaParams(
        side=side or draw(st.sampled_from(list(Side))),
        entry_price=draw(decimals("0.0001", "100000")),
        base_order_usdt=draw(decimals("1", "10000", 2)),
        safety_order_usdt=draw(decimals("1", "10000", 2)),
        max_safety_orders=draw(st.integers(0, 12)),
        deviation_pct=draw(decimals("0.1", "10", 2)),
        step_scale=draw(decimals("0.5", "2", 2)),
        volume_scale=draw(decimals("0.5", "3", 2)),
        take_profit_pct=draw(st.none() | decimals("0.1", "50", 2)),
        leverage=draw(st.none() | st.integers(1, 125)),
        max_position_usdt=draw(st.none() | decimals("1", "100000", 2)),
        amount_step=draw(st.none() | st.sampled_from([Decimal("0.001"), Decimal("0.1")])),
    )


@given(dca_params())
def test_average_lies_between_lowest_and_highest_fill(params: DcaParams) -> None:
    plan = build_plan(params)
    for index, level in enumerate(plan.levels):
        prices = [lv.price for lv in plan.levels[: index + 1]]
        assert min(prices) <= level.average_price <= max(prices)


@given(dca_params())
def test_caps_are_never_exceeded(params: DcaParams) -> None:
    plan = build_plan(params)
    if params.max_position_usdt is not None:
        assert plan.max_investment <= params.max_position_usdt
    kept = {level.level for level in plan.levels}
    assert kept.isdisjoint(d.level for d in plan.dropped)


@given(dca_params(side=Side.LONG))
def test_a_short_mirrors_a_long(long_params: DcaParams) -> None:
    from dataclasses import replace

    short_params = replace(long_params, side=Side.SHORT, amount_step=None)
    long_plan = build_plan(replace(long_params, amount_step=None))
    short_plan = build_plan(short_params)
    long_by_level = {level.level: level for level in long_plan.levels}
    for short in short_plan.levels:
        if short.level not in long_by_level:
            continue  # a long level can drop at price ≤ 0; a short's never does
        long = long_by_level[short.level]
        assert long.price + short.price == 2 * long_params.entry_price
        assert long.quote == short.quote
        if long_params.take_profit_pct is not None:
            factor = long_params.take_profit_pct / 100
            assert long.take_profit_price == long.average_price * (1 + factor)
            assert short.take_profit_price == short.average_price * (1 - factor)
    assert [lv.level for lv in short_plan.levels[: len(long_plan.levels)]] == [
        lv.level for lv in long_plan.levels]


@given(
    quantity=decimals("0", "100000", 6),
    n_targets=st.integers(1, 8),
    distribution=st.sampled_from(["whole", "even"]),
    step=st.none() | st.sampled_from([Decimal("0.001"), Decimal("0.01"), Decimal(1)]),
)
def test_partial_take_profits_sum_exactly_to_the_position(
    quantity: Decimal, n_targets: int, distribution: str, step: Decimal | None
) -> None:
    parts = split_quantity(quantity, distribution_weights(n_targets, distribution),  # type: ignore[arg-type]
                           step)
    assert len(parts) == n_targets
    assert sum(parts, Decimal(0)) == quantity
    assert all(part >= 0 for part in parts)
    if step is not None:
        assert all(part % step == 0 for part in parts[:-1])


@given(
    pcts=st.lists(st.integers(1, 60), min_size=1, max_size=6),
    n_targets=st.integers(1, 8),
    quantity=decimals("0.001", "1000", 3),
)
def test_explicit_distribution_sums_exactly(pcts: list[int], n_targets: int,
                                           quantity: Decimal) -> None:
    weights = [Decimal(p) for p in pcts]
    weights[-1] += 100 - sum(weights)
    if weights[-1] <= 0:
        return
    parts = split_quantity(quantity, distribution_weights(n_targets, "explicit", weights),
                           Decimal("0.001"))
    assert sum(parts, Decimal(0)) == quantity


@given(
    signal=st.none() | st.integers(1, 125), user_cap=st.integers(1, 125),
    plan_cap=st.integers(1, 125), market=st.sampled_from(list(MarketType)),
)
def test_leverage_never_above_a_cap(signal: int | None, user_cap: int, plan_cap: int,
                                    market: MarketType) -> None:
    leverage = effective_leverage(market, signal, user_cap, plan_cap)
    assert 1 <= leverage <= min(user_cap, plan_cap)
    if signal is not None:
        assert leverage <= signal
    if market is MarketType.SPOT:
        assert leverage == 1


@settings(max_examples=200)
@given(
    side=st.sampled_from(list(Side)),
    entries=st.lists(st.tuples(decimals("0.01", "1000", 2), decimals("0.001", "50", 3)),
                     min_size=1, max_size=5),
    exit_price=decimals("0.01", "1000", 2),
    n_targets=st.integers(1, 5),
    step=st.sampled_from([Decimal("0.001"), Decimal("0.01")]),
)
def test_closing_never_leaves_a_remainder(
    side: Side, entries: list[tuple[Decimal, Decimal]], exit_price: Decimal, n_targets: int,
    step: Decimal,
) -> None:
    position = Position(id="p", user_id="u", account_id="a", exchange="binance",
                        market_type="futures", mode=TradingMode.DEMO, symbol="BTC/USDT",
                        side=side, opened_at=T0)
    at = T0
    for i, (price, qty) in enumerate(entries):
        at += timedelta(seconds=1)
        fill = Fill(trade_id=f"e{i}", client_order_id=f"o{i}", price=price, quantity=qty, at=at)
        position = apply_fill(position, fill, opening_side(side), "entry" if i == 0 else f"dca{i}")
    parts = split_quantity(position.quantity, distribution_weights(n_targets, "even"), step)
    for i, part in enumerate(parts):
        if part == 0:
            continue
        at += timedelta(seconds=1)
        fill = Fill(trade_id=f"x{i}", client_order_id=f"tp{i}", price=exit_price, quantity=part,
                    at=at)
        position = apply_fill(position, fill, closing_side(side), f"tp{i + 1}")
    assert position.quantity == 0
    assert position.status is PositionStatus.CLOSED
    total_in = sum((q for _, q in entries), Decimal(0))
    cost = sum((p * q for p, q in entries), Decimal(0))
    move = exit_price * total_in - cost
    expected = move if side is Side.LONG else -move
    assert abs(position.realised_pnl_usdt - expected) < Decimal("1e-15")
