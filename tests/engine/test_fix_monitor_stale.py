"""A stale symbol stops counting once no position needs its price (audit 6, item 13): the
miss count of a feed symbol whose last position closed no longer keeps `prices_fresh` false."""

from __future__ import annotations

from tests.engine.conftest import Engine
from tests.engine.test_monitor_feeds import FUT, Refusing
from verzek.domain.models import SignalSource
from verzek.exchanges.base import Exchange

BTC = "BTC/USDT:USDT"


def test_prices_are_fresh_again_once_the_stale_symbols_last_position_closes(
        engine: Engine) -> None:
    clients: list[Refusing] = []

    def wrap(inner: Exchange) -> Exchange:
        clients.append(Refusing(inner))
        return clients[-1]  # type: ignore[return-value]

    engine.trading.pool.wrap = wrap  # type: ignore[assignment]
    for symbol in (FUT, BTC):
        engine.price(symbol, "100")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"})
    for text in ("#ETH/USDT LONG\nEntry: 100\nTarget: 120\nStop: 90\nLeverage 5x",
                 "#BTC/USDT LONG\nEntry: 100\nTarget: 120\nStop: 90\nLeverage 5x"):
        result = engine.trading.submit_text(text, SignalSource(kind="api"))
        assert [d.outcome for d in result.decisions] == ["executed"]
    (client,) = clients
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
