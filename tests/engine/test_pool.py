"""The exchange pool's shared market data: one ticker request per symbol and exchange, however
many users' pipelines ask at once."""

from __future__ import annotations

import sys
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from verzek.clock import ManualClock
from verzek.domain import plans
from verzek.domain.models import MarketType, PlanName, User
from verzek.engine.pool import ExchangePool, demo_account
from verzek.exchanges.base import Ticker
from verzek.exchanges.pricefeed import SimPriceFeed
from verzek.store.docstore import DocumentStore


class CountingExchange:
    name = "binance"

    def __init__(self, release: threading.Event) -> None:
        self.calls = 0
        self.release = release

    def fetch_ticker(self, symbol: str) -> Ticker:
        self.calls += 1
        self.release.wait(10)  # held until every asker has been let go
        p = Decimal("100")
        return Ticker(symbol, p, p, p, datetime(2026, 1, 1, tzinfo=UTC))


def _inside(frame: object) -> bool:
    """Whether a thread's stack is in the pool's `ticker` (blocked or fetching)."""
    f = frame
    while f is not None:
        if f.f_code.co_name in ("ticker", "fetch_ticker"):  # type: ignore[attr-defined]
            return True
        f = f.f_back  # type: ignore[attr-defined]
    return False


def test_concurrent_askers_share_one_ticker_request(tmp_path: Path) -> None:
    clock = ManualClock()
    pool = ExchangePool(store=DocumentStore(tmp_path), clock=clock,
                        price_feed=SimPriceFeed(clock=clock))
    release = threading.Event()
    exchange = CountingExchange(release)
    barrier = threading.Barrier(33)
    got: list[Decimal] = []

    def ask() -> None:
        barrier.wait()
        got.append(pool.ticker(exchange, "ETH/USDT:USDT").last)  # type: ignore[arg-type]

    threads = [threading.Thread(target=ask) for _ in range(32)]
    for t in threads:
        t.start()
    barrier.wait()
    # let the fetch finish only once every asker is inside the pool (waiting on the fetch in
    # flight, or fetching itself: that would be a second request)
    ids = {t.ident for t in threads}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(
            _inside(frame) for tid, frame in sys._current_frames().items() if tid in ids):
        time.sleep(0)  # yield to the askers; no time passes in the code under test
    release.set()
    for t in threads:
        t.join(10)
    assert got == [Decimal("100")] * 32
    assert exchange.calls == 1
    clock.advance(pool.ticker_ttl_s + 1)  # stale: asked again
    pool.ticker(exchange, "ETH/USDT:USDT")  # type: ignore[arg-type]
    assert exchange.calls == 2


def _user(user_id: str) -> User:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return User(id=user_id, email=f"{user_id}@example.com", created_at=now,
                subscription=plans.subscribe(PlanName.VIP, now, 30))


def test_accounts_build_in_parallel_and_each_once(tmp_path: Path) -> None:
    """A slow client build of one account neither blocks another account's build nor runs
    twice when a second pipeline of the same account asks meanwhile."""
    clock = ManualClock()
    pool = ExchangePool(store=DocumentStore(tmp_path), clock=clock,
                        price_feed=SimPriceFeed(clock=clock))
    slow, fast = _user("slow"), _user("fast")
    slow_account = demo_account(slow, MarketType.FUTURES, clock.now())
    release, slow_building = threading.Event(), threading.Event()
    built: list[str] = []

    def wrap(exchange: Any) -> Any:
        built.append(exchange.account_id)
        if exchange.account_id == slow_account.id:
            slow_building.set()
            assert release.wait(10)
        return exchange

    pool.wrap = wrap
    got: list[Any] = []
    askers = [threading.Thread(target=lambda: got.append(pool.get(slow, slow_account)))
              for _ in range(2)]
    askers[0].start()
    assert slow_building.wait(10)
    askers[1].start()
    # the slow build is in progress: another account is built and served meanwhile
    other = pool.get(fast, demo_account(fast, MarketType.FUTURES, clock.now()))
    assert other.account_id == demo_account(fast, MarketType.FUTURES, clock.now()).id
    release.set()
    for t in askers:
        t.join(10)
    assert len(got) == 2 and got[0] is got[1]
    assert sorted(built) == sorted([slow_account.id, other.account_id])  # each built once
    assert pool.get(slow, slow_account) is got[0]
