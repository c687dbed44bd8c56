"""A closed position never comes back: not through a fan-out resumed after a crash, not
through a save, and an order a crash left behind for it is cancelled and reported."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.engine.conftest import Engine
from verzek.domain.models import OrderSide, OrderType, PositionStatus, SignalSource
from verzek.domain.safety.state import OrderPurpose
from verzek.engine.executor import OrderSpec
from verzek.errors import Conflict

SYM = "ETH/USDT:USDT"
SIGNAL = "#ETH/USDT LONG\nEntry: 100\nTargets: 104 - 108\nStop Loss: 90\nLeverage: 10x"


def _closed_position(engine: Engine) -> tuple[str, str]:
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True})
    result = engine.trading.submit_text(SIGNAL, SignalSource(kind="api"))
    (position,) = engine.positions("u1")
    engine.trading.close_position("u1", position.id)
    assert engine.positions("u1") == []
    return result.signal_id, position.id


def _history(engine: Engine) -> list[str]:
    return [p.id for p in engine.runtime.positions.closed_positions("u1")]


def _exchange_orders(engine: Engine) -> int:
    return len(engine.paper("u1").fetch_closed_orders(SYM)) + \
        len(engine.paper("u1").fetch_open_orders(SYM))


def test_a_resumed_fan_out_skips_a_user_whose_position_came_and_went(engine: Engine) -> None:
    signal_id, pid = _closed_position(engine)
    orders_before = _exchange_orders(engine)
    record = engine.trading.get_signal(signal_id)
    user = engine.runtime.users.get("u1")
    # what resume_unfinished does for a user the crash left without a recorded decision
    (decision,) = engine.trading.orchestrator.open_signal(record, [user])
    assert decision.outcome == "skipped" and decision.code == "duplicate_signal"
    assert engine.positions("u1") == []
    assert _history(engine) == [pid]  # archived once, stats count it once
    assert _exchange_orders(engine) == orders_before
    assert engine.trading.user_stats("u1")["all_time"]["trades"] == 1


def test_saving_an_open_copy_of_an_archived_position_is_refused(engine: Engine) -> None:
    _, pid = _closed_position(engine)
    (closed,) = engine.runtime.positions.closed_positions("u1")
    files = {p: p.read_bytes() for p in engine.runtime.store.root.rglob("*u1*")}
    reopened = closed.model_copy(update={"status": PositionStatus.OPEN, "closed_at": None})
    with pytest.raises(Conflict, match="cannot be reopened"):
        engine.runtime.positions.save(reopened)
    assert {p: p.read_bytes() for p in engine.runtime.store.root.rglob("*u1*")} == files
    assert engine.runtime.positions.is_archived("u1", pid)
    assert not engine.runtime.positions.is_archived("u1", "p" + "0" * 20)


def test_an_order_left_open_for_a_closed_position_is_cancelled_and_flagged(
        engine: Engine) -> None:
    _, pid = _closed_position(engine)
    (closed,) = engine.runtime.positions.closed_positions("u1")
    exchange = engine.paper("u1")
    # a send whose position save never happened (a crash): the intent stays open
    result = engine.trading.manager._executor.send(
        exchange, OrderSpec(symbol=SYM, side=OrderSide.SELL, type=OrderType.LIMIT,
                            quantity=Decimal("1"), price=Decimal("120"), reduce_only=False),
        user_id="u1", account_id=closed.account_id, position_id=pid,
        leg="tp9r0", purpose=OrderPurpose.REDUCE)
    assert result.placed
    assert [o.client_order_id for o in exchange.fetch_open_orders(SYM)] == \
        [result.client_order_id]
    counts = engine.trading.reconciler.run_once()
    assert counts["adopted"] == 1
    assert exchange.fetch_open_orders(SYM) == []  # it must not trade for nobody
    (flag,) = [f for f in engine.trading.reconciler.flagged
               if f["client_order_id"] == result.client_order_id]
    assert "closed position" in flag["reason"] and "cancelled" in flag["reason"]
    assert engine.trading.intents.open_intents() == []
    assert _history(engine) == [pid]
