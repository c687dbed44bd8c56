"""DCA plan: the issue's worked example, shorts, caps, liquidation, rounding and re-planning."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.domain.conftest import worked_params
from verzek.domain.dca import DcaParams, Progress, average_entry, build_plan, level_deviations
from verzek.domain.margin import is_beyond_liquidation, liquidation_price
from verzek.domain.models import DcaLevel, DcaSettings, Side, UserSettings
from verzek.errors import InvalidInput

D = Decimal
CENT = D("0.01")


def r2(value: Decimal | None) -> Decimal:
    assert value is not None
    return value.quantize(CENT)


def test_worked_example_comes_out_exactly() -> None:
    plan = build_plan(worked_params())
    safety = plan.levels[1:]
    assert [r2(level.price) for level in safety] == [
        D("98.50"), D("96.70"), D("94.54"), D("91.95"), D("88.84")]
    averages = [r2(level.average_price) for level in safety]
    assert averages[0] in (D("99.49"), D("99.50"))
    assert averages[1:] == [D("98.55"), D("97.17"), D("95.37"), D("93.09")]
    assert r2(plan.levels[-1].take_profit_price) == D("94.95")
    assert r2(plan.max_investment) == D("759.38")
    assert plan.max_investment == D("759.375")
    assert plan.dropped == ()


def test_gaps_and_sizes_follow_standard_semantics() -> None:
    rows = level_deviations(worked_params())
    assert [dev for _, dev, _ in rows] == [D("1.5"), D("3.3"), D("5.46"), D("8.052"),
                                           D("11.1624")]
    assert [quote for *_, quote in rows] == [D(50), D(75), D("112.5"), D("168.75"),
                                             D("253.125")]


def test_average_is_total_quote_over_total_base() -> None:
    plan = build_plan(worked_params())
    for level in plan.levels:
        quote = sum((lv.quote for lv in plan.levels[: level.level + 1]), D(0))
        base = sum((lv.quantity for lv in plan.levels[: level.level + 1]), D(0))
        assert level.average_price == quote / base


def test_short_mirrors_long() -> None:
    plan = build_plan(worked_params(side=Side.SHORT))
    assert [r2(level.price) for level in plan.levels[1:]] == [
        D("101.50"), D("103.30"), D("105.46"), D("108.05"), D("111.16")]
    assert all(level.take_profit_price < level.average_price for level in plan.levels
               if level.take_profit_price is not None)
    assert plan.max_investment == D("759.375")


def test_cap_drops_levels_and_says_why() -> None:
    plan = build_plan(worked_params(max_position_usdt=D(500)))
    assert [level.level for level in plan.levels] == [0, 1, 2, 3]
    assert [d.level for d in plan.dropped] == [4, 5]
    assert plan.dropped[0].code == "cap_reached"
    assert "per-position cap of 500" in plan.dropped[0].reason
    assert plan.max_investment == D("337.5")


def test_cap_exactly_reached_keeps_the_level() -> None:
    plan = build_plan(worked_params(max_position_usdt=D("337.5")))
    assert plan.levels[-1].level == 3
    assert plan.max_investment == D("337.5")


def test_symbol_room_is_the_tighter_cap() -> None:
    plan = build_plan(worked_params(max_position_usdt=D(1000), symbol_room_usdt=D(160)))
    assert [level.level for level in plan.levels] == [0, 1]
    assert "per-symbol" in plan.dropped[0].reason


def test_base_order_above_cap_leaves_an_empty_plan() -> None:
    plan = build_plan(worked_params(max_position_usdt=D(50)))
    assert plan.levels == ()
    assert plan.dropped[0].level == 0


def test_liquidation_price_formula() -> None:
    assert liquidation_price(Side.LONG, D(100), 10, D("0.005")) == D("90.5")
    assert liquidation_price(Side.SHORT, D(100), 10, D("0.005")) == D("109.5")


def test_levels_carry_liquidation_and_margin() -> None:
    plan = build_plan(worked_params(leverage=10))
    base = plan.levels[0]
    assert base.liquidation_price == D("90.5")
    assert base.margin == D(10)
    assert not plan.has_levels_beyond_liquidation


def test_levels_beyond_liquidation_are_flagged() -> None:
    plan = build_plan(worked_params(leverage=25))
    assert plan.has_levels_beyond_liquidation
    flagged = [level.level for level in plan.levels if level.beyond_liquidation]
    assert flagged and min(flagged) >= 2
    for level in plan.levels[1:]:
        previous = plan.levels[level.level - 1]
        assert previous.liquidation_price is not None
        assert level.beyond_liquidation == (level.price <= previous.liquidation_price)


def test_spot_has_no_liquidation() -> None:
    assert all(level.liquidation_price is None for level in build_plan(worked_params()).levels)


def test_explicit_levels_override_the_generator() -> None:
    params = worked_params(explicit_levels=(
        DcaLevel(deviation_pct=D(2), size_multiplier=D(1)),
        DcaLevel(deviation_pct=D(5), size_multiplier=D(3)),
    ), max_safety_orders=2)
    plan = build_plan(params)
    assert [level.price for level in plan.levels] == [D(100), D(98), D(95)]
    assert [level.quote for level in plan.levels] == [D(100), D(50), D(150)]


def test_explicit_levels_must_increase() -> None:
    with pytest.raises(InvalidInput, match="deviation_pct"):
        worked_params(explicit_levels=(
            DcaLevel(deviation_pct=D(3), size_multiplier=D(1)),
            DcaLevel(deviation_pct=D(2), size_multiplier=D(1)),
        ))


def test_steps_round_prices_away_and_quantities_down() -> None:
    plan = build_plan(worked_params(price_step=D("0.1"), amount_step=D("0.001")))
    assert [level.price for level in plan.levels[1:]] == [
        D("98.5"), D("96.7"), D("94.5"), D("91.9"), D("88.8")]
    for level in plan.levels:
        assert level.quantity % D("0.001") == 0
        assert level.quote == level.price * level.quantity
        take_profit = level.take_profit_price
        assert take_profit is not None and take_profit % D("0.1") == 0
        assert take_profit >= level.average_price * D("1.02")


def test_deviation_past_zero_drops_levels() -> None:
    plan = build_plan(worked_params(deviation_pct=D(40), step_scale=D(1)))
    assert [level.level for level in plan.levels] == [0, 1, 2]
    assert plan.dropped[0].code == "price_not_positive"


def test_replan_after_fill_starts_from_the_position() -> None:
    params = worked_params()
    full = build_plan(params)
    first = full.levels[1]
    replan = build_plan(params, Progress(levels_filled=1, cost_usdt=first.cumulative_quote,
                                         quantity=first.cumulative_quantity))
    assert [level.level for level in replan.levels] == [2, 3, 4, 5]
    assert replan.levels == full.levels[2:]
    assert replan.current is not None
    assert replan.current.average_price == first.average_price


def test_replan_with_a_worse_fill_moves_the_take_profit() -> None:
    params = worked_params()
    replan = build_plan(params, Progress(levels_filled=0, cost_usdt=D(101), quantity=D(1)))
    assert replan.current is not None
    assert replan.current.take_profit_price == D("103.02")
    assert replan.levels[0].average_price == D(151) / (1 + D(50) / D("98.5"))


def test_from_settings() -> None:
    settings = UserSettings()
    settings.dca = DcaSettings(enabled=True, safety_order_usdt=D(50), max_safety_orders=5,
                               deviation_pct=D("1.5"), step_scale=D("1.2"),
                               volume_scale=D("1.5"))
    settings.strategy.take_profit_mode = "percent"
    plan = build_plan(DcaParams.from_settings(Side.LONG, D(100), D(100), settings))
    assert plan.max_investment == D("759.375")
    assert r2(plan.levels[-1].take_profit_price) == D("94.95")
    settings.risk.max_position_usdt = D(600)
    settings.dca.max_investment_usdt = D(500)
    settings.risk.max_symbol_exposure_usdt = D(1000)
    capped = build_plan(DcaParams.from_settings(Side.LONG, D(100), D(100), settings,
                                                symbol_exposure_usdt=D(800)))
    assert capped.max_investment == D(150)
    assert "per-symbol" in capped.dropped[0].reason
    settings.dca.enabled = False
    plan = build_plan(DcaParams.from_settings(Side.LONG, D(100), D(100), settings, leverage=3))
    assert [level.level for level in plan.levels] == [0]
    assert plan.params.leverage == 3


def test_average_entry_helper() -> None:
    assert average_entry([(D(100), D(1)), (D(50), D(1))]) == D(75)
    with pytest.raises(InvalidInput):
        average_entry([])


def test_to_dict_is_json_friendly() -> None:
    data = build_plan(worked_params(leverage=5)).to_dict()
    assert D(data["max_investment"]) == D("759.375")
    assert data["levels"][0]["level"] == 0
    assert isinstance(data["levels"][1]["price"], str)


@pytest.mark.parametrize("field", ["entry_price", "base_order_usdt", "safety_order_usdt",
                                   "deviation_pct", "step_scale", "volume_scale",
                                   "take_profit_pct", "max_position_usdt", "price_step",
                                   "amount_step"])
@pytest.mark.parametrize("bad", [D("NaN"), D("Infinity"), D("-Infinity"), D(-1), D(0),
                                 float("nan"), float("inf")])
def test_bad_numbers_are_rejected_naming_the_field(field: str, bad: object) -> None:
    with pytest.raises(InvalidInput, match=field):
        worked_params(**{field: bad})


@pytest.mark.parametrize("field,bad", [("max_safety_orders", -1), ("max_safety_orders", 101),
                                       ("leverage", 0),
                                       ("leverage", -5), ("maintenance_margin_rate", D(1)),
                                       ("maintenance_margin_rate", D(-1)),
                                       ("side", "sideways"), ("symbol_room_usdt", D(-1))])
def test_other_bad_inputs(field: str, bad: object) -> None:
    with pytest.raises(InvalidInput):
        worked_params(**{field: bad})


def test_zero_safety_orders_is_just_the_base_order() -> None:
    plan = build_plan(worked_params(max_safety_orders=0))
    assert len(plan.levels) == 1
    assert plan.max_investment == D(100)


# --- accepted ranges: each limit −ε, at the limit, +ε ---------------------------------------

TINY = D("1e-12")
BIG = D("1e12")


@pytest.mark.parametrize("field,value,accepted", [
    ("entry_price", TINY - D("1e-13"), False), ("entry_price", TINY, True),
    ("entry_price", TINY + D("1e-13"), True), ("entry_price", BIG - 1, True),
    ("entry_price", BIG, True), ("entry_price", BIG + 1, False),
    ("base_order_usdt", TINY - D("1e-13"), False), ("base_order_usdt", TINY, True),
    ("base_order_usdt", BIG, True), ("base_order_usdt", BIG + 1, False),
    ("safety_order_usdt", TINY - D("1e-13"), False), ("safety_order_usdt", BIG + 1, False),
    ("deviation_pct", D("999.99"), True), ("deviation_pct", D(1000), True),
    ("deviation_pct", D("1000.01"), False),
    ("step_scale", D("0.0099"), False), ("step_scale", D("0.01"), True),
    ("step_scale", D(100), True), ("step_scale", D("100.01"), False),
    ("volume_scale", D("0.0099"), False), ("volume_scale", D("100.01"), False),
    ("take_profit_pct", D(1000), True), ("take_profit_pct", D("1000.01"), False),
    ("price_step", TINY, True), ("price_step", TINY - D("1e-13"), False),
    ("amount_step", BIG, True), ("amount_step", BIG + 1, False),
    ("leverage", 125, True), ("leverage", 126, False),
])
def test_inputs_within_the_accepted_range(field: str, value: object, accepted: bool) -> None:
    overrides = {field: value}
    if field in ("step_scale", "volume_scale", "deviation_pct"):
        overrides["max_safety_orders"] = 1  # one level: no compounding into another limit
    if accepted:
        build_plan(worked_params(**overrides))
    else:
        with pytest.raises(InvalidInput, match=rf"{field} must be .*(between|at most)") as info:
            worked_params(**overrides)
        assert info.value.details["field"] == field


@pytest.mark.parametrize("bad", ["1e20", "1e30", "1e400", "1e-30", "1e-400"])
def test_huge_and_tiny_prices_are_refused_not_overflowed(bad: str) -> None:
    with pytest.raises(InvalidInput, match="entry_price must be between 1e-12 and 1e"):
        worked_params(entry_price=D(bad))


@pytest.mark.parametrize("volume_scale,count,accepted", [
    (D(2), 35, True),  # 50 × 2^34 ≈ 8.6e11 USDT
    (D(2), 36, False),  # 50 × 2^35 ≈ 1.7e12 USDT
    (D(2), 70, False),
    (D("0.5"), 46, True),  # 50 × 0.5^45 ≈ 1.4e-12
    (D("0.5"), 47, False),
])
def test_a_compounding_volume_scale_keeps_every_order_in_range(
    volume_scale: Decimal, count: int, accepted: bool
) -> None:
    params = dict(volume_scale=volume_scale, max_safety_orders=count)
    if accepted:
        quotes = [quote for *_, quote in level_deviations(worked_params(**params))]
        assert D("1e-12") <= min(quotes) and max(quotes) <= D("1e12")
        return
    with pytest.raises(InvalidInput, match=f"safety order {count} .* between 1e-12 and 1e"
                       ) as info:
        worked_params(**params)
    assert info.value.details["field"] == "volume_scale"


def test_an_explicit_size_multiplier_keeps_orders_in_range() -> None:
    levels = (DcaLevel(deviation_pct=D(2), size_multiplier=D(1)),
              DcaLevel(deviation_pct=D(5), size_multiplier=D("1e11")))
    with pytest.raises(InvalidInput, match=r"levels\[2\].size_multiplier") as info:
        worked_params(explicit_levels=levels, max_safety_orders=2)
    assert info.value.details["field"] == "levels[2].size_multiplier"
    assert build_plan(worked_params(explicit_levels=levels, max_safety_orders=1)).levels


def test_an_explicit_deviation_is_a_sane_percent() -> None:
    with pytest.raises(InvalidInput, match=r"levels\[1\].deviation_pct .* at most 1000"):
        worked_params(explicit_levels=(DcaLevel(deviation_pct=D(1001), size_multiplier=D(1)),),
                      max_safety_orders=1)


@pytest.mark.parametrize("tp,accepted", [(D("99.99"), True), (D(100), False), (D(150), False)])
def test_a_shorts_take_profit_stays_above_zero(tp: Decimal, accepted: bool) -> None:
    if accepted:
        plan = build_plan(worked_params(side=Side.SHORT, take_profit_pct=tp))
        assert all(lv.take_profit_price is not None and lv.take_profit_price > 0
                   for lv in plan.levels)
    else:
        with pytest.raises(InvalidInput, match="below 100 for a short"):
            worked_params(side=Side.SHORT, take_profit_pct=tp)
    assert build_plan(worked_params(take_profit_pct=D(150))).levels  # a long may aim at +150 %


def test_trigger_prices_beyond_the_range_drop_that_level_and_the_rest() -> None:
    short = build_plan(worked_params(side=Side.SHORT, entry_price=D("9e11"), deviation_pct=D(5),
                                     step_scale=D(2), volume_scale=D(1)))
    # 9e11 × 1.05 = 9.45e11 and 9e11 × 1.15 = 1.035e12 > 1e12
    assert [lv.level for lv in short.levels] == [0, 1]
    assert [d.code for d in short.dropped] == ["price_out_of_range"] * 4
    assert "outside the accepted 1e-12 to 1e+12" in short.dropped[0].reason
    long = build_plan(worked_params(entry_price=D("2e-12"), deviation_pct=D(40),
                                    step_scale=D(1), volume_scale=D(1)))
    # 2e-12 × 0.6 = 1.2e-12 is kept; 2e-12 × 0.2 = 4e-13 is below 1e-12
    assert [lv.level for lv in long.levels] == [0, 1]
    assert long.dropped[0].code == "price_out_of_range"
    assert long.dropped[1].reason == "follows level 2, which was dropped"


def test_huge_step_scale_reasons_stay_short() -> None:
    plan = build_plan(worked_params(side=Side.SHORT, deviation_pct=D(1000), step_scale=D(100),
                                    volume_scale=D(1), max_safety_orders=100))
    assert all(lv.price <= D("1e12") for lv in plan.levels)
    assert len(plan.levels) + len(plan.dropped) == 101
    assert plan.dropped[0].code == "price_out_of_range"
    assert all(len(d.reason) < 200 for d in plan.dropped)  # 1e+200 %, not 200 digits


def test_the_clamp_only_undoes_the_last_digit_of_the_quantitys_rounding() -> None:
    # 151 USDT at 68.1099 buys 151 ÷ 68.1099 base, rounded to 28 digits; dividing back gives
    # 68.10990000000000000000000001: one unit in the 28th digit above the only fill price
    plan = build_plan(worked_params(entry_price=D("68.1099"), base_order_usdt=D(151),
                                    max_safety_orders=0))
    (level,) = plan.levels
    assert level.quote / level.quantity == D("68.10990000000000000000000001")
    assert level.average_price == D("68.1099")
    # with an amount step the quote is price × quantity exactly and no clamp is needed
    stepped = build_plan(worked_params(entry_price=D("68.1099"), base_order_usdt=D(151),
                                       max_safety_orders=0, amount_step=D("0.001")))
    assert stepped.levels[0].quote / stepped.levels[0].quantity == D("68.1099")


@pytest.mark.parametrize("bad", [D("NaN"), D("Infinity"), D("-Infinity"), D(-1)])
def test_public_price_helpers_refuse_bad_numbers(bad: Decimal) -> None:
    from verzek.domain.dca import take_profit_price, trigger_price

    with pytest.raises(InvalidInput, match="entry_price"):
        trigger_price(Side.LONG, bad, D(1))
    with pytest.raises(InvalidInput, match="deviation_pct"):
        trigger_price(Side.LONG, D(100), bad)
    with pytest.raises(InvalidInput, match="average"):
        take_profit_price(Side.SHORT, bad, D(2))
    with pytest.raises(InvalidInput, match="quantity"):
        average_entry([(D(100), bad)])
    with pytest.raises(InvalidInput, match="price"):
        is_beyond_liquidation(Side.LONG, bad, D("90.5"))
    with pytest.raises(InvalidInput, match="liquidation"):
        is_beyond_liquidation(Side.SHORT, D(100), bad)
