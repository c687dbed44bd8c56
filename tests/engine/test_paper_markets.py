"""The background loader of paper markets: hands loaded lists over, keeps the snapshot on a
failure and retries with a backoff, refreshes a loaded list, and stops with the runtime."""

from __future__ import annotations

import logging
import threading
from decimal import Decimal

import pytest

from verzek.clock import ManualClock
from verzek.domain.models import ExchangeName, MarketType
from verzek.engine.paper_markets import PaperMarketsLoader
from verzek.errors import NetworkError
from verzek.exchanges.base import MarketInfo

ONE = Decimal(1)


def _markets(venue: ExchangeName, n: int = 1) -> dict[str, MarketInfo]:
    return {f"C{i}/USDT": MarketInfo(f"C{i}/USDT", MarketType.SPOT, f"C{i}", "USDT", ONE, ONE,
                                     exchange_id=venue.value) for i in range(n)}


class Sink:
    def __init__(self) -> None:
        self.got: dict[str, dict[str, MarketInfo]] = {}

    def set_paper_markets(self, venue: str, markets: dict[str, MarketInfo]) -> None:
        self.got[venue] = markets


class Loader:
    """Answers per venue from a script: markets, or an exception to raise."""

    def __init__(self) -> None:
        self.fail: dict[ExchangeName, BaseException] = {}
        self.calls: list[ExchangeName] = []
        self.size = 1

    def __call__(self, venue: ExchangeName) -> dict[str, MarketInfo]:
        self.calls.append(venue)
        if venue in self.fail:
            raise self.fail[venue]
        return _markets(venue, self.size)


@pytest.fixture
def parts() -> tuple[PaperMarketsLoader, Sink, Loader, ManualClock]:
    clock, sink, loader = ManualClock(), Sink(), Loader()
    service = PaperMarketsLoader(sink=sink, loader=loader, clock=clock, refresh_s=6 * 3600,
                                 retry_s=300, max_retry_s=3600)
    return service, sink, loader, clock


def test_success_hands_each_venues_markets_over_then_refreshes(parts: tuple) -> None:
    service, sink, loader, clock = parts
    wait_s = service.run_once()
    assert sorted(sink.got) == ["binance", "bybit", "phemex"]
    assert sink.got["bybit"] == _markets(ExchangeName.BYBIT)
    assert wait_s == 6 * 3600
    assert service.run_once() > 0 and len(loader.calls) == 3  # nothing due yet
    clock.advance(6 * 3600)
    loader.size = 2  # a coin was listed since
    service.run_once()
    assert len(loader.calls) == 6 and len(sink.got["phemex"]) == 2


def test_a_failure_keeps_the_snapshot_warns_and_retries_with_backoff(
        parts: tuple, caplog: pytest.LogCaptureFixture) -> None:
    service, sink, loader, clock = parts
    loader.fail[ExchangeName.BINANCE] = NetworkError("secret-looking detail")
    with caplog.at_level(logging.WARNING, logger="verzek.engine.paper_markets"):
        wait_s = service.run_once()
    assert "binance" not in sink.got  # its paper clients keep the snapshot
    assert sorted(sink.got) == ["bybit", "phemex"]
    (record,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "binance" in record.getMessage() and "NetworkError" in record.getMessage()
    assert "secret-looking detail" not in record.getMessage()
    assert wait_s == 300
    assert service.status()["venues"]["binance"]["last_error"] == "NetworkError"
    clock.advance(299)
    service.run_once()
    assert loader.calls.count(ExchangeName.BINANCE) == 1
    clock.advance(1)
    assert service.run_once() == 600  # failed again: the next try waits twice as long
    assert loader.calls.count(ExchangeName.BINANCE) == 2
    for _ in range(6):
        clock.advance(3600)
        service.run_once()
    assert service.status()["venues"]["binance"]["next_load_in_s"] == 3600  # capped
    del loader.fail[ExchangeName.BINANCE]
    clock.advance(3600)
    service.run_once()
    assert "binance" in sink.got
    assert service.status()["venues"]["binance"] == {
        "loaded_markets": 1, "failures": 0, "last_error": None, "next_load_in_s": 6 * 3600}


def test_any_exception_in_one_venue_spares_the_others(parts: tuple) -> None:
    service, sink, loader, _ = parts
    loader.fail[ExchangeName.BINANCE] = RuntimeError("a bug in a parser")
    loader.fail[ExchangeName.BYBIT] = KeyError("symbols")
    service.run_once()
    assert sorted(sink.got) == ["phemex"]


def test_an_empty_list_is_a_failure_not_a_swap(parts: tuple) -> None:
    service, sink, loader, _ = parts
    loader.size = 0
    assert service.run_once() == 300
    assert sink.got == {}


def test_a_failing_sink_is_retried(parts: tuple) -> None:
    service, _, loader, clock = parts

    class Broken:
        def set_paper_markets(self, venue: str, markets: dict[str, MarketInfo]) -> None:
            raise ValueError("boom")

    service._sink = Broken()
    service.run_once()
    clock.advance(300)
    service.run_once()
    assert len(loader.calls) == 6


def test_the_thread_loads_at_start_and_stops_when_the_runtime_stops() -> None:
    stopping = threading.Event()
    loaded = threading.Event()
    sink = Sink()

    def loader(venue: ExchangeName) -> dict[str, MarketInfo]:
        if venue is ExchangeName.PHEMEX:
            loaded.set()
        return _markets(venue)

    service = PaperMarketsLoader(sink=sink, loader=loader, clock=ManualClock(),
                                 stopping=stopping)
    service.start()
    try:
        assert loaded.wait(10)
        assert service.is_alive() and service.status()["state"] == "running"
    finally:
        stopping.set()  # the runtime's shutdown event
        if service._thread is not None:
            service._thread.join(10)
    assert not service.is_alive()
    assert sorted(sink.got) == ["binance", "bybit", "phemex"]


def test_stop_does_not_wait_for_a_load_stuck_on_the_network() -> None:
    entered, release = threading.Event(), threading.Event()

    def loader(venue: ExchangeName) -> dict[str, MarketInfo]:
        entered.set()
        release.wait(10)
        return _markets(venue)

    service = PaperMarketsLoader(sink=Sink(), loader=loader, clock=ManualClock())
    service.stop_join_s = 0.01
    service.start()
    try:
        assert entered.wait(10)
        service.stop(timeout_s=30.0)  # returns without the 30 s
        assert service.is_alive()  # still in the load: a daemon, cut off at exit
    finally:
        release.set()
    assert service._thread is not None
    service._thread.join(10)
    assert not service.is_alive()
