"""An active kill switch is enforced by every order-sync pass, not once over a snapshot: an
entry in flight at the flip, a close the exchange refused, positions found after a restart
(audit 6, finding 3)."""

from __future__ import annotations

from pathlib import Path

from tests.engine.conftest import Engine, make_engine
from verzek.clock import ManualClock
from verzek.domain.models import CloseReason, OrderType, PositionStatus, SignalSource
from verzek.errors import InvalidOrder
from verzek.exchanges.base import OrderRequest, OrderResult
from verzek.exchanges.faults import FaultyExchange

SYM = "ETH/USDT:USDT"
LIMIT = "#ETH/USDT LONG\nEntry: 95 - 98\nTargets: 110\nStop: 91"
MARKET = "#ETH/USDT LONG\nEntry: 100\nTargets: 110\nStop: 91"


def _closed(engine: Engine, user_id: str = "u1") -> list[CloseReason | None]:
    return [p.close_reason for p in engine.runtime.positions.closed_positions(user_id)]


def test_an_entry_in_flight_at_the_flip_is_closed_by_the_next_sync_pass(
        engine: Engine) -> None:
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "100", "price_collar_pct": "50"},
                    strategy={"entry_type": "limit"})
    engine.price(SYM, "100")

    class FlipAtEntry(FaultyExchange):
        def create_order(self, req: OrderRequest) -> OrderResult:
            if not req.reduce_only and not engine.trading.safety.kill_requested("u1")[0]:
                # the send asked safety already: it lands, the flip comes while it flies
                engine.trading.set_kill_switch(active=True, reason="test",
                                               close_positions=True)
            return super().create_order(req)

    engine.trading.pool.wrap = lambda inner: FlipAtEntry(inner, rate=0.0, clock=engine.clock)
    (decision,) = engine.trading.submit_text(LIMIT, SignalSource(kind="api")).decisions
    assert decision.outcome == "executed"
    assert engine.trading.wait_enforced(30)
    engine.trading.sync_orders()
    assert engine.positions("u1") == [] and _closed(engine) == [CloseReason.KILL_SWITCH]
    assert engine.paper("u1").fetch_open_orders() == []
    # the price reaching the old entry opens nothing
    engine.tick(SYM, "94")
    engine.trading.sync_orders()
    assert engine.positions("u1") == []


def test_a_close_the_exchange_refused_is_retried_by_order_sync(engine: Engine) -> None:
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    engine.price(SYM, "100")
    refusing = {"on": True, "closes": 0}

    class RefusesCloses(FaultyExchange):
        def create_order(self, req: OrderRequest) -> OrderResult:
            if req.reduce_only and req.type is OrderType.MARKET:
                refusing["closes"] += 1
                if refusing["on"]:
                    raise InvalidOrder("refused (test)")
            return super().create_order(req)

    engine.trading.pool.wrap = lambda inner: RefusesCloses(inner, rate=0.0,
                                                           clock=engine.clock)
    engine.trading.submit_text(MARKET, SignalSource(kind="api"))
    (position,) = engine.positions("u1")
    assert position.quantity > 0
    engine.trading.set_kill_switch(active=True, reason="test", close_positions=True)
    assert engine.trading.wait_enforced(30)
    assert [p.status for p in engine.positions("u1")] == [PositionStatus.OPEN]
    assert refusing["closes"] == 1
    refusing["on"] = False
    engine.trading.sync_orders()  # a refusal is not hammered: retried after 30 s
    assert refusing["closes"] == 1
    engine.clock.advance(31)
    engine.trading.sync_orders()
    assert engine.positions("u1") == [] and _closed(engine) == [CloseReason.KILL_SWITCH]
    assert refusing["closes"] == 2
    engine.trading.sync_orders()  # idempotent: nothing more is sent
    assert refusing["closes"] == 2


def test_positions_found_after_a_restart_are_closed_by_order_sync(
        tmp_path: Path, clock: ManualClock) -> None:
    first = make_engine(tmp_path, clock)
    first.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    first.price(SYM, "100")
    first.trading.submit_text(MARKET, SignalSource(kind="api"))
    assert len(first.positions("u1")) == 1
    # the switch is flipped as the process stops: its enforcement never ran
    first.trading.safety.on_change.clear()
    first.trading.set_kill_switch(active=True, reason="incident", close_positions=True)
    first.runtime.stop()

    again = make_engine(tmp_path, clock)
    try:
        again.price(SYM, "100")
        assert len(again.positions("u1")) == 1
        again.trading.sync_orders()
        assert again.positions("u1") == [] and _closed(again) == [CloseReason.KILL_SWITCH]
    finally:
        again.runtime.stop()
