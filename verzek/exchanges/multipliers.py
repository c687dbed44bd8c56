"""Markets that price a bundle of coins: `1000PEPE/USDT:USDT` on Binance futures is the price
of 1,000 PEPE, `SHIB1000/USDT:USDT` on Bybit that of 1,000 SHIB.

A channel calls "#PEPE" at 0.0000123 while the futures market trades 1000PEPE at 0.0123 (or
calls "#1000PEPE" while a spot account holds plain PEPE). `find_market` finds the market the
exchange does list for the same coin and the factor between the two units.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

ONE = Decimal(1)
THOUSAND = Decimal(1000)
# 100, 1000, ..., 1000000000 in front of the coin (1000PEPE, 10000LADYS) or, on Bybit, behind
# it (SHIB1000). A single leading 1 is part of the name (1INCH), never a multiplier.
_PREFIX = re.compile(r"^(10{2,9})(?=[A-Z])")
_SUFFIX = re.compile(r"(?<=[A-Z])(10{2,9})$")


def split_multiplier(base: str) -> tuple[str, Decimal]:
    """`1000PEPE` → (`PEPE`, 1000); `SHIB1000` → (`SHIB`, 1000); `BTC` → (`BTC`, 1)."""
    match = _PREFIX.match(base)
    if match:
        return base[match.end():], Decimal(match.group(1))
    match = _SUFFIX.search(base)
    if match:
        return base[:match.start()], Decimal(match.group(1))
    return base, ONE


def same_coin(a: str, b: str) -> bool:
    """Whether two `BASE/QUOTE` symbols name one coin, however bundled: a follow-up on "PEPE"
    is about the call on "1000PEPE/USDT"."""
    if a == b:
        return True
    base_a, quote_a, _ = _parts(a)
    base_b, quote_b, _ = _parts(b)
    return quote_a == quote_b and split_multiplier(base_a)[0] == split_multiplier(base_b)[0]


def _parts(symbol: str) -> tuple[str, str, str]:
    """(base, quote, settle) of `BASE/QUOTE` or `BASE/QUOTE:SETTLE`."""
    pair, _, settle = symbol.partition(":")
    base, _, quote = pair.partition("/")
    return base, quote, settle


def find_market(symbols: Mapping[str, object], wanted: str) -> tuple[str, Decimal] | None:
    """The listed market for the coin of `wanted`, and how many of `wanted`'s units make one of
    its units (the factor to multiply `wanted`'s prices by): `wanted` itself when listed (1);
    else the same coin bundled differently with the same quote and settlement; else None.

    >>> find_market({"1000PEPE/USDT:USDT": 0}, "PEPE/USDT:USDT")
    ('1000PEPE/USDT:USDT', Decimal('1000'))
    """
    if wanted in symbols:
        return wanted, ONE
    base, quote, settle = _parts(wanted)
    core, mult = split_multiplier(base)
    found: list[tuple[str, Decimal]] = []
    for symbol in symbols:
        b, q, s = _parts(symbol)
        if q != quote or s != settle or core not in b:
            continue  # cheap filter before the regex: most of a listing is other coins
        c, m = split_multiplier(b)
        if c == core:
            found.append((symbol, m / mult))
    if not found:
        return None
    # Two bundles of one coin on one exchange is unheard of; the nearest to the call wins.
    return min(found, key=lambda f: max(f[1], ONE / f[1]))


def price_factor(nominal: Decimal, reference: Decimal | None, market_price: Decimal) -> Decimal:
    """The factor to apply to a call's prices: `nominal` (the units differ by it), unless the
    call's own prices already sit in the market's units (the channel wrote "#PEPE" but quoted
    1000PEPE's price) — whichever of the two puts `reference` nearer the market price."""
    if nominal == ONE or reference is None or reference <= 0 or market_price <= 0:
        return nominal

    def distance(factor: Decimal) -> Decimal:
        ratio = market_price / (reference * factor)
        return max(ratio, ONE / ratio)

    return min((nominal, ONE), key=distance)


def dot_thousands_factor(prices: list[Decimal], market_price: Decimal) -> Decimal:
    """1000 when every price of a call is written with exactly three decimals ("96.500",
    "95.000") and x1000 puts the first by the market price (BTC at 96,800): the dots group
    thousands, as channels in much of Europe write them; else 1. Nothing else is rescaled:
    "145.250" for SOL at 145.3 stays as written."""
    if not prices or market_price <= 0 or any(p.as_tuple().exponent != -3 for p in prices):
        return ONE
    ratio = market_price / (prices[0] * THOUSAND)
    return THOUSAND if Decimal("0.8") <= ratio <= Decimal("1.25") else ONE
