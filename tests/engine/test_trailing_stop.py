"""The trailing stop follows the price in steps, not at every tick: on futures each move
cancels and replaces the stop order on the exchange, and a move per tick spent the account's
rate limit and grew the position's order list without end. Then the stop closes the position."""

from __future__ import annotations

from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import CloseReason, SignalSource

D = Decimal
SYM = "ETH/USDT:USDT"


def _open(engine: Engine, text: str) -> None:
    engine.price(SYM, "100")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "100", "price_collar_pct": "50"},
                    strategy={"take_profit_mode": "percent", "take_profit_pct": "50",
                              "trailing_stop_pct": "2"})
    result = engine.trading.submit_text(text, SignalSource(kind="api"))
    assert [d.outcome for d in result.decisions] == ["executed"], result.decisions


def _stop_legs(engine: Engine) -> list[str]:
    (p,) = engine.positions("u1")
    return [o.leg for o in p.orders if o.leg.startswith("sl")]


def test_a_long_trails_in_steps_and_its_stop_closes_it(engine: Engine) -> None:
    _open(engine, "#ETH/USDT LONG\nEntry: 100\nStop: 90\n5x")
    engine.tick(SYM, "101")  # 98.98: far above the signal's 90
    (p,) = engine.positions("u1")
    assert p.stop_loss == D("98.98")
    legs = _stop_legs(engine)
    for price in ("101.1", "101.2", "101.3", "101.4"):  # each less than a quarter of the trail
        engine.tick(SYM, price)
    (p,) = engine.positions("u1")
    assert p.stop_loss == D("98.98") and _stop_legs(engine) == legs
    engine.tick(SYM, "101.6")  # 99.568: 0.588 better, more than 101.6 x 2% / 4
    (p,) = engine.positions("u1")
    assert p.stop_loss == D("99.57")  # on the 0.01 tick, as its order rests
    assert len(_stop_legs(engine)) == len(legs) + 1
    engine.tick(SYM, "99.5")  # through the stop on the exchange
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.close_reason is CloseReason.STOP_LOSS
    assert engine.paper("u1").fetch_open_orders() == []


def test_a_short_trails_down_in_steps(engine: Engine) -> None:
    _open(engine, "#ETH/USDT SHORT\nEntry: 100\nStop: 110\n5x")
    engine.tick(SYM, "99")
    (p,) = engine.positions("u1")
    assert p.stop_loss == D("100.98")
    engine.tick(SYM, "98.8")  # 100.776: 0.204 better, less than 98.8 x 2% / 4
    (p,) = engine.positions("u1")
    assert p.stop_loss == D("100.98")
    engine.tick(SYM, "98.4")  # 100.368: 0.612 better
    (p,) = engine.positions("u1")
    assert p.stop_loss == D("100.37")  # on the 0.01 tick, as its order rests


def test_a_target_a_percent_from_the_fill_is_the_price_its_order_rests_at(
        engine: Engine) -> None:
    """A short filled at 149.92 with a 3 % target said 145.4224 while its order rested at
    145.42."""
    engine.price(SYM, "149.92")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"},
                    strategy={"take_profit_mode": "percent", "take_profit_pct": "3"})
    (decision,) = engine.trading.submit_text(
        "#ETH/USDT SHORT\nEntry: 149.92\nStop: 155", SignalSource(kind="api")).decisions
    assert decision.outcome == "executed", decision
    (p,) = engine.positions("u1")
    (tp,) = [o for o in p.orders if o.leg.startswith("tp") and o.status.value == "open"]
    assert [t.price for t in p.targets] == [tp.price] == [D("145.42")]
