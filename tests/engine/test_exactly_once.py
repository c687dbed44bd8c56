"""Exactly-once orders under exchange faults, the kill switch mid fan-out, and crashes at every
step of an order's life."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from tests.engine.conftest import Engine, attach
from verzek.clock import ManualClock
from verzek.config import load_settings
from verzek.domain.models import OrderType, PositionStatus, SignalSource
from verzek.exchanges.faults import FaultyExchange
from verzek.runtime import build_runtime

SYM = "ETH/USDT:USDT"
SIGNAL = "#ETH/USDT LONG\nEntry: 100\nTargets: 104 - 108\nStop: 91\nLeverage 10x"


def _everything_on_the_exchange(engine: Engine) -> dict[str, int]:
    """client order id -> times it exists across every paper account's book."""
    counts: dict[str, int] = {}
    for _rel, doc in engine.runtime.store.iter_docs("paper"):
        for coid in doc["orders"]:
            counts[coid] = counts.get(coid, 0) + 1
    return counts


def _tracked(engine: Engine) -> set[str]:
    tracked: set[str] = set()
    for uid in engine.runtime.positions.user_ids():
        for p in engine.runtime.positions.open_positions(uid) + \
                engine.runtime.positions.closed_positions(uid):
            tracked |= {o.client_order_id for o in p.orders}
    return tracked


def test_fault_injecting_exchange_over_a_thousand_orders(engine: Engine) -> None:
    faulty: list[FaultyExchange] = []

    def wrap(inner):  # type: ignore[no-untyped-def]
        ex = FaultyExchange(inner, rate=0.3, clock=engine.clock, seed=len(faulty))
        faulty.append(ex)
        return ex

    engine.trading.pool.wrap = wrap
    engine.price(SYM, "100")
    for i in range(340):
        # the manual clock runs every worker's waits one after another: no staleness here
        engine.add_user(f"u{i:03d}", general={"auto_trade": True},
                        risk={"position_size_usdt": "100", "max_signal_age_s": 86400})
    result = engine.trading.submit_text(SIGNAL, SignalSource(kind="api"))
    assert len(result.decisions) == 340
    engine.clock.advance(120)  # past every visibility window
    engine.trading.reconciler.run_once()
    engine.trading.monitor.sync_orders()
    received = sum((f.received for f in faulty), start=__import__("collections").Counter())
    assert sum(received.values()) >= 1000, sum(received.values())
    assert sum(sum(f.injected.values()) for f in faulty) > 250
    assert max(received.values()) == 1  # no client order id reached the exchange twice
    on_exchange = _everything_on_the_exchange(engine)
    assert all(n == 1 for n in on_exchange.values())
    assert set(on_exchange) <= _tracked(engine)  # nothing on the exchange we do not track
    assert engine.trading.intents.open_intents() == []  # every intent resolved
    # an executed user holds exactly the entry; a failed one holds nothing and was told why
    outcomes = {d.user_id: d for d in result.decisions}
    for i in range(340):
        uid = f"u{i:03d}"
        held = [p.quantity for p in engine.positions(uid)]
        if outcomes[uid].outcome == "executed":
            assert held == [Decimal("1.000")], (uid, outcomes[uid])
        else:
            assert held == [] and outcomes[uid].code == "entry_failed", (uid, outcomes[uid])
    assert sum(d.outcome == "executed" for d in result.decisions) > 300


def test_kill_switch_mid_fan_out_stops_every_later_opening_send(engine: Engine) -> None:
    engine.price(SYM, "100")
    for i in range(200):
        engine.add_user(f"k{i:03d}", general={"auto_trade": True},
                        dca={"enabled": True, "max_safety_orders": 2})
    opening_after_flip: list[str] = []
    flipped = {"at": None}
    sends = {"n": 0}

    class Watch(FaultyExchange):
        def create_order(self, req):  # type: ignore[no-untyped-def]
            sends["n"] += 1
            if sends["n"] == 60 and flipped["at"] is None:
                flipped["at"] = sends["n"]
                engine.trading.set_kill_switch(active=True, reason="test",
                                               close_positions=False)
            elif flipped["at"] is not None and not req.reduce_only:
                opening_after_flip.append(req.client_order_id)
            return super().create_order(req)

    engine.trading.pool.wrap = lambda inner: Watch(inner, rate=0.0, clock=engine.clock)
    result = engine.trading.submit_text(SIGNAL, SignalSource(kind="api"))
    assert engine.trading.wait_enforced(60)
    assert flipped["at"] == 60
    # Every send asks safety at the moment of sending; only sends that had already asked
    # (at most one per other worker, in flight at the flip) may still reach the exchange.
    assert len(opening_after_flip) <= 7
    outcomes = [d.outcome for d in result.decisions]
    assert outcomes.count("executed") <= 60 + len(opening_after_flip)
    assert outcomes.count("executed") + outcomes.count("failed") + \
        outcomes.count("skipped") == 200
    # resting opening orders (DCA limits) were cancelled; only reduce-only protection rests
    for uid in engine.runtime.positions.user_ids():
        user = engine.runtime.users.get(uid)
        ex = engine.trading.pool.get(user, engine.trading.orchestrator._accounts_for(
            user, engine.trading.get_signal(result.signal_id).signal)[0])
        for order in ex.fetch_open_orders():
            assert order.type is not OrderType.LIMIT or order.client_order_id in {
                o.client_order_id for p in engine.positions(uid) for o in p.orders
                if o.reduce_only}


def _eth_call_in_chat(engine: Engine) -> None:
    """u1 (300 USDT a trade) follows an ETH long at 100 from chat -100, message 1."""
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "300"})
    engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nTargets: 104, 108\nStop: 91",
                               SignalSource(kind="telegram", chat_id=-100, message_id=1))


def test_channel_updates_close_cancel_target_and_move_stop(engine: Engine) -> None:
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "300"})
    src = SignalSource(kind="telegram", chat_id=-100, message_id=1)
    engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nTargets: 104, 108, 112\n"
                               "Stop: 91\n10x", src)
    engine.price(SYM, "102")
    reply = SignalSource(kind="telegram", chat_id=-100, message_id=2, reply_to_id=1)
    r = engine.trading.submit_text("SL moved to entry", reply)
    assert r.kind == "update"
    (p,) = engine.positions("u1")
    assert p.stop_loss == p.average_entry
    engine.price(SYM, "103")
    share = p.targets[0].quantity
    r = engine.trading.submit_text("ETH Target 1 reached ✅",
                                   SignalSource(kind="telegram", chat_id=-100, message_id=3))
    (p,) = engine.positions("u1")
    assert p.targets[0].hit and p.quantity == Decimal("3.000") - share
    r = engine.trading.submit_text("Close ETH now",
                                   SignalSource(kind="telegram", chat_id=-100, message_id=4))
    assert [d.outcome for d in r.decisions] == ["executed"]
    assert engine.positions("u1") == []
    # cancel before the entry filled: a limit entry below the market
    engine.add_user("u2", general={"auto_trade": True}, strategy={"entry_type": "limit"})
    engine.trading.submit_text("#ETH/USDT LONG\nEntry: 95 - 99\nTarget: 110\nStop: 91\n10x",
                               SignalSource(kind="telegram", chat_id=-200, message_id=1))
    (p2,) = engine.positions("u2")
    assert p2.quantity == 0
    engine.trading.submit_text("Signal cancelled", SignalSource(
        kind="telegram", chat_id=-200, message_id=2, reply_to_id=1))
    assert engine.positions("u2") == []
    (closed,) = engine.runtime.positions.closed_positions("u2")
    assert closed.close_reason.value == "cancelled"



def test_move_stop_to_a_target_uses_the_calls_target_price(engine: Engine) -> None:
    engine.price(SYM, "100")
    # a user whose own take profit is a percentage: "TP1" still means the call's target 1
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "300"},
                    strategy={"take_profit_mode": "percent", "take_profit_pct": "20"})
    src = SignalSource(kind="telegram", chat_id=-100, message_id=1)
    engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nTargets: 104, 108, 112\n"
                               "Stop: 91\n10x", src)
    engine.price(SYM, "109")
    r = engine.trading.submit_text("#ETH hit TP2, move stop to TP1",
                                   SignalSource(kind="telegram", chat_id=-100, message_id=2))
    assert r.kind == "update" and [d.outcome for d in r.decisions] == ["executed"]
    (p,) = engine.positions("u1")
    assert p.stop_loss == Decimal("104")
    stops = [o for o in p.orders if o.leg.startswith("sl") and o.status.value == "open"]
    assert [o.stop_price for o in stops] == [Decimal("104")]  # re-armed on the exchange
    r = engine.trading.submit_text("Move SL to TP5 on #ETH",
                                   SignalSource(kind="telegram", chat_id=-100, message_id=3))
    assert [(d.outcome, d.code) for d in r.decisions] == [("skipped", "no_target")]
    (p,) = engine.positions("u1")
    assert p.stop_loss == Decimal("104")



def test_a_follow_up_acts_only_on_its_own_chats_call_on_the_coin_it_names(
        engine: Engine) -> None:
    _eth_call_in_chat(engine)
    (p,) = engine.positions("u1")
    # another coin named in the same chat: not the chat's latest call (ETH)
    r = engine.trading.submit_text("Close BTC now",
                                   SignalSource(kind="telegram", chat_id=-100, message_id=2))
    # nothing is done, and the answer says why (no user named)
    assert r.kind == "update" and [(d.user_id, d.code) for d in r.decisions] == [("", "no_call")]
    # a reply to the ETH call that names another coin
    r = engine.trading.submit_text("SOL closed in profit", SignalSource(
        kind="telegram", chat_id=-100, message_id=3, reply_to_id=1))
    assert [(d.user_id, d.code) for d in r.decisions] == [("", "no_call")]
    # the same coin from another chat, which never called it
    r = engine.trading.submit_text("Close ETH now",
                                   SignalSource(kind="telegram", chat_id=-200, message_id=1))
    assert [(d.user_id, d.code) for d in r.decisions] == [("", "no_call")]
    assert [q.id for q in engine.positions("u1")] == [p.id]
    # an admin writing to the bot reaches a call from any source (as the API does)
    engine.price(SYM, "102")  # above the entry: the moved stop rests
    r = engine.trading.submit_text("Move SL to entry on #ETH", SignalSource(
        kind="bot", chat_id=4242, message_id=1))
    assert [d.outcome for d in r.decisions] == ["executed"]
    # the chat's own follow-up on its coin still closes it (another text: the same content
    # is deduplicated)
    r = engine.trading.submit_text("Close #ETH/USDT now",
                                   SignalSource(kind="telegram", chat_id=-100, message_id=4))
    assert [d.outcome for d in r.decisions] == ["executed"]
    assert engine.positions("u1") == []



def test_the_same_follow_up_text_under_another_call_is_not_a_duplicate(engine: Engine) -> None:
    engine.price(SYM, "100")
    engine.price("BTC/USDT:USDT", "60000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "300"})
    chat = -100
    engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nTargets: 104, 108\nStop: 91",
                               SignalSource(kind="telegram", chat_id=chat, message_id=1))
    engine.trading.submit_text("#BTC/USDT LONG\nEntry: 60000\nTargets: 61000, 62000\n"
                               "Stop: 59000",
                               SignalSource(kind="telegram", chat_id=chat, message_id=2))
    engine.price(SYM, "105")
    engine.price("BTC/USDT:USDT", "61500")
    first = engine.trading.submit_text("Target 1 ✅", SignalSource(
        kind="telegram", chat_id=chat, message_id=3, reply_to_id=1))
    second = engine.trading.submit_text("Target 1 ✅", SignalSource(
        kind="telegram", chat_id=chat, message_id=4, reply_to_id=2))
    assert first.kind == second.kind == "update"  # the second was dropped as a duplicate
    assert [d.outcome for d in first.decisions] == [d.outcome for d in second.decisions] == [
        "executed"]
    assert all(p.targets[0].hit for p in engine.positions("u1"))
    # the very same message delivered again (a re-delivery) is still a duplicate
    again = engine.trading.submit_text("Target 1 ✅", SignalSource(
        kind="telegram", chat_id=chat, message_id=4, reply_to_id=2))
    assert again.kind == "duplicate"


CRASH = """
import os, sys
from pathlib import Path
from tests.engine.conftest import make_engine, attach
from verzek.clock import ManualClock
from verzek.domain.models import SignalSource
import verzek.engine.executor as ex_mod
import verzek.engine.position_manager as pm_mod

step = sys.argv[2]
eng = make_engine(Path(sys.argv[1]), ManualClock())
eng.price("ETH/USDT:USDT", "100")
eng.add_user("u1", general={"auto_trade": True})

real_record = eng.trading.intents.record_intent
def record_intent(intent):
    real_record(intent)
    if step == "after-journal" and intent.leg == "entry": os._exit(9)
eng.trading.intents.record_intent = record_intent

real_outcome = eng.trading.intents.record_outcome
def record_outcome(coid, outcome, **kw):
    if step == "after-accept": os._exit(9)
    real_outcome(coid, outcome, **kw)
eng.trading.intents.record_outcome = record_outcome
real_placed = eng.trading.intents.record_placed
def record_placed(placed, **kw):
    if step == "after-accept" and placed: os._exit(9)
    real_placed(placed, **kw)
eng.trading.intents.record_placed = record_placed

def wrap(inner):
    real_create = inner.create_order
    def create(req):
        if step == "after-send" and req.client_order_id.startswith("vz"):
            # the request left; the exchange never answered it (it did not arrive)
            os._exit(9)
        return real_create(req)
    inner.create_order = create
    return inner
eng.trading.pool.wrap = wrap

real_save = eng.trading.manager.save
def save(position):
    out = real_save(position)
    if step == "after-record" and position.orders: os._exit(9)
    return out
eng.trading.manager.save = save
eng.trading.submit_text(sys.argv[3], SignalSource(kind="api"))
os._exit(0)
"""


def test_crash_at_every_step_of_an_order_then_restart(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    for step in ("after-journal", "after-send", "after-accept", "after-record"):
        data = tmp_path / step
        proc = subprocess.run([sys.executable, "-c", CRASH, str(data), step, SIGNAL],
                              cwd=root, capture_output=True, timeout=120)
        assert proc.returncode == 9, (step, proc.stderr.decode()[-2000:])
        clock = ManualClock()
        clock.advance(3600)
        settings = load_settings({"VERZEK_DATA_DIR": str(data / "data"),
                                  "VERZEK_PRICE_FEED": "sim", "VERZEK_PAPER_SLIPPAGE_PCT": "0"})
        runtime = build_runtime(settings, clock=clock, sleeper=clock.advance)
        eng = attach(runtime, clock)
        eng.price(SYM, "100")
        eng.trading.reconciler.run_once()
        eng.trading.resume_unfinished()
        eng.trading.monitor.sync_orders()
        on_exchange = _everything_on_the_exchange(eng)
        assert all(n == 1 for n in on_exchange.values()), step
        assert set(on_exchange) <= _tracked(eng), step
        assert eng.trading.intents.open_intents() == [], step
        entries = [c for c in on_exchange]
        positions = eng.positions("u1") + eng.runtime.positions.closed_positions("u1")
        filled = [p for p in positions if p.quantity > 0]
        # the entry that reached the exchange is in a position; none is lost, none doubled
        if step in ("after-accept", "after-record"):
            assert len(filled) == 1 and filled[0].quantity == Decimal("1.000"), step
        assert len(filled) <= 1, step
        assert entries or step in ("after-journal", "after-send")
        runtime.stop()


def test_a_partial_close_from_the_channel_reduces_and_reprotects_the_rest(
        engine: Engine) -> None:
    _eth_call_in_chat(engine)
    (p,) = engine.positions("u1")
    assert p.quantity == Decimal("3.000")
    engine.price(SYM, "102")
    r = engine.trading.submit_text("Book 50% profits on #ETH here",
                                   SignalSource(kind="telegram", chat_id=-100, message_id=2))
    assert r.kind == "update" and [d.outcome for d in r.decisions] == ["executed"]
    (p,) = engine.positions("u1")
    assert p.status is PositionStatus.PARTIALLY_CLOSED and p.quantity == Decimal("1.500")
    assert p.realised_pnl_usdt > 0  # 1.5 sold at 102, bought at 100, fees paid
    # what rests on the exchange covers exactly what is left
    paper = engine.paper("u1")
    open_orders = {o.client_order_id: o for o in paper.fetch_open_orders()}
    live = [o for o in p.orders if o.client_order_id in open_orders]
    assert sum(o.quantity for o in live if o.leg.startswith("tp")) == Decimal("1.500")
    assert [o.quantity for o in live if o.leg.startswith("sl")] == [Decimal("1.500")]
    # a second instruction closes its share of what is left, as a new order
    r = engine.trading.submit_text("Close half of #ETH now",
                                   SignalSource(kind="telegram", chat_id=-100, message_id=3))
    (p,) = engine.positions("u1")
    assert p.quantity == Decimal("0.750")
    assert sorted(o.leg for o in p.orders if o.leg.startswith("chan")) == [
        "chanpart1", "chanpart2"]
    # "close 100%" is a close
    r = engine.trading.submit_text("#ETH close 100% now",
                                   SignalSource(kind="telegram", chat_id=-100, message_id=4))
    assert engine.positions("u1") == []
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason.value == "channel"


def test_take_a_share_and_move_the_stop_does_both(engine: Engine) -> None:
    _eth_call_in_chat(engine)
    engine.price(SYM, "103")
    r = engine.trading.submit_text("Take 50% profit on #ETH and move SL to entry",
                                   SignalSource(kind="telegram", chat_id=-100, message_id=2))
    assert [d.outcome for d in r.decisions] == ["executed"]
    (p,) = engine.positions("u1")
    assert p.quantity == Decimal("1.500") and p.stop_loss == p.average_entry == Decimal("100")
    open_ids = {o.client_order_id for o in engine.paper("u1").fetch_open_orders()}
    (stop,) = [o for o in p.orders if o.leg.startswith("sl") and o.client_order_id in open_ids]
    assert (stop.stop_price, stop.quantity) == (Decimal("100"), Decimal("1.500"))


def test_a_partial_close_of_a_spot_position_sells_its_share_and_watches_the_rest(
        engine: Engine) -> None:
    engine.price("ETH/USDT", "100")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "300"})
    engine.trading.submit_text("#ETH/USDT BUY spot\nEntry: 100\nTarget: 110\nStop: 95",
                               SignalSource(kind="api"))
    (p,) = engine.positions("u1")
    assert p.market_type.value == "spot" and p.quantity == Decimal("3.0000")
    engine.price("ETH/USDT", "104")
    r = engine.trading.submit_text("Sell 1/3 of #ETH here", SignalSource(kind="api"))
    assert [d.outcome for d in r.decisions] == ["executed"]
    (p,) = engine.positions("u1")
    assert p.quantity == Decimal("2.0001")  # a third of 3, rounded down to the amount step
    (part,) = [o for o in p.orders if o.leg == "chanpart1"]
    assert not part.reduce_only and part.side.value == "sell"
    open_ids = {o.client_order_id for o in engine.paper("u1", "spot").fetch_open_orders()}
    (tp,) = [o for o in p.orders if o.leg.startswith("tp") and o.client_order_id in open_ids]
    assert tp.quantity == Decimal("2.0001")
    engine.tick("ETH/USDT", "94")  # the stop of what is left is still watched
    assert engine.positions("u1") == []


def test_a_refused_partial_close_on_spot_puts_the_take_profit_back(engine: Engine) -> None:
    from verzek.errors import InsufficientFunds

    engine.price("ETH/USDT", "100")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "300"})
    engine.trading.submit_text("#ETH/USDT BUY spot\nEntry: 100\nTarget: 110\nStop: 95",
                               SignalSource(kind="api"))
    paper = engine.paper("u1", "spot")
    real = paper.create_order

    def refuse_market(req):  # type: ignore[no-untyped-def]
        if req.type is OrderType.MARKET:
            raise InsufficientFunds("refused")
        return real(req)

    paper.create_order = refuse_market
    r = engine.trading.submit_text("Close 50% of #ETH now", SignalSource(kind="api"))
    assert [(d.outcome, d.code) for d in r.decisions] == [("failed", "close_failed")]
    (p,) = engine.positions("u1")
    assert p.quantity == Decimal("3.0000")
    open_ids = {o.client_order_id for o in paper.fetch_open_orders()}
    (tp,) = [o for o in p.orders if o.leg.startswith("tp") and o.client_order_id in open_ids]
    assert tp.quantity == Decimal("3.0000") and tp.price == Decimal("110")
