"""A new signal's fan-out sends every user's entry before any user's bookkeeping (the answer
applied, the position saved), holding each user's lock throughout: a lease carries it from
the first pass to the second."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.engine.conftest import Engine
from verzek.domain.models import SignalSource
from verzek.engine.locks import UserLocks
from verzek.errors import DiskFault
from verzek.exchanges.faults import FaultyExchange

SYM = "ETH/USDT:USDT"
SIGNAL = "#ETH/USDT LONG\nEntry: 100\nTargets: 104, 108\nStop: 91"


def _in_thread(fn: Any) -> Any:
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(fn()))
    thread.start()
    thread.join(5)
    assert not thread.is_alive()
    return out[0]


def test_a_lease_keeps_the_lock_until_adopted_and_released() -> None:
    locks = UserLocks()

    def free() -> bool:
        with locks.try_hold("u1") as held:
            return held

    with locks.hold("u1"):
        lease = locks.hand_off("u1")
    assert _in_thread(free) is False  # the hold ended, the lease still holds the lock
    with locks.hold("u2"):
        pass  # other users are free

    def finish() -> bool:
        with locks.adopt("u1", lease):
            with locks.hold("u1"):  # re-entrant in the adopting thread
                return True

    assert _in_thread(finish) is True
    assert free() is True  # released at the end of the adoption
    assert locks.drop("u1", lease) is False  # a used lease holds nothing
    with pytest.raises(RuntimeError), locks.adopt("u1", lease):
        pass


def test_only_a_single_hold_is_handed_off_and_a_lease_nobody_adopts_can_be_dropped() -> None:
    locks = UserLocks()
    with locks.hold("u1"), locks.hold("u1"), pytest.raises(RuntimeError):
        locks.hand_off("u1")  # nested: the outer hold would release under the lease
    with locks.hold("u1"):
        lease = locks.hand_off("u1")
    assert locks.drop("u1", lease) is True
    assert locks.drop("u1", lease) is False
    with locks.try_hold("u1") as held:
        assert held


def test_every_entry_is_sent_before_any_position_is_saved(engine: Engine) -> None:
    engine.price(SYM, "100")
    for i in range(24):
        engine.add_user(f"u{i:02d}", general={"auto_trade": True})
    events: list[str] = []
    lock = threading.Lock()

    class Watch(FaultyExchange):
        def create_order(self, req):  # type: ignore[no-untyped-def]
            result = super().create_order(req)
            with lock:
                events.append("entry" if not req.reduce_only and req.type.value == "market"
                              else "other")
            return result

    engine.trading.pool.wrap = lambda inner: Watch(inner, rate=0.0, clock=engine.clock)
    repo = engine.runtime.positions
    save = repo.save

    def saving(position: Any) -> None:
        with lock:
            events.append("save")
        save(position)

    repo.save = saving  # type: ignore[method-assign]
    result = engine.trading.submit_text(SIGNAL, SignalSource(kind="api"))
    assert [d.outcome for d in result.decisions] == ["executed"] * 24
    assert events.count("entry") == 24
    last_entry = max(i for i, e in enumerate(events) if e == "entry")
    first_save = events.index("save")
    assert last_entry < first_save, events[:40]
    for i in range(24):
        (p,) = engine.positions(f"u{i:02d}")
        assert p.quantity > 0 and any(o.leg.startswith("tp") for o in p.orders)
    assert all(d.account_id for d in result.decisions)


def test_a_second_pass_failure_is_that_users_decision_and_frees_the_user(
        engine: Engine) -> None:
    engine.price(SYM, "100")
    for uid in ("a", "b", "c"):
        engine.add_user(uid, general={"auto_trade": True})
    repo = engine.runtime.positions
    save = repo.save

    def failing(position: Any) -> None:
        if position.user_id == "b":
            raise DiskFault("the disk refused a write (test)")
        save(position)

    repo.save = failing  # type: ignore[method-assign]
    result = engine.trading.submit_text(SIGNAL, SignalSource(kind="api"))
    by_user = {d.user_id: (d.outcome, d.code) for d in result.decisions}
    assert by_user["a"] == by_user["c"] == ("executed", "executed")
    assert by_user["b"] == ("failed", "internal_error")
    assert {d.account_id is not None for d in result.decisions} == {True}
    with engine.trading.manager.locks.try_hold("b") as held:
        assert held  # the lease was released after the failure
    # b's order was sent and its intent carries the position: reconciliation adopts it
    repo.save = save  # type: ignore[method-assign]
    engine.trading.reconciler.run_once()
    assert len(engine.positions("b")) == 1
