"""A call marked spot is never traded as a leveraged perpetual: with no spot account it went
to the user's futures account at their maximum leverage (20x), open to liquidation
(journey 10). A futures call may still be bought on a spot account (1x)."""

from __future__ import annotations

from tests.engine.conftest import Engine
from verzek.domain.models import (
    ExchangeAccount,
    ExchangeName,
    MarketType,
    SignalSource,
    TradingMode,
)

SPOT_CALL = "#ADA/USDT SPOT\nBuy: 0.85\nSell targets: 0.88 - 0.90\nStop: 0.83"


def _with_futures_account(engine: Engine, mode: str) -> None:
    engine.add_user("u1", general={"auto_trade": True, "mode": mode},
                    risk={"position_size_usdt": "100", "max_leverage": 20})
    account = ExchangeAccount(id="by1", user_id="u1", exchange=ExchangeName.BYBIT,
                              market_type=MarketType.FUTURES, mode=TradingMode(mode),
                              status="verified", created_at=engine.clock.now())
    engine.runtime.users.update("u1", lambda u: u.model_copy(
        update={"exchange_accounts": [account]}))
    engine.price("ADA/USDT", "0.85")
    engine.price("ADA/USDT:USDT", "0.85")


def test_a_live_user_without_a_spot_account_skips_a_spot_call(engine: Engine) -> None:
    _with_futures_account(engine, "live")
    (decision,) = engine.trading.submit_text(SPOT_CALL, SignalSource(kind="api")).decisions
    assert decision.outcome == "skipped" and decision.code == "no_account"
    assert "spot call" in decision.reason and "leverage" in decision.reason
    assert engine.positions("u1") == []


def test_a_demo_user_without_a_spot_account_buys_a_spot_call_on_paper_spot(
        engine: Engine) -> None:
    _with_futures_account(engine, "demo")
    (decision,) = engine.trading.submit_text(SPOT_CALL, SignalSource(kind="api")).decisions
    assert decision.outcome == "executed", decision
    (position,) = engine.positions("u1")
    assert position.market_type is MarketType.SPOT and position.symbol == "ADA/USDT"
    assert position.leverage == 1 and position.account_id != "by1"
