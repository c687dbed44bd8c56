"""One user's busy lock never stalls the price monitor for everyone (audit 6, item 9).

A fan-out waiting on a slow exchange holds its user's lock for up to a minute; the single
monitor thread that watches every user's stops must not wait on it: it leaves that user's
positions for the next pass and acts on everyone else's now.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.engine.conftest import Engine, make_engine
from verzek.clock import ManualClock
from verzek.domain.models import CloseReason, PositionStatus, SignalSource

SPOT = "SOL/USDT"
FUT = "ETH/USDT:USDT"
WAIT_S = 10.0  # a guard against a hang, never reached when the monitor does not wait


@contextmanager
def busy(engine: Engine, user_id: str) -> Iterator[None]:
    """Another thread holds the user's lock until the block ends (a fan-out in flight)."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with engine.trading.manager.locks.hold(user_id):
            held.set()
            release.wait(WAIT_S)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert held.wait(WAIT_S)
    try:
        yield
    finally:
        release.set()
        thread.join(WAIT_S)


def run_pass(engine: Engine) -> bool:
    """One monitor pass on its own thread; whether it finished (did not wait on the lock)."""
    thread = threading.Thread(target=engine.trading.monitor.run_once, daemon=True)
    thread.start()
    thread.join(WAIT_S)
    return not thread.is_alive()


def _open(engine: Engine, user_id: str, text: str) -> None:
    engine.add_user(user_id, general={"auto_trade": True},
                    risk={"position_size_usdt": "100", "price_collar_pct": "50"})
    result = engine.trading.submit_text(text, SignalSource(kind="api"))
    executed = [d for d in result.decisions if d.user_id == user_id]
    assert [d.outcome for d in executed] == ["executed"], result.decisions


def test_a_busy_user_leaves_the_monitor_free_for_the_others(engine: Engine) -> None:
    engine.price(SPOT, "150")
    engine.price(FUT, "100")
    _open(engine, "b", "#SOL/USDT LONG\nEntry: 150\nTargets: 160\nStop: 140\nSpot")
    engine.runtime.users.update("b", lambda u: u.model_copy(update={"settings": (
        u.settings.model_copy(update={"general": u.settings.general.model_copy(
            update={"auto_trade": False})}))}))
    _open(engine, "a", "#ETH/USDT LONG\nEntry: 100\nTargets: 110\nStop: 81\nLeverage 5x")
    engine.price(SPOT, "130")  # b's spot stop (the monitor's to watch) is crossed
    engine.price(FUT, "111")  # a's take profit rests on the (paper) exchange and fills

    with busy(engine, "a"):
        assert run_pass(engine), "the monitor waited on user a's lock"
        (closed,) = engine.runtime.positions.closed_positions("b")
        assert closed.close_reason is CloseReason.STOP_LOSS
        (waiting,) = engine.positions("a")  # its fill is applied once a is free
        assert waiting.status is PositionStatus.OPEN

    # the next pass applies the fill the paper exchange made while a was busy
    assert run_pass(engine)
    assert engine.positions("a") == []
    (done,) = engine.runtime.positions.closed_positions("a")
    assert done.close_reason is CloseReason.TAKE_PROFIT


def test_a_fill_left_for_the_next_pass_is_applied_at_a_clean_stop(
        tmp_path: Path, clock: ManualClock) -> None:
    """The paper exchange fills in this process: a fill the monitor matched while its owner
    was busy is not left outside its position when the service stops before the next pass
    (the crash campaign's 30%-fault run stopped right after such a pass)."""
    first = make_engine(tmp_path, clock)
    first.price(FUT, "100")
    _open(first, "a", "#ETH/USDT LONG\nEntry: 100\nTargets: 110\nStop: 81\nLeverage 5x")
    first.price(FUT, "111")  # the take profit rests on the (paper) exchange and fills
    with busy(first, "a"):
        assert run_pass(first)
    assert [p.status for p in first.positions("a")] == [PositionStatus.OPEN]
    first.runtime.stop()

    again = make_engine(tmp_path, clock)  # read back as stored: no pass, no order sync
    try:
        assert again.positions("a") == []
        (done,) = again.runtime.positions.closed_positions("a")
        assert done.close_reason is CloseReason.TAKE_PROFIT
    finally:
        again.runtime.stop()


def test_a_fill_whose_sync_failed_is_synced_again_next_pass(engine: Engine) -> None:
    """The paper exchange reports a fill once: if applying it fails, the position is looked
    at again next pass instead of waiting for the order-sync loop."""
    engine.price(FUT, "100")
    _open(engine, "a", "#ETH/USDT LONG\nEntry: 100\nTargets: 110\nStop: 81\nLeverage 5x")
    manager = engine.trading.manager
    real_sync, calls = manager.sync, []

    def failing_once(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk hiccup")
        return real_sync(*args, **kwargs)  # type: ignore[arg-type]

    manager.sync = failing_once  # type: ignore[method-assign]
    engine.price(FUT, "111")
    assert run_pass(engine)
    assert [p.status for p in engine.positions("a")] == [PositionStatus.OPEN]
    engine.price(FUT, "105")  # no trigger of its own at this price: only the retry syncs it
    assert run_pass(engine)
    assert engine.positions("a") == [] and len(calls) == 2


def test_once_shutdown_begins_a_pass_starts_nothing_and_leaves_its_fills_to_the_flush(
        engine: Engine) -> None:
    """Once shutdown begins a pass starts nothing (a long pass, look-ups after injected
    faults, once held the stop past its deadline and was cut off mid-arm); what passes
    matched is applied by the flush, as long as the stop's deadline allows."""
    engine.price(FUT, "100")
    _open(engine, "a", "#ETH/USDT LONG\nEntry: 100\nTargets: 110\nStop: 81\nLeverage 5x")
    engine.price(FUT, "111")  # the take profit fills as the pass matches it
    with busy(engine, "a"):
        assert run_pass(engine)  # matched, not applied: a is busy
    engine.runtime.stopping.set()
    assert run_pass(engine)  # and once shutdown began, a pass does nothing
    assert [p.status for p in engine.positions("a")] == [PositionStatus.OPEN]
    assert engine.trading.monitor.sync_orders() == 0  # order sync starts nothing either
    monitor = engine.trading.monitor
    assert monitor.flush_deferred(lambda: 0.0) == 1  # the deadline has passed: left as is
    assert [p.status for p in engine.positions("a")] == [PositionStatus.OPEN]
    assert monitor.flush_deferred(lambda: 5.0) == 0  # nothing left
    assert engine.positions("a") == []
    (done,) = engine.runtime.positions.closed_positions("a")
    assert done.close_reason is CloseReason.TAKE_PROFIT


def test_a_pass_under_way_when_shutdown_begins_defers_what_it_matched(engine: Engine) -> None:
    """Shutdown that begins during a pass (after its prices are read): the pass acts on no
    more positions and leaves their matched fills to the flush."""
    engine.price(FUT, "100")
    _open(engine, "a", "#ETH/USDT LONG\nEntry: 100\nTargets: 110\nStop: 81\nLeverage 5x")
    engine.price(FUT, "111")
    monitor = engine.trading.monitor
    real_fetch = monitor.prices.fetch

    def fetch_then_stop(*args: Any) -> Any:
        out = real_fetch(*args)
        engine.runtime.stopping.set()  # SIGTERM arrives while the pass is under way
        return out

    monitor.prices.fetch = fetch_then_stop  # type: ignore[method-assign]
    assert run_pass(engine)
    assert [p.status for p in engine.positions("a")] == [PositionStatus.OPEN]
    assert monitor.flush_deferred() == 0
    assert engine.positions("a") == []
