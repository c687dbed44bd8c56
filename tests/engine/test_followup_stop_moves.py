"""A channel's stop move is never one that closes the position at once: a new stop the market
is already past (a long's at or above the price, a short's at or below) is not applied, the old
stop stays, and the decision and the user's notice say why. Before, the decision said "stop
moved", the exchange refused the stop as "would trigger immediately" and the engine sold at
market, at a loss."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.engine.conftest import Engine
from verzek.domain.models import CloseReason, PositionStatus, SignalSource
from verzek.engine.notifier import EventKind

D = Decimal
SYM = "ETH/USDT:USDT"
LONG = "#ETH/USDT LONG\nEntry: 3000\nTargets: 3060 3120 3180\nStop: 2900"
SHORT = "#ETH/USDT SHORT\nEntry: 3000\nTargets: 2940 2880 2820\nStop: 3100"


def _open(engine: Engine, text: str = LONG) -> Any:
    engine.price(SYM, "3000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    (decision,) = engine.trading.submit_text(text, SignalSource(kind="api")).decisions
    assert decision.outcome == "executed", decision
    (p,) = engine.positions("u1")
    return p


def _follow(engine: Engine, text: str) -> Any:
    (decision,) = engine.trading.submit_text(text, SignalSource(kind="api")).decisions
    return decision


def _live_stops(engine: Engine) -> list[Decimal | None]:
    (p,) = engine.positions("u1")
    return [o.stop_price for o in p.orders if o.leg.startswith("sl") and o.status.value == "open"]


def test_a_stop_to_entry_below_the_market_of_a_long_is_not_applied(engine: Engine) -> None:
    _open(engine)
    engine.tick(SYM, "2925")
    decision = _follow(engine, "ETH move SL to entry")
    assert (decision.outcome, decision.code) == ("skipped", "stop_past_market")
    assert decision.reason == ("The new stop 3000 is past the market price 2925: it would "
                               "close the position at once; the stop stays at 2900.")
    (notice,) = engine.events.of_kind(EventKind.SIGNAL_SKIPPED)
    assert notice.user_id == "u1" and notice.data["code"] == "stop_past_market"
    assert "the stop stays at 2900" in notice.message
    (p,) = engine.positions("u1")
    assert p.stop_loss == D(2900) and p.quantity == D("0.033")
    assert _live_stops(engine) == [D(2900)]
    engine.tick(SYM, "2924.45")
    (p,) = engine.positions("u1")
    assert p.status is PositionStatus.OPEN and p.quantity == D("0.033")
    assert engine.runtime.positions.closed_positions("u1") == []


def test_a_new_stop_price_at_the_market_is_not_applied(engine: Engine) -> None:
    _open(engine)
    engine.tick(SYM, "2950")
    decision = _follow(engine, "ETH new SL 2950")
    assert (decision.outcome, decision.code) == ("skipped", "stop_past_market")
    assert _live_stops(engine) == [D(2900)]


def test_a_short_stop_below_the_market_is_not_applied(engine: Engine) -> None:
    _open(engine, SHORT)
    engine.tick(SYM, "3050")
    decision = _follow(engine, "ETH new SL 3040")
    assert (decision.outcome, decision.code) == ("skipped", "stop_past_market")
    assert "the stop stays at 3100" in decision.reason
    assert _live_stops(engine) == [D(3100)]
    engine.tick(SYM, "3051")
    assert engine.positions("u1")[0].quantity == D("0.033")


def test_a_stop_on_the_safe_side_of_the_market_is_moved(engine: Engine) -> None:
    _open(engine)
    engine.tick(SYM, "3050")
    decision = _follow(engine, "ETH move SL to entry")
    assert (decision.outcome, decision.code) == ("executed", "update_applied")
    assert decision.reason.endswith("stop moved to 3000.")
    assert _live_stops(engine) == [D(3000)]
    # a price that really passes the moved stop still closes on it
    engine.tick(SYM, "2990")
    assert engine.positions("u1") == []
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason is CloseReason.STOP_LOSS


def test_take_a_share_of_profit_below_the_entry_sells_nothing_and_keeps_the_stop(
        engine: Engine) -> None:
    """ "Take 50% profit" is a sale in profit: below a long's average entry it would realise
    a loss the channel did not make, so nothing is sold (as for "target N hit"), and the
    stop move to entry, past the market, is not applied either."""
    _open(engine)
    engine.tick(SYM, "2950")
    decision = _follow(engine, "ETH take 50% profit and move SL to entry")
    assert (decision.outcome, decision.code) == ("skipped", "stop_past_market")
    assert decision.reason == (
        "The channel says take 50% profit, but the market price here, 2950, is below your "
        "average entry 3000: selling now would be at a loss, so nothing was sold. The new "
        "stop 3000 is past the market price 2950: it would close the position at once; the "
        "stop stays at 2900.")
    (p,) = engine.positions("u1")
    assert p.stop_loss == D(2900) and p.status is PositionStatus.OPEN
    assert p.quantity == D("0.033")
    assert not [o for o in p.orders if o.leg.startswith("chanpart")]
    assert _live_stops(engine) == [D(2900)]


def test_take_a_share_of_profit_above_a_short_entry_sells_nothing(engine: Engine) -> None:
    _open(engine, SHORT)
    engine.tick(SYM, "3010")
    decision = _follow(engine, "ETH take 50% profit and move SL to 3090")
    assert (decision.outcome, decision.code) == ("executed", "update_applied")
    assert decision.reason.startswith("The channel says take 50% profit, but the market "
                                      "price here, 3010, is above your average entry 3000")
    assert decision.reason.endswith("stop moved to 3090.")
    (p,) = engine.positions("u1")
    assert p.quantity == D("0.033") and p.stop_loss == D(3090)
    assert not [o for o in p.orders if o.leg.startswith("chanpart")]


def test_take_a_share_of_profit_in_profit_sells_it_and_moves_the_stop(engine: Engine) -> None:
    _open(engine)
    engine.tick(SYM, "3050")
    decision = _follow(engine, "ETH take 50% profit and move SL to entry")
    assert (decision.outcome, decision.code) == ("executed", "update_applied")
    (p,) = engine.positions("u1")
    assert decision.reason == (f"Position {p.id} reduced by 0.016 at market. Position {p.id} "
                               "stop moved to 3000.")
    assert p.status is PositionStatus.PARTIALLY_CLOSED and p.quantity < D("0.033")
    assert p.realised_pnl_usdt > 0
    assert _live_stops(engine) == [D(3000)]


def test_a_new_stop_beyond_the_liquidation_price_is_not_applied(engine: Engine) -> None:
    """As at the opening: on isolated margin a stop at or beyond the position's liquidation
    price protects nothing (the position is liquidated first); a dropped digit ("new SL
    295" for 2950) is the usual cause."""
    engine.price(SYM, "3000")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    (decision,) = engine.trading.submit_text(LONG + "\nLeverage 20x",
                                             SignalSource(kind="api")).decisions
    assert decision.outcome == "executed", decision
    engine.tick(SYM, "3010")
    decision = _follow(engine, "ETH new SL 295")
    assert (decision.outcome, decision.code) == ("skipped", "stop_beyond_liquidation")
    assert decision.reason.startswith(
        "The new stop 295 lies at or beyond the position's liquidation price (about 2715 at "
        "10x from 3000")
    assert decision.reason.endswith("the stop stays at 2900.")
    (notice,) = engine.events.of_kind(EventKind.SIGNAL_SKIPPED)
    assert notice.data["code"] == "stop_beyond_liquidation"
    (p,) = engine.positions("u1")
    assert p.stop_loss == D(2900) and _live_stops(engine) == [D(2900)]
    decision = _follow(engine, "ETH new SL 2710")  # just past it (10x: the user's cap)
    assert decision.code == "stop_beyond_liquidation"
    decision = _follow(engine, "ETH new SL 2800")  # inside the liquidation price: applied
    assert (decision.outcome, decision.code) == ("executed", "update_applied")
    assert _live_stops(engine) == [D(2800)]


def test_on_cross_margin_a_far_stop_is_applied(engine: Engine) -> None:
    engine.price(SYM, "3000")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "100", "margin_mode": "cross"})
    (decision,) = engine.trading.submit_text(LONG + "\nLeverage 20x",
                                             SignalSource(kind="api")).decisions
    assert decision.outcome == "executed", decision
    decision = _follow(engine, "ETH new SL 2700")
    assert (decision.outcome, decision.code) == ("executed", "update_applied")


def test_a_follow_up_naming_no_coin_says_so(engine: Engine) -> None:
    _open(engine)
    decision = _follow(engine, "move SL to entry")
    assert (decision.outcome, decision.code) == ("skipped", "no_call")
    assert decision.reason.startswith("The follow-up names no coin and answers no call")
