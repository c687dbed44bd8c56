"""Engine fixtures: a real runtime (store, engine, paper exchange) on a temp dir, a manual
clock, the sim price feed with pinned prices, and a sleeper that advances the clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from verzek.clock import ManualClock
from verzek.config import load_settings
from verzek.domain import plans
from verzek.domain.models import MarketType, PlanName, User, UserSettings
from verzek.engine.notifier import RecordingNotifier
from verzek.engine.pool import demo_account
from verzek.engine.trading import TradingService
from verzek.exchanges.pricefeed import SimPriceFeed
from verzek.runtime import Runtime, build_runtime


@dataclass
class Engine:
    runtime: Runtime
    trading: TradingService
    clock: ManualClock
    feed: SimPriceFeed
    events: RecordingNotifier

    def price(self, symbol: str, price: str | Decimal) -> None:
        self.feed.pin(symbol, Decimal(str(price)))

    def tick(self, symbol: str | None = None, price: str | Decimal | None = None) -> None:
        """Set a price (optional), then one monitor pass and one order-sync pass."""
        if symbol is not None and price is not None:
            self.price(symbol, price)
        self.trading.monitor.run_once()

    def add_user(self, user_id: str, plan: PlanName = PlanName.VIP, **settings: Any) -> User:
        now = self.clock.now()
        sub = plans.subscribe(plan, now, 30) if plan is not PlanName.FREE else \
            plans.new_subscription(now)
        base = UserSettings().model_dump()
        for section, values in settings.items():
            base[section].update(values)
        user = User(id=user_id, email=f"{user_id}@example.com", created_at=now,
                    subscription=sub, settings=UserSettings.model_validate(base))
        return self.runtime.users.create(user)

    def positions(self, user_id: str) -> list[Any]:
        return self.runtime.positions.open_positions(user_id)

    def paper(self, user_id: str, market: str = "futures") -> Any:
        user = self.runtime.users.get(user_id)
        return self.trading.pool.get(user, demo_account(user, MarketType(market), self.clock.now()))


def make_engine(tmp_path: Path, clock: ManualClock, **env: str) -> Engine:
    settings = load_settings({"VERZEK_DATA_DIR": str(tmp_path / "data"),
                              "VERZEK_PRICE_FEED": "sim", "VERZEK_PAPER_SLIPPAGE_PCT": "0",
                              "VERZEK_WORKERS": "8", **env})
    runtime = build_runtime(settings, clock=clock, sleeper=clock.advance)
    return attach(runtime, clock)


def attach(runtime: Runtime, clock: ManualClock) -> Engine:
    feed = runtime.trading.pool.price_feed  # type: ignore[union-attr]
    assert isinstance(feed, SimPriceFeed)
    runtime.accepting.set()  # as after start(), without the background threads
    events = RecordingNotifier()
    runtime.notifier.add(events)  # type: ignore[union-attr]
    return Engine(runtime, runtime.trading, clock, feed, events)  # type: ignore[arg-type]


@pytest.fixture
def engine(tmp_path: Path, clock: ManualClock) -> Iterator[Engine]:
    eng = make_engine(tmp_path, clock)
    yield eng
    eng.runtime.stop()


@pytest.fixture
def slipping(tmp_path: Path, clock: ManualClock) -> Iterator[Engine]:
    """An engine whose paper fills slip 0.5 % off the ticker: a buy at 2000 fills at 2010, a
    sell at 1990."""
    eng = make_engine(tmp_path, clock, VERZEK_PAPER_SLIPPAGE_PCT="0.5")
    yield eng
    eng.runtime.stop()
