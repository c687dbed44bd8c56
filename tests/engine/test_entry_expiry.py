"""Resting entries stop waiting: unfilled after the user's `entry_ttl_h` (default 48 h), or
the price reached the call's first target before the entry filled (the move is over). A
position that filled nothing closes as cancelled and the user is told why; a split entry
that filled in part keeps its position and only the rest of the entry is cancelled."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tests.engine.conftest import Engine
from verzek.domain.models import CloseReason, PositionStatus, SignalSource
from verzek.engine.entry_expiry import stale_entry
from verzek.engine.notifier import EventKind
from verzek.errors import NetworkError

D = Decimal
SYM = "ETH/USDT:USDT"
HOUR = 3600.0
LONG = "LONG #ETH/USDT\nEntry 1950 - 1940\nTP 2100 2200\nSL 1800"


def _rest(engine: Engine, text: str = LONG, **strategy: Any) -> str:
    engine.price(SYM, "2000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "200"},
                    strategy={"entry_type": "limit", **strategy})
    result = engine.trading.submit_text(text, SignalSource(kind="api"))
    (decision,) = result.decisions
    assert decision.outcome == "executed", decision
    return str(decision.position_id)


def _closed(engine: Engine, pid: str) -> Any:
    return engine.runtime.positions.get("u1", pid)


def test_an_entry_unfilled_after_its_ttl_is_cancelled_and_the_user_told(engine: Engine) -> None:
    pid = _rest(engine)
    engine.clock.advance(47 * HOUR)
    engine.tick(SYM, "1990")
    assert _closed(engine, pid).status is PositionStatus.PENDING  # still within 48 h
    engine.clock.advance(1 * HOUR)
    engine.tick(SYM, "1990")
    p = _closed(engine, pid)
    assert p.status is PositionStatus.CLOSED and p.close_reason is CloseReason.CANCELLED
    assert [o.status.value for o in p.orders if o.leg == "entry"] == ["canceled"]
    assert engine.paper("u1").fetch_open_orders(SYM) == []
    (event,) = engine.events.of_kind(EventKind.POSITION_CLOSED)
    assert "not filled within 48 h" in event.message


def test_no_ttl_lets_the_entry_rest(engine: Engine) -> None:
    pid = _rest(engine, entry_ttl_h=None)
    engine.clock.advance(400 * HOUR)
    engine.tick(SYM, "1990")
    assert _closed(engine, pid).status is PositionStatus.PENDING


def test_the_first_target_reached_before_the_entry_cancels_it(engine: Engine) -> None:
    pid = _rest(engine)
    engine.tick(SYM, "2099.99")
    assert _closed(engine, pid).status is PositionStatus.PENDING
    engine.tick(SYM, "2100")
    p = _closed(engine, pid)
    assert p.status is PositionStatus.CLOSED and p.close_reason is CloseReason.CANCELLED
    (event,) = engine.events.of_kind(EventKind.POSITION_CLOSED)
    assert "reached target 1 (2100)" in event.message
    engine.tick(SYM, "1930")  # back through the old entry: nothing rests, nothing fills
    assert engine.positions("u1") == []


def test_a_short_measures_its_first_target_downwards(engine: Engine) -> None:
    pid = _rest(engine, "SHORT #ETH/USDT\nEntry 2050 - 2060\nTP 1900 1850\nSL 2200")
    engine.tick(SYM, "1901")
    assert _closed(engine, pid).status is PositionStatus.PENDING
    engine.tick(SYM, "1899")
    assert _closed(engine, pid).status is PositionStatus.CLOSED


def test_the_target_rule_can_be_turned_off(engine: Engine) -> None:
    pid = _rest(engine, cancel_entry_at_target=False)
    engine.tick(SYM, "2150")
    assert _closed(engine, pid).status is PositionStatus.PENDING


def test_a_split_entry_filled_in_part_keeps_its_position(engine: Engine) -> None:
    pid = _rest(engine, entry_type="split", split_entries=2)
    engine.tick(SYM, "1949")  # the 1950 half fills, the 1940 half rests
    p = _closed(engine, pid)
    assert p.status is PositionStatus.OPEN and p.average_entry == D("1950")
    engine.tick(SYM, "2100")  # target 1 with part filled: the position's own TP handles it
    engine.clock.advance(48 * HOUR)
    engine.tick(SYM, "1990")
    p = _closed(engine, pid)
    assert p.status in (PositionStatus.OPEN, PositionStatus.PARTIALLY_CLOSED)
    assert [o.status.value for o in p.orders if o.leg.startswith("entry")] == \
        ["filled", "canceled"]
    assert not engine.events.of_kind(EventKind.POSITION_CLOSED)


def test_stale_entry_reads_the_stored_form() -> None:
    opened = datetime(2026, 11, 1, tzinfo=UTC)
    raw = {"status": "pending", "side": "long", "opened_at": opened.isoformat(),
           "targets": [{"price": "2100"}], "extra": {},
           "orders": [{"leg": "entry", "status": "open"}]}
    now = datetime(2026, 11, 2, tzinfo=UTC)
    assert stale_entry(raw, {}, D("2000"), now) is None
    assert stale_entry(raw, {}, D("2100"), now) is not None
    assert stale_entry(raw, {"entry_ttl_h": 24}, D("2000"), now) is not None
    assert stale_entry({**raw, "extra": {"entry_trigger": {"price": "1"}}}, {"entry_ttl_h": 1},
                       D("2100"), now) is None  # a breakout's wait has its own expiry
    filled = {**raw, "orders": [{"leg": "entry", "status": "filled"}]}
    assert stale_entry(filled, {"entry_ttl_h": 1}, D("2100"), now) is None


def _cancels_time_out(engine: Engine, times: int) -> list[str]:
    """The user's paper exchange answers the next `times` cancels with a network error (the
    order stays resting); returns the client ids it was asked to cancel."""
    paper = engine.paper("u1")
    real = paper.cancel_order
    asked: list[str] = []

    def cancel_order(symbol: str, **ids: Any) -> Any:
        asked.append(str(ids.get("client_order_id")))
        if len(asked) <= times:
            raise NetworkError("timed out")
        return real(symbol, **ids)

    paper.cancel_order = cancel_order  # type: ignore[method-assign]
    return asked


def test_a_cancel_the_exchange_did_not_confirm_is_asked_again(engine: Engine) -> None:
    """Never closed with its entry still resting: the position waits, and the monitor asks
    again on its next pass."""
    pid = _rest(engine)
    asked = _cancels_time_out(engine, 2)
    engine.clock.advance(48 * HOUR)
    engine.tick(SYM, "1990")
    p = _closed(engine, pid)
    assert p.status is PositionStatus.PENDING
    assert p.extra["cancel_pending"] == "the entry was not filled within 48 h"
    assert [o.status.value for o in p.orders if o.leg == "entry"] == ["open"]
    engine.tick(SYM, "1990")
    p = _closed(engine, pid)
    assert p.status is PositionStatus.CLOSED and len(asked) == 3
    assert engine.paper("u1").fetch_open_orders(SYM) == []


def test_a_channel_cancel_not_confirmed_is_finished_by_the_monitor(engine: Engine) -> None:
    pid = _rest(engine)
    _cancels_time_out(engine, 2)
    result = engine.trading.submit_text("Cancel #ETH", SignalSource(kind="api"))
    (decision,) = result.decisions
    assert "not confirmed it yet" in decision.reason
    assert _closed(engine, pid).status is PositionStatus.PENDING
    engine.tick(SYM, "1990")
    assert _closed(engine, pid).status is PositionStatus.CLOSED


def test_a_close_at_market_of_a_resting_entry_waits_for_the_cancel(engine: Engine) -> None:
    """The kill switch's close (or any close at market) of a position that filled nothing:
    with the cancel unconfirmed it waits, the next pass finishes it."""
    pid = _rest(engine)
    _cancels_time_out(engine, 2)
    manager = engine.trading.manager
    with manager.locks.hold("u1"):
        p = manager.close_market(engine.paper("u1"), _closed(engine, pid), "kill",
                                 CloseReason.KILL_SWITCH)
    assert p.status is PositionStatus.PENDING and p.extra["cancel_pending"] == \
        "closing (kill_switch)"
    engine.tick(SYM, "1990")
    p = _closed(engine, pid)
    assert p.status is PositionStatus.CLOSED
    assert engine.paper("u1").fetch_open_orders(SYM) == []


def test_an_entry_that_fills_while_its_cancel_waits_is_an_open_position(engine: Engine) -> None:
    pid = _rest(engine)
    _cancels_time_out(engine, 2)
    engine.clock.advance(48 * HOUR)
    engine.tick(SYM, "1990")
    assert "cancel_pending" in _closed(engine, pid).extra
    engine.tick(SYM, "1939")  # the entry fills before the next cancel: the trade is on
    p = _closed(engine, pid)
    assert p.status is PositionStatus.OPEN and "cancel_pending" not in p.extra
    assert p.average_entry == D("1940")
