"""An entry written in talk rather than given: hedged or in the past ("Good entry for #BTC
would be around 63,000", "#ARB entry was at 1.05"), or a condition rather than an order
("Note: enter only if 4H closes above 38" under "Entry: 38.5")."""

from __future__ import annotations

import re

from verzek.signals.followup import cue_sentence

# An opinion ("would", "could", "maybe", "imo"): the entry is talked about, wherever it stands in
# its sentence ("Ideal entry for #DOT is 6.8-7.0 imo")
_OPINIONS = (r"would|could|might|maybe|perhaps|probably|possibly|i['’]d|we['’]d|imo|imho"
             r"|seems?")
_OPINION_RE = re.compile(rf"(?<![\w'’])(?:{_OPINIONS})(?!\w)")
# ... and, before its price, the past ("#ARB entry was at 1.05"), a plan ("Planning to short
# #ETH around 3600") or a word to those in the trade ("If you entered #AVAX at 34"); after the
# price they may be a call's own note ("... SL 64000 (expecting a bounce)")
_HEDGE_RE = re.compile(
    rf"(?<![\w'’])(?:{_OPINIONS}|was|were|planning|considering|expect(?:s|ed|ing)?"
    r"|if[ \t]+you)(?!\w)"
)
_DIGIT_RE = re.compile(r"\d")
_CLAUSE_END_RE = re.compile(r"[,;(]")
# an entry keyword, then "only if" or a candle close beyond a level before its price
_CONDITION_LEAD_RE = re.compile(
    r"[^\d\n]*?(?:(?<!\w)only[ \t]+(?:if|when|once|after|on)(?!\w)"
    r"|(?<!\w)clos(?:e|es|ed|ing)[ \t]+(?:above|below|over|under)(?!\w))"
)


def is_label(low: str, start: int, end: int) -> bool:
    """An entry keyword at `low[start:end]` written as a field's label: the first word of its
    line ("Entry 0.5", "🟢 Buy zone 0.5"), or with a ":", "-" or "=" after it ("#ARB Entry:
    1.05"), not a word in a sentence ("Good entry for #BTC would be ...")."""
    line_start = low.rfind("\n", 0, start) + 1
    if not any(ch.isalnum() for ch in low[line_start:start]):
        return True
    after = low[end:end + 4].lstrip(" \t")
    return after[:1] in (":", "-", "=", "：")


def hedged(norm: str, low: str, at: int) -> bool:
    """Whether the sentence holding the entry written at `at` hedges or looks back ("would",
    "could", "imo" before the entry's price or in its clause after it; "was", "planning", "if
    you" before it): talk about an entry, not a call. At -1: whether the whole text hedges."""
    if at < 0:
        return _HEDGE_RE.search(low) is not None
    start, end = cue_sentence(norm, at)
    digit = _DIGIT_RE.search(low, at, max(end, at + 1))
    price = digit.start() if digit is not None else end
    if _HEDGE_RE.search(low, start, price) is not None:
        return True
    clause = _CLAUSE_END_RE.search(low, price, max(end, price))  # not "..., SL 13.6 (maybe add"
    return _OPINION_RE.search(low, price, clause.start() if clause else end) is not None


def is_condition(low: str, end: int) -> bool:
    """Whether an entry keyword ending at `end` is followed by a condition before its price:
    "enter only if 4H closes above 38" (a later entry keyword: no order at 38). A dip's
    "Re-entry if it dips to 23.2" is no condition: 23.2 is where it fills."""
    return _CONDITION_LEAD_RE.match(low, end) is not None
