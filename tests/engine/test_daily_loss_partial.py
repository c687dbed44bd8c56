"""The daily loss limit counts what open positions' exits lost today (a partial close at a
loss), not only positions closed today."""

from __future__ import annotations

from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import OrderSide, OrderType, PositionStatus, SignalSource
from verzek.domain.safety.state import OrderPurpose
from verzek.engine.executor import OrderSpec

SYM = "ETH/USDT:USDT"


def test_a_partial_close_at_a_loss_today_counts_toward_the_daily_loss_limit(
        engine: Engine) -> None:
    engine.price(SYM, "100")
    engine.price("SOL/USDT:USDT", "150")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "300", "max_daily_loss_pct": "0.1"})
    engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nTarget: 120\nStop: 81\n5x",
                               SignalSource(kind="api"))
    (p,) = engine.positions("u1")
    capital = engine.paper("u1").fetch_balance().get("USDT").total
    engine.price(SYM, "94")
    manager = engine.trading.manager
    exchange = engine.trading.pool.for_position(engine.runtime.users.get("u1"), p)
    with manager.locks.hold("u1"):
        p, result = manager.send(exchange, p, "close0", OrderSpec(
            symbol=SYM, side=OrderSide.SELL, type=OrderType.MARKET, quantity=Decimal(2),
            reduce_only=True), OrderPurpose.REDUCE)
    assert result.placed and p.status is PositionStatus.PARTIALLY_CLOSED
    assert -p.realised_pnl_usdt > capital * Decimal("0.001")  # past 0.1 % of the capital
    second = engine.trading.submit_text("#SOL/USDT LONG\nEntry: 150\nTarget: 160\nStop: 140",
                                        SignalSource(kind="api"))
    assert [(d.outcome, d.code) for d in second.decisions] == [("skipped", "max_daily_loss")]
