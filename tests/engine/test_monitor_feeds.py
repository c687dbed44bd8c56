"""The price monitor's feeds: paper clients of each market type priced by their own client,
one symbol refused in a batch blinds no other position, stale prices marked in status."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.engine.conftest import Engine
from verzek.domain.models import CloseReason, SignalSource
from verzek.engine.prices import feed_key
from verzek.errors import InvalidOrder, TransientExchangeError
from verzek.exchanges.base import Exchange, Ticker

FUT = "ETH/USDT:USDT"
SPOT = "ETH/USDT"


class Refusing:
    """A paper client whose ticker requests refuse some symbols (delisted, say) or fail
    altogether (the exchange away)."""

    def __init__(self, inner: Exchange) -> None:
        self.inner = inner
        self.refused: set[str] = set()
        self.down = False
        self.batches: list[list[str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def fetch_tickers(self, symbols: list[str]) -> dict[str, Ticker]:
        self.batches.append(list(symbols))
        if self.down:
            raise TransientExchangeError("exchange unreachable", code="network")
        bad = self.refused.intersection(symbols)
        if bad:
            raise InvalidOrder(f"binance has no market {sorted(bad)[0]}", code="unknown_symbol")
        return self.inner.fetch_tickers(symbols)


def _submit(engine: Engine, text: str) -> None:
    result = engine.trading.submit_text(text, SignalSource(kind="api"))
    assert [d.outcome for d in result.decisions] == ["executed"], result.decisions


def open_eth_and_btc_behind_a_refusing_client(engine: Engine, **settings: Any) -> Refusing:
    """u1 holds an ETH and a BTC perpetual long on one paper client wrapped in `Refusing`."""
    clients: list[Refusing] = []

    def wrap(inner: Exchange) -> Exchange:
        clients.append(Refusing(inner))
        return clients[-1]  # type: ignore[return-value]

    engine.trading.pool.wrap = wrap  # type: ignore[assignment]
    for symbol in (FUT, "BTC/USDT:USDT"):
        engine.price(symbol, "100")
    engine.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "100"},
                    **settings)
    _submit(engine, "#ETH/USDT LONG\nEntry: 100\nTarget: 120\nStop: 90\nLeverage 5x")
    _submit(engine, "#BTC/USDT LONG\nEntry: 100\nTarget: 120\nStop: 90\nLeverage 5x")
    (client,) = clients
    return client


def test_a_demo_user_holding_spot_and_futures_gets_both_priced(engine: Engine) -> None:
    engine.price(FUT, "100")
    engine.price(SPOT, "100")
    engine.add_user("u1", general={"auto_trade": True},
                    risk={"position_size_usdt": "100"},
                    strategy={"stop_loss_mode": "signal"})
    _submit(engine, "#ETH/USDT LONG\nEntry: 100\nTarget: 120\nStop: 90\nLeverage 5x")
    _submit(engine, "#ETH/USDT BUY spot\nEntry: 100\nTarget: 120\nStop: 95")
    assert {p.market_type.value for p in engine.positions("u1")} == {"futures", "spot"}
    engine.price(SPOT, "89")
    engine.tick(FUT, "89")
    closed = engine.runtime.positions.closed_positions("u1")
    assert sorted(p.market_type.value for p in closed) == ["futures", "spot"]
    assert all(p.close_reason is CloseReason.STOP_LOSS for p in closed)
    assert engine.trading.monitor.status()["prices_fresh"] is True


def test_one_refused_symbol_leaves_the_others_priced_and_is_marked_stale(
        engine: Engine) -> None:
    client = open_eth_and_btc_behind_a_refusing_client(
        engine, strategy={"stop_loss_mode": "signal"})
    client.refused.add("BTC/USDT:USDT")
    monitor = engine.trading.monitor
    for _ in range(3):
        report = monitor.run_once()
        assert report["prices"] == 1  # ETH still priced: the batch was asked symbol by symbol
    feed = feed_key(client)  # type: ignore[arg-type]
    assert feed == "paper:binance:futures"
    assert monitor.state.prices[f"{feed} {FUT}"] == Decimal("100")
    status = monitor.status()
    assert status["stale_symbols"] == [f"{feed} BTC/USDT:USDT"]
    assert status["prices_fresh"] is False
    # ETH's stop still fires while BTC is refused
    engine.tick(FUT, "89")
    (closed,) = engine.runtime.positions.closed_positions("u1")
    assert closed.symbol == FUT and closed.close_reason is CloseReason.STOP_LOSS
    # BTC listed again: fresh at the next pass
    client.refused.clear()
    monitor.run_once()
    assert monitor.status() == {"stale_symbols": [], "prices_fresh": True, "symbols": 2,
                                "last_pass_at": monitor.state.last_pass_at}


def test_an_unreachable_exchange_is_not_asked_symbol_by_symbol(engine: Engine) -> None:
    client = open_eth_and_btc_behind_a_refusing_client(engine)
    client.down = True
    client.batches.clear()
    for _ in range(3):
        assert engine.trading.monitor.run_once()["prices"] == 0
    assert client.batches == [["BTC/USDT:USDT", FUT]] * 3  # one request per pass, no more
    assert len(engine.trading.monitor.status()["stale_symbols"]) == 2
