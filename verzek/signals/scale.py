"""The scale of a call's prices on a pair quoted in a coin: satoshis ("Buy: 120-125 sats" is
0.00000120 - 0.00000125 BTC), and whole numbers no coin is worth in BTC or ETH.

Channels trading altcoins against BTC write prices in satoshis, with the unit ("120 sats",
"410 satoshi") or without it, as Cornix reads "Buy 1200-1250" on an "ADA/BTC" call. A price
written with the unit is read in BTC (one satoshi is 0.00000001 BTC), on a BTC pair only: on
any other quote what the unit means is unsure. A price with no unit that no altcoin has in BTC
(10 BTC or more) or in ETH or BNB (1000 or more) is refused: satoshis, gwei or a misplaced
decimal point, the scale is unsure, and trading it as written would buy at a price a
thousand-fold off.
"""

from __future__ import annotations

import re
from decimal import Decimal

# a number followed by the unit: "125 sats", "45 sat", "410 satoshi", "120sats"; not the coin
# "1000SATS" ("#1000SATS/USDT", "1000SATSUSDT", "1000SATS LONG")
_SATS_RE = re.compile(r"(?<![\w#$.,])(?!10+sats)\d[\d.,]*[ \t]*(?:sats?|satoshis?)(?![\w/])")
_SATOSHI = -8  # the exponent of one satoshi in BTC
# the least price, in the quote, that no coin traded against it has ("BTC": 10 BTC)
_TOO_HIGH = {"BTC": Decimal(10), "ETH": Decimal(1000), "BNB": Decimal(1000)}
QUOTED_IN_COINS = tuple(f"/{quote}" for quote in _TOO_HIGH)

Prices = tuple[list[Decimal], list[Decimal], Decimal | None]


def in_sats(low: str) -> bool:
    """Whether the lower-cased message writes a price in satoshis."""
    return "sat" in low and _SATS_RE.search(low) is not None


def rescale(symbol: str, low: str, entries: list[Decimal], targets: list[Decimal],
            stop: Decimal | None) -> Prices | str:
    """The prices in the pair's quote, or why their scale is unsure. Called for a pair quoted
    in a coin (`QUOTED_IN_COINS`), or a message `in_sats`."""
    quote = symbol.rpartition("/")[2]
    if in_sats(low):
        if quote != "BTC":
            return (f"prices written in satoshis on {symbol}, which is not quoted in BTC: the "
                    "price scale is unsure")
        entries = [_from_sats(p) for p in entries]
        targets = [_from_sats(p) for p in targets]
        stop = _from_sats(stop) if stop is not None else None
    limit = _TOO_HIGH.get(quote)
    if limit is not None:
        for price in (*entries, *targets, *([stop] if stop is not None else [])):
            if price >= limit:
                return (f"a price of {price} {quote} for one {symbol.partition('/')[0]} is no "
                        "price the coin has (satoshis written whole?): the price scale is unsure")
    return entries, targets, stop


def _from_sats(price: Decimal) -> Decimal:
    """A price of 1 or more in a message in satoshis is satoshis; a smaller one is in BTC
    already ("0.00000120 (120 sats)")."""
    return price.scaleb(_SATOSHI) if price >= 1 else price
