"""When a ticker that is also an ordinary word ("near", "link", "ton": `coins.WORD_COINS`) is
written as that word, in any case: every reader of bare coins asks this module.

Case says nothing here: "CLOSED NEAR ENTRY" and "SL moved NEAR breakeven" are the same English
as "closed near entry". A bare word ticker is the word, not the coin, when
- it is "near" before a price or a level ("near 65000", "NEAR ENTRY", "near the top", "near
  breakeven", "NEAR TP2", "near my stop"), or after a verb, an adverb or a field word ("price
  is near", "TP2 very near", "TP NEAR");
- it is followed by "of" ("a TON of profit");
- the message names another coin that is no such word (`other_coin_named`): "BTC closed near
  ✅" is about BTC.
A tag, a pair or a label ("#NEAR", "$NEAR", "NEARUSDT", "NEAR/USDT", "Coin: NEAR") always names
the coin; those readers never ask.
"""

from __future__ import annotations

import re
from functools import lru_cache

from verzek.signals.coins import COIN_NAMES, PLAIN_COINS, WORD_COINS, WORD_NAMES

# "near" before a price or a level: "near 65000", "near -2%", "near entry", "near the top",
# "near tp2", "near my stop"
_NEAR_BEFORE_LEVEL_RE = re.compile(
    r"[ \t]*(?:[$+\-–]?[ \t]*\d|(?:entry|entries|the|our|my|your|be|break\w*|tp|targets?|sl|stop"
    r"|high|low|top|bottom|support|resistance|zero|ath|cost|levels?|here|there|term|current"
    r"|market|price)(?!\w)|(?:tp|target)[ \t]?\d)"
)
# "near" after a verb, an adverb or a field word: "price is near", "tp2 very near", "tp near"
_NEAR_AFTER_RE = re.compile(
    r"(?<!\w)(?:is|are|was|were|been|very|so|too|getting|still|trading|price|entry|entries"
    r"|tp\d*|targets?|target\d+|sl|stop|breakeven)[ \t]+\Z"
)
_OF_AFTER_RE = re.compile(r"[ \t]+of(?!\w)")
# a whole word: not part of a tag, pair, handle, decimal or dashed word ("#sol", "btc/usdt")
_WORD_RE = re.compile(r"(?<![\w#$@/.\-'’])[a-z0-9]{2,16}(?![\w/]|[.\-][a-z0-9])")
# coins no ordinary word: their names and plain tickers ("btc", "bitcoin", "solana")
_OTHER_COINS = PLAIN_COINS | (frozenset(COIN_NAMES) - WORD_NAMES - WORD_COINS)


def is_word_use(low: str, start: int, end: int) -> bool:
    """Whether the word ticker at `low[start:end]` (lower-cased text) reads as the English word
    there; False for any other word."""
    word = low[start:end]
    if word not in WORD_COINS:
        return False
    if _OF_AFTER_RE.match(low, end) is not None:
        return True
    return word == "near" and (
        _NEAR_BEFORE_LEVEL_RE.match(low, end) is not None
        or _NEAR_AFTER_RE.search(low, max(0, start - 16), start) is not None)


@lru_cache(maxsize=256)  # asked once per word ticker read: a message with many asks it once
def other_coin_named(low: str) -> bool:
    """Whether `low` (lower-cased text) names a coin that is no ordinary word: a plain ticker or
    a full name ("btc", "SOL", "Bitcoin"); so never the word ticker in question."""
    return not _OTHER_COINS.isdisjoint(_WORD_RE.findall(low))


def reads_as_word(low: str, start: int, end: int) -> bool:
    """Whether the bare word at `low[start:end]` is a word ticker that reads as the word there,
    or stands beside another coin named (see the module doc); False for any other word."""
    return low[start:end] in WORD_COINS and (
        is_word_use(low, start, end) or other_coin_named(low))
