"""The sentences a user reads when a trade is skipped: a single entry price, the daily-loss
pause (its cause once, its end once, money to the cent), the breaker's counts, a short on a
spot account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tests.domain.conftest import T0, account, make_user
from verzek.domain import risk
from verzek.domain.models import ExchangeAccount, MarketType, Signal
from verzek.domain.risk import RiskContext
from verzek.domain.safety import BreakerThresholds, SafetyManager

D = Decimal


def ctx(**overrides: Any) -> RiskContext:
    values: dict[str, Any] = dict(
        user=make_user(), signal=Signal(symbol="ETH/USDT", side="long", entries=[D(2700)]),
        signal_id="s1", now=T0, signal_received_at=T0, current_price=D(2900),
        capital_usdt=D("35.631127750"), account=account())
    values.update(overrides)
    return RiskContext(**values)


def test_the_collar_names_a_single_entry_as_a_price_and_a_zone_as_a_zone() -> None:
    single = risk.price_in_collar(ctx())
    assert single.code == "price_outside_collar"
    assert single.message == "The price 2900 is 7.41% away from the entry 2700; the collar is 5%."
    zone = risk.price_in_collar(ctx(signal=Signal(symbol="ETH/USDT", side="long",
                                                  entries=[D(2600), D(2700)])))
    assert "from the entry zone 2600–2700;" in zone.message


def test_the_daily_loss_sentence_says_its_cause_and_end_once_to_the_cent() -> None:
    decision = risk.daily_loss(ctx(daily_realised_pnl_usdt=D("-3.5631127750"),
                                       capital_usdt=D("32.0680149750")))  # the day began at 35.63
    assert decision.code == "max_daily_loss"
    assert decision.message == (
        "Today's loss of 3.56 USDT reached your daily limit of 10% of your capital "
        "(3.56 USDT); new positions are paused until 2026-03-02 00:00 UTC.")
    assert decision.details["paused_until"] == datetime(2026, 3, 2, tzinfo=UTC)
    assert decision.details["pause_reason"] == (
        "today's loss of 3.56 USDT reached your daily limit of 10% of your capital (3.56 USDT)")


def test_the_pause_it_starts_reads_as_one_sentence() -> None:
    decision = risk.daily_loss(ctx(daily_realised_pnl_usdt=D("-3.5631127750"),
                                       capital_usdt=D("32.0680149750")))  # the day began at 35.63
    until = decision.details["paused_until"]
    safety = SafetyManager()
    safety.pause(now=T0, user_id="u1", until=until, reason=decision.details["pause_reason"])
    assert safety.check_new_position("u1", T0).message == (
        "Your new positions are paused until 2026-03-02 00:00 UTC: today's loss of 3.56 USDT "
        "reached your daily limit of 10% of your capital (3.56 USDT).")
    # a reason that ends its own sentence gets no second period
    safety.pause(now=T0, user_id="u2", until=until, reason="Maintenance.")
    assert safety.check_new_position("u2", T0).message == (
        "Your new positions are paused until 2026-03-02 00:00 UTC: Maintenance.")


def test_one_losing_trade_in_a_row_is_singular() -> None:
    safety = SafetyManager()
    safety.set_thresholds(BreakerThresholds(max_consecutive_losses=1), user_id="u1")
    tripped = safety.record_trade_result("u1", D(-1), D(1000), T0)
    assert tripped.message == "Circuit breaker tripped: 1 losing trade in a row."
    assert safety.check_new_position("u1", T0).message == (
        "Your circuit breaker tripped: 1 losing trade in a row until 2026-03-01 13:00 UTC.")
    safety.set_thresholds(BreakerThresholds(max_consecutive_losses=2), user_id="u2")
    safety.record_trade_result("u2", D(-1), D(1000), T0)
    assert "2 losing trades in a row" in safety.record_trade_result(
        "u2", D(-1), D(1000), T0 + timedelta(seconds=1)).message


def test_the_breakers_loss_is_to_the_cent() -> None:
    safety = SafetyManager()
    tripped = safety.record_trade_result("u1", D("-120.123456"), D("880.864198"), T0)
    assert tripped.message == ("Circuit breaker tripped: realised loss of 120.12 USDT within "
                               "3600 s reached 10% of the capital (1000.99 USDT).")


def test_a_short_is_not_traded_on_a_spot_account() -> None:
    spot = ExchangeAccount(id="a1", user_id="u1", exchange="binance", market_type="spot",
                           created_at=T0 - timedelta(days=9), label="Spot main")
    short = Signal(symbol="LTC/USDT", side="short", entries=[D(95)], targets=[D(91)],
                   stop_loss=D(99))
    decision = risk.spot_no_short(ctx(signal=short, market=MarketType.SPOT, account=spot,
                                      current_price=D(95)))
    assert not decision.allowed and decision.code == "spot_no_short"
    assert decision.message == ("Spot accounts cannot short; the LTC/USDT short is not traded "
                                "on spot account Spot main. Trade shorts on a futures account.")
    assert risk.check(ctx(signal=short, market=MarketType.SPOT, account=spot,
                          current_price=D(95))).code == "spot_no_short"
    # a long on spot, a short on futures: both fine
    assert risk.spot_no_short(ctx(market=MarketType.SPOT, account=spot)).allowed
    assert risk.spot_no_short(ctx(signal=short, current_price=D(95))).allowed
