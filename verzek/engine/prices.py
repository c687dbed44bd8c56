"""Prices for the price monitor: one batched ticker call per feed (an exchange, or one venue
and market type of the shared paper feed), a batch refused for one symbol asked again symbol by
symbol, and how many polls missed each symbol (stale after a few)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from verzek.engine.pool import paper_inner
from verzek.errors import TransientExchangeError, VerzekError
from verzek.exchanges.base import Exchange, Ticker
from verzek.logs import Throttle

logger = logging.getLogger(__name__)


@dataclass
class PriceState:
    """Last prices per "feed symbol" (see `feed_key`) and how many polls missed each."""

    prices: dict[str, Decimal] = field(default_factory=dict)
    missed: dict[str, int] = field(default_factory=dict)
    last_pass_at: str | None = None  # the end of the last pass (set by the monitor)
    previous_pass_at: str | None = None  # the end of the pass before: their gap is the cadence
    # the last pass's positions by group and each group's feed (replaced whole each pass):
    # `feed_of` indexes them by position id when a reader first asks, not in the pass
    groups: tuple[dict[int, tuple[Any, list[Any]]], dict[int, str]] = \
        field(default_factory=lambda: ({}, {}))
    _index: tuple[object, dict[str, str]] | None = None

    def feed_of(self, position_id: str) -> str | None:
        """The "feed symbol" of an open position as of the last pass."""
        groups = self.groups  # one read: a pass replacing it meanwhile is seen next time
        index = self._index
        if index is None or index[0] is not groups:
            by_group, feeds = groups
            index = (groups, {raw["id"]: f"{feeds[gid]} {raw['symbol']}"
                              for gid, (_, items) in by_group.items() for _, raw in items})
            self._index = index
        return index[1].get(position_id)


# A price is no mark once the monitor's last pass is older than this many of its own cadences
# (at least MARK_MAX_AGE_FLOOR_S): the monitor stopped or hangs, and the market moved on.
MARK_MAX_AGE_FLOOR_S = 30.0


class PriceFeeds:
    """The monitor's prices: `fetch` once per pass, `status` for the service's status."""

    def __init__(self, *, throttle: Throttle, stale_after_missed: int = 3) -> None:
        self._throttle = throttle
        self._stale_after = stale_after_missed
        self.state = PriceState()

    def fetch(self, groups: dict[int, tuple[Exchange, list[Any]]], feeds: dict[int, str],
              ) -> tuple[dict[tuple[str, str], Decimal], set[str]]:
        """(feed, symbol) -> last price: one batched call per feed, where a feed is an
        exchange (prices are public: one call covers every account on it) or, for paper
        accounts, one venue and market type of the shared price feed (a paper client knows
        only its own markets). A batch refused for one symbol (delisted, unknown to that
        client) is asked again symbol by symbol, so one bad symbol blinds no other position.
        Also returns the "feed symbol" names some open position holds."""
        by_feed: dict[str, tuple[Exchange, set[str]]] = {}
        for gid, (exchange, items) in groups.items():
            by_feed.setdefault(feeds[gid], (exchange, set()))[1].update(
                raw["symbol"] for _, raw in items)
        held = {f"{feed} {symbol}" for feed, (_, symbols) in by_feed.items() for symbol in symbols}
        self.state.previous_pass_at = self.state.last_pass_at
        self.state.groups = (groups, feeds)
        prices: dict[tuple[str, str], Decimal] = {}
        for feed, (exchange, symbols) in by_feed.items():
            tickers = self._tickers(feed, exchange, sorted(symbols))
            for symbol in symbols:
                ticker = tickers.get(symbol)
                name = f"{feed} {symbol}"
                if ticker is None:
                    self.state.missed[name] = self.state.missed.get(name, 0) + 1
                    continue
                self.state.missed[name] = 0
                prices[(feed, symbol)] = self.state.prices[name] = ticker.last
        return prices, held

    def forget_unheld(self, held: set[str], unpriced: set[str]) -> None:
        """Drop the miss counts of feed symbols no open position holds any more: a symbol that
        went stale keeps `prices_fresh` false only while a position still needs its price.
        A position no client could be built for keeps its symbol's counts."""
        for name in list(self.state.missed):
            if name not in held and name.rsplit(" ", 1)[-1] not in unpriced:
                del self.state.missed[name]

    def _tickers(self, feed: str, exchange: Exchange, symbols: list[str]) -> dict[str, Ticker]:
        try:
            return exchange.fetch_tickers(symbols)
        except TransientExchangeError as exc:  # the exchange is away: asking more won't help
            self._log_once(f"tickers:{feed}", "tickers of %s failed: %s", feed, exc.message)
            return {}
        except VerzekError as exc:
            if len(symbols) == 1:
                self._log_once(f"ticker:{feed}:{symbols[0]}", "ticker %s on %s failed: %s",
                               symbols[0], feed, exc.message)
                return {}
            self._log_once(f"tickers:{feed}", "tickers of %s refused (%s): asking each symbol",
                           feed, exc.message)
        out: dict[str, Ticker] = {}
        for symbol in symbols:
            out.update(self._tickers(feed, exchange, [symbol]))
        return out

    def mark(self, name: str, now: datetime) -> Decimal | None:
        """The last price of the feed symbol `name` while it is fresh: None when no pass read
        it, when the last few polls missed it (stale), or when the monitor's last pass is too
        old (see `MARK_MAX_AGE_FLOOR_S`)."""
        price = self.state.prices.get(name)
        if price is None or self.state.missed.get(name, 0) >= self._stale_after:
            return None
        last = _parsed(self.state.last_pass_at)
        if last is None:
            return None
        previous = _parsed(self.state.previous_pass_at)
        cadence_s = (last - previous).total_seconds() if previous is not None else 0.0
        max_age_s = max(MARK_MAX_AGE_FLOOR_S, self._stale_after * cadence_s)
        return price if (now - last).total_seconds() <= max_age_s else None

    def position_mark(self, position_id: str, now: datetime) -> Decimal | None:
        """The fresh last price of an open position's symbol, as the monitor read it."""
        name = self.state.feed_of(position_id)
        return None if name is None else self.mark(name, now)

    def paper_mark(self, venue: str, symbol: str, now: datetime) -> Decimal | None:
        """The fresh last price of `symbol` on the shared paper feed: read through `venue`'s
        market list when the monitor did, else through any venue's (one feed serves all)."""
        own = self.mark(f"paper:{venue}:spot {symbol}", now)
        if own is not None:
            return own
        suffix = f" {symbol}"
        for name in sorted(n for n in list(self.state.prices)
                           if n.startswith("paper:") and n.endswith(suffix)):
            found = self.mark(name, now)
            if found is not None:
                return found
        return None

    def stale_symbols(self) -> list[str]:
        return sorted(s for s, n in self.state.missed.items() if n >= self._stale_after)

    def status(self) -> dict[str, Any]:
        stale = self.stale_symbols()
        return {"last_pass_at": self.state.last_pass_at, "symbols": len(self.state.prices),
                "stale_symbols": stale, "prices_fresh": not stale}

    def _log_once(self, key: str, fmt: str, *args: object) -> None:
        allowed, held = self._throttle.allow(key)
        if allowed:
            logger.warning(fmt + " (%d similar held back)", *args, held)


def _parsed(iso: str | None) -> datetime | None:
    return None if iso is None else datetime.fromisoformat(iso)


def feed_key(exchange: Exchange) -> str:
    """Where an exchange client's prices come from: "paper:binance:futures" for a paper client
    (the shared feed, through that venue's market list of one market type), else the exchange's
    name and the market type of its account, when it has one."""
    paper = paper_inner(exchange)
    if paper is not None:
        return f"paper:{paper.name.value}:{paper.market_type.value}"
    market_type = getattr(exchange, "market_type", None)
    name = getattr(exchange, "name", None) or id(exchange)
    name = str(getattr(name, "value", name))
    return f"{name}:{getattr(market_type, 'value', market_type)}" if market_type else name
