"""Property-based checks of the DCA maths, target splits, caps, mirroring and closing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.domain.conftest import make_user
from verzek.domain import risk
from verzek.domain.dca import DcaParams, DcaPlan, build_plan
from verzek.domain.exits import breakeven_price, distribution_weights, split_quantity
from verzek.domain.models import (
    Fill,
    MarketType,
    Position,
    PositionStatus,
    Side,
    Signal,
    TradingMode,
    User,
)
from verzek.domain.positions import apply_fill, closing_side, opening_side
from verzek.domain.risk import RiskContext
from verzek.domain.sizing import effective_leverage, position_cap_usdt, symbol_room_usdt

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


def spread(low_exp: int, high_exp: int) -> st.SearchStrategy[Decimal]:
    """Decimals spread over many orders of magnitude: 1–6 significant digits × 10^[low, high]."""
    return st.builds(lambda digits, exp: Decimal(digits).scaleb(exp),
                     st.integers(1, 999_999), st.integers(low_exp, high_exp))


@st.composite
def wide_dca_params(draw: st.DrawFn) -> DcaParams:
    """Plans anywhere in the accepted ranges (prices 1e-12 … 1e12, orders 1e-12 … 1e12 USDT),
    with and without exchange steps: where 28-digit rounding shows, if anywhere."""
    entry = draw(spread(-17, 6))  # 1e-17 … 1e12
    count = draw(st.integers(0, 12))
    volume_scale = draw(decimals("0.5", "3", 2))
    # the last safety order stays within the accepted 1e12 USDT (a volume scale compounds)
    largest_first = Decimal("0.999e12") / volume_scale ** max(count - 1, 0)  # rounding
    return DcaParams(
        side=draw(st.sampled_from(list(Side))),
        entry_price=max(entry, Decimal("1e-12")),
        base_order_usdt=max(draw(spread(-12, 6)), Decimal("1e-12")),
        safety_order_usdt=min(draw(spread(-6, 3)), largest_first),
        max_safety_orders=count,
        deviation_pct=draw(decimals("0.01", "30", 2)),
        step_scale=draw(decimals("0.5", "2", 2)),
        volume_scale=volume_scale,
        take_profit_pct=draw(st.none() | decimals("0.1", "50", 2)),
        leverage=draw(st.none() | st.integers(1, 125)),
        price_step=draw(st.none() | st.sampled_from([Decimal("1e-12"), Decimal("0.0001")])),
        amount_step=draw(st.none() | st.sampled_from([Decimal("1e-8"), Decimal("0.001")])),
    )


# Decimal keeps 28 significant digits: each quantity (quote ÷ price) and the average division
# are rounded there, so the plan's average may differ from the exact ratio by a few units in
# the 27th–28th digit, and no more.
RELATIVE_ROUNDING = Decimal("1e-26")


@settings(max_examples=300)
@given(st.one_of(dca_params(), wide_dca_params()))
def test_average_is_total_quote_over_total_base_within_the_fills(params: DcaParams) -> None:
    plan = build_plan(params)
    total_quote = total_base = Decimal(0)
    for index, level in enumerate(plan.levels):
        total_quote += level.quote
        total_base += level.quantity
        assert level.cumulative_quote == total_quote
        assert level.cumulative_quantity == total_base
        exact = total_quote / total_base
        assert abs(level.average_price - exact) <= exact * RELATIVE_ROUNDING, (
            level.level, level.average_price, exact)
        prices = [lv.price for lv in plan.levels[: index + 1]]
        assert min(prices) <= level.average_price <= max(prices)
        if params.amount_step is not None:
            # quote = price × quantity exactly: the ratio stays within the prices but for the
            # division's own rounding (a 1.27e-12 price: 1.269…9e-12)
            slack = exact * RELATIVE_ROUNDING
            assert min(prices) - slack <= exact <= max(prices) + slack


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
    # exactly: the exits share the cost itself, not a rounded average entry (a residue like
    # "-39.28763399999999999999999999" where the fills say -39.287634)
    assert position.realised_pnl_usdt == expected


# --- caps: what an allowed plan or decision places never passes a cap -------------------------

def cap() -> st.SearchStrategy[Decimal | None]:
    return st.none() | decimals("1", "5000", 2)


EPSILON = Decimal("0.000001")


def near(draw: st.DrawFn, limit: Decimal | None) -> Decimal:
    """A figure just below, at or just above `limit`, or anywhere: rules break at limits."""
    where = draw(st.sampled_from(["below", "at", "above", "anywhere"]))
    if limit is None or where == "anywhere":
        return draw(decimals("0", "5000", 2))
    offset = {"below": -EPSILON, "at": Decimal(0), "above": EPSILON}[where]
    return max(Decimal(0), limit + offset)


@st.composite
def cap_scenarios(draw: st.DrawFn) -> tuple[User, Decimal, Decimal, DcaPlan | None]:
    """A user with random caps and DCA settings, the exposure already open (symbol ≤ total,
    often right at a cap's edge), and the plan the engine would place for a long at 100
    (None when DCA is off)."""
    dca_on = draw(st.booleans())
    user = make_user(
        risk={"position_size_usdt": draw(decimals("1", "2000", 2)),
              "max_position_usdt": draw(cap()), "max_symbol_exposure_usdt": draw(cap()),
              "max_total_exposure_usdt": draw(cap()), "max_leverage": 10},
        dca={"enabled": dca_on, "safety_order_usdt": draw(decimals("1", "1000", 2)),
             "max_safety_orders": draw(st.integers(0, 10)),
             "volume_scale": draw(decimals("0.5", "2", 2)),
             "max_investment_usdt": draw(cap())},
        strategy={"take_profit_mode": "percent"},
    )
    risk_settings = user.settings.risk
    base = risk_settings.position_size_usdt
    symbol_cap = risk_settings.max_symbol_exposure_usdt
    symbol_exposure = near(draw, None if symbol_cap is None else symbol_cap - base)
    plan = None
    if dca_on:
        params = DcaParams.from_settings(
            Side.LONG, Decimal(100), base, user.settings,
            symbol_exposure_usdt=symbol_exposure, leverage=10)
        plan = build_plan(params)
    placed = plan.max_investment if plan is not None and plan.levels else base
    total_cap = risk_settings.max_total_exposure_usdt
    total_exposure = max(symbol_exposure,
                         near(draw, None if total_cap is None else total_cap - placed))
    return user, symbol_exposure, total_exposure, plan


@given(cap_scenarios())
def test_a_plan_never_passes_the_symbol_room_or_the_position_cap(
    scenario: tuple[User, Decimal, Decimal, DcaPlan | None]
) -> None:
    user, symbol_exposure, _, plan = scenario
    if plan is None:
        return
    risk_settings = user.settings.risk
    room = symbol_room_usdt(risk_settings, symbol_exposure)
    if room is not None:
        assert plan.max_investment <= room
        if plan.levels:
            assert risk_settings.max_symbol_exposure_usdt is not None
            assert symbol_exposure + plan.max_investment <= risk_settings.max_symbol_exposure_usdt
    position_cap = position_cap_usdt(user.settings)
    if position_cap is not None:
        assert plan.max_investment <= position_cap
    for dropped in plan.dropped:
        assert dropped.level not in {level.level for level in plan.levels}


def caps_hold(user: User, symbol_exposure: Decimal, total_exposure: Decimal,
              planned: Decimal) -> bool:
    risk_settings = user.settings.risk
    position_cap = position_cap_usdt(user.settings)
    return all((
        position_cap is None or planned <= position_cap,
        risk_settings.max_symbol_exposure_usdt is None
        or symbol_exposure + planned <= risk_settings.max_symbol_exposure_usdt,
        risk_settings.max_total_exposure_usdt is None
        or total_exposure + planned <= risk_settings.max_total_exposure_usdt,
    ))


@settings(max_examples=300)
@given(cap_scenarios())
def test_exposure_caps_allow_exactly_the_trades_within_every_cap(
    scenario: tuple[User, Decimal, Decimal, DcaPlan | None]
) -> None:
    user, symbol_exposure, total_exposure, plan = scenario
    ctx = RiskContext(
        user=user, signal=Signal(symbol="BTC/USDT", side="long", entries=[Decimal(100)]),
        signal_id="s1", now=T0, signal_received_at=T0, current_price=Decimal(100),
        capital_usdt=Decimal(100_000), account=user.exchange_accounts[0],
        symbol_exposure_usdt=symbol_exposure, total_exposure_usdt=total_exposure,
        dca_plan=plan)
    # what the engine places if allowed: every kept level, or the base order alone
    placed = plan.max_investment if plan is not None and plan.levels else ctx.base_order_usdt
    assert ctx.planned_investment_usdt == placed
    within = caps_hold(user, symbol_exposure, total_exposure, placed)
    assert risk.exposure_caps(ctx).allowed is within
    if risk.check(ctx).allowed:
        assert within


@given(side=st.sampled_from(list(Side)), entry=decimals("0.00000100", "200000", 8),
       rate_in=decimals("0", "0.01", 5), rate_out=decimals("0", "0.01", 5),
       quantity=decimals("0.001", "100000", 3))
def test_breakeven_covers_an_entry_and_an_exit_at_different_rates(
        side: Side, entry: Decimal, rate_in: Decimal, rate_out: Decimal,
        quantity: Decimal) -> None:
    exit_price = breakeven_price(side, entry, rate_in, rate_out)
    gross = (exit_price - entry) * quantity if side is Side.LONG else \
        (entry - exit_price) * quantity
    net = gross - quantity * entry * rate_in - quantity * exit_price * rate_out
    assert net >= 0
    assert net <= quantity * exit_price * Decimal("1E-9")


@given(side=st.sampled_from(list(Side)), entry=decimals("0.00000100", "200000", 8),
       rate=decimals("0", "0.01", 5), quantity=decimals("0.001", "100000", 3))
def test_closing_at_breakeven_covers_both_fees_and_not_much_more(
        side: Side, entry: Decimal, rate: Decimal, quantity: Decimal) -> None:
    exit_price = breakeven_price(side, entry, rate)
    paid_in = quantity * entry * rate
    paid_out = quantity * exit_price * rate
    gross = (exit_price - entry) * quantity if side is Side.LONG else \
        (entry - exit_price) * quantity
    net = gross - paid_in - paid_out
    assert net >= 0
    # rounded to 10 significant digits, away from the entry: a hair more, never a loss
    assert net <= quantity * exit_price * Decimal("1E-9")
