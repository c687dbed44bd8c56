"""An unanswered order is called "not placed" only once the exchange has answered "not found"
without a break for the whole visibility window: look-ups that failed (5xx, timeouts) for most
of the window since the intent restart it, and the restart is kept in the intent journal."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.engine.conftest import Engine
from verzek.clock import ManualClock
from verzek.domain.models import SignalSource
from verzek.engine.intents import NOT_PLACED, Intent, IntentJournal
from verzek.engine.notifier import EventKind
from verzek.errors import ExchangeUnavailable, NetworkError, OrderNotFound
from verzek.exchanges.base import OrderRequest, OrderResult
from verzek.exchanges.faults import FaultyExchange

D = Decimal
SYM = "ETH/USDT:USDT"


class Outage(FaultyExchange):
    """Takes the first opening order, then loses the answer; look-ups of it fail while
    `failing`, answer "not found" while `hidden`, and show it otherwise."""

    def __init__(self, inner: Any, **kw: Any) -> None:
        super().__init__(inner, rate=0.0, **kw)
        self.lost: list[str] = []
        self.failing = True
        self.hidden = True

    def create_order(self, req: OrderRequest) -> OrderResult:
        result = super().create_order(req)
        if not self.lost and not req.reduce_only:
            self.lost.append(req.client_order_id)
            raise NetworkError("read timeout after the order was sent (test)")
        return result

    def fetch_order(self, symbol: str, *, exchange_order_id: str | None = None,
                    client_order_id: str | None = None) -> OrderResult:
        if client_order_id in self.lost:
            if self.failing:
                raise ExchangeUnavailable("503 (test)")
            if self.hidden:
                raise OrderNotFound("not found (visibility lag, test)")
        return super().fetch_order(symbol, exchange_order_id=exchange_order_id,
                                   client_order_id=client_order_id)


def _lost_entry(engine: Engine) -> tuple[Outage, Intent]:
    made: list[Outage] = []

    def wrap(inner: Any) -> Outage:
        made.append(Outage(inner, clock=engine.clock))
        return made[-1]

    engine.trading.pool.wrap = wrap
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "100", "price_collar_pct": "50"})
    engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nTargets: 110\nStop: 91",
                               SignalSource(kind="telegram", chat_id=-1, message_id=1))
    (ex,) = made
    (coid,) = ex.lost
    (intent,) = [i for i in engine.trading.intents.open_intents() if i.client_order_id == coid]
    return ex, intent


def _at(engine: Engine, intent: Intent, seconds: float) -> None:
    """Move the clock to `seconds` after the intent was journaled."""
    engine.clock.advance((intent.at + timedelta(seconds=seconds) - engine.clock.now())
                         .total_seconds())


def _exchange_long(engine: Engine) -> Decimal:
    return sum((p.quantity for p in engine.paper("u1").fetch_positions([SYM])), D(0))


def _tracked_long(engine: Engine) -> Decimal:
    return sum((p.quantity for p in engine.positions("u1")), D(0))


def test_not_found_right_after_an_outage_is_not_taken_as_not_placed(engine: Engine) -> None:
    ex, intent = _lost_entry(engine)  # the send's own look-ups failed for its whole window
    assert engine.clock.now() - intent.at >= timedelta(seconds=59)
    reconciler = engine.trading.reconciler
    _at(engine, intent, 61)  # still failing: ours too
    assert reconciler.run_once()["unknown"] == 1
    ex.failing = False  # the exchange answers again, but does not show the order yet
    _at(engine, intent, 65)
    counts = reconciler.run_once()
    assert counts["not_placed"] == 0 and counts["unknown"] == 1
    assert engine.trading.intents.is_open(intent.client_order_id)
    assert len(engine.positions("u1")) == 1  # still waiting for its entry
    ex.hidden = False  # it shows up: it had filled
    _at(engine, intent, 122)
    assert reconciler.run_once()["adopted"] == 1
    assert _exchange_long(engine) == D(1) == _tracked_long(engine)
    assert engine.trading.intents.open_intents() == []


def test_not_found_for_a_whole_window_after_the_outage_is_not_placed(engine: Engine) -> None:
    ex, intent = _lost_entry(engine)
    reconciler = engine.trading.reconciler
    ex.failing = False
    _at(engine, intent, 65)  # the first "not found": the window starts here
    assert reconciler.run_once()["unknown"] == 1
    _at(engine, intent, 124)
    assert reconciler.run_once()["unknown"] == 1
    ex.failing = True  # a failed look-up in between restarts it
    _at(engine, intent, 126)
    assert reconciler.run_once()["unknown"] == 1
    ex.failing = False
    _at(engine, intent, 130)
    assert reconciler.run_once()["unknown"] == 1
    _at(engine, intent, 189)
    assert reconciler.run_once()["unknown"] == 1
    _at(engine, intent, 190)
    assert reconciler.run_once()["not_placed"] == 1
    assert engine.trading.intents.outcome(intent.client_order_id) == NOT_PLACED
    assert engine.positions("u1") == []
    # the user is told: the signal's decision had said "Entry placed … (unknown)"
    (told,) = engine.events.of_kind(EventKind.POSITION_CLOSED)  # one notice, saying why
    assert told.user_id == "u1" and "the entry was not placed" in told.message


def test_the_not_found_streak_survives_a_restart(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "orders.jsonl"
    journal = IntentJournal(path)
    t0 = clock.now()
    intent = Intent(client_order_id="vz-1", user_id="u1", account_id="a1", position_id="p1",
                    leg="entry0", symbol=SYM, side="buy", type="market", quantity=D(1),
                    price=None, stop_price=None, reduce_only=False, attempt=0, at=t0)
    journal.record_intent(intent)
    journal.record_intent(replace(intent, client_order_id="vz-2"))
    journal.record_lookup_failed("vz-1", at=t0 + timedelta(seconds=30))
    first = t0 + timedelta(seconds=62)
    assert journal.record_not_found("vz-1", at=first) == first
    assert journal.record_not_found("vz-1", at=first + timedelta(seconds=5)) == first
    journal.close()

    reopened = IntentJournal(path)
    # a crash left vz-2 with nothing known of it: its window runs from the intent
    assert reopened.record_not_found("vz-2", at=t0 + timedelta(seconds=70)) == t0
    assert reopened.record_not_found("vz-1", at=t0 + timedelta(seconds=90)) == first
    reopened.record_lookup_failed("vz-1", at=t0 + timedelta(seconds=95))
    reopened.close()

    again = IntentJournal(path)  # the failure ended the streak: the next answer starts one
    later = t0 + timedelta(seconds=99)
    assert again.record_not_found("vz-1", at=later) == later
    again.record_outcome("vz-1", NOT_PLACED, at=later)
    again.close()
    assert [i.client_order_id for i in IntentJournal(path).open_intents()] == ["vz-2"]


def test_a_send_whose_own_look_ups_failed_keeps_its_window_across_a_restart(
        engine: Engine) -> None:
    """The executor's look-ups failed until it gave up (outcome unknown), then the process
    restarted before reconciliation ever asked: the first "not found" after the restart
    starts the window; it is not counted from the intent's time."""
    _, intent = _lost_entry(engine)
    path = engine.trading.intents._journal.path
    after_restart = IntentJournal(path)
    first = intent.at + timedelta(seconds=70)
    assert after_restart.record_not_found(intent.client_order_id, at=first) == first
    later = first + timedelta(seconds=30)
    assert after_restart.record_not_found(intent.client_order_id, at=later) == first
    after_restart.close()
