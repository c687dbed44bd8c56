"""Trading pair recognition: "#BTC/USDT", "BTCUSDT", "BTC-USDT", "$BTC", "#1INCH" to BASE/QUOTE."""

from __future__ import annotations

import re
from functools import lru_cache

from verzek.signals.chatwords import is_chat_word
from verzek.signals.names import NAME_WORDS
from verzek.signals.wordcoins import reads_as_word

DEFAULT_QUOTE = "USDT"
QUOTES = ("FDUSD", "USDT", "USDC", "BUSD", "TUSD", "USD", "BTC", "ETH", "BNB", "EUR", "TRY")
# Quotes that may be glued to the base without a separator ("BTCUSDT"); "ETHBTC" is too
# ambiguous with bases ending in BTC (WBTC) to read glued.
_GLUED_QUOTES = ("FDUSD", "USDT", "USDC", "BUSD", "USD")
# A base: 2-10 letters and digits, after an optional multiplier ("1000PEPE", "1000000MOG").
_BASE_SHAPE_RE = re.compile(r"(?:1\d{1,6}(?=[A-Z]))?[A-Z0-9]{2,10}")

# The keyword-like finders run on lower-cased text; the case a coin was written in is then
# checked on the original, which has the same length.
_SEPARATOR_RE = re.compile(r"[/\-_|](?=\s?[fubetc])")  # only before a quote's first letter
_QUOTE_AFTER_RE = re.compile(
    rf"\s?(?P<quote>{'|'.join(q.lower() for q in QUOTES)})(?:[.:]p\b|perp\b|:usdt\b)?(?![a-z0-9])"
)
_GLUED_QUOTE_RE = re.compile(rf"(?:{'|'.join(_GLUED_QUOTES)})(?:\.P|PERP)?(?![A-Za-z0-9])")
# the same in lower case ("btcusdt", "1000pepeusdt.p"), matched on the text as written
_GLUED_LOW_RE = re.compile(rf"(?:{'|'.join(_GLUED_QUOTES).lower()})(?:\.p|perp)?(?![A-Za-z0-9])")
# a lower-case base glued to a stablecoin quote: letters after an optional multiplier ("1inch",
# "1000pepe"); "5kusdt" or "100usdt" is an amount, not a pair
_GLUED_LOW_BASE_RE = re.compile(r"(?:10*)?[a-z][a-z0-9]{1,9}")
# an upper-case base and quote a space apart ("NEAR USDT PERP"); the quote is looked at first
_SPACED_QUOTE_RE = re.compile(
    r" (?P<quote>FDUSD|USDT|USDC|BUSD)(?:\.P|\s?PERP)?(?![A-Za-z0-9/])")
_TAG_RE = re.compile(r"[#$](?<![\w][#$])(?P<base>[A-Za-z0-9]{2,16})(?![\w])")
_LABEL_RE = re.compile(
    r"^[^\w\n]*(?:coin|pair|symbol|asset|token|ticker|монета|пара|moneda|par|moeda|coin\s+name"
    r"|cặp|đồng)\s*[:=\-]\s*[#$]?(?P<base>[a-z0-9]{2,16})(?![\w])",
    re.MULTILINE,
)
# "$65K", "$2B", "$10M": an amount in dollars, not a tagged coin
_AMOUNT_RE = re.compile(r"\d+[KMB]")
_BASE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")  # a base's characters in `low`
# A bare upper-case word next to the side keyword: "LONG SOL", "SOL SHORT", "BUY ETH".
_BARE_RE = re.compile(
    r"(?:(?<![\w/])(?:long|short|buy|sell|лонг|шорт|做多|做空)\s*+[^\w\n]{0,6}+\s*+"
    r"(?:(?:on|по|en|em|на|de)\s+)?(?P<b1>[a-z0-9]{2,16})(?!\w)"
    # the side word of the second branch is looked at, not taken: "Scalp short BTC" still
    # offers "short BTC" to the first branch
    r"|(?<![\w/#$])(?P<b2>[a-z0-9]{2,16})\s*+[^\w\n]{0,6}+\s*+"
    r"(?=(?:(?:scalp|swing|spot|quick|futures|perp)\s+)?(?:long|short|buy|sell|лонг|шорт|做多|做空)"
    r"(?![\w])))"
)
# Both _BARE_RE branches need a side word and _LABEL_RE a label word: literal-first gates that
# the engine runs in C, so text without one skips the slower patterns (which try every position).
_SIDE_GATE_RE = re.compile(r"long|short|buy|sell|лонг|шорт|做多|做空")
_LABEL_GATE_RE = re.compile(
    r"coin|pair|symbol|asset|token|ticker|монета|пара|moneda|par|moeda|cặp|đồng"
)
# Hashtags and bare words that are never a coin.
_NOT_COIN_WORDS = """SIGNAL SIGNALS LONG SHORT BUY SELL
    FUTURES FUTURE SPOT BINANCE BYBIT OKX KUCOIN BITGET MEXC
    PHEMEX GATE HUOBI VIP CRYPTO TRADE TRADES TRADING UPDATE UPDATES ALERT NEWS SCALP SCALPING SWING
    BREAKING FREE PREMIUM TARGET TARGETS TP SL ENTRY ZONE CROSS ISOLATED LEVERAGE USDT USD USDC
    BUSD PERP PERPETUAL MARKET CMP NOW STOP LOSS RESULT RESULTS PROFIT PNL GIVEAWAY PROMO AD ADS
    ANNOUNCEMENT CALL CALLS GEM GEMS ALTCOIN ALTCOINS DAYTRADE HODL DCA THE AND FOR WITH NEW TOP
    MID LOW RISK TAKE ALL NOT BUT TWO SETUP INFO ANALYSIS CHART TA FA BULLISH BEARISH
    PUMP DUMP PAIR COIN EXCHANGE ORDER LIMIT OPEN CLOSE CLOSED CANCEL CANCELLED HIT REACHED DONE
    TF TIMEFRAME OK TO AT IN ON OF BY BE IS IT AS OR IF UP SO NO GO MY WE US LEV ENTRIES
    REGULAR BREAKOUT ABOVE BELOW DIRECTION POSITION LONGS SHORTS ETC UTC GMT WEEKLY DAILY MONTHLY
    JOIN CHANNEL GROUP TELEGRAM TWITTER DM ADMIN SUPPORT BONUS REFERRAL CODE OFFER SALE
    ЛОНГ ШОРТ BE BREAKEVEN PRICE ZONE TPS SLS AREA RANGE AVG STRATEGY MARGIN ROI ROE THIS THAT
    HERE"""
NOT_COINS = frozenset(_NOT_COIN_WORDS.split())
# Plain words that are also tickers (NOT, PUMP, GO...): no coin when bare, a coin when tagged
# ("#GMT" is STEPN's token: a time zone is not written with a "#").
_WORD_TICKER_WORDS = """THE AND FOR WITH TOP MID LOW RISK TAKE ALL NOT BUT TWO INFO TO AT IN ON
    OF BY BE IS IT AS OR IF UP SO NO GO MY WE US OK ETC PUMP DUMP OPEN CLOSE CODE SALE GEM GEMS AD
    ADS GMT"""
_WORD_TICKERS = frozenset(_WORD_TICKER_WORDS.split())
_NOT_TAGS = NOT_COINS - _WORD_TICKERS
_NEVER_COINS = frozenset(
    ("LONG", "SHORT", "BUY", "SELL", "ENTRY", "TP", "SL", "STOP", "TARGET", "TARGETS", "ЛОНГ",
     "ШОРТ")
)


# Tickers are a small vocabulary, so the per-word checks below are cached (pure functions).
@lru_cache(maxsize=4096)  # called with positional flags: a keyword makes the cache key slower
def _norm_base(base: str, quoted: bool = False, tagged: bool = False) -> str | None:
    base = base.upper()
    if not _BASE_SHAPE_RE.fullmatch(base) or base in _NEVER_COINS:
        return None
    if not quoted and base in (_NOT_TAGS if tagged else NOT_COINS):
        return None
    return base


def find_symbol(text: str, low: str | None = None) -> tuple[str | None, int]:
    """The first pair in `text` as BASE/QUOTE, with a strength: 3 pair, 2 tag/label, 1 bare, 0."""
    found = find_symbols(text, low)
    return found[0] if found else (None, 0)


def find_symbols(text: str, low: str | None = None) -> list[tuple[str, int]]:
    """Distinct pairs in `text`, strongest kind first; bare words only when nothing stronger.

    `low` is `text.lower()` when the caller has it already (it must be the same length).
    """
    low = text.lower() if low is None else low
    seen: dict[str, int] = {}
    for symbol in _pairs(text, low):
        seen.setdefault(symbol, 3)
    bases: set[str] | None = None
    for symbol in _tags(text, low):
        if symbol in seen:
            continue
        if seen:  # "#ADA/BTC" holds the tag "#ADA": it names no ADA/USDT
            bases = bases or {pair.partition("/")[0] for pair in seen}
            if symbol.partition("/")[0] in bases:
                continue
        seen[symbol] = 2
    if not seen:
        for symbol in _bare(text, low):
            seen.setdefault(symbol, 1)
    return list(seen.items())


def _pairs(text: str, low: str) -> list[str]:
    hits: list[tuple[int, str]] = []
    for sep in _SEPARATOR_RE.finditer(low):
        at = sep.start()
        slash = low[at] == "/"
        if not slash and low[at + 1] == " ":
            continue  # "BTC - USDT": only a slash may have a space after it
        quote_match = _QUOTE_AFTER_RE.match(low, at + 1)
        if quote_match is None:
            continue
        end = at - 1 if slash and at > 0 and low[at - 1] == " " else at
        start = _word_start(low, end)
        if start == end or not _base_boundary(low, start):
            continue
        raw = text[start:end]
        quote = text[quote_match.start("quote"):quote_match.end("quote")]
        base = _norm_base(raw, True)
        if base and (raw == raw.upper() or (raw == raw.lower() and quote == quote.lower())
                     or (raw.istitle() and quote.istitle())):  # "#Btc/Usdt"
            hits.append((start, f"{base}/{quote.upper()}"))
    if _glued_quote_possible(text, low):
        for quote_match in _GLUED_QUOTE_RE.finditer(text):
            end = quote_match.start()
            start = _word_start(low, end)
            raw = text[start:end]
            if start == end or not _base_boundary(low, start) or (not raw.isupper() and not \
                    raw.isdigit() and raw != raw.upper()):
                continue
            base = _norm_base(raw, True)
            quote = quote_match.group().removesuffix("PERP").removesuffix(".P")
            if base and not base.isdigit():
                hits.append((start, f"{base}/{quote}"))
    if "usd" in text:  # "btcusdt": a known quote, and a base shaped as a ticker
        for quote_match in _GLUED_LOW_RE.finditer(text):
            end = quote_match.start()
            start = _word_start(low, end)
            if start == end or not _base_boundary(low, start):
                continue
            quote = quote_match.group().removesuffix("perp").removesuffix(".p")
            if is_lower_glued(text[start:end], quote):
                hits.append((start, f"{text[start:end].upper()}/{quote.upper()}"))
    if " USD" in text or " FDUSD" in text:
        for quote_match in _SPACED_QUOTE_RE.finditer(text):  # "NEAR USDT PERP", "SOL USDT"
            end = quote_match.start()
            start = _word_start(low, end)
            raw = text[start:end]
            if start == end or not _base_boundary(low, start) or not raw.isupper() or \
                    not _line_head(low, start):
                continue
            base = _norm_base(raw)  # bare-word rules: "FUTURES USDT" names no coin
            if base and not base.isdigit():
                hits.append((start, f"{base}/{quote_match.group('quote')}"))
    if len(hits) > 1:
        hits.sort()
    return [symbol for _, symbol in hits]


@lru_cache(maxsize=4096)
def is_lower_glued(base: str, quote: str) -> bool:
    """Whether lower-case `base` glued to lower-case `quote` ("btc" + "usdt") reads as a pair: no
    word ends in "usdt", "usdc", "busd" or "usd", so any ticker-shaped base will do ("eurusd"
    too, as forex channels write it); an amount ("100usdt", "5kusdt") is not ticker-shaped."""
    return base.islower() and _GLUED_LOW_BASE_RE.fullmatch(base) is not None and \
        base.upper() not in _NEVER_COINS


def _glued_quote_possible(text: str, low: str) -> bool:
    """Whether `_pairs` can read a glued quote ("BTCUSDT"): each such read has "USD" right
    after a base character ([a-z0-9] in `low`; the "FD" of FDUSD and "B" of BUSD are ones too),
    while most texts hold "USD" only in "/USDT", where the scan would find nothing."""
    at = text.find("USD", 1)
    while at > 0:
        if low[at - 1] in _BASE_CHARS:
            return True
        at = text.find("USD", at + 1)
    return False


def _line_head(low: str, start: int) -> bool:
    """Only marks (emoji, "#", "$", spaces) stand before `start` on its line: a header such as
    "📍 NEAR USDT PERP", not "... 5% OF YOUR USDT BALANCE"."""
    line_start = low.rfind("\n", 0, start) + 1
    return not any(ch.isalnum() for ch in low[line_start:start])


def _word_start(low: str, end: int) -> int:
    """Where the run of [a-z0-9] that ends at `end` begins (at most 17 back)."""
    start, stop = end, max(0, end - 17)
    while start > stop and low[start - 1] in _BASE_CHARS:
        start -= 1
    return start


def _base_boundary(low: str, start: int) -> bool:
    """The base starts a word (a "#" or "$" in front is fine, a "/" or letter is not)."""
    if start > 0 and low[start - 1] in "#$":
        start -= 1
    return start == 0 or not (low[start - 1].isalnum() or low[start - 1] in "_/$#")


def _tags(text: str, low: str) -> list[str]:
    out: list[str] = []
    raws: list[str] = _TAG_RE.findall(text) if ("#" in text or "$" in text) else []
    if "-" in low or ":" in low or "=" in low:
        raws.extend(text[start:end] for start, end in _label_spans(low))
    for raw in raws:
        if not (raw.isupper() or raw.islower() or raw[0].isdigit()):
            continue  # "#Signal", "#Binance": a word, not a ticker
        base = _norm_base(raw, False, not raw.islower())  # "#NOT" is a coin, "#not" a word
        if base and not base.isdigit() and _AMOUNT_RE.fullmatch(base) is None:
            out.append(_strip_quote(base))
    return out


def _label_spans(low: str) -> list[tuple[int, int]]:
    """The bases `_LABEL_RE.finditer(low)` finds, trying only lines that hold a label word.

    A match starts a line, then non-word characters and a label word. Label words start with a
    letter and hold no newline, so no earlier gate match can hide one: the gate finds the word
    of every match, and the regex is not run at every line start of the text.
    """
    spans: list[tuple[int, int]] = []
    end = tried = -1
    gate = _LABEL_GATE_RE.search(low)  # search, not finditer: most texts hold no label word
    while gate is not None:
        line_start = low.rfind("\n", 0, gate.start()) + 1
        if line_start >= end and line_start != tried:
            tried = line_start
            match = _LABEL_RE.match(low, line_start)
            if match is not None:
                spans.append(match.span("base"))
                end = match.end()
        gate = _LABEL_GATE_RE.search(low, gate.end())
    return spans


def _bare(text: str, low: str) -> list[str]:
    out: list[str] = []
    if _SIDE_GATE_RE.search(low) is None:
        return out
    for match in _BARE_RE.finditer(low):
        group = "b1" if match.group("b1") else "b2"
        start, end = match.span(group)
        raw = text[start:end]
        if not raw.isupper() or low[start:end] in NAME_WORDS:
            continue  # "BITCOIN SHORT": a name, read (as BTC) only in a call (`lowercase.py`)
        if is_chat_word(low[start:end]):
            continue  # "LONG TERM", "I WENT LONG", "LONG TP1 HIT" (`chatwords.py`)
        base = _norm_base(raw)
        if not base or base.isdigit():
            continue
        if reads_as_word(low, start, end):
            continue  # "BUY NEAR ENTRY 5.2", "LONG BTC ... SELL NEAR 66000" (`wordcoins.py`)
        out.append(_strip_quote(base))
    return out


@lru_cache(maxsize=4096)
def _strip_quote(base: str) -> str:
    for quote in _GLUED_QUOTES:
        if base.endswith(quote) and len(base) - len(quote) >= 2:
            return f"{base[: -len(quote)]}/{quote}"
    return f"{base}/{DEFAULT_QUOTE}"


def normalise_symbol(raw: str) -> str | None:
    """One written symbol ("btcusdt", "#ETH", "SOL-USDT") as BASE/QUOTE, or None."""
    symbol, _ = find_symbol(raw.strip().upper() if raw.strip()[:1] in "#$" else raw.strip())
    if symbol is None:
        base = _norm_base(raw.strip().lstrip("#$"))
        symbol = _strip_quote(base) if base and not base.isdigit() else None
    return symbol
