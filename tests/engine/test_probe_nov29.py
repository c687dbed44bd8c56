"""Realistic calls meeting realistic settings: a call the market has moved through, a call
written inconsistently through the API, an order the exchange's step rounds below its minimum
value, and an order beyond what the account can spend now. Each is skipped with a sentence
before any order is sent, rather than opened and closed at once or refused by the exchange."""

from __future__ import annotations

from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import Side, Signal, SignalSource
from verzek.engine.notifier import EventKind

LONG = """#ETH/USDT LONG
Entry: 100
Targets: 102 - 106
Stop Loss: 97
Leverage: 10x"""


def _nothing_traded(engine: Engine, user_id: str, market: str = "futures") -> None:
    assert engine.positions(user_id) == []
    assert engine.runtime.positions.closed_positions(user_id) == []
    assert engine.paper(user_id, market).fetch_open_orders() == []
    kinds = {e.kind for e in engine.events.events if e.user_id == user_id}
    assert kinds == {EventKind.SIGNAL_SKIPPED}, kinds


def test_a_market_entry_past_target_1_is_skipped(engine: Engine) -> None:
    """Entering at 102.5 a long whose target 1 is 102 sold target 1 below the entry and
    closed the rest at breakeven: two fees for nothing."""
    engine.price("ETH/USDT:USDT", "102.5")
    engine.add_user("u1", general={"auto_trade": True})
    (decision,) = engine.trading.submit_text(LONG, SignalSource()).decisions
    assert decision.outcome == "skipped" and decision.code == "target_passed"
    assert "already reached target 1 (102)" in decision.reason
    _nothing_traded(engine, "u1")


def test_a_limit_entry_past_the_stop_is_skipped(engine: Engine) -> None:
    """A short's limit entry clamped to the market at 103.5, above its stop at 103: it filled
    and was stopped out at once."""
    engine.price("ETH/USDT:USDT", "103.5")
    engine.add_user("u1", general={"auto_trade": True}, strategy={"entry_type": "limit"})
    (decision,) = engine.trading.submit_text(
        "#ETH/USDT SHORT\nEntry: 100\nTargets: 98 - 94\nStop Loss: 103\n10x",
        SignalSource()).decisions
    assert decision.outcome == "skipped" and decision.code == "stop_passed"
    assert "past the stop loss 103" in decision.reason
    _nothing_traded(engine, "u1")


def test_a_spot_entry_past_the_stop_is_skipped(engine: Engine) -> None:
    engine.price("ETH/USDT", "96.5")
    engine.add_user("u1", general={"auto_trade": True})
    (decision,) = engine.trading.submit_text(LONG + "\nSpot", SignalSource()).decisions
    assert decision.outcome == "skipped" and decision.code == "stop_passed"
    _nothing_traded(engine, "u1", "spot")


def test_a_resting_entry_kept_past_a_target_still_rests(engine: Engine) -> None:
    """A user who keeps resting entries once target 1 is reached gets the limit order."""
    engine.price("ETH/USDT:USDT", "102.5")
    engine.add_user("u1", general={"auto_trade": True},
                    strategy={"entry_type": "limit", "cancel_entry_at_target": False})
    (decision,) = engine.trading.submit_text(LONG, SignalSource()).decisions
    assert decision.outcome == "executed"
    (p,) = engine.positions("u1")
    assert [(o.leg, o.price) for o in p.orders] == [("entry", Decimal("100"))]


def test_own_percent_targets_do_not_look_at_the_calls_target_1(engine: Engine) -> None:
    engine.price("ETH/USDT:USDT", "102.5")
    engine.add_user("u1", general={"auto_trade": True},
                    strategy={"take_profit_mode": "percent", "take_profit_pct": "2"})
    (decision,) = engine.trading.submit_text(LONG, SignalSource()).decisions
    assert decision.outcome == "executed"
    (p,) = engine.positions("u1")
    assert p.average_entry == Decimal("102.5")


def test_a_structured_call_with_its_exits_on_the_wrong_side_is_refused(engine: Engine) -> None:
    """The API takes a Signal the text parser would have refused: a long's stop above its
    entry was opened and stopped out at once, a long's target below it closed at a loss. It
    is recorded as noise with the parser's reason, like the same call written as text."""
    engine.price("ETH/USDT:USDT", "3000")
    engine.add_user("u1", general={"auto_trade": True})
    base = dict(symbol="ETH/USDT", side=Side.LONG, entries=[Decimal(3000)], leverage=5)
    cases = [({"targets": [Decimal(3100)], "stop_loss": Decimal(3050)}, "stop loss 3050"),
             ({"targets": [Decimal(2900)], "stop_loss": Decimal(2800)}, "target 2900"),
             ({"targets": [Decimal(3200), Decimal(3100)], "stop_loss": Decimal(2900)},
              "targets out of order")]
    for fields, reason in cases:
        signal = Signal(**base, **fields)  # type: ignore[arg-type]
        result = engine.trading.submit_signal(signal, SignalSource())
        assert result.kind == "noise" and result.decisions == []
        assert result.invalid_reason is not None and reason in result.invalid_reason
        assert engine.trading.get_signal(result.signal_id).invalid_reason == \
            result.invalid_reason
    assert engine.positions("u1") == []
    assert engine.paper("u1").fetch_open_orders() == []


def test_an_order_rounded_below_the_minimum_value_is_skipped(engine: Engine) -> None:
    """5 USDT of ETH at 3000 is 0.001 ETH on the 0.001 step, worth 3 USDT: the exchange
    refused it and the user read "failed: the entry order was not placed (rejected)"."""
    engine.price("ETH/USDT:USDT", "3000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "5"})
    (decision,) = engine.trading.submit_text(
        "#ETH/USDT LONG\nEntry: 3000\nTarget: 3100\nStop: 2900\n5x", SignalSource()).decisions
    assert decision.outcome == "skipped" and decision.code == "below_min_notional"
    assert "worth 3.000 USDT" in decision.reason and "raise the position size" in decision.reason
    _nothing_traded(engine, "u1")


def test_split_entry_pieces_below_the_minimum_value_are_skipped(engine: Engine) -> None:
    engine.price("ETH/USDT:USDT", "3000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "12"},
                    strategy={"entry_type": "split", "split_entries": 3})
    (decision,) = engine.trading.submit_text(
        "#ETH/USDT LONG\nEntry: 3000 - 2950\nTarget: 3100\nStop: 2900\n5x",
        SignalSource()).decisions
    assert decision.outcome == "skipped" and decision.code == "below_min_notional"
    assert "An order of 4 USDT" in decision.reason
    _nothing_traded(engine, "u1")


def test_a_short_too_small_says_it_sells(engine: Engine) -> None:
    engine.price("BTC/USDT:USDT", "65000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "20"})
    (decision,) = engine.trading.submit_text(
        "#BTC/USDT SHORT\nEntry: 65000\nTarget: 64000\nStop: 66000", SignalSource()).decisions
    assert decision.code == "below_minimum" and "20 USDT sells 0 BTC" in decision.reason


def test_split_entry_pieces_that_round_to_nothing_are_fewer_pieces(engine: Engine) -> None:
    """100 USDT in 3 pieces of BTC at 64,000 is 0.0005 BTC a piece, 0 on the 0.001 step: the
    entry failed with an internal error (a quantity of 0), and the breaker counted it."""
    engine.price("BTC/USDT:USDT", "65000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"},
                    strategy={"entry_type": "split", "split_entries": 3})
    (decision,) = engine.trading.submit_text(
        "#BTC/USDT LONG\nEntry: 64800 - 64000\nTarget: 67000\nStop: 62500",
        SignalSource()).decisions
    assert decision.outcome == "executed", decision
    (position,) = engine.positions("u1")
    entries = [o for o in position.orders if o.leg.startswith("entry")]
    assert [(o.leg, o.quantity) for o in entries] == [("entry1", Decimal("0.001"))]
    assert engine.trading.safety.status()["user_breakers"].get("u1", {}).get(
        "results", []) == []


def test_an_order_beyond_the_free_balance_is_skipped(engine: Engine) -> None:
    """The margin was checked against the total balance, which counts the margin open
    positions hold: the second position's entry was refused by the exchange."""
    engine.price("ETH/USDT:USDT", "3000")
    engine.price("BTC/USDT:USDT", "65000")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "40000", "max_leverage": 5})
    (first,) = engine.trading.submit_text(
        "#ETH/USDT LONG\nEntry: 3000\nTarget: 3100\nStop: 2900\n5x", SignalSource()).decisions
    assert first.outcome == "executed"
    (second,) = engine.trading.submit_text(
        "#BTC/USDT LONG\nEntry: 65000\nTarget: 66000\nStop: 64000\n5x",
        SignalSource()).decisions
    assert second.outcome == "skipped" and second.code == "insufficient_capital"
    assert "needs 8000.00 USDT of margin" in second.reason
    assert "is held by open positions and orders" in second.reason
    assert [p.symbol for p in engine.positions("u1")] == ["ETH/USDT:USDT"]
    assert not engine.events.of_kind(EventKind.ATTENTION)


def test_a_spot_order_of_the_whole_balance_leaves_room_for_its_fee(engine: Engine) -> None:
    engine.price("ETH/USDT", "3000")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_mode": "percent", "position_size_pct": "100"})
    (decision,) = engine.trading.submit_text(
        "#ETH/USDT LONG\nEntry: 3000\nTarget: 3100\nStop: 2900\nSpot", SignalSource()).decisions
    assert decision.outcome == "skipped" and decision.code == "insufficient_capital"
    assert "costs 10000.00 USDT plus 10.00 USDT of fees" in decision.reason
    _nothing_traded(engine, "u1", "spot")


def test_a_second_call_on_an_open_symbol_joins_at_the_open_positions_leverage(
        engine: Engine) -> None:
    """The exchange holds one leverage per symbol: "ETH LONG 5x" then "ETH LONG 10x" was
    skipped (leverage_not_set) on paper and would have moved the first position to 10x live."""
    engine.price("ETH/USDT:USDT", "100")
    engine.add_user("u1", general={"auto_trade": True}, risk={"max_leverage": 20})
    first = engine.trading.submit_text(LONG.replace("10x", "5x"), SignalSource(kind="api"))
    assert [d.outcome for d in first.decisions] == ["executed"], first.decisions
    second = engine.trading.submit_text(LONG.replace("Entry: 100", "Entry: 100.5"),
                                        SignalSource(kind="api"))
    assert [d.outcome for d in second.decisions] == ["executed"], second.decisions
    assert sorted(p.leverage for p in engine.positions("u1")) == [5, 5]


def test_a_demo_price_set_for_the_spot_symbol_moves_the_perpetual_too(engine: Engine) -> None:
    """`PUT /api/demo/prices {"BTC/USDT": 65000}` left the futures demo users trade at the
    bundled snapshot's price: their call at 65000 was skipped as far from the market."""
    engine.add_user("u1", general={"auto_trade": True})
    engine.trading.set_demo_prices({"ETH/USDT": Decimal(100)})
    result = engine.trading.submit_text(LONG, SignalSource(kind="api"))
    assert [d.outcome for d in result.decisions] == ["executed"], result.decisions
    (position,) = engine.positions("u1")
    assert position.symbol == "ETH/USDT:USDT"


def test_a_close_refused_because_the_exchange_holds_nothing_settles_the_position(
        engine: Engine) -> None:
    """A reduce-only close the exchange refuses because it holds none of the position (closed
    outside us, or a late fill another order of ours sold already) settles the position at the
    market price: it is never left open for quantity the exchange does not hold."""
    from verzek.domain.models import CloseReason, OrderSide, OrderType
    from verzek.exchanges.base import OrderRequest

    engine.price("ETH/USDT:USDT", "100")
    engine.add_user("u1", general={"auto_trade": True})
    engine.trading.submit_text(LONG, SignalSource(kind="api"))
    (position,) = engine.positions("u1")
    paper = engine.paper("u1")
    for order in paper.fetch_open_orders():  # the user closes it on the exchange's own site
        paper.cancel_order(order.symbol, client_order_id=order.client_order_id)
    paper.create_order(OrderRequest(symbol="ETH/USDT:USDT", side=OrderSide.SELL,
                                    type=OrderType.MARKET, quantity=position.quantity,
                                    client_order_id="by-hand-1", reduce_only=True))
    engine.price("ETH/USDT:USDT", "101")
    closed = engine.trading.close_position("u1", position.id)
    assert closed.status.value == "closed" and closed.close_reason is CloseReason.MANUAL
    assert engine.positions("u1") == []
    told = [e for e in engine.events.of_kind(EventKind.ATTENTION) if e.user_id == "u1"]
    assert any("holds no long ETH/USDT:USDT" in e.message for e in told), told
