"""The same trade in other words within the hour is one call: the text of a call and then the
same call as structured fields (an admin's JSON, a TradingView alert template), or the call
cross-posted reworded, traded twice for every user. The same prices hours later are a new
call."""

from __future__ import annotations

from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import Side, Signal, SignalSource

SYM = "ETH/USDT:USDT"
TEXT = "#ETH/USDT LONG\nEntry: 100\nTargets: 104 108\nStop: 92\nLeverage 10x"
D = Decimal


def _structured() -> Signal:
    return Signal(symbol="ETH/USDT", side=Side.LONG, entries=[D("100")],
                  targets=[D("104"), D("108")], stop_loss=D("92"), leverage=10)


def test_a_call_as_text_then_as_fields_trades_once(engine: Engine) -> None:
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True})
    first = engine.trading.submit_text(TEXT, SignalSource(kind="api"))
    assert [d.outcome for d in first.decisions] == ["executed"]
    engine.clock.advance(20 * 60)
    again = engine.trading.submit_signal(_structured(), SignalSource(kind="webhook"))
    assert (again.kind, again.signal_id, again.decisions) == ("duplicate", first.signal_id, [])
    reworded = engine.trading.submit_text(
        "🚀 ETH/USDT — long\nBuy 100\nTP1 104 | TP2 108\nSL 92\n10x", SignalSource(kind="api"))
    assert (reworded.kind, reworded.signal_id) == ("duplicate", first.signal_id)
    assert len(engine.positions("u1")) == 1


def test_the_hour_after_still_counts_and_hours_later_is_a_new_call(engine: Engine) -> None:
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True})
    first = engine.trading.submit_signal(_structured(), SignalSource(kind="api"))
    assert [d.outcome for d in first.decisions] == ["executed"]
    engine.clock.advance(59 * 60)  # into the next clock hour whatever the start
    assert engine.trading.submit_text(TEXT, SignalSource(kind="api")).kind == "duplicate"
    engine.clock.advance(3 * 3600)  # (the very same words are a cross-post for days)
    later = engine.trading.submit_text("ETH long again\nEntry 100\nTP 104, 108\nSL 92\n10x",
                                       SignalSource(kind="api"))
    assert later.kind == "signal" and later.signal_id != first.signal_id


def test_other_prices_are_another_call(engine: Engine) -> None:
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True})
    engine.trading.submit_text(TEXT, SignalSource(kind="api"))
    other = engine.trading.submit_signal(_structured().model_copy(update={"stop_loss": D("91")}),
                                         SignalSource(kind="api"))
    assert other.kind == "signal"


def test_a_market_call_with_exits_in_percent_is_not_kept_as_the_same_call(
        engine: Engine) -> None:
    """It names no price: the same trade in other words an hour later is a new entry at
    another price, not a duplicate."""
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True})
    first = engine.trading.submit_text("#ETH/USDT LONG\nEntry: market\nTP 2%\nSL 1%\n10x",
                                       SignalSource(kind="api"))
    assert first.kind == "signal"
    engine.clock.advance(40 * 60)
    again = engine.trading.submit_text("#ETH/USDT LONG\nEntry: CMP\nTarget: 2%\nStop: 1%\n"
                                       "Leverage 10x", SignalSource(kind="api"))
    assert again.kind == "signal"


def test_repeats_do_not_stretch_the_window(engine: Engine) -> None:
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True})
    engine.trading.submit_text(TEXT, SignalSource(kind="api"))
    engine.clock.advance(70 * 60)  # the next clock hour (the clock starts on the hour)
    assert engine.trading.submit_signal(_structured(), SignalSource(kind="api")).kind == \
        "duplicate"
    engine.clock.advance(70 * 60)  # the hour after that: the call's hour is past
    later = engine.trading.submit_text("ETH long once more\nEntry 100\nTP 104, 108\nSL 92\n10x",
                                       SignalSource(kind="api"))
    assert later.kind == "signal"


def test_the_leverage_and_the_perpetuals_name_do_not_make_another_call(engine: Engine) -> None:
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True})
    first = engine.trading.submit_text("#ETH/USDT LONG\nEntry: 100\nTargets: 104 108\nStop: 92",
                                       SignalSource(kind="api"))
    assert first.kind == "signal"
    again = engine.trading.submit_signal(_structured().model_copy(update={
        "symbol": "ETH/USDT:USDT", "leverage": 5}), SignalSource(kind="api"))
    assert (again.kind, again.signal_id) == ("duplicate", first.signal_id)
    assert len(engine.positions("u1")) == 1


def test_a_call_corrected_to_another_leverage_is_traded(engine: Engine) -> None:
    """"8x" after the same call at "10x" was skipped (its stop beyond the liquidation) is the
    channel's correction, not a duplicate; one naming no leverage after either is one."""
    engine.price(SYM, "3000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "300"})
    call = "#ETH/USDT LONG\nEntry: 3000\nTargets: 3300\nStop: 2650\n{}"
    (first,) = engine.trading.submit_text(call.format("10x"), SignalSource(kind="api")).decisions
    assert first.code == "stop_beyond_liquidation"
    (fixed,) = engine.trading.submit_text(call.format("8x"), SignalSource(kind="api")).decisions
    assert fixed.outcome == "executed", fixed.reason
    bare = engine.trading.submit_text(call.format("(cross-post)"), SignalSource(kind="api"))
    assert bare.kind == "duplicate"
