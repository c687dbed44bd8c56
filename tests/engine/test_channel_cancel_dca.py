"""The channel's cancel of a call whose entry filled: the position is kept, its resting DCA
orders are cancelled and stay cancelled (not armed again by the next pass)."""

from __future__ import annotations

from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import SignalSource

SYM = "ETH/USDT:USDT"


def test_a_cancelled_call_keeps_its_position_and_its_dca_levels_stay_cancelled(
        engine: Engine) -> None:
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "100", "price_collar_pct": "50"},
                    dca={"enabled": True, "max_safety_orders": 3, "safety_order_usdt": "50",
                         "deviation_pct": "2", "execution": "limit"})
    opened = engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nTarget: 110\nStop: 81\n5x",
                                        SignalSource(kind="api"))
    assert [d.outcome for d in opened.decisions] == ["executed"]
    paper = engine.paper("u1")
    assert any(o.client_order_id for o in paper.fetch_open_orders()
               if o.side.value == "buy")  # the DCA buys rest
    (decision,) = engine.trading.submit_text("Cancel #ETH", SignalSource(kind="api")).decisions
    assert "3 DCA level(s) dropped" in decision.reason, decision.reason
    for _ in range(3):  # order sync re-arms protection: the DCA buys must not come back
        engine.clock.advance(15)
        engine.trading.sync_orders()
        engine.tick(SYM, "100")
    (p,) = engine.positions("u1")
    assert p.quantity == Decimal("1.000") and p.extra["dca_cancelled"] == 3
    assert [o.side.value for o in paper.fetch_open_orders()] == ["sell", "sell"]  # TP, stop
    engine.tick(SYM, "90")  # through every former level: nothing more is bought
    (p,) = engine.positions("u1")
    assert p.quantity == Decimal("1.000") and p.dca_levels_filled == 0
