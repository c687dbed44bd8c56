"""The kill switch closes every user's positions in parallel: one user's close whose answer
does not come holds back only that user (journey 11, finding 3)."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass, field

import pytest

from tests.engine.conftest import Engine
from verzek.domain.models import CloseReason, OrderType, Position, SignalSource, User
from verzek.engine.kill_switch import KillSwitchEnforcer
from verzek.exchanges.base import Exchange, OrderRequest, OrderResult
from verzek.exchanges.faults import FaultyExchange
from verzek.logs import ContextFilter

SIGNALS = ("#ETH/USDT LONG\nEntry: 100\nTargets: 110\nStop: 91",
           "#BTC/USDT LONG\nEntry: 50000\nTargets: 55000\nStop: 45500")
USERS = [f"u{i}" for i in range(1, 7)]
GUARD_S = 30.0  # only a broken engine waits this long: every wait below ends on an event


@dataclass
class Closes:
    """Every close at market sent, across all accounts; the first one can be held."""

    hold_first: bool = False
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    sent: list[str] = field(default_factory=list)  # client order ids
    threads: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on_send(self, req: OrderRequest) -> None:
        with self.lock:
            first = not self.sent
            self.sent.append(req.client_order_id or "")
            self.threads.add(threading.current_thread().name)
        if first and self.hold_first:
            self.held.set()  # an exchange that keeps this answer until released
            assert self.release.wait(GUARD_S)


def _open_positions(engine: Engine, closes: Closes) -> int:
    class Watched(FaultyExchange):
        def create_order(self, req: OrderRequest) -> OrderResult:
            if req.reduce_only and req.type is OrderType.MARKET:
                closes.on_send(req)
            return super().create_order(req)

    engine.trading.pool.wrap = lambda inner: Watched(inner, rate=0.0, clock=engine.clock)
    engine.price("ETH/USDT:USDT", "100")
    engine.price("BTC/USDT:USDT", "50000")
    for uid in USERS:
        engine.add_user(uid, general={"auto_trade": True},
                        risk={"position_size_usdt": "100"})
    for text in SIGNALS:
        engine.trading.submit_text(text, SignalSource(kind="api"))
    per_user = {uid: len(engine.positions(uid)) for uid in USERS}
    assert set(per_user.values()) == {len(SIGNALS)}, per_user
    return len(SIGNALS)


def _closed_event(engine: Engine, count: int) -> threading.Event:
    """Set once `count` positions are closed durably (the manager's close listeners)."""
    reached = threading.Event()
    seen: list[str] = []
    lock = threading.Lock()

    def on_closed(position: object) -> None:
        with lock:
            seen.append(getattr(position, "id", ""))
            if len(seen) >= count:
                reached.set()

    engine.trading.manager.on_closed.append(on_closed)
    return reached


def _still_open(engine: Engine) -> dict[str, int]:
    return {uid: n for uid in USERS if (n := len(engine.positions(uid)))}


def test_a_held_close_holds_back_only_its_own_user(engine: Engine) -> None:
    closes = Closes(hold_first=True)
    per_user = _open_positions(engine, closes)
    others_closed = _closed_event(engine, (len(USERS) - 1) * per_user)
    try:
        engine.trading.set_kill_switch(active=True, reason="fault drill",
                                       close_positions=True)
        assert closes.held.wait(GUARD_S)
        # the serial enforcer never gets past the held close: nobody else would be closed
        assert others_closed.wait(GUARD_S), f"still open: {_still_open(engine)}"
        # exactly one user is still exposed: the held close's, both positions (in order, under
        # that user's lock, its second close waits for the first)
        (held_user, left), = _still_open(engine).items()
        assert left == per_user
        assert len(closes.sent) == (len(USERS) - 1) * per_user + 1
    finally:
        closes.release.set()
    assert engine.trading.wait_enforced(GUARD_S)
    assert _still_open(engine) == {}
    for uid in USERS:
        reasons = [p.close_reason for p in engine.runtime.positions.closed_positions(uid)]
        assert reasons == [CloseReason.KILL_SWITCH] * per_user, (uid, reasons)
    # one close order per position, none sent twice, and nothing more by later passes
    assert len(closes.sent) == len(USERS) * per_user
    assert len(set(closes.sent)) == len(closes.sent)
    engine.trading.sync_orders()
    assert len(closes.sent) == len(USERS) * per_user
    assert all(engine.paper(uid).fetch_open_orders() == [] for uid in USERS)
    assert held_user in USERS


def test_progress_and_the_bound_on_threads(engine: Engine) -> None:
    closes = Closes(hold_first=True)
    per_user = _open_positions(engine, closes)
    engine.trading.safety.on_change.clear()  # only the enforcer under test acts on the flip
    enforcer = KillSwitchEnforcer(
        users=engine.runtime.users, positions=engine.runtime.positions,
        safety=engine.trading.safety, pool=engine.trading.pool,
        manager=engine.trading.manager, clock=engine.clock, workers=2)
    assert enforcer.progress() is None
    others_closed = _closed_event(engine, (len(USERS) - 1) * per_user)
    engine.trading.set_kill_switch(active=True, reason="fault drill", close_positions=True)
    try:
        enforcer.start(None)
        assert closes.held.wait(GUARD_S)
        # one of the two threads is held; the other goes through every other user
        assert others_closed.wait(GUARD_S), f"still open: {_still_open(engine)}"
        during = enforcer.progress()
        assert during is not None
        assert during["running"] is True
        assert during["users"] == len(USERS) and during["positions"] == len(USERS) * per_user
        assert during["closed"] == (len(USERS) - 1) * per_user
    finally:
        closes.release.set()
    assert enforcer.wait(GUARD_S)
    after = enforcer.progress()
    assert after is not None
    assert after["running"] is False and after["finished_at"] is not None
    assert after["closed"] == after["acted"] == after["positions"] == len(USERS) * per_user
    assert after["users_done"] == len(USERS)
    assert after["failed"] == after["users_failed"] == 0
    assert closes.threads == {"kill-switch-1", "kill-switch-2"}
    assert Counter(closes.sent).most_common(1)[0][1] == 1  # no close sent twice


def test_a_failing_position_is_logged_with_its_user_and_stops_no_one(
        engine: Engine, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    closes = Closes()
    per_user = _open_positions(engine, closes)
    pool = engine.trading.pool
    client_of = pool.for_position
    broken: list[str] = []

    def breaks_once(user: User, position: Position) -> Exchange:
        if not broken:  # before any order: nothing was sent for it
            broken.append(position.id)
            raise RuntimeError("the account's client could not be built (test)")
        return client_of(user, position)

    monkeypatch.setattr(pool, "for_position", breaks_once)
    caplog.handler.addFilter(ContextFilter())
    with caplog.at_level(logging.WARNING, logger="verzek.engine.kill_switch"):
        engine.trading.set_kill_switch(active=True, reason="fault drill",
                                       close_positions=True)
        assert engine.trading.wait_enforced(GUARD_S)
    (failure,) = [r for r in caplog.records
                  if "enforcement failed on position" in r.getMessage()]
    assert broken[0] in failure.getMessage() and failure.exc_info is not None
    failed_user = getattr(failure, "user_id", None)
    # every other position is closed, the failed one's user's other ones too
    assert _still_open(engine) == {failed_user: 1}
    assert len(closes.sent) == len(USERS) * per_user - 1
    assert any(r.getMessage() == f"kill switch enforced on {len(USERS) * per_user - 1} "
               "position(s)" for r in caplog.records)
    engine.trading.sync_orders()  # the next pass closes it
    assert _still_open(engine) == {}
    assert len(set(closes.sent)) == len(closes.sent) == len(USERS) * per_user


def test_a_failing_user_is_logged_and_stops_no_one(
        engine: Engine, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    closes = Closes()
    per_user = _open_positions(engine, closes)
    users = engine.runtime.users
    find = users.find

    def unreadable_u3(user_id: str) -> User | None:
        if user_id == "u3":
            raise RuntimeError("users/u3.json cannot be read (test)")
        return find(user_id)

    monkeypatch.setattr(users, "find", unreadable_u3)
    caplog.handler.addFilter(ContextFilter())
    with caplog.at_level(logging.WARNING, logger="verzek.engine.kill_switch"):
        engine.trading.set_kill_switch(active=True, reason="fault drill",
                                       close_positions=True)
        assert engine.trading.wait_enforced(GUARD_S)
    (failure,) = [r for r in caplog.records
                  if r.getMessage() == "kill switch enforcement failed for user u3"]
    assert getattr(failure, "user_id", None) == "u3" and failure.exc_info is not None
    assert _still_open(engine) == {"u3": per_user}
    assert len(closes.sent) == (len(USERS) - 1) * per_user
    monkeypatch.setattr(users, "find", find)
    engine.trading.sync_orders()  # the next pass closes them
    assert _still_open(engine) == {}
