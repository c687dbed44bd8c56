"""Which well-known coin a follow-up names bare ("sol closed in profit ✅", "link tp1 hit 🎯").

A follow-up that names no coin acts on the channel's latest call, whatever coin that is; so a
bare coin word the tag, pair and upper-case readers leave alone must still be seen: "sol closed
in profit" after a #ETH call must not close the ETH trade. Only tickers of `coins.py` count
(not a call's header word: "quick update"), written in lower case, in capitals, or capitalised
at the start of a line ("Sol closed ..."); "btc dominance" is the market, not the coin.
- A plain ticker ("btc", "eth", "sol") names the coin anywhere in the cue's sentence or on the
  message's first line. Named only elsewhere in the message, it leaves the follow-up unsure.
- A ticker that is also a word ("link", "dot", "near", "op", "ton") names the coin only in a
  strong place: heading the cue's sentence right before the cue ("link tp1 hit", "dot: sl hit",
  "link long tp2 ✅"), alone on the message's first line ("link 🔗\\ntp1 ✅"), right after a
  close verb ("closed link", "close ton now") or after "on"/"for" behind the cue ("move sl to
  entry on link"), the clause ending there or going on with a price or "in profit", "now"...
  ("closed link in bio" names no coin). Right before the cue inside its sentence ("finally link
  tp1 hit") it leaves the follow-up unsure; elsewhere it is a word. Where it reads as the word
  ("closed near 65000", "NEAR ENTRY", "a ton of profit": `wordcoins.py`) it is the word; heading
  the cue so ("NEAR TP1 HIT ✅": NEAR's target, or "near TP1"?) it leaves the follow-up unsure.
- A full name ("bitcoin", "Shiba Inu", "RIPPLE": `names.py`) counts as its ticker, a plain one or
  one that is also a word as the name is; a name may be capitalised anywhere ("TP1 hit on
  Solana").
The caller (`followup.read_update`) takes the one coin named, and applies a follow-up naming
several, or unsure, to no call.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from verzek.signals.coins import COIN_NAMES, KNOWN_COINS, PLAIN_COINS
from verzek.signals.lowercase import LEAD_WORDS
from verzek.signals.names import MULTI_HEADS, is_name_case, is_word_name, multi_name_at
from verzek.signals.wordcoins import is_word_use

# a whole word: not part of a tag, pair, handle, decimal or dashed word ("#sol", "btc/usdt",
# "btc.d", "eth-based")
_WORD_RE = re.compile(r"(?<![\w#$@/.\-'’])[a-z0-9]{2,16}(?![\w/]|[.\-][a-z0-9])")
# words that may stand between a ticker heading its sentence and the cue ("sol long closed",
# "link update: tp1 ✅"); "quick update: tp1 hit" names no coin (a call's header word)
_FILLERS = frozenset(("update", "updates", "signal", "trade", "call", "position", "long",
                      "short", "usdt", "perp", "futures", "spot", "scalp"))
# "btc dominance", "btc dom": the market, not a trade on the coin
_NOT_THE_COIN_RE = re.compile(r"[ \t]+(?:dominance|dom)(?!\w)")
# the words that may name a coin: tickers, names, and the first words of names ("shiba inu")
_COIN_WORDS = KNOWN_COINS | frozenset(COIN_NAMES) | MULTI_HEADS
_FILLER_RE = re.compile(r"[a-z0-9]+")
_VERB_RE = re.compile(r"(?<!\w)(?:close[sd]?|closing|cancel\w*|exit(?:ed|ing)?)[ \t]+"
                      r"(?:(?:the|my|our|your|all)[ \t]+)?")
_ON_BEFORE_RE = re.compile(r"(?<!\w)(?:on|for)[ \t]+\Z")
# what may follow a ticker after the cue: the clause ends, or goes on with a price or a word
# that is no noun of its ("closed link in profit", "close ton now", "closed dot 7.5"); not
# "closed link in bio", "closed near entry"
_CLAUSE_END_RE = re.compile(
    r"[ \t]*(?:\Z|\n|\d|[^\w\s]|(?:in[ \t]+(?:profit|loss|green|red|plus|minus)|at|with|now|too"
    r"|also|position|positions|trade|long|short|manually|and|today|here|usdt|perp)(?!\w))"
)


class NamedCoins(NamedTuple):
    """The coins a follow-up names bare: `close` in a strong place next to the cue, `near` in
    the cue's sentence or the first line (these included); `doubt`: a word ticker right before
    the cue inside its sentence ("sol tp1 ✅ link tp2 ✅"), maybe a word; `far`: a plain
    ticker named only elsewhere."""

    close: frozenset[str]
    near: frozenset[str]
    doubt: frozenset[str]
    far: bool


_NONE = NamedCoins(frozenset(), frozenset(), frozenset(), False)


def named_coins(text: str, low: str, at: int, start: int, end: int) -> NamedCoins:
    """The bare coins `text` names around the cue at `at`, whose sentence is `low[start:end]`
    (`low` is `text` lower-cased, the same length); as "BASE/USDT"."""
    if _COIN_WORDS.isdisjoint(_WORD_RE.findall(low)):  # the usual follow-up: no coin word
        return _NONE
    close: set[str] = set()
    near: set[str] = set()
    doubt: set[str] = set()
    far = False
    first_line_end = low.find("\n")
    first_line_end = len(low) if first_line_end < 0 else first_line_end
    for match in _WORD_RE.finditer(low):
        s, e = match.span()
        coin = _coin_named(text, low, s, e)
        if coin is None:
            continue
        symbol, e, plain = coin
        if _NOT_THE_COIN_RE.match(low, e):
            continue
        if is_word_use(low, s, e):  # "closed near entry", "NEAR TARGET 2"
            if e <= at and s >= start and not _has_word(low, start, s) and \
                    _only_fillers(low, e, at):
                doubt.add(symbol)  # "NEAR TP1 HIT ✅": the coin's target, or "near TP1"?
            continue
        if _strong_place(low, s, e, at, start, end, first_line_end):
            close.add(symbol)
            near.add(symbol)
        elif plain:
            if start <= s < end or s < first_line_end:
                near.add(symbol)
            else:
                far = True
        elif start <= s and e <= at and _only_fillers(low, e, at):
            doubt.add(symbol)
    return NamedCoins(frozenset(close), frozenset(near), frozenset(doubt), far)


def _coin_named(text: str, low: str, s: int, e: int) -> tuple[str, int, bool] | None:
    """The coin the word at `low[s:e]` names, as ("BASE/USDT", where it ends, whether it is
    a plain ticker or name), or None: a full name ("shiba inu", "Bitcoin") or a ticker."""
    word = low[s:e]
    name_end = multi_name_at(low, s) if word in MULTI_HEADS else None
    if name_end is not None or (word in COIN_NAMES and word not in KNOWN_COINS):
        e = name_end or e
        name = " ".join(low[s:e].split())
        if not is_name_case(text[s:e]):
            return None
        return f"{COIN_NAMES[name].upper()}/USDT", e, not is_word_name(name)
    if word not in KNOWN_COINS or word in LEAD_WORDS:  # "quick update: tp1 hit"
        return None
    if not _coin_case(text[s:e], text, low, s):
        return None
    return f"{word.upper()}/USDT", e, word in PLAIN_COINS


def _coin_case(written: str, text: str, low: str, at: int) -> bool:
    """Lower case or capitals; capitalised only at the start of its line ("Sol closed")."""
    if written.islower() or written.isupper():
        return True
    line_start = low.rfind("\n", 0, at) + 1
    return written[0].isupper() and written[1:].islower() and not any(
        ch.isalnum() for ch in text[line_start:at])


def _strong_place(low: str, s: int, e: int, at: int, start: int, end: int,
                  first_line_end: int) -> bool:
    """Whether the word at `low[s:e]` stands where only a coin would (see the module doc)."""
    if e <= at and s >= start and not _has_word(low, start, s):
        return _only_fillers(low, e, at)  # "link tp1 hit", "sol long: closed ..."
    if e <= first_line_end < at and not _has_word(low, 0, s):
        return _only_fillers(low, e, first_line_end)  # "link 🔗\ntp1 ✅"
    if not (start <= s < end) or not _CLAUSE_END_RE.match(low, e):
        return False
    verb = _VERB_RE.search(low, start, s)
    while verb is not None:  # "closed link", "close the dot now"
        if verb.end() == s:
            return True
        verb = _VERB_RE.search(low, verb.end(), s)
    # "move sl to entry on link", "sl hit for dot"
    return s > at and _ON_BEFORE_RE.search(low, max(start, s - 6), s) is not None


def _has_word(low: str, start: int, stop: int) -> bool:
    return any(ch.isalnum() for ch in low[start:stop])


def _only_fillers(low: str, start: int, stop: int) -> bool:
    """Only marks, spaces and filler words between; no comma or semicolon ("super, tp1 hit")."""
    if low.find(",", start, stop) >= 0 or low.find(";", start, stop) >= 0:
        return False  # (finditer: the first word no filler ends it, "NEAR NEAR ... TP1 HIT")
    return all(word.group() in _FILLERS for word in _FILLER_RE.finditer(low, start, stop))
