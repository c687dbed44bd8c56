"""Stops and targets written as percentages from the entry ("SL: 5%", "TP: +2% / +4%"),
turned into prices once the side and the entries are known."""

from __future__ import annotations

import re
from decimal import Decimal

from verzek.domain.models import Side

# "SL: 5%", "Stop loss - -3.5 %": a stop written as a distance from the entry, nothing after it
STOP_PCT_RE = re.compile(
    r"[ \t]*[:=\-–]?[ \t]*-?[ \t]*(\d{1,2}(?:[.,]\d{1,2})?)[ \t]*%"
    r"(?:[ \t]+(?:below|under|above|from)[ \t]+(?:the[ \t]+)?(?:entry|average|avg)"
    r"(?:[ \t]+price)?)?"
    r"[ \t]*(?:\n|$)")
_TARGET_PCTS_RE = re.compile(
    r"\+?\d{1,3}(?:[.,]\d{1,2})?[ \t]*%(?:[ \t]*(?:[/,|&;\n]|-|and)?[ \t]*\+?\d{1,3}"
    r"(?:[.,]\d{1,2})?[ \t]*%)*")
_PCT_VALUE_RE = re.compile(r"(\d{1,3}(?:[.,]\d{1,2})?)[ \t]*%")


def from_pct(side: Side, entries: list[Decimal], pct: Decimal, *,
             against: bool) -> Decimal | None:
    """The price `pct` % from the entries' mean: against the trade (a stop: below a long's
    entry) or with it (a target), to the entries' precision and two more digits (trailing
    zeros dropped); None for a percentage no such price can be (0, or 100 or more against
    the trade)."""
    if pct <= 0 or (against and pct >= 100):
        return None
    mean = sum(entries, Decimal(0)) / len(entries)
    up = (side is Side.LONG) is not against
    factor = 1 + pct / 100 if up else 1 - pct / 100
    exponent = min(int(e.as_tuple().exponent) for e in entries) - 2
    price = (mean * factor).quantize(Decimal(1).scaleb(exponent)).normalize()
    return price.quantize(Decimal(1)) if int(price.as_tuple().exponent) > 0 else price  # no 5E+2


def target_pcts(low: str, start: int, end: int) -> list[Decimal]:
    """ "+2% / +4% / 6%": targets written as gains from the entry; [] unless the segment is
    nothing but such percentages."""
    segment = low[start:end].strip(" \t\n:=-–")
    if not segment or _TARGET_PCTS_RE.fullmatch(segment) is None:
        return []
    return [Decimal(v.replace(",", ".")) for v in _PCT_VALUE_RE.findall(segment)]
