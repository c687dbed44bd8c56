"""Client order ids, the exactly-once placement policy, read retries and price feeds."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verzek.clock import ManualClock
from verzek.domain.models import OrderSide, OrderStatus, OrderType
from verzek.errors import (
    DuplicateOrder,
    ExchangeUnavailable,
    InsufficientFunds,
    NetworkError,
    OrderNotFound,
    OutcomeUnknown,
    RateLimited,
)
from verzek.exchanges.base import OrderRequest, OrderResult
from verzek.exchanges.client_ids import is_ours, make_client_order_id
from verzek.exchanges.pricefeed import SimPriceFeed, open_price_feed
from verzek.exchanges.resilient import BackoffRegistry, place_order_exactly_once, with_retry


@given(st.text(max_size=80), st.text(max_size=80), st.text(max_size=20),
       st.integers(min_value=0, max_value=10_000))
def test_client_ids_fit_every_exchange(signal: str, user: str, leg: str, attempt: int) -> None:
    cid = make_client_order_id(signal, user, leg, attempt)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,36}", cid) and len(cid) <= 32
    assert cid == make_client_order_id(signal, user, leg, attempt) and is_ours(cid)
    assert cid != make_client_order_id(signal, user, leg, attempt + 1)


REQ = OrderRequest("BTC/USDT", OrderSide.BUY, OrderType.MARKET, Decimal("0.01"),
                   make_client_order_id("s", "u", "entry"))
FOUND = OrderResult(REQ.client_order_id, "42", OrderStatus.FILLED)


class Scripted:
    """An exchange whose create and fetch answers are scripted; counts the sends."""

    name = "fake"

    def __init__(self, create: list[object], fetch: list[object]) -> None:
        self.create, self.fetch, self.sends = create, fetch, 0

    def _next(self, script: list[object]) -> OrderResult:
        item = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(item, Exception):
            raise item
        assert isinstance(item, OrderResult)
        return item

    def create_order(self, req: OrderRequest) -> OrderResult:
        self.sends += 1
        return self._next(self.create)

    def fetch_order(self, symbol: str, *, client_order_id: str | None = None,
                    exchange_order_id: str | None = None) -> OrderResult:
        return self._next(self.fetch)


def place(ex: Scripted, clock: ManualClock, window: float = 60) -> object:
    return place_order_exactly_once(ex, REQ, clock=clock, sleeper=clock.advance,  # type: ignore[arg-type]
                                    visibility_window_s=window)


def test_unknown_outcome_found_late_is_placed_once(clock: ManualClock) -> None:
    ex = Scripted([OutcomeUnknown("timeout")],
                  [OrderNotFound("lag"), NetworkError("x"), OrderNotFound("lag"), FOUND])
    outcome = place(ex, clock)
    assert outcome.placed and outcome.order == FOUND and ex.sends == 1  # type: ignore[attr-defined]


def test_unknown_outcome_never_found_is_not_placed_after_window(clock: ManualClock) -> None:
    ex = Scripted([ExchangeUnavailable("503")], [OrderNotFound("no")])
    start = clock.monotonic()
    outcome = place(ex, clock, window=45)
    assert not outcome.placed and ex.sends == 1  # type: ignore[attr-defined]
    assert clock.monotonic() - start >= 45


def test_lookups_failing_to_the_end_stay_unknown(clock: ManualClock) -> None:
    ex = Scripted([OutcomeUnknown("timeout")], [NetworkError("down")])
    with pytest.raises(OutcomeUnknown):
        place(ex, clock)
    assert ex.sends == 1


def test_duplicate_not_found_is_not_called_absent(clock: ManualClock) -> None:
    ex = Scripted([DuplicateOrder("dup")], [OrderNotFound("no")])
    with pytest.raises(OutcomeUnknown):
        place(ex, clock)


def test_permanent_errors_pass_through_without_lookup(clock: ManualClock) -> None:
    ex = Scripted([InsufficientFunds("no money")], [FOUND])
    with pytest.raises(InsufficientFunds):
        place(ex, clock)


def test_with_retry_honours_retry_after(clock: ManualClock) -> None:
    waits: list[float] = []
    answers: list[object] = [RateLimited("slow", retry_after_s=7), NetworkError("x"), "ok"]

    def call() -> str:
        item = answers.pop(0)
        if isinstance(item, Exception):
            raise item
        return str(item)

    assert with_retry(call, sleeper=waits.append, base_delay_s=0.5) == "ok"
    assert waits == [7, 1.0]
    with pytest.raises(OutcomeUnknown):
        with_retry(lambda: (_ for _ in ()).throw(OutcomeUnknown("no")), sleeper=waits.append)


def test_backoff_registry_is_shared_and_expires(clock: ManualClock) -> None:
    reg = BackoffRegistry(clock=clock)
    reg.ban("binance", 120)
    reg.ban("binance", 10)  # a shorter ban does not shorten the longer one
    assert reg.remaining_s("binance") == 120 and reg.remaining_s("bybit") == 0
    clock.advance(121)
    assert reg.remaining_s("binance") == 0


def test_sim_feed_is_seeded_and_settable(clock: ManualClock) -> None:
    a, b = SimPriceFeed(clock=clock, seed=3), SimPriceFeed(clock=clock, seed=3)
    assert a.price("BTC/USDT") == b.price("BTC/USDT") == Decimal("95000")
    a.step(5)
    b.step(5)
    assert a.price("BTC/USDT") == b.price("BTC/USDT") != Decimal("95000")
    clock.advance(3)  # time moves the walk too
    assert a.price("ETH/USDT:USDT") > 0
    a.set_price("BTC/USDT", Decimal("1234"))
    assert a.price("BTC/USDT") == Decimal("1234")


def test_live_feed_falls_back_to_sim_loudly(clock: ManualClock,
                                            caplog: pytest.LogCaptureFixture) -> None:
    def unreachable(symbol: str) -> Decimal:
        raise NetworkError("no route")

    choice = open_price_feed("live", clock=clock, live_sources=[unreachable, unreachable])
    assert choice.feed.kind == "sim" and choice.fallback_reason
    assert "SIMULATED" in caplog.text
    ok = open_price_feed("live", clock=clock, live_sources=[unreachable,
                                                            lambda s: Decimal("100")])
    assert ok.feed.kind == "live" and ok.fallback_reason is None
    assert ok.feed.price("BTC/USDT") == Decimal("100")


def test_live_ticker_source_reads_public_ccxt_tickers(clock: ManualClock) -> None:
    import responses

    from tests.exchanges.fakes import recorded, serve_markets
    from verzek.exchanges.pricefeed import ccxt_ticker_source

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        serve_markets(rsps, "binance")
        rsps.get("https://api.binance.com/api/v3/ticker/24hr?symbol=BTCUSDT",
                 json=recorded("binance", "fetchTicker"))
        source = ccxt_ticker_source("binance", clock=clock, sleeper=clock.advance)
        assert source("BTC/USDT") == Decimal("73369.84")
        assert "X-MBX-APIKEY" not in rsps.calls[-1].request.headers  # keyless


def test_refused_by_our_own_backoff_is_not_looked_up(clock: ManualClock) -> None:
    ex = Scripted([RateLimited("backing off", retry_after_s=30, details={"not_sent": True})],
                  [FOUND])
    with pytest.raises(RateLimited):
        place(ex, clock)
    assert clock.monotonic() == 1000.0  # no waiting, no look-up
