"""Every pre-trade risk rule, each at limit−ε, at the limit and at limit+ε, plus bad inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from tests.domain.conftest import T0, account, make_user, with_fields, worked_params
from verzek.domain import risk
from verzek.domain.dca import DcaPlan, build_plan
from verzek.domain.models import (
    DcaLevel,
    MarketType,
    PlanName,
    Side,
    Signal,
    TradingMode,
    User,
)
from verzek.domain.plans import PLANS
from verzek.domain.risk import RiskContext
from verzek.errors import InvalidInput

D = Decimal
NOW = T0
EPS = D("0.01")
MS = timedelta(milliseconds=1)


def ctx(user: User | None = None, **overrides: Any) -> RiskContext:
    values: dict[str, Any] = dict(
        user=user or make_user(), signal=Signal(symbol="BTC/USDT", side="long",
                                                entries=[D(100)], leverage=20),
        signal_id="s1", now=NOW, signal_received_at=NOW, current_price=D(100),
        capital_usdt=D(1000), account=account(),
    )
    values.update(overrides)
    return RiskContext(**values)


def test_a_good_trade_passes_every_rule() -> None:
    decisions = risk.evaluate_all(ctx())
    assert all(d.allowed for d in decisions), [d for d in decisions if not d.allowed]
    verdict = risk.check(ctx())
    assert verdict.allowed and verdict.details["leverage"] == 10
    assert risk.first_failure(ctx()) is None


def test_first_failure_and_messages() -> None:
    user = make_user(general={"auto_trade": False})
    failure = risk.first_failure(ctx(user))
    assert failure is not None and failure.code == "auto_trade_off"
    assert "switched off" in failure.message
    assert failure.as_dict()["allowed"] is False


# --- counters: allowed below the limit, refused at and above it -----------------------------

@pytest.mark.parametrize("count,allowed", [(4, True), (5, False), (6, False)])
def test_max_concurrent_positions(count: int, allowed: bool) -> None:
    assert risk.concurrent_positions(ctx(open_positions=count)).allowed is allowed


@pytest.mark.parametrize("count,allowed", [(19, True), (20, False), (21, False)])
def test_max_daily_trades(count: int, allowed: bool) -> None:
    assert risk.daily_trades(ctx(daily_trades=count)).allowed is allowed


def test_the_counters_say_one_in_the_singular() -> None:
    one = make_user(risk={"max_concurrent_positions": 1, "max_daily_trades": 1})
    assert risk.concurrent_positions(ctx(one, open_positions=1)).message == \
        "You have 1 open position; the limit is 1."
    assert risk.daily_trades(ctx(one, daily_trades=1)).message == \
        "You made 1 trade today; the limit is 1."
    assert risk.daily_trades(ctx(daily_trades=21)).message == \
        "You made 21 trades today; the limit is 20."


@pytest.mark.parametrize("pnl,allowed", [(-100 + EPS, True), (D(-100), False),
                                         (-100 - EPS, False), (D(50), True)])
def test_max_daily_loss_pauses_until_next_utc_day(pnl: Decimal, allowed: bool) -> None:
    # 10 % of the 1,000 the day started with: the balance now is 1,000 plus the day's result
    decision = risk.daily_loss(ctx(daily_realised_pnl_usdt=pnl, capital_usdt=D(1000) + pnl))
    assert decision.allowed is allowed
    if not allowed:
        assert decision.details["paused_until"] == datetime(2026, 3, 2, tzinfo=UTC)


# --- time limits ------------------------------------------------------------------------------

@pytest.mark.parametrize("elapsed,allowed", [(timedelta(seconds=600) - MS, False),
                                             (timedelta(seconds=600), True),
                                             (timedelta(seconds=600) + MS, True)])
def test_cooldown_after_close(elapsed: timedelta, allowed: bool) -> None:
    user = make_user(risk={"cooldown_after_close_s": 600})
    assert risk.cooldown_passed(ctx(user, last_close_at=NOW - elapsed)).allowed is allowed


@pytest.mark.parametrize("age,allowed", [(timedelta(seconds=300) - MS, True),
                                         (timedelta(seconds=300), True),
                                         (timedelta(seconds=300) + MS, False)])
def test_stale_signal(age: timedelta, allowed: bool) -> None:
    assert risk.signal_fresh(ctx(signal_received_at=NOW - age)).allowed is allowed


# --- prices -----------------------------------------------------------------------------------

@pytest.mark.parametrize("price,allowed", [
    (105 - EPS, True), (D(105), True), (105 + EPS, False),
    (95 + EPS, True), (D(95), True), (95 - EPS, False),
])
def test_price_collar(price: Decimal, allowed: bool) -> None:
    assert risk.price_in_collar(ctx(current_price=price)).allowed is allowed


def test_price_collar_uses_the_entry_zone_and_skips_market_entries() -> None:
    zone = Signal(symbol="BTC/USDT", side="long", entries=[D(100), D(110)])
    assert risk.price_in_collar(ctx(signal=zone, current_price=D("115.5"))).allowed
    assert not risk.price_in_collar(ctx(signal=zone, current_price=D("115.51"))).allowed
    market = Signal(symbol="BTC/USDT", side="long", entry_is_market=True)
    assert risk.price_in_collar(ctx(signal=market, current_price=D(500))).allowed


# --- size, caps, minimum ----------------------------------------------------------------------

@pytest.mark.parametrize("size", [100 - EPS, D(100), 100 + EPS, D(5000)])
def test_a_size_above_the_position_cap_is_sized_down_to_it(size: Decimal) -> None:
    """The cap is the largest position the user wants: a size setting above it (2% of a grown
    balance) trades at the cap rather than not at all."""
    user = make_user(risk={"position_size_usdt": size, "max_position_usdt": D(100)})
    c = ctx(user)
    assert c.base_order_usdt == min(size, D(100))
    assert risk.exposure_caps(c).allowed


def test_a_dca_plan_past_the_position_cap_is_refused() -> None:
    user = make_user(risk={"position_size_usdt": D(100), "max_position_usdt": D(100)})
    plan = build_plan(worked_params())  # 100 and five safety orders: 925.78 USDT
    decision = risk.exposure_caps(ctx(user, dca_plan=plan))
    assert (decision.allowed, decision.code) == (False, "position_cap")


@pytest.mark.parametrize("exposure,allowed", [(400 - EPS, True), (D(400), True),
                                              (400 + EPS, False)])
def test_per_symbol_cap(exposure: Decimal, allowed: bool) -> None:
    user = make_user(risk={"max_symbol_exposure_usdt": D(500)})
    decision = risk.exposure_caps(ctx(user, symbol_exposure_usdt=exposure))
    assert decision.allowed is allowed
    assert allowed or decision.code == "symbol_cap"


@pytest.mark.parametrize("exposure,allowed", [(900 - EPS, True), (D(900), True),
                                              (900 + EPS, False)])
def test_total_exposure_cap(exposure: Decimal, allowed: bool) -> None:
    user = make_user(risk={"max_total_exposure_usdt": D(1000)})
    decision = risk.exposure_caps(ctx(user, total_exposure_usdt=exposure))
    assert decision.allowed is allowed
    assert allowed or decision.code == "total_exposure_cap"


def test_caps_count_the_whole_dca_plan() -> None:
    user = make_user(risk={"max_total_exposure_usdt": D(700)})
    plan = build_plan(worked_params())
    decision = risk.exposure_caps(ctx(user, dca_plan=plan))
    assert not decision.allowed and decision.details["used_usdt"] == D("759.375")


@pytest.mark.parametrize("minimum,allowed", [(100 - EPS, True), (D(100), True),
                                             (100 + EPS, False)])
def test_exchange_minimum_order_value(minimum: Decimal, allowed: bool) -> None:
    decision = risk.position_size(ctx(min_notional_usdt=minimum))
    assert decision.allowed is allowed
    assert allowed or decision.code == "below_min_notional"


def test_minimum_applies_to_every_planned_order() -> None:
    plan = build_plan(worked_params())  # smallest order: the 50 USDT first safety order
    assert risk.position_size(ctx(min_notional_usdt=D(50), dca_plan=plan)).allowed
    assert not risk.position_size(ctx(min_notional_usdt=50 + EPS, dca_plan=plan)).allowed


@pytest.mark.parametrize("capital,allowed", [(100 - EPS, False), (D(100), True),
                                             (100 + EPS, True)])
def test_margin_must_fit_the_capital(capital: Decimal, allowed: bool) -> None:
    spot = ctx(market=MarketType.SPOT, capital_usdt=capital)
    assert risk.position_size(spot).allowed is allowed


@pytest.mark.parametrize("leverage,capital,allowed", [
    (10, 100 - EPS, False), (10, D(100), True), (10, 100 + EPS, True),  # 1000 USDT at 10x
    (4, 250 - EPS, False), (4, D(250), True), (4, 250 + EPS, True),  # 1000 USDT at 4x
])
def test_futures_margin_must_fit_the_capital(leverage: int, capital: Decimal,
                                             allowed: bool) -> None:
    user = make_user(risk={"position_size_usdt": D(1000), "max_leverage": leverage})
    context = ctx(user, market=MarketType.FUTURES, capital_usdt=capital)
    assert context.leverage == leverage
    decision = risk.position_size(context)
    assert decision.allowed is allowed
    if not allowed:
        assert decision.code == "insufficient_capital"
        assert decision.details["margin_usdt"] == D(1000) / leverage


def test_percent_position_size() -> None:
    user = make_user(risk={"position_size_mode": "percent", "position_size_pct": D("2.5")})
    assert ctx(user, capital_usdt=D(1000)).base_order_usdt == D(25)


# --- leverage ---------------------------------------------------------------------------------

@pytest.mark.parametrize("signal_leverage,expected", [(9, 9), (10, 10), (11, 10), (None, 10)])
def test_leverage_is_min_of_signal_user_and_plan(signal_leverage: int | None,
                                                 expected: int) -> None:
    signal = Signal(symbol="BTC/USDT", side="long", entries=[D(100)], leverage=signal_leverage)
    context = ctx(signal=signal)  # user cap 10, VIP plan cap 50
    assert context.leverage == expected
    assert risk.leverage_within_caps(context).details["leverage"] == expected


@pytest.mark.parametrize("plan_cap,expected", [(4, 4), (5, 5), (6, 5)])
def test_plan_leverage_cap(plan_cap: int, expected: int) -> None:
    from dataclasses import replace

    signal = Signal(symbol="BTC/USDT", side="long", leverage=5)
    plan = replace(PLANS[PlanName.VIP], max_leverage=plan_cap)
    assert ctx(signal=signal, plan=plan).leverage == expected


def test_spot_leverage_is_one() -> None:
    assert ctx(market=MarketType.SPOT).leverage == 1


# --- plan gating ------------------------------------------------------------------------------

@pytest.mark.parametrize("levels,code", [(2, "dca_allowed"), (3, "dca_allowed"),
                                         (4, "dca_capped")])
def test_pro_plan_dca_levels_are_capped_not_refused(levels: int, code: str) -> None:
    user = make_user(PlanName.PRO, dca={"enabled": True, "max_safety_orders": levels})
    decision = risk.plan_allows_dca(ctx(user))
    assert decision.allowed and decision.code == code
    if code == "dca_capped":
        assert decision.message == "DCA limited to 3 of the 4 levels set: the pro plan allows 3."
        assert decision.details == {"levels": 3, "wanted": 4}


@pytest.mark.parametrize("levels,allowed", [(2, True), (3, True), (4, False)])
def test_a_dca_plan_built_beyond_the_plan_is_refused(levels: int, allowed: bool) -> None:
    user = make_user(PlanName.PRO, dca={"enabled": True, "max_safety_orders": levels})
    plan = build_plan(worked_params(max_safety_orders=levels))
    decision = risk.plan_allows_dca(ctx(user, dca_plan=plan))
    assert decision.allowed is allowed
    assert allowed or decision.code == "plan_dca_levels"


def test_dca_levels_counted_from_the_plan_when_given() -> None:
    user = make_user(PlanName.PRO, dca={"enabled": True, "max_safety_orders": 5})
    plan = build_plan(worked_params(max_safety_orders=3))
    assert risk.plan_allows_dca(ctx(user, dca_plan=plan)).allowed


def test_dca_on_a_plan_without_it_trades_without_levels() -> None:
    user = make_user(PlanName.FREE, dca={"enabled": True, "max_safety_orders": 1})
    decision = risk.plan_allows_dca(ctx(user))
    assert decision.allowed and decision.code == "dca_not_in_plan"
    assert decision.message == "DCA is not part of the free plan: traded without DCA levels."
    # a plan the engine would never build on it: refused all the same (a guard)
    guarded = risk.plan_allows_dca(ctx(user, dca_plan=build_plan(worked_params())))
    assert guarded.code == "plan_no_dca" and not guarded.allowed
    # no levels built: nothing to refuse
    empty = build_plan(worked_params(max_safety_orders=0))
    assert risk.plan_allows_dca(ctx(user, dca_plan=empty)).allowed


def test_a_lapsed_paid_plan_trades_without_dca() -> None:
    user = make_user(PlanName.PRO, dca={"enabled": True})
    user = with_fields(user, subscription={**user.subscription.model_dump(), "expires_at": NOW})
    decision = risk.plan_allows_dca(ctx(user))
    assert decision.allowed and decision.code == "dca_not_in_plan"
    assert risk.check(ctx(user)).allowed


def test_free_plan_has_no_live() -> None:
    live = ctx(make_user(PlanName.FREE), account=account(mode=TradingMode.LIVE))
    assert risk.plan_allows_trade(live).code == "plan_no_live_trading"
    assert risk.plan_allows_trade(ctx(make_user(PlanName.FREE))).allowed


def test_expired_paid_plan_blocks_new_live_entries() -> None:
    user = make_user(PlanName.PRO)
    user = with_fields(user, subscription={**user.subscription.model_dump(), "expires_at": NOW})
    live = ctx(user, account=account(mode=TradingMode.LIVE))
    assert live.features.name is PlanName.FREE
    assert not risk.plan_allows_trade(live).allowed


@pytest.mark.parametrize("n_accounts,allowed", [(4, True), (5, True), (6, False)])
def test_exchange_account_count_within_plan(n_accounts: int, allowed: bool) -> None:
    user = with_fields(make_user(PlanName.VIP),
                       exchange_accounts=[account(n) for n in range(1, n_accounts + 1)])
    newest = user.exchange_accounts[-1]
    assert risk.exchange_account_usable(ctx(user, account=newest)).allowed is allowed
    assert risk.exchange_account_usable(ctx(user, account=user.exchange_accounts[0])).allowed


def test_disabled_or_missing_account() -> None:
    assert risk.exchange_account_usable(ctx(account=None)).code == "no_account"
    assert risk.exchange_account_usable(ctx(account=account(enabled=False))).code == \
        "account_disabled"


def test_keys_that_failed_their_check_stop_live_trading_only() -> None:
    """A failed key check read "Exchange account main is disabled." while the account showed
    enabled, and stopped paper trading too, which needs no real keys."""
    failed = account(mode=TradingMode.LIVE).model_copy(update={
        "status": "failed", "status_message": "the exchange refused the API key"})
    live = with_fields(make_user(general={"mode": "live"}), exchange_accounts=[failed])
    decision = risk.exchange_account_usable(ctx(live, account=failed))
    assert decision.code == "account_keys_failed"
    assert "failed their last check (the exchange refused the API key)" in decision.message
    demo = with_fields(make_user(general={"mode": "demo"}), exchange_accounts=[failed])
    assert risk.exchange_account_usable(ctx(demo, account=failed)).allowed


def test_auto_trade_switch() -> None:
    assert not risk.auto_trade_enabled(ctx(make_user(general={"auto_trade": False}))).allowed
    assert risk.auto_trade_enabled(ctx()).allowed


@pytest.mark.parametrize("until,allowed", [(NOW + MS, False),  # now = until − ε: still paused
                                           (NOW, True),  # the pause ends at `until`
                                           (NOW - MS, True)])  # now = until + ε
def test_user_pause_ends_at_its_until(until: datetime, allowed: bool) -> None:
    user = with_fields(make_user(), paused=True, paused_until=until)
    decision = risk.user_not_paused(ctx(user))
    assert decision.allowed is allowed
    if not allowed:
        assert decision.code == "user_paused" and decision.details["paused_until"] == until
        assert until.isoformat() in decision.message


def test_user_pause_without_until_holds_and_unpaused_users_trade() -> None:
    assert not risk.user_not_paused(ctx(with_fields(make_user(), paused=True))).allowed
    later = ctx(with_fields(make_user(), paused=True), now=NOW + timedelta(days=365))
    assert not risk.user_not_paused(later).allowed
    assert risk.user_not_paused(ctx(with_fields(make_user(), paused_until=NOW + MS))).allowed


# --- symbols, duplicates, liquidation ---------------------------------------------------------

@pytest.mark.parametrize("whitelist,blacklist,allowed", [
    ([], [], True), (["BTCUSDT"], [], True), (["ETH/USDT"], [], False),
    ([], ["btc/usdt"], False), (["BTC/USDT"], ["BTC-USDT"], False),
])
def test_symbol_lists(whitelist: list[str], blacklist: list[str], allowed: bool) -> None:
    user = make_user(risk={"symbol_whitelist": whitelist, "symbol_blacklist": blacklist})
    assert risk.symbol_allowed(ctx(user)).allowed is allowed


def test_duplicate_signal() -> None:
    assert risk.not_duplicate(ctx(already_executed=True)).code == "duplicate_signal"
    assert risk.not_duplicate(ctx()).allowed


def test_plan_beyond_liquidation_rejected_unless_allowed() -> None:
    plan = build_plan(worked_params(leverage=25))
    assert plan.has_levels_beyond_liquidation
    assert risk.dca_within_liquidation(ctx(dca_plan=plan)).code == "dca_beyond_liquidation"
    allowed = make_user(risk={"allow_dca_beyond_liquidation": True})
    assert risk.dca_within_liquidation(ctx(allowed, dca_plan=plan)).allowed
    safe = build_plan(worked_params(leverage=5))
    assert risk.dca_within_liquidation(ctx(dca_plan=safe)).allowed


def one_level_plan(side: Side, level_price: Decimal, leverage: int = 10) -> DcaPlan:
    """Entry 100 and one safety order at `level_price`, 10x: the base order's liquidation is
    90.5 for a long and 109.5 for a short (mmr 0.5 %)."""
    deviation = abs(level_price - 100)  # percent of an entry of 100
    return build_plan(worked_params(
        side=side, leverage=leverage, max_safety_orders=1,
        explicit_levels=(DcaLevel(deviation_pct=deviation, size_multiplier=D(1)),)))


@pytest.mark.parametrize("side,price,allowed", [
    (Side.LONG, D("90.5") + EPS, True),  # fills just before the liquidation
    (Side.LONG, D("90.5"), False),  # exactly at the liquidation counts as beyond
    (Side.LONG, D("90.5") - EPS, False),
    (Side.SHORT, D("109.5") - EPS, True),
    (Side.SHORT, D("109.5"), False),
    (Side.SHORT, D("109.5") + EPS, False),
])
def test_dca_level_at_the_liquidation_price_counts_as_beyond(side: Side, price: Decimal,
                                                             allowed: bool) -> None:
    plan = one_level_plan(side, price)
    base, level = plan.levels
    assert base.liquidation_price == (D("90.5") if side is Side.LONG else D("109.5"))
    assert level.price == price and level.beyond_liquidation is not allowed
    decision = risk.dca_within_liquidation(ctx(dca_plan=plan))
    assert decision.allowed is allowed
    if not allowed:
        assert decision.code == "dca_beyond_liquidation" and decision.details["levels"] == [1]
        accepting = make_user(risk={"allow_dca_beyond_liquidation": True})
        assert risk.dca_within_liquidation(ctx(accepting, dca_plan=plan)).code == \
            "liquidation_accepted"


# --- bad inputs -------------------------------------------------------------------------------

@pytest.mark.parametrize("section,field", [
    ("risk", "max_daily_loss_pct"), ("risk", "position_size_usdt"),
    ("risk", "price_collar_pct"), ("risk", "max_symbol_exposure_usdt"),
    ("dca", "safety_order_usdt"), ("strategy", "take_profit_pct"),
])
@pytest.mark.parametrize("bad", [D("NaN"), D("Infinity"), D("-Infinity"), D(-1), "nan"])
def test_settings_refuse_bad_numbers_when_built(section: str, field: str, bad: object) -> None:
    with pytest.raises(ValidationError, match=field):
        make_user(PlanName.VIP, now=NOW, **{section: {field: bad}})


def test_settings_changed_by_assignment_are_not_validated_so_helpers_never_do_it() -> None:
    # why the builders validate: pydantic does not check an assignment, a NaN would slip in
    user = make_user()
    user.settings.risk.max_daily_loss_pct = D("NaN")
    with pytest.raises(ValidationError, match="max_daily_loss_pct"):
        with_fields(user)

@pytest.mark.parametrize("field", ["current_price", "capital_usdt"])
@pytest.mark.parametrize("bad", [D("NaN"), D("Infinity"), D("-Infinity"), D(-1), D(0),
                                 float("nan"), float("-inf")])
def test_positive_inputs_reject_bad_numbers(field: str, bad: object) -> None:
    with pytest.raises(InvalidInput, match=field):
        ctx(None, **{field: bad})


@pytest.mark.parametrize("field", ["symbol_exposure_usdt", "total_exposure_usdt",
                                   "min_notional_usdt"])
@pytest.mark.parametrize("bad", [D("NaN"), D("Infinity"), D("-Infinity"), D(-1)])
def test_non_negative_inputs_reject_bad_numbers(field: str, bad: object) -> None:
    with pytest.raises(InvalidInput, match=field):
        ctx(None, **{field: bad})


@pytest.mark.parametrize("bad", [D("NaN"), D("Infinity"), float("nan")])
def test_daily_pnl_must_be_finite(bad: object) -> None:
    with pytest.raises(InvalidInput, match="daily_realised_pnl_usdt"):
        ctx(daily_realised_pnl_usdt=bad)


@pytest.mark.parametrize("field", ["open_positions", "daily_trades"])
def test_counts_must_not_be_negative(field: str) -> None:
    with pytest.raises(InvalidInput, match=field):
        ctx(None, **{field: -1})


def test_naive_times_are_rejected() -> None:
    with pytest.raises(InvalidInput, match="now"):
        ctx(now=datetime(2026, 3, 1))


def test_decision_as_dict_is_json_ready() -> None:
    import json

    decision = risk.daily_loss(ctx(daily_realised_pnl_usdt=D(-500)))
    data = decision.as_dict()
    assert data["details"]["paused_until"] == "2026-03-02T00:00:00+00:00"
    assert data["details"]["loss_usdt"] == "500"
    plan = build_plan(worked_params(leverage=25))
    beyond = risk.dca_within_liquidation(ctx(dca_plan=plan)).as_dict()
    assert all(isinstance(level, int) for level in beyond["details"]["levels"])
    json.dumps([data, beyond])


def test_the_default_account_is_the_first_the_plan_allows() -> None:
    """After a plan change down, the user's chosen default stays usable (not only the
    oldest account)."""
    user = with_fields(make_user(PlanName.PRO, general={"default_account_id": "a3"}),
                       exchange_accounts=[account(n) for n in range(1, 4)])
    default, oldest = user.exchange_accounts[2], user.exchange_accounts[0]
    assert risk.exchange_account_usable(ctx(user, account=default)).allowed
    assert risk.exchange_account_usable(ctx(user, account=oldest)).code == "plan_account_limit"
