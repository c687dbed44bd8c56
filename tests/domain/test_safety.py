"""Safety manager: kill switch at send time, pauses, circuit breakers, idempotency, persistence."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from verzek.domain.safety import (
    BreakerThresholds,
    IdempotencyRegistry,
    OrderPurpose,
    SafetyManager,
    SafetyState,
)
from verzek.errors import InvalidInput, TradingBlocked

D = Decimal
T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def later(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# --- kill switch ------------------------------------------------------------------------------

def test_kill_switch_blocks_a_send_that_started_before_it_was_flipped() -> None:
    safety = SafetyManager()
    gate = safety.check_new_position("u1", T0)  # the signal arrives: all clear
    assert gate.allowed
    actions = safety.set_kill_switch(True, now=later(1), reason="exchange incident")
    assert actions.cancel_open_orders and not actions.close_positions
    send = safety.check_send("u1", later(2))  # the order is about to leave: check again
    assert not send.allowed and send.code == "kill_switch_platform"
    with pytest.raises(TradingBlocked, match="exchange incident"):
        send.raise_if_denied()


def test_kill_switch_blocks_dca_but_not_closing_orders() -> None:
    safety = SafetyManager()
    safety.set_kill_switch(True, now=T0, user_id="u1", close_positions=True)
    assert not safety.check_send("u1", T0, OrderPurpose.INCREASE).allowed
    assert safety.check_send("u1", T0, OrderPurpose.REDUCE).allowed
    assert safety.required_actions("u1").close_positions
    assert safety.check_send("u2", T0).allowed  # another user is not affected
    assert not safety.required_actions("u2").cancel_open_orders
    safety.set_kill_switch(False, now=later(5), user_id="u1")
    assert safety.check_send("u1", later(5)).allowed


# --- pause ------------------------------------------------------------------------------------

def test_pause_until_a_time_blocks_new_positions_only() -> None:
    safety = SafetyManager()
    safety.pause(now=T0, user_id="u1", until=later(60), reason="holiday")
    assert not safety.check_new_position("u1", later(59)).allowed
    assert safety.check_send("u1", later(59), OrderPurpose.INCREASE).allowed
    assert safety.check_send("u1", later(59), OrderPurpose.REDUCE).allowed
    assert safety.check_new_position("u1", later(60)).allowed
    assert safety.check_new_position("u2", later(1)).allowed


def test_platform_pause_and_resume() -> None:
    safety = SafetyManager()
    safety.pause(now=T0)
    assert safety.check_new_position("anyone", later(10**6)).code == "paused_platform"
    safety.resume()
    assert safety.check_new_position("anyone", later(1)).allowed


def test_pause_must_end_in_the_future() -> None:
    with pytest.raises(InvalidInput):
        SafetyManager().pause(now=T0, until=T0)


# --- circuit breakers -------------------------------------------------------------------------

@pytest.mark.parametrize("loss,trips", [(D("99.99"), False), (D(100), True), (D("100.01"), True)])
def test_breaker_trips_on_loss_within_the_window(loss: Decimal, trips: bool) -> None:
    """10 % of the capital the window started with: each result comes with the balance after
    it (1000 less the losses so far)."""
    safety = SafetyManager()
    safety.record_trade_result("u1", -loss / 2, D(1000) - loss / 2, T0)
    decision = safety.record_trade_result("u1", -loss / 2, D(1000) - loss, later(3599))
    assert (not decision.allowed) is trips
    assert (not safety.check_new_position("u1", later(3600)).allowed) is trips


def test_the_loss_is_measured_against_the_capital_before_it() -> None:
    """Measured against the balance after the losses, each loss shrank the limit: 96 USDT lost
    from 1000 tripped a 10 % breaker (10 % of the 904 left)."""
    safety = SafetyManager()
    assert safety.record_trade_result("u1", D(-50), D(950), T0).allowed
    assert safety.record_trade_result("u1", D(-46), D(904), later(60)).allowed
    tripped = safety.record_trade_result("u1", D(-4), D(900), later(120))
    assert not tripped.allowed and "(1000.00 USDT)" in tripped.message


def test_losses_outside_the_window_do_not_add_up() -> None:
    safety = SafetyManager()
    safety.record_trade_result("u1", D(-60), D(1000), T0)
    assert safety.record_trade_result("u1", D(-60), D(1000), later(3600)).allowed


def test_breaker_trips_on_consecutive_losses_and_a_win_resets_the_count() -> None:
    safety = SafetyManager()
    for i in range(4):
        safety.record_trade_result("u1", D(-1), D(1000), later(i))
    safety.record_trade_result("u1", D(1), D(1000), later(5))
    for i in range(4):
        assert safety.record_trade_result("u1", D(-1), D(1000), later(10 + i)).allowed
    decision = safety.record_trade_result("u1", D(-1), D(1000), later(20))
    assert decision.code == "breaker_consecutive_losses"


def test_one_users_losses_never_pause_another() -> None:
    safety = SafetyManager()
    safety.record_trade_result("u1", D(-500), D(1000), T0)
    assert not safety.check_new_position("u1", later(1)).allowed
    assert safety.check_new_position("u2", later(1)).allowed


def test_breaker_cools_down_or_waits_for_an_admin() -> None:
    safety = SafetyManager()
    safety.record_trade_result("u1", D(-500), D(1000), T0)
    assert not safety.check_new_position("u1", later(3599)).allowed
    assert safety.check_new_position("u1", later(3600)).allowed
    safety.set_thresholds(BreakerThresholds(cooldown_s=None), user_id="u2")
    safety.record_trade_result("u2", D(-500), D(1000), T0)
    assert "admin" in safety.check_new_position("u2", later(10**7)).message
    safety.reset_breaker(user_id="u2")
    assert safety.check_new_position("u2", later(1)).allowed


def test_platform_breaker_on_exchange_error_burst() -> None:
    safety = SafetyManager()
    safety.set_thresholds(BreakerThresholds(error_burst=3, error_window_s=60, cooldown_s=None))
    assert safety.record_exchange_error("bybit", T0).allowed
    assert safety.record_exchange_error("binance", later(1)).allowed
    assert safety.record_exchange_error("bybit", later(2)).allowed
    assert safety.record_exchange_error("bybit", later(61)).allowed  # first one left the window
    tripped = safety.record_exchange_error("bybit", later(61.5))
    assert tripped.code == "breaker_exchange_errors"
    assert safety.check_new_position("u1", later(63)).code == "breaker_exchange_errors_platform"
    safety.reset_breaker()
    assert safety.check_new_position("u1", later(64)).allowed


@pytest.mark.parametrize("bad", [D("NaN"), D("Infinity"), D(0), D(-1)])
def test_breaker_rejects_bad_capital(bad: Decimal) -> None:
    with pytest.raises(InvalidInput, match="capital_usdt"):
        SafetyManager().record_trade_result("u1", D(-1), bad, T0)


def test_breaker_rejects_nan_pnl() -> None:
    with pytest.raises(InvalidInput, match="pnl_usdt"):
        SafetyManager().record_trade_result("u1", D("NaN"), D(1000), T0)


def test_naive_now_is_rejected() -> None:
    with pytest.raises(InvalidInput):
        SafetyManager().check_send("u1", datetime(2026, 3, 1))


# --- idempotency ------------------------------------------------------------------------------

def test_idempotency_registry_ttl() -> None:
    registry = IdempotencyRegistry(ttl_s=60)
    assert registry.remember("signal:1", T0)
    assert not registry.remember("signal:1", later(30))
    assert registry.seen("signal:1", later(59))
    assert not registry.seen("signal:1", later(60))
    assert registry.remember("signal:1", later(60))  # expired: new again
    registry.remember("order:x", later(61))
    assert registry.expire(later(120.5)) == 1
    assert list(registry.entries) == ["order:x"]


def test_idempotency_ttl_survives_a_restart() -> None:
    safety = SafetyManager()
    safety.idempotency.remember("order:abc", T0)
    restored = SafetyManager.from_json(safety.to_json())
    assert restored.idempotency.seen("order:abc", later(3600))
    assert not restored.idempotency.seen("order:abc", later(safety.idempotency.ttl_s))


# --- persistence ------------------------------------------------------------------------------

def test_state_round_trips_through_json_text() -> None:
    safety = SafetyManager()
    safety.set_thresholds(BreakerThresholds(loss_pct=D("7.5"), max_consecutive_losses=3))
    safety.set_thresholds(BreakerThresholds(error_burst=2), user_id="u9")
    safety.set_kill_switch(True, now=T0, user_id="u1", close_positions=True, reason="r")
    safety.pause(now=T0, user_id="u2", until=later(600))
    safety.record_trade_result("u3", D("-1.25"), D(1000), T0)
    safety.record_trade_result("u4", D(-500), D(1000), T0)
    safety.record_exchange_error("phemex", T0)
    safety.idempotency.remember("signal:42", T0)

    text = json.dumps(safety.state.model_dump(mode="json"))
    restored = SafetyState.model_validate(json.loads(text))
    assert restored == safety.state
    again = SafetyManager.from_json(safety.to_json())
    assert again.state == safety.state
    assert not again.check_send("u1", later(1)).allowed
    assert not again.check_new_position("u2", later(1)).allowed
    assert not again.check_new_position("u4", later(1)).allowed
    assert again.state.user_breakers["u3"].results[0].pnl_usdt == D("-1.25")
    assert again.state.thresholds.loss_pct == D("7.5")


def test_corrupt_state_is_not_silently_accepted() -> None:
    with pytest.raises(ValueError):
        SafetyManager.from_json('{"platform_kill": {"active": "maybe"}}')
