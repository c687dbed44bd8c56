"""A take profit that fills the moment it is placed (the market is past it when the entry's
fill is seen, as after a restart) moves the exits; arming goes on from the moved exits, never
from the plan made before the fill: one order per target, one stop (the crash campaign's
case: a second order for target 2 sold another position's coins on the same account)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import OrderStatus, SignalSource
from verzek.domain.safety.state import OrderPurpose
from verzek.engine.executor import OrderSpec
from verzek.engine.legs import base_leg

D = Decimal
SYM = "ETH/USDT:USDT"
LIVE = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED, OrderStatus.UNKNOWN)


def test_a_target_filled_on_placement_leaves_one_order_per_leg(engine: Engine) -> None:
    engine.price(SYM, "101")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "300"},
                    strategy={"entry_type": "limit", "move_sl_to_breakeven_after_tp1": True})
    result = engine.trading.submit_text(
        "#ETH/USDT LONG\nEntry: 100\nTargets: 102, 104\nStop: 95\n10x",
        SignalSource(kind="api"))
    assert [d.outcome for d in result.decisions] == ["executed"]
    paper = engine.paper("u1")
    engine.price(SYM, "99.9")
    paper.process_prices()  # the resting entry fills; the engine has not looked yet
    engine.price(SYM, "103")  # past target 1 when the engine sees the fill and arms
    engine.trading.monitor.sync_orders()
    (p,) = engine.positions("u1")
    assert p.targets[0].hit and p.stop_loss == p.average_entry
    live = [o for o in p.orders if o.status in LIVE]
    assert Counter(base_leg(o.leg)[:3] for o in live) == {"tp2": 1, "slr": 1}, \
        [(o.leg, o.quantity, o.stop_price) for o in live]
    (stop,) = [o for o in live if o.leg.startswith("sl")]
    assert stop.stop_price == p.average_entry and stop.quantity == p.quantity
    resting = [o for o in paper.fetch_open_orders() if o.side.value == "sell"]
    assert sum((o.quantity for o in resting if o.type.value == "limit"), D(0)) == p.quantity
    engine.trading.monitor.sync_orders()  # a later pass changes nothing
    (again,) = engine.positions("u1")
    assert [o.client_order_id for o in again.orders if o.status in LIVE] == \
        [o.client_order_id for o in live]


def test_a_second_live_order_for_one_leg_is_cancelled(engine: Engine) -> None:
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "300"})
    engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nTargets: 102, 104\nStop: 95\n10x",
                               SignalSource(kind="api"))
    (p,) = engine.positions("u1")
    tp1 = next(o for o in p.orders if o.leg == "tp1r0")
    manager = engine.trading.manager
    exchange = engine.trading.pool.for_position(engine.runtime.users.get("u1"), p)
    p, result = manager.send(exchange, p, "tp1r0x1", OrderSpec(
        symbol=SYM, side=tp1.side, type=tp1.type, quantity=tp1.quantity, price=tp1.price,
        reduce_only=True), OrderPurpose.REDUCE, protect=False)
    assert result.placed
    p = manager.arm(exchange, p)
    by_leg = {o.leg: o.status for o in p.orders if o.leg.startswith("tp1")}
    assert by_leg == {"tp1r0": OrderStatus.OPEN, "tp1r0x1": OrderStatus.CANCELED}
    assert len([o for o in engine.paper("u1").fetch_open_orders()
                if o.type.value == "limit"]) == 2  # tp1 and tp2, once each
