"""Trading pair recognition: "#BTC/USDT", "BTCUSDT", "BTC-USDT", "$BTC", "#1INCH" to BASE/QUOTE."""

from __future__ import annotations

import re

DEFAULT_QUOTE = "USDT"
QUOTES = ("FDUSD", "USDT", "USDC", "BUSD", "TUSD", "USD", "BTC", "ETH", "BNB", "EUR", "TRY")
# Quotes that may be glued to the base without a separator ("BTCUSDT"); "ETHBTC" is too
# ambiguous with bases ending in BTC (WBTC) to read glued.
_GLUED_QUOTES = ("FDUSD", "USDT", "USDC", "BUSD", "USD")
_BASE = r"[A-Z0-9]{2,10}"

_PAIR_SEP_RE = re.compile(
    rf"(?<![\w/$#])[#$]?\s?(?P<base>{_BASE})(?:\s?/\s?|[\-_|])(?P<quote>{'|'.join(QUOTES)})"
    r"(?:[.:]P\b|PERP\b|:USDT\b)?(?![A-Z0-9])",
    re.IGNORECASE,
)
_GLUED_RE = re.compile(
    rf"(?<![\w/$#])[#$]?(?P<base>[A-Z0-9]{{2,10}}?)(?P<quote>{'|'.join(_GLUED_QUOTES)})"
    r"(?:\.P|PERP)?(?![A-Za-z0-9])"
)
_TAG_RE = re.compile(r"(?<![\w])[#$](?P<base>[A-Za-z0-9]{2,10})(?![\w])")
_LABEL_RE = re.compile(
    r"(?<!\w)(?:coin|pair|symbol|asset|token|ticker|монета|пара|moneda|par|moeda|coin\s+name"
    r"|cặp|đồng)\s*[:=\-]\s*[#$]?(?P<base>[A-Za-z0-9]{2,10})(?![\w])",
    re.IGNORECASE,
)
# A bare upper-case word next to the side keyword: "LONG SOL", "SOL SHORT", "BUY ETH".
_BARE_RE = re.compile(
    r"(?:(?<![\w/])(?:long|short|buy|sell|лонг|шорт)\s*[^\w\n]{0,6}\s*"
    r"(?:(?:on|по|en|em|на|de)\s+)?(?P<b1>[A-Z0-9]{2,10})(?!\w)"
    r"|(?<![\w/#$])(?P<b2>[A-Z0-9]{2,10})\s*[^\w\n]{0,6}\s*(?:long|short|buy|sell|лонг|шорт)"
    r"(?![\w]))",
    re.IGNORECASE,
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
    ЛОНГ ШОРТ BE BREAKEVEN PRICE ZONE TPS SLS AREA RANGE AVG STRATEGY MARGIN"""
NOT_COINS = frozenset(_NOT_COIN_WORDS.split())
_NEVER_COINS = frozenset(
    ("LONG", "SHORT", "BUY", "SELL", "ENTRY", "TP", "SL", "STOP", "TARGET", "TARGETS", "ЛОНГ",
     "ШОРТ")
)


def _norm_base(base: str, *, quoted: bool = False) -> str | None:
    base = base.upper()
    if not (2 <= len(base) <= 10) or base.isdigit() or base in _NEVER_COINS:
        return None
    if base in NOT_COINS and not quoted:
        return None
    return base


def find_symbol(text: str) -> tuple[str | None, int]:
    """The first pair in `text` as BASE/QUOTE, with a strength: 3 pair, 2 tag/label, 1 bare, 0."""
    found = find_symbols(text, limit=1)
    return found[0] if found else (None, 0)


def find_symbols(text: str, limit: int = 0) -> list[tuple[str, int]]:
    """Every distinct pair in `text`, strongest kind first (written order within a kind)."""
    seen: dict[str, int] = {}
    for strength, finder in ((3, _pairs), (2, _tags), (1, _bare)):
        for symbol in finder(text):
            if symbol not in seen:
                seen[symbol] = strength
        if limit and len(seen) >= limit:
            break
    return list(seen.items())


def _pairs(text: str) -> list[str]:
    hits: list[tuple[int, str]] = []
    for match in _PAIR_SEP_RE.finditer(text):
        raw, quote = match.group("base"), match.group("quote")
        base = _norm_base(raw, quoted=True)
        if base and (raw == raw.upper() or (raw == raw.lower() and quote == quote.lower())):
            hits.append((match.start(), f"{base}/{match.group('quote').upper()}"))
    for match in _GLUED_RE.finditer(text):
        base = _norm_base(match.group("base"), quoted=True)
        if base and any(c.isalpha() for c in base):
            hits.append((match.start(), f"{base}/{match.group('quote')}"))
    return [symbol for _, symbol in sorted(hits)]


def _tags(text: str) -> list[str]:
    out: list[str] = []
    for regex in (_TAG_RE, _LABEL_RE):
        for match in regex.finditer(text):
            raw = match.group("base")
            if not (raw.isupper() or raw.islower() or raw[0].isdigit()):
                continue  # "#Signal", "#Binance": a word, not a ticker
            base = _norm_base(raw)
            if base and any(c.isalpha() for c in base):
                out.append(_strip_quote(base))
    return out


def _bare(text: str) -> list[str]:
    out: list[str] = []
    for match in _BARE_RE.finditer(text):
        raw = match.group("b1") or match.group("b2")
        if not raw.isupper():
            continue
        base = _norm_base(raw)
        if base and any(c.isalpha() for c in base):
            out.append(_strip_quote(base))
    return out


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
        symbol = _strip_quote(base) if base and any(c.isalpha() for c in base) else None
    return symbol
