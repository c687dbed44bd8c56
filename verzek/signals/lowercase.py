"""Coins written bare and in lower case ("long btc 65000 tp 67000 sl 64000"), and coins written
by their full name in any case ("Solana long entry 150 ...", "BITCOIN SHORT 65000 ..."): read
only where the message is shaped as a call, so chat that mentions coins, sides and prices stays
chat.

Upper case or a tag says a word is a ticker; lower case says nothing, and neither does a name's
case ("I think Bitcoin will go up"). A lower-case bare word (or one capitalised at the start of
its line, as a phone's keyboard writes "Eth short 3420"), or a full name (`names.py`), is a coin
only when all of these hold (the parser checks the prices, this module the words):
- the word is a well-known ticker or name (`coins.py`); one that is also an ordinary word
  ("link", "dot", "op", "ton", "ripple", "cosmos") needs strong evidence: the call opens the
  message, the coin is followed by its entry, and entries, targets and a stop are all given;
  "near" before a price or a level ("long near entry 5.2") is the word (`wordcoins.py`);
- a name's ticker in brackets after it must be its own: "ethereum (eth) buy 3400";
- a side word stands right beside it ("long btc", "eth short") and the two open their line, after
  nothing but call words ("new signal", "scalp", "10x") and marks: "i went long btc" is a story;
- the side word is no noun's adjective ("long term", "short squeeze");
- the message asks nothing ("?") and tells no story or outcome ("yesterday", "was", "would",
  "i'm", "lol", "closed", "hit");
- it names one such coin.
"""

from __future__ import annotations

import re

from verzek.signals.coins import KNOWN_COINS, WORD_COINS
from verzek.signals.names import (
    MULTI_HEADS,
    MULTI_NAMES,
    is_name_case,
    is_word_name,
    multi_name_at,
    multi_name_before,
    name_ticker,
)
from verzek.signals.symbols import QUOTES, is_lower_glued
from verzek.signals.wordcoins import is_word_use

_SIDES = r"(?:long|short|buy|sell|лонг|шорт|做多|做空)"


def _coin(n: int) -> str:
    """The coin (a name of several words first), maybe its ticker in brackets ("ethereum (eth)"),
    maybe a spaced quote ("sol usdt", "near usdt perp"); groups c<n>, t<n> and q<n>."""
    return (rf"(?P<c{n}>{MULTI_NAMES}|[a-z0-9]{{2,16}})(?:[ \t]*\((?P<t{n}>[a-z0-9]{{2,10}})\))?"
            rf"(?:[ \t]+(?P<q{n}>usdt|usdc)(?:[ \t]*perp|\.p)?)?(?!\w)")


# spaces and marks ("🔴", ":", "-"), at most one line break: no two classes overlap, so a long run
# of spaces is tried in linear time
_GAP = r"[ \t]*(?:[^\w\s]{1,6}[ \t]*)?(?:\n[ \t]*(?:[^\w\s]{1,6}[ \t]*)?)?"
# side then coin ("long btc", "buy: eth", "long on sol"), or coin then side ("eth short",
# "btc scalp long"); matched only where the line's first non-call word starts
_SIDE_COIN_RE = re.compile(
    rf"{_SIDES}{_GAP}(?:on[ \t]+)?{_coin(1)}"
    rf"|{_coin(2)}{_GAP}(?:(?:scalp|swing|spot|quick|futures|perp)[ \t]+)?{_SIDES}(?!\w)"
)
# Words that may come before a call on its line: headers, the kind of trade, an exchange, the
# leverage. Numbers ("#12", "10x") may too.
_LEADS = """new signal signals call trade setup scalp scalping swing quick spot futures future perp
    vip free premium alert going open opening entering binance bybit okx bitget mexc kucoin bingx
    cross isolated leverage lev today now high low mid risk idea x"""
LEAD_WORDS = frozenset(_LEADS.split())
_TOKEN_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_NUMBERISH_RE = re.compile(r"x?\d+x?")
# "long term", "short squeeze": the side word describes a noun
_SIDE_NOUN_RE = re.compile(
    r"[\s-]*(?:term|time|squeeze|squeezed|liquidations?|positions?|ratio|interest|story|way|run"
    r"|haul|bias|or|vs|and|sellers|buyers|pressure|walls?|volume)(?!\w)"
)
# the coin's entry right after it: "long link 14.2", "dot long @ 7.2", "link long\nentry ..."
_ENTRY_NEXT_RE = re.compile(
    r"[ \t]*(?:[:@\-–][ \t]*)?(?:\$?\d|(?:at|from|between|around|near|entry|entries|zone|area"
    r"|range|limit|price)(?!\w)|\n|\Z)"
)
# the message tells a story, an opinion, a wish or an outcome: no call, whatever its numbers
_CHAT_RE = re.compile(
    r"(?<![\w'’])(?:yesterday|ago|was|were|got|went|had|did|didn['’]?t|missed|wish|would|could"
    r"|should|might|maybe|perhaps|think|thought|guess|imagine|lol|lmao|i|i['’]m|im|i['’]ve"
    r"|i['’]d|i['’]ll|anyone|someone|closed|done|hit|booked|secured|stopped|reached|achieved"
    r"|filled)(?![\w'’])"
)


def is_coin_word(written: str, *, starts_line: bool = False) -> bool:
    """Whether a lower-case word written beside a side word and a price may name the coin: a
    known ticker, or a pair with a known quote ("link/usdt", "btcusdt"). A word that starts its
    line may be capitalised ("Eth short 3420": a phone's keyboard does that); a full name may be
    written in any usual case ("Long Bitcoin 65000", "SOLANA SHORT 150")."""
    if name_ticker(written) is not None:
        return is_name_case(written)
    if not _lower_case(written, starts_line=starts_line):
        return False
    written = written.lower()
    _, slash, quote = written.replace("-", "/").partition("/")
    if slash:
        return quote.upper() in QUOTES
    if written in KNOWN_COINS:
        return True
    for glued in ("fdusd", "usdt", "usdc", "busd", "usd"):
        if written.endswith(glued):
            return is_lower_glued(written[: -len(glued)], glued)
    return False


def ends_name(text: str, low: str, end: int) -> bool:
    """Whether a full name of several words ends at `end`: "Bitcoin Cash" before "long 300"."""
    start = multi_name_before(low, end)
    return start is not None and is_name_case(text[start:end])


def _lower_case(written: str, *, starts_line: bool) -> bool:
    """Lower case, or capitalised at the start of its line; "Btc" mid-line, "BTc" are no coin."""
    return written.islower() or (starts_line and written[0].isupper() and written[1:].islower())


def starts_line(low: str, at: int) -> bool:
    """Only spaces and marks stand before `at` on its line; no "#" or "$" ("#Sol" is a word)."""
    line_start = low.rfind("\n", 0, at) + 1
    return not any(ch.isalnum() or ch in "#$" for ch in low[line_start:at])


def call_coin(text: str, low: str, *, strong: bool) -> list[tuple[str, int]]:
    """The pair a lower-case call names bare, as [("BTC/USDT", 1)], or [] (see the module doc).

    `text` is the message as written and `low` its lower-case form (the same length); `strong`
    says the message gives entries, targets and a stop.
    """
    if "?" in low or _CHAT_RE.search(low) is not None:
        return []
    found: set[str] = set()
    opening = True  # no line with other words came before: the call opens the message
    line_start = 0
    while line_start <= len(low):
        line_end = low.find("\n", line_start)
        line_end = len(low) if line_end < 0 else line_end
        first = _first_word(low, line_start, line_end)
        if first is not None:
            coin = _coin_at(text, low, first, strong=strong and opening)
            if coin is not None:
                found.add(coin)
            opening = False
        line_start = line_end + 1
    if len(found) != 1:
        return []  # none, or a round-up of several coins
    return [(found.pop(), 1)]


def _first_word(low: str, start: int, end: int) -> int | None:
    """Where the first word of `low[start:end]` that is no call word starts, or None; a call
    word that starts a coin's name starts it ("binance coin")."""
    for token in _TOKEN_RE.finditer(low, start, end):
        word = token.group()
        if word in LEAD_WORDS:
            if word in MULTI_HEADS and multi_name_at(low, token.start()) is not None:
                return token.start()
        elif _NUMBERISH_RE.fullmatch(word) is None:
            return token.start()
    return None


def _coin_at(text: str, low: str, at: int, *, strong: bool) -> str | None:
    match = _SIDE_COIN_RE.match(low, at)
    if match is None:
        return None
    n = "1" if match.group("c1") else "2"
    start, end = match.span(f"c{n}")
    written = text[start:end]
    ticker = name_ticker(written)
    if ticker is not None:  # "bitcoin", "Shiba Inu", "SOLANA": a full name, in any usual case
        if not is_name_case(written):
            return None
    elif not _lower_case(written, starts_line=n == "2" and starts_line(low, at)):
        return None  # upper case is the other readers' business; "Btc" mid-line is no coin
    else:
        ticker = low[start:end]
        if ticker not in KNOWN_COINS:
            return None
    bracket = match.group(f"t{n}")
    if bracket is not None and (name_ticker(bracket) or bracket) != ticker:
        return None  # "ethereum (btc) buy": which coin is unsure
    if n == "2" and _SIDE_NOUN_RE.match(low, match.end()):
        return None  # "btc long term", "eth short squeeze"
    coin = low[start:end]
    if (coin in WORD_COINS or is_word_name(coin)) and (
            not strong or _ENTRY_NEXT_RE.match(low, match.end()) is None
            or is_word_use(low, start, end)):
        return None  # "long near entry 5.2": the word, not the coin
    quote = match.group(f"q{n}")
    return f"{ticker.upper()}/{quote.upper() if quote else 'USDT'}"
