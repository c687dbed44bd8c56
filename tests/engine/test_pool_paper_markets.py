"""The pool hands a venue's loaded market list to its paper clients: those built later and
those already built; cached look-ups made on the old list do not outlive the swap."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from verzek.clock import ManualClock
from verzek.domain import plans
from verzek.domain.models import (
    ExchangeAccount,
    ExchangeName,
    MarketType,
    OrderSide,
    OrderType,
    PlanName,
    TradingMode,
    User,
)
from verzek.engine.pool import ExchangePool, demo_account
from verzek.errors import InvalidOrder
from verzek.exchanges.base import MarketInfo, OrderRequest
from verzek.exchanges.client_ids import make_client_order_id
from verzek.exchanges.faults import FaultyExchange
from verzek.exchanges.paper import PaperExchange, load_markets_snapshot
from verzek.exchanges.pricefeed import SimPriceFeed
from verzek.store.docstore import DocumentStore

ZRX = "ZRX/USDT:USDT"  # not in the bundled Binance snapshot


def _user(user_id: str) -> User:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return User(id=user_id, email=f"{user_id}@example.com", created_at=now,
                subscription=plans.subscribe(PlanName.VIP, now, 30))


def _listing(*symbols: str) -> dict[str, MarketInfo]:
    """The Binance snapshot plus `symbols`, each shaped like the snapshot's ADA perpetual."""
    markets = load_markets_snapshot("binance")
    ada = markets["ADA/USDT:USDT"]
    for symbol in symbols:
        base = symbol.split("/")[0]
        markets[symbol] = dataclasses.replace(ada, symbol=symbol, base=base,
                                              exchange_id=f"{base}USDT")
    return markets


def _buy(symbol: str, leg: str, quantity: str = "20") -> OrderRequest:
    return OrderRequest(symbol=symbol, side=OrderSide.BUY, type=OrderType.MARKET,
                        quantity=Decimal(quantity),
                        client_order_id=make_client_order_id("sig-1", "u", leg))


@pytest.fixture
def pool(tmp_path: Path) -> ExchangePool:
    clock = ManualClock()
    feed = SimPriceFeed(clock=clock, step_interval_s=0)
    feed.pin(ZRX, Decimal("0.5"))
    feed.pin("1000ZRX/USDT:USDT", Decimal("500"))
    return ExchangePool(store=DocumentStore(tmp_path), clock=clock, price_feed=feed)


def test_a_client_built_before_the_swap_trades_a_newly_listed_symbol(
        pool: ExchangePool) -> None:
    user = _user("u1")
    client = pool.get(user, demo_account(user, MarketType.FUTURES, pool._clock.now()))
    with pytest.raises(InvalidOrder) as refused:
        client.create_order(_buy(ZRX, "entry"))
    assert refused.value.code == "unknown_symbol"
    pool.set_paper_markets("binance", _listing(ZRX))
    assert pool.get(user, demo_account(user, MarketType.FUTURES, pool._clock.now())) is client
    result = client.create_order(_buy(ZRX, "entry2"))
    assert result.symbol == ZRX and result.filled_quantity == Decimal("20")
    # the market type still filters: the futures client gets no spot markets
    assert all(s.endswith(":USDT") for s in client.load_markets())


def test_a_client_built_after_the_swap_uses_the_new_list(pool: ExchangePool) -> None:
    pool.set_paper_markets("binance", _listing(ZRX))
    user = _user("u2")
    client = pool.get(user, demo_account(user, MarketType.FUTURES, pool._clock.now()))
    assert client.market(ZRX).symbol == ZRX
    assert pool.resolve_market(client, ZRX)[0].symbol == ZRX


def test_a_cached_unlisted_answer_is_dropped_on_swap(pool: ExchangePool) -> None:
    user = _user("u3")
    client = pool.get(user, demo_account(user, MarketType.FUTURES, pool._clock.now()))
    with pytest.raises(InvalidOrder):
        pool.resolve_market(client, ZRX)  # cached: "nothing lists ZRX" for an hour
    # the exchange lists the coin only as a bundle: found only through a fresh look-up
    pool.set_paper_markets("binance", _listing("1000ZRX/USDT:USDT"))
    market, factor = pool.resolve_market(client, ZRX)
    assert market.symbol == "1000ZRX/USDT:USDT" and factor == Decimal(1000)


def test_another_venue_keeps_its_list_and_the_status_says_which(pool: ExchangePool) -> None:
    user = _user("u4")
    bybit = ExchangeAccount(id="acc-bybit", user_id=user.id, exchange=ExchangeName.BYBIT,
                            mode=TradingMode.DEMO, created_at=user.created_at)
    client = pool.get(user, bybit)
    before = client.load_markets()
    pool.set_paper_markets("binance", _listing(ZRX))
    assert client.load_markets() is before
    status = pool.paper_markets_status()
    assert status["binance"]["source"] == "public"
    assert status["binance"]["markets"] == len(load_markets_snapshot("binance")) + 1
    assert status["binance"]["loaded_at"] == pool._clock.now().isoformat()
    assert status["bybit"] == {"source": "snapshot", "loaded_at": None,
                               "markets": len(load_markets_snapshot("bybit"))}


def test_wrapped_and_coinexx_paper_clients_get_binances_list(pool: ExchangePool) -> None:
    """Paper Coinexx trades on Binance's markets; a fault-injection wrapper is seen through."""
    clock = pool._clock
    pool.wrap = lambda inner: FaultyExchange(inner, rate=0.0, clock=clock)  # type: ignore
    user = _user("u5")
    coinexx = ExchangeAccount(id="acc-cx", user_id=user.id, exchange=ExchangeName.COINEXX,
                              mode=TradingMode.DEMO, created_at=user.created_at)
    client = pool.get(user, coinexx)
    assert isinstance(client, FaultyExchange)
    pool.set_paper_markets("binance", _listing(ZRX))
    assert client.market(ZRX).symbol == ZRX


def test_a_client_built_during_the_swap_ends_on_the_new_list(pool: ExchangePool) -> None:
    user = _user("u6")
    building, release = threading.Event(), threading.Event()

    def wrap(inner: Any) -> Any:  # the client exists, built on the snapshot; not cached yet
        building.set()
        assert release.wait(10)
        return inner

    pool.wrap = wrap
    got: list[Any] = []
    asker = threading.Thread(target=lambda: got.append(
        pool.get(user, demo_account(user, MarketType.FUTURES, pool._clock.now()))))
    asker.start()
    assert building.wait(10)
    pool.set_paper_markets("binance", _listing(ZRX))  # finds no client of the venue to swap
    release.set()
    asker.join(10)
    (client,) = got
    assert client.market(ZRX).symbol == ZRX


def test_a_market_the_new_list_lacks_stays_while_the_account_holds_it(
        tmp_path: Path) -> None:
    clock = ManualClock()
    feed = SimPriceFeed(clock=clock, step_interval_s=0)
    feed.pin("ADA/USDT:USDT", Decimal("0.5"))
    paper = PaperExchange(account_id="a1", exchange=ExchangeName.BINANCE,
                          market_type=MarketType.FUTURES, store=DocumentStore(tmp_path),
                          price_feed=feed, clock=clock)
    paper.create_order(_buy("ADA/USDT:USDT", "entry"))
    listing = {s: m for s, m in _listing(ZRX).items()
               if s not in ("ADA/USDT:USDT", "BTC/USDT:USDT")}
    paper.set_markets(listing)
    assert ZRX in paper.load_markets()
    assert "BTC/USDT:USDT" not in paper.load_markets()  # delisted, nothing held on it
    (position,) = paper.fetch_positions()  # the held market keeps its metadata
    assert position.symbol == "ADA/USDT:USDT" and position.quantity == Decimal("20")
