"""A demo price set for a coin whose perpetual trades bundled ("PEPE/USDT": the futures market
is 1000PEPE/USDT:USDT) moves the bundle too, at its multiple: it stayed at the snapshot's
price, and a demo PEPE call was judged against that (skipped as far from the market)."""

from __future__ import annotations

from decimal import Decimal

from tests.engine.conftest import Engine
from verzek.domain.models import SignalSource

D = Decimal


def test_the_bundled_perpetual_moves_with_the_coins_price(engine: Engine) -> None:
    answer = engine.trading.set_demo_prices({"PEPE/USDT": D("0.00002")})
    assert answer["1000PEPE/USDT:USDT"] == "0.02"
    assert "PEPE/USDT:USDT" not in answer  # listed on no paper exchange
    assert engine.trading.pool.price_feed.price("1000PEPE/USDT:USDT") == D("0.02")
    engine.add_user("u1", general={"auto_trade": True})
    result = engine.trading.submit_text(
        "#PEPE/USDT LONG\nEntry: 0.00002\nTargets: 0.000021 0.000022\nStop: 0.000019",
        SignalSource(kind="api"))
    assert [d.outcome for d in result.decisions] == ["executed"], result.decisions
    (position,) = engine.positions("u1")
    assert position.symbol == "1000PEPE/USDT:USDT" and position.average_entry is not None
    assert abs(position.average_entry - D("0.02")) <= D("0.0002")


def test_a_price_given_for_the_bundle_is_kept(engine: Engine) -> None:
    answer = engine.trading.set_demo_prices({"PEPE/USDT": D("0.00002"),
                                             "1000PEPE/USDT:USDT": D("0.0199")})
    assert answer["1000PEPE/USDT:USDT"] == "0.0199"


def test_a_symbol_no_paper_market_lists_is_not_kept(engine: Engine) -> None:
    """"PEPE/USDT:USDT" (the perpetual is 1000PEPE's) was stored and random-walked, traded by
    no one; it stands for PEPE's spot and the bundle."""
    answer = engine.trading.set_demo_prices({"PEPE/USDT:USDT": D("0.00001")})
    assert answer == {"PEPE/USDT": "0.00001", "1000PEPE/USDT:USDT": "0.01"}
    assert "PEPE/USDT:USDT" not in engine.trading.demo_prices()["prices"]
