"""Stops and targets written as percentages from the entry ("SL: 5%", "TP: +2% / +4%"),
turned into prices once the side and the entries are known."""

from __future__ import annotations

import re
from decimal import Decimal

from verzek.domain.models import Side
from verzek.signals.numbers import strip_markers

# "SL: 5%", "Stop loss - -3.5 %": a stop written as a distance from the entry, nothing after it;
# "SL: 3-5%" (group 2: the far end of a range, whole numbers only: "1.17 - 5%" is a price and
# its distance), and under a "Stop Targets:" header line ("1) 5%")
STOP_PCT_RE = re.compile(
    r"[ \t]*[:=\-–]?[ \t]*(?:\n[ \t]*(?:1\)[ \t]*)?)?-?[ \t]*(\d{1,2}(?:[.,]\d{1,2})?)"
    r"(?:(?<![.,]\d)(?<![.,]\d\d)[ \t]*[-–~][ \t]*(\d{1,2}))?[ \t]*%"
    r"(?:[ \t]+(?:below|under|above|from)[ \t]+(?:the[ \t]+)?(?:entry|average|avg)"
    r"(?:[ \t]+price)?)?"
    r"[ \t]*(?:\n|$)")
_TARGET_PCTS_RE = re.compile(
    r"\+?\d{1,3}(?:[.,]\d{1,2})?[ \t]*%(?:[ \t]*(?:[/,|&;\n]|-|and)?[ \t]*\+?\d{1,3}"
    r"(?:[.,]\d{1,2})?[ \t]*%)*")
_PCT_VALUE_RE = re.compile(r"(\d{1,3}(?:[.,]\d{1,2})?)[ \t]*%")


def stop_pct(low: str, start: int, end: int) -> Decimal | None:
    """The percentage of a stop field `low[start:end]` written as one ("SL: 5%"), or None; of a
    range ("SL: 3-5%") its nearer end, the most the call means to risk."""
    match = STOP_PCT_RE.match(low, start, end)
    if match is None:
        return None
    near = Decimal(match.group(1).replace(",", "."))
    if match.group(2) is not None and int(match.group(2)) <= near:  # "7 - 5%": no range
        return None
    return near


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
    segment = strip_markers(low[start:end]).strip(" \t\n:=-–")  # "1) 3% 2) 6%": no marker
    if not segment or _TARGET_PCTS_RE.fullmatch(segment) is None:
        return []
    return [Decimal(v.replace(",", ".")) for v in _PCT_VALUE_RE.findall(segment)]
