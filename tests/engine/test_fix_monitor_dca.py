"""A monitored DCA level refused once is tried again (audit 6, item 6).

The executor answers a leg name it refused before "already refused" for good, so the level's
buy goes out under a fresh name, as `arm()` re-places protection; not on every price pass.
"""

from __future__ import annotations

from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import SignalSource
from verzek.engine.monitor import DCA_RETRY_S

SYM = "ETH/USDT:USDT"


def _dca_orders(engine: Engine) -> list[tuple[str, str]]:
    (p,) = engine.positions("u1")
    return [(o.leg, o.status.value) for o in p.orders if o.leg.startswith("dca")]


def test_a_refused_monitored_dca_level_is_bought_after_the_refusal_ends(
        engine: Engine) -> None:
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "100", "price_collar_pct": "50"},
                    strategy={"take_profit_mode": "percent", "take_profit_pct": "5"},
                    dca={"enabled": True, "max_safety_orders": 2, "execution": "monitored"})
    result = engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nStop: 90\nLeverage 10x",
                                        SignalSource(kind="api"))
    assert [d.outcome for d in result.decisions] == ["executed"]
    (p,) = engine.positions("u1")
    first = p.extra["dca_levels"][0]
    assert first["level"] == "1"
    trigger = Decimal(first["price"])

    # the kill switch refuses the level's buy when the price first reaches it
    engine.trading.set_kill_switch(active=True, reason="test", close_positions=False)
    engine.trading.wait_enforced()
    engine.tick(SYM, trigger)
    assert _dca_orders(engine) == [("dca1", "canceled")]
    engine.trading.set_kill_switch(active=False, reason="", close_positions=False)

    engine.tick(SYM, trigger - Decimal("0.01"))  # at once: not re-sent on every pass
    assert _dca_orders(engine) == [("dca1", "canceled")]

    engine.clock.advance(DCA_RETRY_S)
    engine.tick(SYM, trigger - Decimal("0.01"))
    assert _dca_orders(engine) == [("dca1", "canceled"), ("dca1x1", "filled")]
    (p,) = engine.positions("u1")
    assert p.dca_levels_filled == 1
    assert p.quantity == Decimal("1") + Decimal(first["quantity"])
