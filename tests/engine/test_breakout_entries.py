"""Breakout entries ("LONG above 105"): nothing is sent until the price crosses; then a market
entry, protected like any other; a wait that outlives its time, or a cancel, closes it."""

from __future__ import annotations

from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import CloseReason, PositionStatus, SignalSource
from verzek.engine.notifier import EventKind

D = Decimal
SYM = "ETH/USDT:USDT"
CALL = "#ETH/USDT LONG above 105\nTargets: 110 - 115\nStop: 100"


def _open(engine: Engine, price: str, text: str = CALL, **strategy: object) -> object:
    engine.price(SYM, price)
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "210"},
                    strategy=strategy)
    (decision,) = engine.trading.submit_text(text, SignalSource(kind="api")).decisions
    return decision


def test_the_entry_waits_for_the_cross_then_enters_at_market_and_protects(
        engine: Engine) -> None:
    decision = _open(engine, "100")
    assert (decision.outcome, decision.code) == ("executed", "entry_waiting")  # type: ignore
    assert "above 105" in decision.reason  # type: ignore[attr-defined]
    (p,) = engine.positions("u1")
    assert p.status is PositionStatus.PENDING and p.orders == []
    assert engine.paper("u1").fetch_open_orders() == []
    engine.tick(SYM, "104.9")
    (p,) = engine.positions("u1")
    assert p.status is PositionStatus.PENDING and p.orders == []
    engine.tick(SYM, "105.5")
    (p,) = engine.positions("u1")
    assert p.status is PositionStatus.OPEN
    assert p.quantity == D("2.000")  # 210 USDT at the trigger price 105
    assert p.average_entry == D("105.5") and p.extra["first_entry"] == "105.5"
    legs = sorted(o.leg for o in p.orders)
    assert legs == ["entry", "slr0", "tp1r0", "tp2r0"]
    # the next pass sends nothing more
    engine.tick(SYM, "106")
    (again,) = engine.positions("u1")
    assert sorted(o.leg for o in again.orders) == legs


def test_a_breakout_already_under_way_enters_now(engine: Engine) -> None:
    decision = _open(engine, "106")
    assert (decision.outcome, decision.code) == ("executed", "executed")  # type: ignore
    (p,) = engine.positions("u1")
    assert p.status is PositionStatus.OPEN and "entry_trigger" not in p.extra


def test_a_short_below_waits_for_the_price_to_fall(engine: Engine) -> None:
    decision = _open(engine, "98", "#ETH/USDT SHORT below 95\nTarget: 90\nStop: 99")
    assert decision.code == "entry_waiting"  # type: ignore[attr-defined]
    engine.tick(SYM, "96")
    assert engine.positions("u1")[0].orders == []
    engine.tick(SYM, "94.5")
    (p,) = engine.positions("u1")
    assert p.status is PositionStatus.OPEN and p.side.value == "short"


def test_a_wait_past_its_time_is_cancelled_and_sends_nothing(engine: Engine) -> None:
    _open(engine, "100", trigger_entry_ttl_h=2)
    engine.clock.advance(3600)
    engine.tick(SYM, "101")
    assert engine.positions("u1")[0].status is PositionStatus.PENDING
    engine.clock.advance(3600)
    engine.tick(SYM, "101")
    assert engine.positions("u1") == []
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason is CloseReason.CANCELLED and closed.orders == []
    engine.tick(SYM, "106")  # crossing later opens nothing
    assert engine.positions("u1") == [] and engine.paper("u1").fetch_open_orders() == []


def test_the_channels_cancel_ends_the_wait(engine: Engine) -> None:
    _open(engine, "100")
    r = engine.trading.submit_text("#ETH signal cancelled", SignalSource(kind="api"))
    assert [d.outcome for d in r.decisions] == ["executed"]
    assert engine.positions("u1") == []
    engine.tick(SYM, "106")
    assert engine.paper("u1").fetch_open_orders() == []


def test_the_kill_switch_at_the_cross_sends_nothing_and_ends_the_wait(engine: Engine) -> None:
    _open(engine, "100")
    engine.trading.set_kill_switch(active=True, reason="test", close_positions=False)
    # enforcement holds the user's lock on its thread; the monitor skips a busy user
    assert engine.trading.wait_enforced()
    engine.tick(SYM, "106")
    assert engine.positions("u1") == []
    (closed,) = engine.runtime.positions.closed_positions("u1")
    # ended by the kill switch, as a switch that closes positions says too
    assert closed.close_reason is CloseReason.KILL_SWITCH
    assert closed.extra["entry_cancelled"] == "the kill switch is on"
    assert all(o.status.value != "filled" for o in closed.orders)


def test_an_entry_accepted_but_unanswered_is_looked_up_never_sent_again(
        engine: Engine) -> None:
    from verzek.errors import TransientExchangeError

    _open(engine, "100")
    paper = engine.paper("u1")
    real = paper.create_order
    sent: list[str] = []

    def lost_answer(req):  # type: ignore[no-untyped-def]
        sent.append(req.client_order_id)
        real(req)  # the exchange takes it; the answer never arrives
        raise TransientExchangeError("connection reset after send")

    paper.create_order = lost_answer
    engine.tick(SYM, "106")
    paper.create_order = real
    for _ in range(3):
        engine.clock.advance(60)
        engine.tick(SYM, "106")
        engine.trading.monitor.sync_orders()
    (p,) = engine.positions("u1")
    assert len(sent) == len(set(sent))  # every order (entry, then its protection) sent once
    (entry,) = [o for o in p.orders if o.leg == "entry"]
    assert sent.count(entry.client_order_id) == 1
    assert p.status is PositionStatus.OPEN and p.quantity == D("2.000")


def test_a_restart_keeps_the_wait(engine: Engine) -> None:
    """Reconciliation cleans pending positions whose entries all failed; a breakout still
    waiting has sent nothing on purpose and must survive it (and fire after)."""
    _open(engine, "100")
    counts = engine.trading.reconciler.run_once()
    assert counts["cleaned"] == 0
    (p,) = engine.positions("u1")
    assert p.status is PositionStatus.PENDING and "entry_trigger" in p.extra
    engine.tick(SYM, "106")
    assert engine.positions("u1")[0].status is PositionStatus.OPEN


def test_a_gap_far_past_the_trigger_is_not_chased(engine: Engine) -> None:
    """The price collar (5 % by default) measured from the trigger: a jump from 100 to 111
    past a trigger at 105 buys nothing; up to 110.25 it still enters."""
    _open(engine, "100")
    engine.tick(SYM, "111")
    assert engine.positions("u1") == []
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason is CloseReason.CANCELLED and closed.orders == []
    assert engine.paper("u1").fetch_open_orders() == []


def test_a_cross_within_the_collar_still_enters(engine: Engine) -> None:
    _open(engine, "100", "#ETH/USDT LONG above 105\nTargets: 120 - 125\nStop: 100")
    engine.tick(SYM, "110.25")
    (p,) = engine.positions("u1")
    assert p.status is PositionStatus.OPEN and p.average_entry == D("110.25")


def test_a_pause_at_the_cross_holds_the_wait_and_it_fires_once_lifted(engine: Engine) -> None:
    _open(engine, "100")
    engine.trading.set_pause(paused=True, until=None, reason="news", user_id="u1")
    engine.tick(SYM, "105.5")
    (p,) = engine.positions("u1")
    assert p.status is PositionStatus.PENDING and p.orders == []  # held, not cancelled
    engine.trading.set_pause(paused=False, until=None, reason="", user_id="u1")
    engine.tick(SYM, "105.6")
    (p,) = engine.positions("u1")
    assert p.status is PositionStatus.OPEN and p.average_entry == D("105.6")


def test_a_wait_held_by_a_pause_still_ends_at_its_time(engine: Engine) -> None:
    _open(engine, "100", trigger_entry_ttl_h=1)
    engine.trading.set_pause(paused=True, until=None, reason="news", user_id="u1")
    engine.tick(SYM, "105.5")
    assert engine.positions("u1")[0].status is PositionStatus.PENDING
    engine.clock.advance(3601)
    engine.tick(SYM, "105.5")
    assert engine.positions("u1") == []
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason is CloseReason.CANCELLED and closed.orders == []
    engine.trading.set_pause(paused=False, until=None, reason="", user_id="u1")
    engine.tick(SYM, "105.6")
    assert engine.paper("u1").fetch_open_orders() == [] and engine.positions("u1") == []


def test_the_daily_loss_limit_reached_while_waiting_cancels_the_entry(engine: Engine) -> None:
    other = "BTC/USDT:USDT"
    engine.price(other, "100")
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "1000", "max_daily_loss_pct": "1"})
    (waiting,) = engine.trading.submit_text(CALL, SignalSource(kind="api")).decisions
    assert waiting.code == "entry_waiting"
    # another trade of the day loses about 150 USDT of 10,000: past the 1% limit
    engine.trading.submit_text("#BTC/USDT LONG\nEntry: 100\nTarget: 150\nStop: 91",
                               SignalSource(kind="api"))
    engine.tick(other, "85")
    assert [p.symbol for p in engine.positions("u1")] == [SYM]
    engine.tick(SYM, "105.5")
    assert engine.positions("u1") == []
    (closed,) = [p for p in engine.runtime.positions.closed_positions("u1") if p.symbol == SYM]
    assert closed.close_reason is CloseReason.CANCELLED and closed.orders == []
    pause = engine.trading.safety.status("u1")["pause"]
    assert pause["active"] and pause["set_by"] == "limit"  # the limit's, not the user's
    (skipped,) = [e for e in engine.events.of_kind(EventKind.SIGNAL_SKIPPED)
                  if e.data.get("position_id") == closed.id]
    assert skipped.data["code"] == "max_daily_loss" and "Breakout entry" in skipped.message


def test_the_kill_switch_ends_a_wait_at_once_and_lifting_it_brings_nothing_back(
        engine: Engine) -> None:
    _open(engine, "100")
    engine.trading.set_kill_switch(active=True, reason="incident", close_positions=False)
    assert engine.trading.wait_enforced()
    assert engine.positions("u1") == []  # ended when flipped, not at a later cross
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason is CloseReason.KILL_SWITCH and closed.orders == []
    engine.trading.set_kill_switch(active=False, reason="over", close_positions=False)
    engine.tick(SYM, "106")
    assert engine.positions("u1") == [] and engine.paper("u1").fetch_open_orders() == []
