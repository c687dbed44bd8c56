"""A futures stop at or beyond the liquidation price is refused (the position would be
liquidated before its stop acts), measured on the position the price meets the stop with:
the entry and the DCA levels that fill before it. DCA levels at or past the stop are left out
of the plan."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.domain.conftest import T0, account, make_user, worked_params
from verzek.domain import risk
from verzek.domain.dca import build_plan
from verzek.domain.models import DcaLevel, MarketType, Side, Signal
from verzek.domain.risk import RiskContext
from verzek.domain.risk.stops import fixed_stop, max_safe_leverage

D = Decimal


def ctx(side: str = "long", entry: str = "3000", stop: str | None = "2650",
        leverage: int = 10, **overrides: Any) -> RiskContext:
    values: dict[str, Any] = dict(
        user=overrides.pop("user", None) or make_user(risk={"max_leverage": 125}),
        signal=Signal(symbol="ETH/USDT", side=side, entries=[D(entry)],
                      stop_loss=D(stop) if stop else None, leverage=leverage),
        signal_id="s1", now=T0, signal_received_at=T0, current_price=D(entry),
        capital_usdt=D(10000), account=account())
    values.update(overrides)
    return RiskContext(**values)


def test_the_reviews_eth_long_is_refused_naming_both_prices_and_a_safe_leverage() -> None:
    decision = risk.stop_within_liquidation(ctx())
    assert not decision.allowed and decision.code == "stop_beyond_liquidation"
    assert decision.details["liquidation_price"] == D("2715.000")  # 3000 · (1 − 1/10 + 0.005)
    assert decision.details["max_leverage"] == 8
    assert decision.message == (
        "The stop 2650 lies at or beyond the liquidation price (about 2715) of a long from "
        "3000 at 10x: the position would be liquidated before its stop acts; use at most 8x "
        "leverage or a closer stop.")
    assert risk.check(ctx()).code == "stop_beyond_liquidation"
    assert risk.stop_within_liquidation(ctx(leverage=8)).allowed  # 8x: liquidation 2640


@pytest.mark.parametrize("side,stop,allowed", [
    ("long", "90.51", True), ("long", "90.5", False), ("long", "90.49", False),
    ("short", "109.49", True), ("short", "109.5", False), ("short", "109.51", False),
])
def test_a_stop_at_the_liquidation_counts_as_beyond(side: str, stop: str,
                                                    allowed: bool) -> None:
    # entry 100 at 10x: liquidation 90.5 for a long, 109.5 for a short (mmr 0.5 %)
    decision = risk.stop_within_liquidation(ctx(side, "100", stop))
    assert decision.allowed is allowed
    assert allowed or decision.details["liquidation_price"] in (D("90.5"), D("109.5"))


def test_spot_and_no_stop_are_never_refused() -> None:
    assert risk.stop_within_liquidation(ctx(market=MarketType.SPOT)).code == "no_liquidation"
    assert risk.stop_within_liquidation(ctx(stop=None)).code == "no_stop"
    no_stop = make_user(risk={"max_leverage": 125}, strategy={"stop_loss_mode": "none"})
    assert risk.stop_within_liquidation(ctx(user=no_stop)).code == "no_stop"


def test_a_percent_stop_is_checked_too() -> None:
    wide = make_user(risk={"max_leverage": 125},
                     strategy={"stop_loss_mode": "percent", "stop_loss_pct": "12"})
    decision = risk.stop_within_liquidation(ctx(user=wide, stop=None))
    assert decision.code == "stop_beyond_liquidation" and decision.details["stop"] == D("2640")
    # moved with the average after each DCA fill: its distance to the liquidation never changes
    moving = make_user(risk={"max_leverage": 125}, strategy={
        "stop_loss_mode": "percent", "stop_loss_pct": "12", "sl_recompute_on_dca": True})
    assert risk.stop_within_liquidation(ctx(user=moving, stop=None)).code == \
        "stop_beyond_liquidation"
    assert risk.stop_within_liquidation(ctx(user=moving, stop=None, leverage=5)).allowed


def test_the_expected_entry_not_the_price_of_now_is_measured() -> None:
    # a limit long resting at 3000 while the market is at 3100: liquidation 2715 from 3000
    later = ctx(current_price=D(3100), entry_price=D(3000), stop="2700")
    assert risk.stop_within_liquidation(later).code == "stop_beyond_liquidation"
    assert risk.stop_within_liquidation(ctx(current_price=D(3000), entry_price=D(2990),
                                            stop="2710")).allowed  # 2990: liquidation 2706


def one_level(side: Side, level_price: str, stop: str | None = None):  # type: ignore[no-untyped-def]
    deviation = abs(D(level_price) - 100)
    return build_plan(worked_params(
        side=side, leverage=10, max_safety_orders=1,
        stop_price=D(stop) if stop else None, base_order_usdt=D(100), safety_order_usdt=D(100),
        explicit_levels=(DcaLevel(deviation_pct=deviation, size_multiplier=D(1)),)))


def test_dca_levels_that_fill_before_the_stop_move_the_liquidation_past_it() -> None:
    # entry 100 and 100 USDT at 94, 10x: alone liquidated at 90.5; with the level filled the
    # average is 96.907… and the liquidation 87.70…: a stop at 90 acts first
    user = make_user(risk={"max_leverage": 125, "position_size_usdt": "100"})
    plan = one_level(Side.LONG, "94", stop="90")
    decision = risk.stop_within_liquidation(ctx(entry="100", stop="90", user=user,
                                                dca_plan=plan))
    assert decision.allowed, decision.message
    assert not risk.stop_within_liquidation(ctx(entry="100", stop="90", user=user)).allowed


def test_a_dca_level_beyond_the_liquidation_does_not_count() -> None:
    # level at 90.4: beyond the entry's liquidation 90.5, it can never fill
    user = make_user(risk={"max_leverage": 125, "position_size_usdt": "100",
                           "allow_dca_beyond_liquidation": True})
    plan = one_level(Side.LONG, "90.4", stop="88")
    decision = risk.stop_within_liquidation(ctx(entry="100", stop="88", user=user,
                                                dca_plan=plan))
    assert decision.code == "stop_beyond_liquidation"
    assert decision.details["dca_levels_filled"] == 0


def test_the_message_says_which_dca_levels_it_counted() -> None:
    user = make_user(risk={"max_leverage": 125, "position_size_usdt": "100"})
    plan = one_level(Side.SHORT, "103", stop="112")
    decision = risk.stop_within_liquidation(ctx("short", "100", "112", user=user,
                                                dca_plan=plan))
    assert decision.code == "stop_beyond_liquidation"
    assert "of a short from 100 at 10x with 1 DCA level filled (average 101.478)" in \
        decision.message


@given(st.sampled_from(list(Side)), st.decimals("0.5", "40", places=2))
def test_the_suggested_leverage_is_the_highest_that_keeps_the_stop_ahead(
        side: Side, distance_pct: Decimal) -> None:
    entry = D(1000)
    stop = entry * (1 - distance_pct / 100) if side is Side.LONG else \
        entry * (1 + distance_pct / 100)
    safe = max_safe_leverage(side, entry, stop, D("0.005"))
    user = make_user(risk={"max_leverage": 125})  # the VIP plan caps leverage at 50

    def allowed(leverage: int) -> bool:
        return risk.stop_within_liquidation(
            ctx(side.value, "1000", str(stop), leverage, user=user)).allowed

    if safe >= 1:
        assert allowed(min(safe, 50))
    if safe + 1 <= 50:
        assert not allowed(safe + 1)


# --- DCA levels at or past the stop ------------------------------------------------------------

@pytest.mark.parametrize("side,stop,kept", [
    (Side.LONG, "94.54", [1, 2]),  # level 3 at 94.54: at the stop is past it
    (Side.LONG, "94.53", [1, 2, 3]),
    (Side.LONG, "99", []),
    (Side.SHORT, "105.46", [1, 2]),
    (Side.SHORT, "105.47", [1, 2, 3]),
])
def test_dca_levels_at_or_past_the_stop_are_dropped(side: Side, stop: str,
                                                    kept: list[int]) -> None:
    # the worked example: levels at 98.5, 96.7, 94.54, 91.952, 88.8424 (mirrored for a short)
    plan = build_plan(worked_params(side=side, stop_price=D(stop)))
    assert [lv.level for lv in plan.levels if lv.level] == kept
    dropped = [d for d in plan.dropped]
    assert [d.level for d in dropped] == [n for n in range(1, 6) if n not in kept]
    assert all(d.code == "beyond_stop" for d in dropped)
    if kept == [1, 2]:
        price = "94.54" if side is Side.LONG else "105.46"
        assert dropped[0].reason == (
            f"at {price} it lies at or past the stop loss {stop}, which closes the position "
            "before it could fill; it and every later level are dropped")
        assert dropped[1].reason == "follows level 3, which was dropped"


def test_fixed_stop_is_none_when_the_stop_follows_the_average() -> None:
    signal_stop = make_user().settings.strategy
    assert fixed_stop(Side.LONG, signal_stop, D(100), D(90)) == D(90)
    pct = make_user(strategy={"stop_loss_mode": "percent", "stop_loss_pct": "5"})
    assert fixed_stop(Side.LONG, pct.settings.strategy, D(100), None) == D(95)
    moving = make_user(strategy={"stop_loss_mode": "percent", "sl_recompute_on_dca": True})
    assert fixed_stop(Side.LONG, moving.settings.strategy, D(100), None) is None
    none = make_user(strategy={"stop_loss_mode": "none"})
    assert fixed_stop(Side.LONG, none.settings.strategy, D(100), D(90)) is None


@given(st.sampled_from(list(Side)), st.integers(0, 8), st.decimals("0.1", "5", places=2),
       st.decimals("0.1", "30", places=2))
def test_no_kept_level_lies_at_or_past_the_stop(side: Side, count: int, deviation: Decimal,
                                                stop_pct: Decimal) -> None:
    stop = D(100) * (1 - stop_pct / 100) if side is Side.LONG else D(100) * (1 + stop_pct / 100)
    plan = build_plan(worked_params(side=side, max_safety_orders=count, deviation_pct=deviation,
                                    stop_price=stop))
    unstopped = build_plan(worked_params(side=side, max_safety_orders=count,
                                         deviation_pct=deviation))
    past = [lv.level for lv in unstopped.levels
            if lv.level and (lv.price <= stop if side is Side.LONG else lv.price >= stop)]
    assert [lv.level for lv in plan.levels if lv.level] == \
        [lv.level for lv in unstopped.levels if lv.level and lv.level not in past]
    assert [d.level for d in plan.dropped if d.code == "beyond_stop" or "follows" in d.reason] \
        == past


def test_cross_margin_is_not_held_to_an_isolated_liquidation_price() -> None:
    """Cross margin: the account's balance backs the position; the rule does not apply."""
    isolated = ctx(user=make_user(risk={"max_leverage": 125, "margin_mode": "isolated"}))
    cross = ctx(user=make_user(risk={"max_leverage": 125, "margin_mode": "cross"}))
    assert risk.stop_within_liquidation(isolated).code == "stop_beyond_liquidation"
    decision = risk.stop_within_liquidation(cross)
    assert decision.allowed and decision.code == "cross_margin"
    assert risk.check(cross).allowed
