"""Take-profit distribution, stop loss, breakeven and trailing exits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from verzek.domain.exits import (
    build_targets,
    distribution_weights,
    is_crossed,
    is_stop_hit,
    is_target_hit,
    split_quantity,
    stop_after_target,
    stop_loss_price,
    target_quantities,
    trail_stop,
    trail_take_profit,
)
from verzek.domain.models import Side, StrategySettings
from verzek.errors import InvalidInput

D = Decimal


def test_whole_even_and_explicit_weights() -> None:
    assert distribution_weights(3, "whole") == [D(100), D(0), D(0)]
    even = distribution_weights(3, "even")
    assert sum(even) == 100 and even[0] == even[1]
    assert distribution_weights(3, "explicit", [D(30), D(30), D(40)]) == [D(30), D(30), D(40)]


def test_explicit_with_fewer_targets_folds_the_rest_into_the_last() -> None:
    assert distribution_weights(2, "explicit", [D(30), D(30), D(40)]) == [D(30), D(70)]
    assert distribution_weights(1, "explicit", [D(30), D(30), D(40)]) == [D(100)]


def test_explicit_with_more_targets_leaves_the_extra_empty() -> None:
    assert distribution_weights(4, "explicit", [D(50), D(50)]) == [D(50), D(50), D(0), D(0)]


@pytest.mark.parametrize("pcts", [[D(30), D(30)], [D(50), D(60)], []])
def test_explicit_must_sum_to_100(pcts: list[Decimal]) -> None:
    with pytest.raises(InvalidInput, match="tp_distribution_pcts"):
        distribution_weights(2, "explicit", pcts)


def test_no_targets_is_rejected() -> None:
    with pytest.raises(InvalidInput):
        distribution_weights(0, "even")


def test_split_rounds_to_step_and_the_last_takes_the_rest() -> None:
    parts = split_quantity(D("1.0007"), [D(30), D(30), D(40)], D("0.001"))
    assert parts == [D("0.300"), D("0.300"), D("0.4007")]
    assert sum(parts) == D("1.0007")


def test_leftover_steps_go_to_the_shares_the_rounding_cut_most() -> None:
    """50/30/20 of 6 on a step of 1 was 4/1/1 (the spare step to the nearest target): the
    shares the user asked for are nearer 3/2/1."""
    assert split_quantity(D(6), [D(50), D(30), D(20)], D(1), leftover="nearest") == [
        D(3), D(2), D(1)]
    # equal remainders: the nearest first (a small position sells at the nearest targets)
    assert split_quantity(D(2), distribution_weights(3, "even"), D(1), leftover="nearest") == [
        D(1), D(1), D(0)]


def test_split_below_step_gives_zeros_then_the_whole() -> None:
    assert split_quantity(D("0.003"), distribution_weights(5, "even"), D("0.001")) == [
        D(0), D(0), D(0), D(0), D("0.003")]


def test_target_quantities_from_settings() -> None:
    settings = StrategySettings(tp_distribution="explicit",
                                tp_distribution_pcts=[D(30), D(30), D(40)])
    assert target_quantities(D(10), 3, settings, D("0.1")) == [D(3), D(3), D(4)]


def test_build_targets() -> None:
    settings = StrategySettings(tp_distribution="even")
    targets = build_targets([D(110), D(120), D(130)], D("1.001"), settings, D("0.001"))
    assert [t.quantity for t in targets] == [D("0.333"), D("0.333"), D("0.335")]
    assert [t.price for t in targets] == [D(110), D(120), D(130)]
    with pytest.raises(InvalidInput, match="targets"):
        build_targets([], D(1), settings)
    with pytest.raises(InvalidInput, match=r"targets\[1\]"):
        build_targets([D(110), D("NaN")], D(1), settings)


def test_split_rejects_bad_quantity() -> None:
    with pytest.raises(InvalidInput, match="quantity"):
        split_quantity(D(-1), [D(100)])
    with pytest.raises(InvalidInput, match="quantity"):
        split_quantity(D("NaN"), [D(100)])


def test_stop_loss_modes() -> None:
    percent_fixed = StrategySettings(stop_loss_mode="percent", stop_loss_pct=D(5))
    recompute = StrategySettings(stop_loss_mode="percent", stop_loss_pct=D(5),
                                 sl_recompute_on_dca=True)
    assert stop_loss_price(Side.LONG, percent_fixed, average_entry=D(90),
                           first_entry=D(100)) == D(95)
    assert stop_loss_price(Side.LONG, recompute, average_entry=D(90),
                           first_entry=D(100)) == D("85.5")
    assert stop_loss_price(Side.SHORT, percent_fixed, average_entry=D(110),
                           first_entry=D(100)) == D(105)
    signal = StrategySettings(stop_loss_mode="signal")
    assert stop_loss_price(Side.LONG, signal, average_entry=D(90), first_entry=D(100),
                           signal_stop=D(80)) == D(80)
    assert stop_loss_price(Side.LONG, StrategySettings(stop_loss_mode="none"),
                           average_entry=D(90), first_entry=D(100)) is None


def test_breakeven_after_target_one_never_worsens_the_stop() -> None:
    settings = StrategySettings(move_sl_to_breakeven_after_tp1=True)
    assert stop_after_target(Side.LONG, settings, target_index=1, current_stop=D(95),
                             average_entry=D(100)) == D(100)
    assert stop_after_target(Side.LONG, settings, target_index=1, current_stop=D(101),
                             average_entry=D(100)) == D(101)
    assert stop_after_target(Side.SHORT, settings, target_index=1, current_stop=D(105),
                             average_entry=D(100)) == D(100)
    off = StrategySettings(move_sl_to_breakeven_after_tp1=False)
    assert stop_after_target(Side.LONG, off, target_index=1, current_stop=D(95),
                             average_entry=D(100)) == D(95)


def test_hits() -> None:
    assert is_stop_hit(Side.LONG, D(95), D(95)) and not is_stop_hit(Side.LONG, D(95), D(96))
    assert is_stop_hit(Side.SHORT, D(105), D(105)) and not is_stop_hit(Side.SHORT, D(105), D(104))
    assert is_target_hit(Side.LONG, D(110), D(110)) and is_target_hit(Side.SHORT, D(90), D(89))


def test_trailing_take_profit_activates_follows_and_triggers() -> None:
    kwargs = dict(average_entry=D(100), activation_pct=D(2), callback_pct=D(1))
    extreme, close = trail_take_profit(Side.LONG, extreme=None, price=D("101.9"), **kwargs)
    assert extreme is None and not close
    extreme, close = trail_take_profit(Side.LONG, extreme=None, price=D(102), **kwargs)
    assert extreme == D(102) and not close
    extreme, close = trail_take_profit(Side.LONG, extreme=extreme, price=D(105), **kwargs)
    assert extreme == D(105) and not close
    extreme, close = trail_take_profit(Side.LONG, extreme=extreme, price=D("103.95"), **kwargs)
    assert extreme == D(105) and close


def test_trailing_take_profit_short() -> None:
    kwargs = dict(average_entry=D(100), activation_pct=D(2), callback_pct=D(1))
    extreme, close = trail_take_profit(Side.SHORT, extreme=None, price=D(97), **kwargs)
    assert extreme == D(97) and not close
    extreme, close = trail_take_profit(Side.SHORT, extreme=extreme, price=D("97.97"), **kwargs)
    assert close


def test_trailing_stop_only_moves_up_for_a_long() -> None:
    stop = trail_stop(Side.LONG, stop=None, trail_pct=D(5), price=D(100))
    assert stop == D(95)
    assert trail_stop(Side.LONG, stop=stop, trail_pct=D(5), price=D(110)) == D("104.5")
    assert trail_stop(Side.LONG, stop=D("104.5"), trail_pct=D(5), price=D(100)) == D("104.5")
    assert trail_stop(Side.SHORT, stop=D(105), trail_pct=D(5), price=D(90)) == D("94.5")


def test_a_breakout_is_crossed_at_or_past_its_trigger() -> None:
    assert is_crossed("above", D(105), D(105)) and is_crossed("above", D(105), D("105.1"))
    assert not is_crossed("above", D(105), D("104.99"))
    assert is_crossed("below", D(95), D(95)) and not is_crossed("below", D(95), D("95.01"))


BAD = [D("NaN"), D("sNaN"), D("Infinity"), D("-Infinity"), D(0), D(-1), float("nan")]


@pytest.mark.parametrize("bad", BAD)
def test_hit_checks_refuse_bad_prices_with_invalid_input(bad: object) -> None:
    for side in Side:
        with pytest.raises(InvalidInput, match="price"):
            is_stop_hit(side, D(95), bad)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="stop"):
            is_stop_hit(side, bad, D(95))  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="price"):
            is_target_hit(side, D(110), bad)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="target"):
            is_target_hit(side, bad, D(110))  # type: ignore[arg-type]
    for direction in ("above", "below"):
        with pytest.raises(InvalidInput, match="price"):
            is_crossed(direction, D(105), bad)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="trigger"):
            is_crossed(direction, bad, D(105))  # type: ignore[arg-type]


def test_a_breakout_direction_is_above_or_below() -> None:
    with pytest.raises(InvalidInput, match="direction"):
        is_crossed("sideways", D(105), D(105))


@pytest.mark.parametrize("bad", BAD)
def test_trailing_and_breakeven_refuse_bad_stored_figures(bad: object) -> None:
    kwargs = dict(average_entry=D(100), activation_pct=D(2), callback_pct=D(1))
    with pytest.raises(InvalidInput, match="extreme"):
        trail_take_profit(Side.LONG, extreme=bad, price=D(102), **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="price"):
        trail_take_profit(Side.LONG, extreme=None, price=bad, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="stop"):
        trail_stop(Side.LONG, stop=bad, trail_pct=D(5), price=D(100))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="current_stop"):
        stop_after_target(Side.LONG, StrategySettings(), target_index=1,
                          current_stop=bad, average_entry=D(100))  # type: ignore[arg-type]
