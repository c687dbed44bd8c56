"""The coins a follow-up names bare besides the one it is read for, so that a round-up of
several trades ("LINK TP3 ✅\\nDOT TP2 ✅\\nAVAX SL ❌", "SOL TP2 ✅ and LINK TP1 ✅", "Cancel ETH
and SOL orders") is applied to no call, rather than to whichever coin was read first.

Only well-known tickers count (`coins.py`), and only where a coin stands:
- in capitals inside a message that also has lower case ("Cancel ETH and SOL orders"): a plain
  ticker anywhere, a word ticker ("LINK", "DOT", "NEAR") unless it reads as the word;
- in a message all in capitals: a plain ticker anywhere ("CLOSED BTC ETH"), a word ticker only
  heading a line (case says nothing there: "SL MOVED NEAR ENTRY" names no coin);
- in any case heading a line and followed by its outcome ("link tp3 ✅", "1. ORDI - all targets
  ✅", "APT: TP1 ✅"), as round-ups list them.
"""

from __future__ import annotations

import re

from verzek.signals import keywords as kw
from verzek.signals.chatwords import is_chat_word
from verzek.signals.coins import KNOWN_COINS, PLAIN_COINS
from verzek.signals.symbols import NOT_COINS
from verzek.signals.wordcoins import is_word_use

_UPPER_RE = re.compile(r"(?<![\w#$/.\-])(?=[A-Z0-9]*[A-Z])[A-Z0-9]{2,16}(?![\w/]|[.\-][A-Za-z0-9])")
# a line headed by a coin and its outcome: "link tp3 ✅", "2. TIA - TP2 ✅", "APT: TP1 ✅"
_LINE_HEAD_RE = re.compile(
    r"^[^\w\n]*(?:\d{1,2}[.)][ \t]*)?[#$]?(?P<coin>[a-z0-9]{2,16})[ \t]*(?:[:\-–|][ \t]*)?"
    r"(?=tp[ \t]*\d|target|all[ \t]+targets|(?:sl|stop)[ \t]*(?:hit|❌|⛔|🛑)|stopped|closed"
    r"|hit|✅|❌|⛔|🛑|✔)",
    re.MULTILINE,
)


def other_coins(norm: str, low: str, symbol: str | None) -> bool:
    """Whether `norm` (`low` its lower-case form) names a well-known coin, bare, besides
    `symbol`'s base (or, with no `symbol`, two of them)."""
    named: set[str] = set()
    if symbol is not None:
        named.add(symbol.split("/")[0].lower())
    mixed = any(c.islower() for c in norm)
    for match in _UPPER_RE.finditer(norm):
        word = match.group().lower()
        if word not in KNOWN_COINS or word.upper() in NOT_COINS or is_chat_word(word):
            continue
        if word not in PLAIN_COINS and (not mixed or is_word_use(low, *match.span())):
            continue
        named.add(word)
        if len(named) > 1:
            return True
    for match in _LINE_HEAD_RE.finditer(low):
        word = match.group("coin")
        if word in KNOWN_COINS and not kw.FIELD_RE.fullmatch(word) and \
                not is_word_use(low, *match.span("coin")):
            named.add(word)
            if len(named) > 1:
                return True
    return False


# the one word before a cue in its sentence, in a message all in capitals: "SHIB1000 TP2 ✅"
_HEAD_RE = re.compile(r"[^\w\n]*(?P<word>[A-Z0-9]{2,16})[^\w\n]*\Z")


def capital_head(norm: str, low: str, start: int, at: int) -> str | None:
    """In a message all in capitals, the ticker-shaped word heading the cue's sentence
    (`norm[start:at]`, right before the cue at `at`), which no reader took for a coin: "SHIB1000
    TP2 ✅", "XYZ TP2 ✅", "BOOM TP2 ✅". Capitals say nothing there, so it may be a coin or
    a word; None when there is no such word, or it is a known word ("LONG TP1 HIT", "TRADE
    CLOSED EARLY")."""
    if at <= start or any(c.islower() for c in norm):
        return None
    head = _HEAD_RE.match(norm, start, at)
    if head is None:
        return None
    word = head.group("word")
    lower = word.lower()
    if word.isdigit() or word in NOT_COINS or is_chat_word(lower) or kw.FIELD_RE.match(lower) \
            or is_word_use(low, *head.span("word")):
        return None
    return word
