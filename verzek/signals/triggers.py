"""Trigger entries: "LONG above 65500", "Short #SOL below 140", "buy on a breakout above 3050".

The entry is the price the market must cross first. Said with the side's own direction (a long
above, a short below) it is a breakout: nothing is bought until the price gets there. Said the
other way (a long below) it is a plain entry price, a dip to buy.
"""

from __future__ import annotations

import re
from typing import Literal

from verzek.domain.models import Side
from verzek.signals.keywords import LONG_BEFORE_RE, guarded
from verzek.signals.numbers import Price
from verzek.signals.sections import segment_prices

Direction = Literal["above", "below"]
_LEADS = ("long", "buy", "short", "sell", "entry", "enter", "open", "breakout", "breakdown",
          "break", "breaks", "trigger")
_TRIGGER_RE = re.compile(
    f"(?:{guarded(_LEADS)})(?!\\w)"
    r"(?:[ \t]+[#$]?[a-z0-9]{2,16}(?:/[a-z]{3,5})?(?=[ \t]))?"  # the coin: "long btc above"
    r"(?:[ \t]+(?:on|after|at|if|once|when)(?:[ \t]+(?:a|the|price))?"
    r"(?:[ \t]+(?:breakout|break|breakdown|breaks|closes?|goes|moves?|candle[ \t]+close))?)?"
    r"[ \t]*:?[ \t]*(?<![a-z/])(?P<dir>above|over|below|under)[ \t]*[:\-]?[ \t]*(?=\$?[ \t]*\d)"
)
_UP = {"above": True, "over": True, "below": False, "under": False}


def trigger_entry(low: str) -> tuple[Direction, list[Price]] | None:
    """The direction and the price of a trigger entry written in `low`, or None."""
    if "above" not in low and "below" not in low and "over" not in low and "under" not in low:
        return None
    match = _TRIGGER_RE.search(low)
    if match is None:
        return None
    other = _TRIGGER_RE.search(low, match.end())
    if other is not None and _UP[other.group("dir")] != _UP[match.group("dir")]:
        return None  # "LONG above 65000 ... SHORT below 63000": two scenarios, no call
    line_end = low.find("\n", match.end())
    prices, _ = segment_prices(low, match.end(), line_end if line_end >= 0 else len(low))
    if not prices:
        return None
    direction: Direction = "above" if _UP[match.group("dir")] else "below"
    return direction, prices[:1]


def with_trigger(low: str, entries: list[Price], at_market: bool,
                 ) -> tuple[Direction | None, list[Price]]:
    """The entries read, and the direction when they are a trigger: no entry read but "LONG
    above 65500", or the one entry read is that price ("Entry: above 65500")."""
    if at_market or len(entries) > 1:
        return None, entries
    found = trigger_entry(low)
    if found is None or (entries and entries[0].value != found[1][0].value):
        return None, entries
    return found


def breakout(side: Side, direction: Direction | None) -> Direction | None:
    """The direction when it makes a breakout for `side` (a long above, a short below): the
    entry then waits for the price to cross; otherwise None (a plain entry price)."""
    if direction == ("above" if side is Side.LONG else "below"):
        return direction
    return None


def stop_order(kind: str, seen_entry: bool, low: str, start: int) -> tuple[str, Direction | None]:
    """A buy stop is a long's entry above the price, a sell stop a short's below it; written
    after the entry (a sell stop after a buy or a long) it is the trade's stop loss instead."""
    if kind == "buystop":
        return ("stop", None) if seen_entry else ("buylabel", "above")
    if seen_entry or LONG_BEFORE_RE.search(low, 0, start):
        return "stop", None
    return "shortentry", "below"
