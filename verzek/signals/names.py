"""Full coin names ("Solana", "shiba inu", "BITCOIN") and the tickers they stand for.

A name is no ticker: "BITCOIN SHORT 65000 ..." is a call on BTC, not on a coin "BITCOIN". Names
are read only where a bare coin is, under the same caution (`lowercase.call_coin` for a call,
`followup_coin` for a follow-up), written in lower case, in capitals, or capitalised as a name
is ("Bitcoin", "Shiba Inu", "Shiba inu"; not "BitCoin"). The map is curated in `coins.py`.
"""

from __future__ import annotations

import re

from verzek.signals.coins import COIN_NAMES, KNOWN_COINS, WORD_NAMES

# Every word of a name that is no ticker itself ("bitcoin", "shiba", "inu", "protocol"; not
# "near", "pepe" or "sui"): the upper-case readers take none of them for a ticker.
NAME_WORDS = frozenset(word for name in COIN_NAMES for word in name.split()) - KNOWN_COINS
# The names of several words, longest first, as a pattern on lower-cased text ("shiba inu",
# "bitcoin  cash"); a reader tries them before a name's first word alone ("bitcoin").
MULTI_NAMES = "|".join(
    name.replace(" ", r"[ \t]+")
    for name in sorted((n for n in COIN_NAMES if " " in n), key=lambda n: -len(n))
)
# a name of several words ending where a coin word ends: "bitcoin cash" before "long 300"
_MULTI_NAME_END_RE = re.compile(rf"(?<![\w#$])(?:{MULTI_NAMES})\Z")
_MULTI_NAME_RE = re.compile(rf"(?:{MULTI_NAMES})(?!\w)")
MULTI_HEADS = frozenset(name.split()[0] for name in COIN_NAMES if " " in name)


def name_ticker(name: str) -> str | None:
    """The ticker (lower case) a full name stands for, however its words are spaced; or None."""
    return COIN_NAMES.get(" ".join(name.lower().split()))


def is_word_name(name: str) -> bool:
    """A name that is also an ordinary word ("ripple", "cosmos"): it needs strong evidence."""
    return " ".join(name.lower().split()) in WORD_NAMES


def is_name_case(written: str) -> bool:
    """Lower case, capitals, or capitalised as a name: "Bitcoin", "Shiba Inu", "Shiba inu"."""
    return (written.islower() or written.isupper() or written.istitle()
            or (written[0].isupper() and written[1:].islower()))


def multi_name_at(low: str, at: int) -> int | None:
    """Where the name of several words starting at `at` ends ("shiba inu ..."), or None."""
    match = _MULTI_NAME_RE.match(low, at)
    return match.end() if match is not None else None


def multi_name_before(low: str, end: int) -> int | None:
    """Where the name of several words ending at `end` starts ("... bitcoin cash"), or None."""
    match = _MULTI_NAME_END_RE.search(low, max(0, end - 40), end)
    return match.start() if match is not None else None
