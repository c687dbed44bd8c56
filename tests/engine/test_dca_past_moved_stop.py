"""A stop moved past DCA levels (the channel's "move SL to entry", breakeven after a target)
takes those levels off: their resting buys are cancelled and they are not armed again. In a
gap through both, a DCA buy left resting below the stop filled and the stop then sold it at
once, a loss on quantity the position should never have bought."""

from __future__ import annotations

from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import CloseReason, SignalSource
from verzek.engine import protection

SYM = "ETH/USDT:USDT"
D = Decimal


def _open(engine: Engine, execution: str) -> None:
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "100", "price_collar_pct": "50"},
                    dca={"enabled": True, "max_safety_orders": 3, "safety_order_usdt": "50",
                         "deviation_pct": "2", "execution": execution})
    opened = engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nTarget: 110\nStop: 90\n5x",
                                        SignalSource(kind="api"))
    assert [d.outcome for d in opened.decisions] == ["executed"]


def _dca_buys(engine: Engine) -> list[Decimal | None]:
    return sorted(o.price for o in engine.paper("u1").fetch_open_orders()
                  if o.side.value == "buy")


def test_a_stop_moved_to_entry_cancels_the_dca_buys_below_it(engine: Engine) -> None:
    _open(engine, "limit")
    assert len(_dca_buys(engine)) == 3  # 98, 96, 94
    engine.tick(SYM, "103")
    (decision,) = engine.trading.submit_text("ETH move SL to entry",
                                             SignalSource(kind="api")).decisions
    assert decision.outcome == "executed"
    assert decision.reason.endswith(
        "stop moved to 100; 3 DCA level(s) at or past it are no longer armed.")
    assert _dca_buys(engine) == []
    for _ in range(2):  # order sync re-arms protection: the buys must not come back
        engine.clock.advance(15)
        engine.trading.sync_orders()
        engine.tick(SYM, "103")
    assert _dca_buys(engine) == []
    engine.tick(SYM, "93")  # a gap through the stop and every former level
    assert engine.positions("u1") == []
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason is CloseReason.STOP_LOSS and closed.dca_levels_filled == 0
    bought = {o.client_order_id for o in closed.orders if o.side.value == "buy"}
    assert sum(f.quantity for f in closed.fills if f.client_order_id in bought) == D("1.000")


def test_a_stop_moved_between_levels_keeps_the_levels_above_it(engine: Engine) -> None:
    _open(engine, "limit")
    engine.tick(SYM, "101")
    (decision,) = engine.trading.submit_text("ETH new SL 95", SignalSource(kind="api")).decisions
    assert decision.reason.endswith("1 DCA level(s) at or past it are no longer armed."), \
        decision.reason
    assert len(_dca_buys(engine)) == 2  # 98 and 96 rest; 94 is past the stop


def test_monitored_dca_levels_past_the_stop_are_not_triggered(engine: Engine) -> None:
    _open(engine, "monitored")
    (p,) = engine.positions("u1")
    assert protection.next_monitored_dca(p) == p.extra["dca_levels"][0]
    assert D(p.extra["dca_levels"][0]["price"]) == D(98)
    engine.tick(SYM, "103")
    engine.trading.submit_text("ETH new SL 97", SignalSource(kind="api"))
    (p,) = engine.positions("u1")
    level = protection.next_monitored_dca(p)
    assert level is not None and D(level["price"]) == D(98)  # above the stop: still armed
    engine.trading.submit_text("ETH move SL to entry", SignalSource(kind="api"))
    (p,) = engine.positions("u1")
    assert protection.next_monitored_dca(p) is None
    assert protection.dca_levels_past_stop(p) == 3
    engine.tick(SYM, "97")  # a gap through the stop and level 1: no DCA buy at market
    assert engine.positions("u1") == []
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.dca_levels_filled == 0
