"""A call's prices as one user's entry needs them: in the market's units, percentages made
prices, where the first entry is expected to fill, a breakout's trigger, the exchange symbol,
the position's id. Pure: no exchange request, no store."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from verzek.domain.exits import is_crossed, percent_from
from verzek.domain.models import MarketType, Side, Signal, StrategySettings
from verzek.errors import InvalidInput
from verzek.exchanges.base import Exchange

ZERO = Decimal(0)


def in_market_units(signal: Signal, factor: Decimal) -> Signal:
    """The call with its prices in the units of the market traded (a call on PEPE trading
    1000PEPE: every price x1000)."""
    if factor == 1:
        return signal
    return signal.model_copy(update={
        "entries": [e * factor for e in signal.entries],
        "targets": [t * factor for t in signal.targets],
        "stop_loss": signal.stop_loss * factor if signal.stop_loss is not None else None})


def with_pct_prices(signal: Signal, price: Decimal, exchange: Exchange, symbol: str) -> Signal:
    """Targets and stop written as percentages ("Entry: CMP, TP 2% 4%, SL 3%") as prices on
    the market's tick, measured from the entries' mean, or from `price` for a market entry; a
    target no price can be (a short's 100 % or more) is dropped."""
    update: dict[str, Any] = {}
    if signal.entries and not signal.entry_is_market:
        price = sum(signal.entries, ZERO) / len(signal.entries)
    if signal.target_pcts and not signal.targets:
        update["targets"] = [exchange.price_to_precision(symbol, t) for t in (
            percent_from(signal.side, price, p, favourable=True) for p in signal.target_pcts)
            if t > 0]
    if signal.stop_pct is not None and signal.stop_loss is None:
        update["stop_loss"] = exchange.price_to_precision(
            symbol, percent_from(signal.side, price, signal.stop_pct, favourable=False))
    return signal.model_copy(update=update) if update else signal


def pct_exits(signal: Signal) -> dict[str, Any] | None:
    """The exits a market entry's call wrote as percentages, kept to be measured again from
    the price the entry fills at (`protection.measured_from_fill`)."""
    if signal.entries and not signal.entry_is_market:
        return None  # measured from the entries written: they are known before the order
    out: dict[str, Any] = {}
    if signal.target_pcts and not signal.targets:
        out["targets"] = [str(p) for p in signal.target_pcts
                          if signal.side is Side.LONG or p < 100]
    if signal.stop_pct is not None and signal.stop_loss is None:
        out["stop"] = str(signal.stop_pct)
    return out or None


def entry_span(signal: Signal, price: Decimal, strategy: StrategySettings,
               ) -> tuple[Decimal, Decimal]:
    """(where the first entry is expected to fill, where the last one rests): the breakout's
    trigger, or the market for a market entry, for both; a limit entry's edge for both; a
    split entry's nearest and farthest prices (none past the market). The DCA levels are
    planned from the last (safety orders lie beyond the whole entry) and re-based at the real
    first fill by how far it landed from the first."""
    trigger = waiting_trigger(signal, price)
    if trigger is not None:
        return trigger, trigger
    if signal.entry_is_market or not signal.entries or strategy.entry_type == "market":
        return price, price
    buy = signal.side is Side.LONG
    low, high = min(signal.entries), max(signal.entries)
    far = low if buy else high  # a limit entry rests at the zone's far edge (`_place_entry`)
    near = far if strategy.entry_type == "limit" else (high if buy else low)
    clamp = min if buy else max  # never past the market
    return clamp(near, price), clamp(far, price)


def waiting_trigger(signal: Signal, price: Decimal) -> Decimal | None:
    """The trigger price of a breakout entry the market has not crossed yet ("LONG above
    65500" at 65000), else None (no trigger, or crossed already: enter now)."""
    if signal.entry_trigger is None or not signal.entries:
        return None
    trigger = signal.entries[0]
    return None if is_crossed(signal.entry_trigger, trigger, price) else trigger


def exchange_symbol(symbol: str, market_type: MarketType) -> str:
    """`BTC/USDT` on spot, `BTC/USDT:USDT` for a USDT-margined perpetual."""
    base_quote = symbol.split(":")[0]
    if base_quote.count("/") != 1 or not all(base_quote.split("/")):
        raise InvalidInput(f"symbol {symbol!r} is not BASE/QUOTE", details={"field": "symbol"})
    if market_type is MarketType.SPOT:
        return base_quote
    return f"{base_quote}:{base_quote.split('/')[1]}"


def position_id_for(signal_id: str, user_id: str, account_id: str) -> str:
    """Deterministic: the same signal for the same user and account is the same position."""
    digest = hashlib.sha256(f"{signal_id}|{user_id}|{account_id}".encode()).hexdigest()
    return f"p{digest[:20]}"
