"""Reconciliation looks orders up for many accounts at once: at start-up the API answers 503
until the pass is over, and one account's slow or failing exchange must not hold back the
others. Each account's own intents stay in the order they were journaled (one position's
legs), one failing look-up ends only its own intent (logged with user, account and order),
and the pass counts, journals and adopts exactly what the one-at-a-time pass does.

Concurrency is proven without sleeping: the first call of a kind on each account waits on a
barrier that opens only once every account's call is in flight at the same time. A pass that
goes one account at a time never opens it (its first wait times out, GUARD_S, and the test
fails rather than hangs)."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.engine.conftest import Engine, make_engine
from verzek.clock import ManualClock
from verzek.domain.models import OrderSide, OrderType, SignalSource
from verzek.domain.safety.state import OrderPurpose
from verzek.engine.cancels import LEFTOVERS
from verzek.engine.executor import OrderSpec
from verzek.engine.intents import Intent
from verzek.engine.reconcile import Reconciler
from verzek.errors import ExchangeUnavailable
from verzek.exchanges.base import OrderRequest, OrderResult, PositionInfo
from verzek.exchanges.faults import FaultyExchange

D = Decimal
SYM = "ETH/USDT:USDT"
SIGNAL = "#ETH/USDT LONG\nEntry: 100\nTargets: 110\nStop: 91"
GUARD_S = 10.0  # only a pass that goes one account at a time waits this long
TP_LEGS = ("tp9r0", "tp9r1")  # two resting orders per account, journaled in this order


class Gate(FaultyExchange):
    """One account's client. `arm(method, barrier)`: the first such call waits on the
    barrier (shared by every account) before it goes to the exchange; `fail`: client ids
    whose look-up raises instead. Records the look-ups in the order they came and how many
    of this account's calls were in flight at once."""

    def __init__(self, inner: Any, **kw: Any) -> None:
        super().__init__(inner, rate=0.0, **kw)
        self.barriers: dict[str, threading.Barrier] = {}
        self.passed: set[str] = set()
        self.fail: dict[str, Exception] = {}
        self.looked_up: list[str] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._gate_lock = threading.Lock()

    def arm(self, method: str, barrier: threading.Barrier) -> None:
        self.barriers[method] = barrier

    def _enter(self, method: str) -> None:
        with self._gate_lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            barrier = self.barriers.pop(method, None)
        if barrier is not None:
            barrier.wait()  # BrokenBarrierError after GUARD_S when nobody else comes
            self.passed.add(method)

    def _leave(self) -> None:
        with self._gate_lock:
            self.in_flight -= 1

    def _gated(self, method: str, call: Callable[[], Any]) -> Any:
        self._enter(method)
        try:
            return call()
        finally:
            self._leave()

    def fetch_order(self, symbol: str, *, exchange_order_id: str | None = None,
                    client_order_id: str | None = None) -> OrderResult:
        with self._gate_lock:
            self.looked_up.append(client_order_id or "")
            failure = self.fail.pop(client_order_id or "", None)
        if failure is not None:
            raise failure
        return self._gated("fetch_order", lambda: super(Gate, self).fetch_order(
            symbol, exchange_order_id=exchange_order_id, client_order_id=client_order_id))

    def cancel_order(self, symbol: str, *, exchange_order_id: str | None = None,
                     client_order_id: str | None = None) -> OrderResult:
        return self._gated("cancel_order", lambda: super(Gate, self).cancel_order(
            symbol, exchange_order_id=exchange_order_id, client_order_id=client_order_id))

    def fetch_open_orders(self, symbol: str | None = None) -> list[OrderResult]:
        return self._gated("fetch_open_orders",
                           lambda: super(Gate, self).fetch_open_orders(symbol))

    def fetch_positions(self, symbols: list[str] | None = None) -> list[PositionInfo]:
        return self._gated("fetch_positions",
                           lambda: super(Gate, self).fetch_positions(symbols))


def _gated_engine(engine: Engine, users: list[str]) -> dict[str, Gate]:
    """`users` each with an open futures position (its entry filled) on their own paper
    account; the gates by user."""
    gates: dict[str, Gate] = {}

    def wrap(inner: Any) -> Gate:
        gate = Gate(inner, clock=engine.clock)
        gates[str(inner.account_id).split("-")[1]] = gate  # demo-<user>-<market>
        return gate

    engine.trading.pool.wrap = wrap
    engine.price(SYM, "100")
    for uid in users:
        engine.add_user(uid, general={"auto_trade": True},
                        risk={"position_size_usdt": "100", "price_collar_pct": "50"})
    engine.trading.submit_text(SIGNAL, SignalSource(kind="api"))
    assert sorted(gates) == sorted(users)
    for uid in users:
        (position,) = engine.positions(uid)
        assert position.quantity > 0
    return gates


def _lost_answers(engine: Engine, uid: str, legs: tuple[str, ...] = TP_LEGS) -> list[str]:
    """Orders on the exchange whose position a crash kept from being saved: their intents
    are open (journaled, sent, never given an outcome). Their client ids, in order."""
    (position,) = engine.positions(uid)
    coids = []
    for n, leg in enumerate(legs):
        result = engine.trading.manager._executor.send(
            engine.paper(uid), OrderSpec(symbol=SYM, side=OrderSide.SELL,
                                         type=OrderType.LIMIT, quantity=D("0.1"),
                                         price=D(150 + n), reduce_only=True),
            user_id=uid, account_id=position.account_id, position_id=position.id, leg=leg,
            purpose=OrderPurpose.REDUCE)
        coids.append(result.client_order_id)
    assert all(engine.trading.intents.is_open(c) for c in coids)
    return coids


def _reconciler(engine: Engine, workers: int) -> Reconciler:
    trading = engine.trading
    reconciler = Reconciler(intents=trading.intents, users=engine.runtime.users,
                            positions=engine.runtime.positions, pool=trading.pool,
                            manager=trading.manager, clock=engine.clock,
                            visibility_window_s=60.0, workers=workers)
    reconciler.on_flagged.extend(trading.reconciler.on_flagged)
    return reconciler


def _arm(gates: dict[str, Gate], method: str, users: list[str] | None = None,
         ) -> threading.Barrier:
    chosen = [gates[u] for u in (users or sorted(gates))]
    barrier = threading.Barrier(len(chosen), timeout=GUARD_S)
    for gate in chosen:
        gate.arm(method, barrier)
    return barrier


def _order_status(engine: Engine, uid: str, coid: str) -> str | None:
    (position,) = engine.positions(uid)
    return next((o.status.value for o in position.orders if o.client_order_id == coid), None)


USERS = ["u1", "u2", "u3", "u4"]


def test_accounts_are_looked_up_at_once_each_in_its_own_order(engine: Engine) -> None:
    gates = _gated_engine(engine, USERS)
    sent = {uid: _lost_answers(engine, uid) for uid in USERS}
    barrier = _arm(gates, "fetch_order")  # every account's first look-up at the same time

    counts = engine.trading.reconciler.run_once()

    assert not barrier.broken
    assert all("fetch_order" in gate.passed for gate in gates.values())
    assert (counts["adopted"], counts["unknown"], counts["not_placed"]) == (8, 0, 0)
    assert engine.trading.intents.open_intents() == []
    for uid, gate in gates.items():
        # one account's intents one after the other, in the order they were journaled
        assert gate.looked_up[:2] == sent[uid]
        assert gate.most_in_flight == 1
        assert [_order_status(engine, uid, c) for c in sent[uid]] == ["open", "open"]
        # looked up, never sent again
        assert all(gate.received[c] == 1 for c in sent[uid])


def test_a_failing_look_up_ends_only_its_own_intent_and_is_logged_with_context(
        engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    gates = _gated_engine(engine, USERS)
    sent = {uid: _lost_answers(engine, uid) for uid in USERS}
    bad = sent["u1"][0]
    gates["u1"].fail[bad] = RuntimeError("the adapter broke (test)")
    # the other accounts' first look-ups meet while u1's first one has failed
    barrier = _arm(gates, "fetch_order", ["u2", "u3", "u4"])
    caplog.set_level(logging.ERROR, logger="verzek.engine.reconcile")

    counts = engine.trading.reconciler.run_once()

    assert not barrier.broken
    assert (counts["adopted"], counts["unknown"], counts["not_placed"]) == (7, 1, 0)
    assert [i.client_order_id for i in engine.trading.intents.open_intents()] == [bad]
    assert _order_status(engine, "u1", sent["u1"][1]) == "open"  # u1's next intent went on
    (record,) = [r for r in caplog.records if bad in r.getMessage()]
    (position,) = engine.positions("u1")
    message = record.getMessage()
    assert "u1" in message and position.account_id in message and position.id in message
    assert record.exc_info is not None and "the adapter broke" in str(record.exc_info[1])

    # the next pass looks it up again: adopted, and the order was never sent a second time
    counts = engine.trading.reconciler.run_once()
    assert (counts["adopted"], counts["unknown"]) == (1, 0)
    assert engine.trading.intents.open_intents() == []
    assert gates["u1"].received[bad] == 1
    assert _order_status(engine, "u1", bad) == "open"


def test_leftovers_positions_and_strays_are_checked_for_all_accounts_at_once(
        engine: Engine) -> None:
    gates = _gated_engine(engine, USERS)
    items = []
    for uid in USERS:
        (position,) = engine.positions(uid)
        items.append({"user_id": uid, "account_id": position.account_id,
                      "market_type": "futures", "position_id": f"gone-{uid}",
                      "symbol": SYM, "orders": [{"coid": f"vzleft{uid}", "leg": "tp1r0",
                                                 "filled": "0"}]})
    engine.runtime.positions.store.write(LEFTOVERS, {"schema_version": 1,
                                                            "items": items})
    barriers = {method: _arm(gates, method)
                for method in ("fetch_open_orders", "fetch_positions", "cancel_order")}

    counts = engine.trading.reconciler.run_once()

    assert {m: b.broken for m, b in barriers.items()} == dict.fromkeys(barriers, False)
    assert all(gate.passed == set(barriers) for gate in gates.values())
    assert (counts["strays"], counts["closed_outside"], counts["leftovers"]) == (0, 0, 4)
    assert (engine.runtime.positions.store.read_shared(LEFTOVERS) or {}).get("items") == []


# --- the parallel pass does what the one-at-a-time pass does -----------------------------

def _scenario(engine: Engine) -> list[Any]:
    """Five accounts with a mix of what reconciliation meets, two passes a minute apart:
    orders to adopt, an order never sent (not found: unknown, then not placed), a look-up
    failing with a 5xx, a position closed outside us, a stray and leftovers."""
    users = ["u1", "u2", "u3", "u4", "u5"]
    gates = _gated_engine(engine, users)
    for uid in ("u1", "u2", "u3", "u5"):
        _lost_answers(engine, uid)
    journal = engine.trading.intents
    (p2,) = engine.positions("u2")
    journal.record_intent(Intent(
        client_order_id="vzneversent2", user_id="u2", account_id=p2.account_id,
        position_id=p2.id, leg="tp9r2", symbol=SYM, side="sell", type="limit",
        quantity=D("0.1"), price=D(160), stop_price=None, reduce_only=True, attempt=0,
        at=engine.clock.now()))
    (lost3, _) = [i.client_order_id for i in journal.open_intents() if i.user_id == "u3"]
    gates["u3"].fail[lost3] = ExchangeUnavailable("503 (test)")
    # u4's position closed on the exchange by someone else
    (p4,) = engine.positions("u4")
    engine.paper("u4").create_order(OrderRequest(
        symbol=SYM, side=OrderSide.SELL, type=OrderType.MARKET, quantity=p4.quantity,
        reduce_only=True, client_order_id="manual-close-u4"))
    # u5: an order with our prefix nobody journaled
    engine.paper("u5").create_order(OrderRequest(
        symbol=SYM, side=OrderSide.BUY, type=OrderType.LIMIT, quantity=D("0.1"),
        price=D(50), client_order_id="vzstray5"))
    (p1,) = engine.positions("u1")
    engine.runtime.positions.store.write(LEFTOVERS, {"schema_version": 1, "items": [
        {"user_id": "u1", "account_id": p1.account_id, "market_type": "futures",
         "position_id": "gone-u1", "symbol": SYM,
         "orders": [{"coid": "vzleft1a", "leg": "tp1r0", "filled": "0"},
                    {"coid": "vzleft1b", "leg": "tp2r0", "filled": "0"}]}]})

    runs = [engine.trading.reconciler.run_once()]
    engine.clock.advance(61)
    runs.append(engine.trading.reconciler.run_once())

    def summary(uid: str) -> list[Any]:
        positions = engine.positions(uid) + engine.runtime.positions.closed_positions(uid)
        return sorted((p.status.value, str(p.quantity), p.close_reason and p.close_reason.value,
                       sorted((o.leg, o.status.value) for o in p.orders)) for p in positions)

    outcomes = Counter(str(journal.outcome(c)) for g in gates.values() for c in g.received)
    flags = sorted((f["kind"], f["user_id"], f["client_order_id"])
                   for f in engine.trading.reconciler.flagged)
    sends = sorted(n for g in gates.values() for n in g.received.values())
    return [runs, {u: summary(u) for u in users}, outcomes, flags, sends,
            journal.outcome("vzneversent2"), len(journal.open_intents()),
            engine.runtime.positions.store.read_shared(LEFTOVERS)]


def test_the_parallel_pass_ends_where_the_sequential_one_does(tmp_path: Path) -> None:
    results = []
    for workers in (1, 16):
        engine = make_engine(tmp_path / f"w{workers}", ManualClock())
        try:
            engine.trading.reconciler = _reconciler(engine, workers)
            results.append(_scenario(engine))
        finally:
            engine.runtime.stop()
    sequential, parallel = results
    assert parallel == sequential
    first, second = sequential[0]
    assert (first["adopted"], first["unknown"], first["not_placed"]) == (7, 2, 0)
    assert (first["strays"], first["closed_outside"], first["leftovers"]) == (1, 1, 2)
    assert (second["adopted"], second["unknown"], second["not_placed"]) == (1, 0, 1)
    assert sequential[5] == "not_placed" and sequential[6] == 0


def test_one_worker_runs_on_the_callers_thread(engine: Engine) -> None:
    gates = _gated_engine(engine, ["u1", "u2"])
    for uid in gates:
        _lost_answers(engine, uid)
    threads: set[str] = set()
    real = Gate.fetch_order

    def spy(self: Gate, symbol: str, **kw: Any) -> OrderResult:
        threads.add(threading.current_thread().name)
        return real(self, symbol, **kw)

    for gate in gates.values():
        gate.fetch_order = spy.__get__(gate)  # type: ignore[method-assign]
    counts = _reconciler(engine, workers=1).run_once()
    assert counts["adopted"] == 4
    assert threads == {threading.current_thread().name}


def test_the_not_found_window_still_holds_when_accounts_run_at_once(engine: Engine) -> None:
    """Orders not (yet) visible stay unknown until the exchange has said "not found" for
    the whole window, whichever thread asks; then they are not placed, never re-sent."""
    gates = _gated_engine(engine, USERS)
    coids = {}
    for uid in USERS:
        (position,) = engine.positions(uid)
        coids[uid] = f"vzlag{uid}"
        engine.trading.intents.record_intent(Intent(
            client_order_id=coids[uid], user_id=uid, account_id=position.account_id,
            position_id=position.id, leg="tp9r0", symbol=SYM, side="sell", type="limit",
            quantity=D("0.1"), price=D(150), stop_price=None, reduce_only=True, attempt=0,
            at=engine.clock.now()))
    barrier = _arm(gates, "fetch_order")
    counts = engine.trading.reconciler.run_once()
    assert not barrier.broken
    assert (counts["unknown"], counts["not_placed"]) == (4, 0)
    engine.clock.advance(timedelta(seconds=59).total_seconds())
    assert engine.trading.reconciler.run_once()["unknown"] == 4
    engine.clock.advance(1)
    counts = engine.trading.reconciler.run_once()
    assert (counts["unknown"], counts["not_placed"]) == (0, 4)
    assert all(gate.received[coids[uid]] == 0 for uid, gate in gates.items())
