"""Admin-set prices of the simulated (sim) price feed, kept across restarts."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from verzek.errors import Conflict, InvalidInput
from verzek.store.docstore import DocumentStore

DOC = "demo_prices.json"


def set_prices(feed: Any, store: DocumentStore, prices: dict[str, Decimal],
               pin: bool = False, listed: Callable[[str], bool] | None = None,
               ) -> dict[str, str]:
    """Set each symbol's price on the sim feed (Conflict for any other feed) and keep it;
    `pin`: the random walk leaves those prices where they are until they are set again
    without it (a test of a price path sets each price in turn). A symbol's counterpart is
    set too where `listed` says a paper market trades it (every one without `listed`)."""
    if getattr(feed, "kind", "") != "sim":
        raise Conflict("demo prices can be set only while VERZEK_PRICE_FEED=sim")
    for symbol, price in prices.items():
        if not price.is_finite() or price <= 0:
            raise InvalidInput(f"price of {symbol} must be a positive number")
    # "BTC/USDT" moves the USDT-margined perpetual "BTC/USDT:USDT" too (demo users trade
    # futures by default), and the other way round, unless both are given
    prices = {**{counterpart(s): p for s, p in prices.items()
                 if listed is None or listed(counterpart(s))}, **prices}
    for symbol, price in prices.items():
        if pin:
            feed.pin(symbol, price)
        else:
            feed.unpin(symbol)
            feed.set_price(symbol, price)
    # kept, so a restart goes on from the admin's prices, not from the bundled snapshot
    store.update(DOC, lambda doc: {
        "prices": {**(doc or {}).get("prices", {}),
                   **{s: str(p) for s, p in prices.items()}},
        "pinned": sorted((set((doc or {}).get("pinned", [])) - set(prices))
                         | (set(prices) if pin else set()))})
    return {s: str(p) for s, p in prices.items()}


def read_prices(feed: Any) -> dict[str, Any]:
    """The sim feed's prices now (every symbol it has handed out or been given) and which of
    them are pinned; Conflict for any other feed."""
    if getattr(feed, "kind", "") != "sim":
        raise Conflict("demo prices are the sim feed's: VERZEK_PRICE_FEED=sim",
                       code="not_sim_feed")
    prices, pinned = feed.known()
    return {"prices": {s: format(p, "f") for s, p in sorted(prices.items())},
            "pinned": sorted(pinned)}


def counterpart(symbol: str) -> str:
    """The spot symbol of a linear perpetual ("BTC/USDT:USDT" -> "BTC/USDT") and the other way
    round."""
    if ":" in symbol:
        return symbol.split(":", 1)[0]
    return f"{symbol}:{symbol.rsplit('/', 1)[-1]}" if "/" in symbol else symbol
