"""A stale symbol stops counting once no position needs its price (audit 6, item 13): the
miss count of a feed symbol whose last position closed no longer keeps `prices_fresh` false."""

from __future__ import annotations

from tests.engine.conftest import Engine
from tests.engine.test_monitor_feeds import open_eth_and_btc_behind_a_refusing_client

BTC = "BTC/USDT:USDT"


def test_prices_are_fresh_again_once_the_stale_symbols_last_position_closes(
        engine: Engine) -> None:
    client = open_eth_and_btc_behind_a_refusing_client(engine)
    client.refused.add(BTC)  # delisted: no price for it any more
    monitor = engine.trading.monitor
    for _ in range(3):
        monitor.run_once()
    assert monitor.status()["prices_fresh"] is False

    (btc,) = [p for p in engine.positions("u1") if p.symbol == BTC]
    engine.trading.close_position("u1", btc.id)
    monitor.run_once()
    status = monitor.status()
    assert status["stale_symbols"] == [] and status["prices_fresh"] is True
