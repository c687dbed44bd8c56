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
SIGNAL = "#ETH/USDT LONG\nEntry: 100\nTargets: 104 - 108\nStop Loss: 91\nLeverage: 10x"


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


def test_a_resumed_fan_out_does_not_trade_again_for_a_user_whose_position_came_and_went(
        engine: Engine) -> None:
    signal_id, pid = _closed_position(engine)
    orders_before = _exchange_orders(engine)
    record = engine.trading.get_signal(signal_id)
    user = engine.runtime.users.get("u1")
    # what resume_unfinished does for a user the crash left without a recorded decision
    (decision,) = engine.trading.orchestrator.open_signal(record, [user])
    # nothing is traded again, and the record says the user did trade it ("skipped: you
    # already executed" read as if they had not)
    assert (decision.outcome, decision.code, decision.position_id) == ("executed", "executed",
                                                                      pid)
    assert decision.reason.startswith(f"Traded before a restart: position {pid} (closed since)")
    assert engine.positions("u1") == []
    assert _history(engine) == [pid]  # archived once, stats count it once
    assert _exchange_orders(engine) == orders_before
    assert engine.trading.user_stats("u1")["all_time"]["trades"] == 1


def test_a_resumed_fan_out_records_an_open_position_from_the_call_as_executed(
        engine: Engine) -> None:
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True})
    result = engine.trading.submit_text(SIGNAL, SignalSource(kind="api"))
    (position,) = engine.positions("u1")
    orders_before = _exchange_orders(engine)
    record = engine.trading.get_signal(result.signal_id)
    (decision,) = engine.trading.orchestrator.open_signal(record,
                                                          [engine.runtime.users.get("u1")])
    assert (decision.outcome, decision.position_id) == ("executed", position.id)
    assert decision.reason.startswith(f"Traded before a restart: position {position.id} (open)")
    assert _exchange_orders(engine) == orders_before and len(engine.positions("u1")) == 1


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


def _late_entry(engine: Engine, quantity: str, type_: OrderType = OrderType.MARKET,
                price: str | None = None) -> tuple[str, str]:
    """An entry-side order of the closed position, sent and filled while a crash kept its
    outcome out of the journal and off the position."""
    _, pid = _closed_position(engine)
    (closed,) = engine.runtime.positions.closed_positions("u1")
    result = engine.trading.manager._executor.send(
        engine.paper("u1"), OrderSpec(symbol=SYM, side=OrderSide.BUY, type=type_,
                                      quantity=Decimal(quantity),
                                      price=Decimal(price) if price else None),
        user_id="u1", account_id=closed.account_id, position_id=pid, leg="entry2",
        purpose=OrderPurpose.OPEN)
    assert result.placed
    return pid, result.client_order_id


def _net_exchange_position(engine: Engine) -> Decimal:
    return sum((p.quantity for p in engine.paper("u1").fetch_positions([SYM])), Decimal(0))


def test_an_entry_that_filled_after_its_position_was_archived_is_closed_at_market(
        engine: Engine) -> None:
    pid, coid = _late_entry(engine, "1")
    assert _net_exchange_position(engine) == Decimal("1")  # held, tracked by nobody
    engine.events.events.clear()
    counts = engine.trading.reconciler.run_once()
    assert counts["adopted"] == 1
    assert _net_exchange_position(engine) == 0
    assert engine.positions("u1") == []
    history = engine.runtime.positions.closed_positions("u1")
    assert history[0].id == pid and len(history) == 2
    recovery = history[1]
    assert recovery.extra["recovered_from"] == pid
    assert recovery.entry_quantity == Decimal("1") and recovery.quantity == 0
    assert recovery.close_reason is history[0].close_reason
    assert recovery.orders[0].client_order_id == coid
    assert any(e.kind.value == "attention" and "after its position closed" in e.message
               for e in engine.events.events)
    assert engine.trading.intents.open_intents() == []
    (flag,) = [f for f in engine.trading.reconciler.flagged if f["client_order_id"] == coid]
    assert f"taken over by position {recovery.id} and closed" in flag["reason"]
    # a second pass finds nothing to do: no second recovery, no second close
    orders = _exchange_orders(engine)
    engine.trading.reconciler.run_once()
    closed = engine.runtime.positions.closed_positions("u1")[1]
    assert engine.trading.manager.recover_late_fill(
        engine.paper("u1"), history[0], closed.orders[0], engine.paper("u1").fetch_order(
            SYM, client_order_id=coid)) is None
    assert _exchange_orders(engine) == orders and len(
        engine.runtime.positions.closed_positions("u1")) == 2


def test_a_resting_entry_of_an_archived_position_is_cancelled_and_nothing_is_recovered(
        engine: Engine) -> None:
    pid, _ = _late_entry(engine, "1", OrderType.LIMIT, "50")
    engine.trading.reconciler.run_once()
    assert engine.paper("u1").fetch_open_orders(SYM) == []
    assert _net_exchange_position(engine) == 0
    assert [p.id for p in engine.runtime.positions.closed_positions("u1")] == [pid]


def test_only_what_the_closed_position_did_not_count_is_taken_over() -> None:
    from verzek.domain.models import OrderStatus
    from verzek.engine.late_fills import beyond
    from verzek.exchanges.base import OrderResult, TradeFill

    report = OrderResult("c1", "x1", OrderStatus.FILLED, SYM, OrderSide.BUY, OrderType.MARKET,
                         Decimal("1"), None, Decimal("1"), Decimal("100"), Decimal("0.1"), (
                             TradeFill("t1", Decimal("100"), Decimal("0.6"), Decimal("0.06"),
                                       None),
                             TradeFill("t2", Decimal("100"), Decimal("0.4"), Decimal("0.04"),
                                       None)))
    rest = beyond(report, Decimal("0.7"))
    assert rest.filled_quantity == Decimal("0.3")
    assert [(t.trade_id, t.quantity, t.fee_usdt) for t in rest.trades] == \
        [("t2", Decimal("0.3"), Decimal("0.03"))]
    assert beyond(report, Decimal(0)) is report
