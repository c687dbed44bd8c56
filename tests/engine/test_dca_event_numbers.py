"""A DCA fill is told by the plan's number for the level, as the decision named the levels:
with level 1 left out of the plan (too small to order), the fill of level 2 read "DCA level 1
filled"."""

from __future__ import annotations

from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import SignalSource
from verzek.engine.notifier import EventKind

SYM = "BTC/USDT:USDT"


def test_the_fill_names_the_plans_level(engine: Engine) -> None:
    engine.price(SYM, "50000")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "500", "price_collar_pct": "50"},
                    dca={"enabled": True, "max_safety_orders": 2, "safety_order_usdt": "100",
                         "execution": "limit",
                         "levels": [{"deviation_pct": "2", "size_multiplier": "0.2"},
                                    {"deviation_pct": "4", "size_multiplier": "1"}]})
    (decision,) = engine.trading.submit_text(
        "#BTC/USDT LONG\nEntry: 50000\nTarget: 55000\nStop: 40000\n5x",
        SignalSource(kind="api")).decisions
    assert decision.outcome == "executed", decision.reason
    assert "DCA level 1 left out" in decision.reason, decision.reason
    (p,) = engine.positions("u1")
    assert [lv["level"] for lv in p.extra["dca_levels"]] == ["2"]
    engine.tick(SYM, "47900")
    (event,) = engine.events.of_kind(EventKind.DCA_FILLED)
    assert event.message.startswith("DCA level 2 filled on BTC/USDT:USDT")
    assert (event.data["level"], event.data["levels_filled"]) == (2, 1)
    (p,) = engine.positions("u1")
    assert p.dca_levels_filled == 1 and p.quantity > Decimal("0.01")
