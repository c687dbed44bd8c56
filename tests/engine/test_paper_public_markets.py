"""End to end: with a live price feed, a demo user trades a coin the bundled snapshot lacks
once the exchange's public list (recorded answers, real ccxt client) has been loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from tests.engine.conftest import Engine, attach, make_engine
from tests.exchanges.fakes import load, serve_markets
from verzek.clock import ManualClock
from verzek.config import load_settings
from verzek.domain.models import PositionStatus, SignalSource
from verzek.engine.paper_markets import PaperMarketsLoader
from verzek.exchanges.factory import fetch_public_markets
from verzek.exchanges.paper import load_markets_snapshot
from verzek.exchanges.pricefeed import SimPriceFeed
from verzek.runtime import build_runtime

ZRX_CALL = "#ZRX/USDT LONG\nEntry: 0.5\nTarget: 0.55\nStop: 0.45\nLeverage 5x"


class StubLiveFeed(SimPriceFeed):
    """Pinned prices standing in for the live feed (which has a price for every coin)."""

    kind = "live"


def _zrx_listed() -> dict[str, Any]:
    """A coin listed after the snapshot was made: the recorded ADA perpetual, renamed."""
    (ada,) = [m for m in load("binance-markets-raw.json")
              if m["symbol"] == "ADAUSDT" and "contractType" in m]
    return {**ada, "symbol": "ZRXUSDT", "pair": "ZRXUSDT", "baseAsset": "ZRX"}


@pytest.fixture
def exchanges() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        serve_markets(rsps, "binance", extra=[_zrx_listed()])
        serve_markets(rsps, "bybit")
        serve_markets(rsps, "phemex")
        yield rsps


@pytest.fixture
def live(tmp_path: Path, clock: ManualClock, exchanges: responses.RequestsMock,
         ) -> Iterator[Engine]:
    settings = load_settings({"VERZEK_DATA_DIR": str(tmp_path / "data"),
                              "VERZEK_PRICE_FEED": "live", "VERZEK_PAPER_SLIPPAGE_PCT": "0",
                              "VERZEK_WORKERS": "8"})
    feed = StubLiveFeed(clock=clock, step_interval_s=0)
    runtime = build_runtime(settings, clock=clock, sleeper=clock.advance, price_feed=feed,
                            markets_loader=fetch_public_markets)
    engine = attach(runtime, clock)
    yield engine
    runtime.stop()


def _call(engine: Engine, text: str) -> Any:
    (decision,) = engine.trading.submit_text(text, SignalSource(kind="api")).decisions
    return decision


def test_a_demo_signal_on_a_coin_only_the_public_list_has_is_placed(live: Engine) -> None:
    assert "ZRX/USDT:USDT" not in load_markets_snapshot("binance")
    live.add_user("u1", general={"auto_trade": True}, risk={"position_size_usdt": "150"})
    live.price("ZRX/USDT:USDT", "0.5")
    # before the load arrives: the snapshot, as today
    before = _call(live, ZRX_CALL)
    assert before.outcome == "skipped" and "no market ZRX/USDT:USDT" in before.reason
    assert live.runtime.status()["paper_markets"]["binance"]["source"] == "snapshot"
    loader = live.runtime.components["paper_markets"]
    assert isinstance(loader, PaperMarketsLoader)
    loader.run_once()  # what the background thread does at start
    status = live.runtime.status()["paper_markets"]
    assert {v: s["source"] for v, s in status.items()} == {
        "binance": "public", "bybit": "public", "phemex": "public"}
    assert status["binance"]["markets"] == 15  # 14 recorded + the newly listed coin
    assert status["binance"]["loaded_at"] == live.clock.now().isoformat()
    after = _call(live, ZRX_CALL.replace("Entry: 0.5", "Entry: 0.50 - 0.49"))
    assert after.outcome == "executed", after.reason
    (position,) = live.positions("u1")
    assert position.symbol == "ZRX/USDT:USDT"
    assert position.status is PositionStatus.OPEN, position.status
    services = live.runtime.supervisor.status()
    assert services["paper_markets"]["venues"]["binance"]["loaded_markets"] == 15


def test_the_sim_feed_loads_nothing_and_keeps_the_snapshot(tmp_path: Path,
                                                           clock: ManualClock) -> None:
    engine = make_engine(tmp_path, clock)
    try:
        assert "paper_markets" not in engine.runtime.components
        assert "paper_markets" not in engine.runtime.supervisor.status()
        status = engine.runtime.status()["paper_markets"]
        assert {v: s["source"] for v, s in status.items()} == {
            "binance": "snapshot", "bybit": "snapshot", "phemex": "snapshot"}
        assert status["binance"]["markets"] == len(load_markets_snapshot("binance"))
    finally:
        engine.runtime.stop()
