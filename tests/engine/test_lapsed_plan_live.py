"""A live user whose paid plan lapsed is told so before any exchange is asked: the skip came
from the exchange's own error when it was away (a balance read first), and otherwise only
after the account's balance and price had been read for a trade the plan refuses."""

from __future__ import annotations

from datetime import timedelta

from tests.engine.conftest import Engine
from verzek.domain.models import (
    ExchangeAccount,
    ExchangeName,
    MarketType,
    PlanName,
    SignalSource,
    TradingMode,
)
from verzek.exchanges.base import Exchange


def test_a_lapsed_plan_skips_a_live_trade_without_asking_the_exchange(engine: Engine) -> None:
    engine.price("ETH/USDT:USDT", "100")
    built: list[Exchange] = []
    engine.trading.pool.wrap = lambda inner: built.append(inner) or inner  # type: ignore
    engine.add_user("u1", PlanName.PRO, general={"auto_trade": True, "mode": "live"})
    account = ExchangeAccount(id="bn1", user_id="u1", exchange=ExchangeName.BINANCE,
                              market_type=MarketType.FUTURES, mode=TradingMode.LIVE,
                              status="verified", created_at=engine.clock.now())
    engine.runtime.users.update("u1", lambda u: u.model_copy(update={
        "exchange_accounts": [account],
        "subscription": u.subscription.model_copy(update={
            "expires_at": engine.clock.now() - timedelta(days=1)})}))
    (decision,) = engine.trading.submit_text(
        "#ETH/USDT LONG\nEntry: 100\nTarget: 110\nStop: 95\n5x", SignalSource(kind="api")
    ).decisions
    assert (decision.outcome, decision.code) == ("skipped", "plan_no_live_trading")
    assert decision.reason == ("The free plan trades in demo only (your subscription has "
                               "expired); upgrade to trade live, or switch to demo mode.")
    assert built == [] and engine.positions("u1") == []
