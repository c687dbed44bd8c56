"""The simulated price feed walks like a ticker quotes: at most 8 significant digits per
price (a demo user's fills and messages showed 28-digit prices), still moving, never to 0."""

from __future__ import annotations

from decimal import Decimal

from verzek.clock import ManualClock
from verzek.exchanges.pricefeed import SimPriceFeed


def test_walked_prices_keep_eight_significant_digits() -> None:
    clock = ManualClock()
    feed = SimPriceFeed(clock=clock, seed=7, volatility_pct=Decimal("0.5"))
    feed.set_price("BTC/USDT", Decimal("64932.5"))
    feed.set_price("PEPE/USDT", Decimal("0.0000123456"))
    seen: dict[str, set[Decimal]] = {"BTC/USDT": set(), "PEPE/USDT": set()}
    for _ in range(200):
        feed.step()
        for symbol, prices in seen.items():
            price = feed.price(symbol)
            assert price > 0
            assert len(price.as_tuple().digits) <= 8, (symbol, price)
            prices.add(price)
    assert all(len(prices) > 150 for prices in seen.values())  # it still moves


def test_a_pinned_or_set_price_is_kept_as_given() -> None:
    feed = SimPriceFeed(clock=ManualClock(), seed=1)
    feed.pin("ETH/USDT", Decimal("3000.123456789"))
    feed.step(10)
    assert feed.price("ETH/USDT") == Decimal("3000.123456789")


def test_a_price_set_after_an_idle_spell_starts_from_itself() -> None:
    """Steps due while nothing read prices move the old prices, not the one just set."""
    clock = ManualClock()
    feed = SimPriceFeed(clock=clock, seed=3, volatility_pct=Decimal("0.1"))
    feed.set_price("ETH/USDT", Decimal("2500"))
    clock.advance(900)  # 900 steps due, nobody reading
    feed.set_price("ETH/USDT", Decimal("3000"))
    assert feed.price("ETH/USDT") == Decimal("3000")
    clock.advance(1)
    assert abs(feed.price("ETH/USDT") - 3000) < 30  # one step on: within a few tenths of 1%
