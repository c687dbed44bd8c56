"""Keyword vocabularies (English and common non-English sets) compiled into the parser's regexes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

# Every regex here runs on lower-cased text (no IGNORECASE: it halves the matching cost); the
# big alternations are grouped by first letter so a position is rejected in one step.


def alternation(words: Iterable[str], suffix: str = "") -> str:
    """`a|b|c` grouped by first literal character, keeping each group's order (longest first).

    `suffix` (a lookahead) is repeated inside every group: `(?:a|b)(?!x)` as one alternation
    would hide the first characters from the engine's prefilter, `a(?!x)|b(?!x)` does not.
    """
    groups: dict[str, list[str]] = {}
    for word in words:
        head = word[0]
        if head in "\\([.?*+{|^$":
            raise ValueError(f"alternative must start with a literal: {word!r}")
        groups.setdefault(head, []).append(word[1:])
    parts = []
    for head, tails in groups.items():
        escaped = re.escape(head)
        if len(tails) == 1:
            parts.append(escaped + tails[0] + suffix)
        else:
            parts.append(f"{escaped}(?:{'|'.join(tails)}){suffix}")
    return "|".join(parts)


def guarded(words: Iterable[str], guard: str = r"\w") -> str:
    """`alternation(words)` where no alternative may follow a `guard` character.

    Same as `(?<!guard)(?:words)`, but the check sits after each group's first literal, so the
    regex keeps its first-character prefilter and skips other characters in C.
    """
    groups: dict[str, list[str]] = {}
    for word in words:
        if word[0] in "\\([.?*+{|^$\n":
            raise ValueError(f"alternative must start with a literal: {word!r}")
        groups.setdefault(word[0], []).append(word[1:])
    return "|".join(
        f"{re.escape(head)}(?<!{guard}.)(?:{'|'.join(tails)})" for head, tails in groups.items()
    )


def literal_first(branches: Iterable[tuple[Iterable[str], str, str]]) -> str:
    r"""`(?:guard)(?:words)tail|...` for each (words, guard, tail) branch, regrouped so every
    alternative starts with a literal: the engine then skips in C to characters one can start
    with (a lookahead or lookbehind first would make it try every position).

    Alternatives are grouped by first character, keeping branch order and word order within a
    character, so the leftmost match and the alternative chosen are the same. `guard` is a
    lookbehind written as seen from after the first character (r"(?<!\w.)" for "no word before").
    Each tail is repeated per character: it may hold unnamed groups only.
    """
    groups: dict[str, list[str]] = {}
    for words, guard, tail in branches:
        heads: dict[str, list[str]] = {}
        for word in words:
            if word[0] in "\\([.?*+{|^$":
                raise ValueError(f"alternative must start with a literal: {word!r}")
            heads.setdefault(word[0], []).append(word[1:])
        for head, rests in heads.items():
            groups.setdefault(head, []).append(f"{guard}(?:{'|'.join(rests)}){tail}")
    return "|".join(f"{re.escape(head)}(?:{'|'.join(alts)})" for head, alts in groups.items())


ENTRY_WORDS = (
    r"entry\s+targets?", r"entry\s+zone", r"entry\s+price", r"entry\s+area", r"entry\s+range",
    r"entry\s+points?", r"entry\s+orders?", "entries", "entry",
    "enrty", "entery", "entrty",  # misspelt: "Enrty: 1642", "Entery: 0.52"
    r"enter(?:\s+(?:at|around|near|between|above|below))?",
    r"buy(?:ing)?\s+(?:zone|range|area|price|between|around|near|at|below|under)",
    r"accumulation\s+zone", r"accumulate\s+(?:at|between|zone)", r"open(?:ing)?\s+price", "dca",
    r"accumulate(?=[ \t]*[:\-]?[ \t]*\$?\d)",  # "Accumulate: 6.20 - 5.90"
    "твх", r"точка\s+входа", r"зона\s+входа", r"цена\s+входа",
    r"вход(?:\s+в\s+(?:сделку|позицию))?",
    "входим", r"zona\s+de\s+entrada", r"precio\s+de\s+entrada", r"preço\s+de\s+entrada",
    r"preco\s+de\s+entrada", "entrada", r"giri[şs]\s+b[öo]lgesi", r"alim\s+b[öo]lgesi",
    "giriş", "giris", r"v[àa]o\s+l[ệe]nh", r"điểm\s+v[àa]o", r"diem\s+vao", r"gi[áa]\s+v[àa]o",
    r"v[ùu]ng\s+v[àa]o", r"v[ùu]ng\s+mua", r"gi[áa]\s+mua", r"harga\s+(?:beli|masuk)",
    "einstieg", "entrée", "entree", "ingresso", "masuk", "الدخول", "دخول",
    "ورود", r"入场(?:价格?|区间?|点位?)?", r"进场(?:价格?|区间?|点位?)?",
    r"진입(?:가격?|구간)?", "एंट्री",  # Korean, Hindi
    # a DCA line ("Add more at: 14.20") and a limit order ("Limit order: 1.92", "Buy Limit:")
    r"add\s+more(?:\s+(?:at|on|near|around|below|under|above))?",
    r"limit\s+(?:order|entry|price|buy|sell)", r"order\s+price",
    # "Price: 151.20" (copy-trade bots, TradingView alerts): only as a line's first word
    r"price(?=[ \t]*:)",
    # "Zone: 0.52 – 0.55 (DCA 0.50)": a bare zone is the entry's, only as a line's first word
    # (not "Support zone:", "Demand zone:": analysis)
    r"zone(?=[ \t]*:)",
    # "CMP: 0.4520", "Long Now / CMP 0.4520": the current market price, a market entry at it
    # (`classify`: "cmp"; only where no entry is written: beside "Entry: 0.44" it is a note)
    r"cmp(?=[ \t]*[:\-@=]?[ \t]*\$?\d)",
)
# "Buy Limit: 0.3850", "Short limit order 1.92", "Buy now: 0.52": an entry that also says the
# side (and, with "now", that it is entered at market)
BUY_LIMIT_WORDS = (r"buy\s+limit(?:\s+(?:order|price|entry))?",
                   r"long\s+limit(?:\s+(?:order|price|entry))?",
                   r"buy\s+now(?=\s*(?:[:@$\d]|at\s))", r"long\s+now(?=\s*(?:[:@$\d]|at\s))")
SELL_LIMIT_WORDS = (r"sell\s+limit(?:\s+(?:order|price|entry))?",
                    r"short\s+limit(?:\s+(?:order|price|entry))?",
                    r"sell\s+now(?=\s*(?:[:@$\d]|at\s))", r"short\s+now(?=\s*(?:[:@$\d]|at\s))")
SHORT_ENTRY_WORDS = (
    r"sell(?:ing)?\s+(?:zone|range|area|between|around|near|above)", r"short\s+zone",
)
TARGET_WORDS = (
    r"take[\s-]?profit\s+targets?", r"profit\s+targets?", r"sell\s+targets?",
    r"buy[\s-]?back(?:\s+(?:zone|targets?|levels?|at))?",  # a short's "Buy back: 3380 / 3320"
    r"take[\s-]?profits?", "targets?", "tps", "tp",
    r"t(?=\d{1,2}(?:\s*[:=)\-]|[ \t]+\$?\d))",
    r"tr?agets?", "targest",  # misspelt: "Tragets: 1660 - 1685", "Taget: 0.55", "Targest:"
    r"тейк[\s-]?профит\w*", "тейки", "тейк", "цели", "цель", "тп", "objetivos?",
    r"toma\s+de\s+ganancias", r"tomar\s+ganancias", "alvos?", "hedefler", "hedef", r"kar\s+al",
    r"m[ụu]c\s+ti[êe]u",
    r"ch[ốo]t\s+l[ờo]i", "ziele", "ziel", "objectifs", "cibles", "obiettivi", "الأهداف",
    "الاهداف", "الهدف", "أهداف", "اهداف", r"target\s+jual", r"止盈(?:目标|价格?|位)?",
    r"目标(?:价格?|位)?", "تارگت(?:ها)?", "هدف(?:ها)?",
    r"목표(?:가격?)?", r"익절(?:가격?)?", "टारगेट",  # Korean, Hindi
    # "Close 63660 61500 59700" (a list of prices: "Close 50%", "Close #BTC" are follow-ups)
    r"close(?=[ \t]*:?[ \t]*\$?\d[\d.,]*+(?:[ \t]+|[ \t]*[-/|,][ \t]*)\$?\d)",
)
STOP_WORDS = (
    r"stop\s+targets?", r"stop[\s-]?loss", "stop", "s/l", "sl", "invalidation",
    r"sto[pl]{1,2}[\s-]?los[es]?", r"s\.l\.?",  # misspelt: "STOL LOSS", "Stoplose", "S.L:"
    r"cut[\s-]?loss", r"cl(?=[ \t]*:)",  # "Cut loss: 1.32", "CL: 1.32" (a label only)
    r"стоп[\s-]?лосс", "стоп", "сл", r"zarar\s+durdur", r"c[ắa]t\s+l[ỗo]", r"d[ừu]ng\s+l[ỗo]",
    "stopp", r"وقف\s+الخسار[ةه]", "وقف", "ستوب", r"止损(?:价格?|位)?", r"حد\s+ضرر", "استاپ",
    r"손절(?:가격?)?", r"स्टॉप\s*लॉस",  # Korean, Hindi
)
# "Buy: 1.42", "BUY 📥" over "1.42 - 1.38": a side word as the label of its prices ("Sell:"
# after a buy is the call's targets); "Buy stop: 0.1250": an entry once the price rises to it
_BUY_GAP = r"(?=\s*(?:[^\w\s?!#$]{1,4}\s*)?[:@\d])"
_SELL_GAP = r"(?=\s*(?:[^\w\s?!#$]{1,4}\s*)?[:@$\d])"
BUY_LABELS = ("buy", "покупка", "beli")
SELL_LABELS = ("sell", "продажа", "jual")
# "Buy order: 0.0410 - 0.0420" over "Sell orders: 0.0440 - 0.0460", "Buy setup: 0.327 - 0.33"
_ORDER_LABEL_RE = re.compile(r"(?:buy|sell)\s+(?:orders?|setup)")
# Indonesian "Beli di 0.45 - 0.44" / "Jual di 3.20": buy at, sell at
LABEL_WORDS = (r"b(?:uy|eli)" + _BUY_GAP, "покупка" + _BUY_GAP, r"beli\s+di" + _BUY_GAP,
               r"sell(?:\s+at)?" + _SELL_GAP, "продажа" + _SELL_GAP,
               r"jual(?:\s+di)?" + _SELL_GAP,
               r"buy\s+(?:orders?|setup)" + _BUY_GAP, r"sell\s+orders?" + _SELL_GAP)
STOP_ORDER_WORDS = (r"buy[\s-]stop(?:\s+(?:order|price|entry))?",
                    r"sell[\s-]stop(?:\s+(?:order|price|entry))?")



def _full(words: Iterable[str]) -> re.Pattern[str]:
    """The words without their trailing lookahead: `classify` sees the matched word alone."""
    return re.compile("|".join(w.split("(?=", 1)[0] for w in words))


_ENTRY_FULL = _full(ENTRY_WORDS)
_SHORT_ENTRY_FULL = _full(SHORT_ENTRY_WORDS)
_TARGET_FULL = _full(TARGET_WORDS)
_STOP_FULL = _full(STOP_WORDS)

# Longer phrases first overall so "entry targets" beats "entry" and "stop targets" beats "stop".
# Every alternative starts with a literal, so the regex engine skips other characters in C; the
# word boundary before a keyword is checked by `at_word_start` instead of a lookbehind.
FIELD_RE = re.compile(
    alternation(sorted((*ENTRY_WORDS, *SHORT_ENTRY_WORDS, *TARGET_WORDS, *STOP_WORDS,
                        *BUY_LIMIT_WORDS, *SELL_LIMIT_WORDS, *LABEL_WORDS, *STOP_ORDER_WORDS,),
                       key=lambda w: -len(w)), suffix=r"(?![^\W\d_])")
    + r"|🎯|🛑|⛔|@(?=\s*\$?\s*\d)|at(?!\w)(?=\s*\$?\s*\d)"
)


def at_word_start(text: str, start: int, extra: str = "/") -> bool:
    """True when `text[start]` begins a word: the previous character is no letter or digit."""
    if start == 0:
        return True
    before = text[start - 1]
    return not (before.isalnum() or before == "_" or before in extra)


# A target or entry index right after its keyword: "tp1", "target 2:", "entry #1 -".
# Attached digits are an index; a spaced one only before ":", ")", "-", "=", ".", a tick or
# "at" and a price.
INDEX_RE = re.compile(
    r"(?P<a>\d{1,2})(?![\d.,]\d|\d)"
    r"|\s*(?:#|№|no\.?\s*)?\s*(?P<b>\d{1,2})(?=\s*(?:[:)\]=>✅→]|[.](?!\d)|-\s|-(?=\s*\d)"
    r"|\([^\n()]{1,20}\)[ \t]*:"  # "Entry 2 (DCA): 33.20", "TP 1 (50%): 64500"
    r"|(?:at(?!\w)|@)[ \t]*\$?[ \t]*\d))"  # "Take profit 1 at 64997" (MT4 style)
)


def index_at(low: str, end: int, previous: int | None) -> tuple[int, int] | None:
    """(where it ends, its number) of a field's index right after its keyword at `end`, or
    None. A spaced number before a dash is an index only as 1 or the one after `previous`:
    "Target 1 - 24.8", "Target 2 - 25.6" number their fields; "Entry 90 - 95" is a zone."""
    match = INDEX_RE.match(low, end)
    if match is None:
        return None
    number = int(match.group("a") or match.group("b"))
    if match.group("b") is not None and low[match.end():match.end() + 3].lstrip(" \t")[:1] == "-" \
            and number != 1 and previous != number - 1:
        return None
    return match.end(), number


# the word between a side and its price: "Buy #LINK between 14.20 ...", "Long $SOL from 140";
# the coin may carry its quote: "Buy LINK/USDT 14.2", "long btc-usdt 65000"
_PRICE_WORD = "(?:at|from|between|around|near|от|по)"  # Russian "лонг по #BTC от 65000"
_SIDE_SYM = (r"(?P<sym>(?=[#$]?\d*[a-z])[#$]?[a-z0-9]{2,16}"  # TradingView's perpetual ".P"
             r"(?:/[a-z]{3,5}|-(?:usdt|usdc|busd|usd))?(?:\.p(?!\w))?)")
SIDE_ENTRY_RE = re.compile(  # an emoji may stand between: "LONG 🟢 #SOL 142.5"
    f"(?:{guarded(('buy', 'sell', 'long', 'short', 'лонг', 'шорт'))})"
    rf"\s+(?:[^\w\s#$.,:]{{1,3}}\s+)?(?:по\s+)?(?!{_PRICE_WORD}\W){_SIDE_SYM}"
    rf"\s*(?:[:@-]|{_PRICE_WORD}(?!\w))?(?=\s*\$?\d)"
)
# the coin first: "BTC LONG 65000 TP 66000 SL 64000", "ETH short 3450-3420 ...": the side word
# and price are found first (literal-first: the engine skips other characters in C), then the
# coin right before the side word (COIN_BEFORE_RE, searched in a short window ending there)
SIDE_THEN_PRICE_RE = re.compile(
    f"(?:{guarded(('buy', 'sell', 'long', 'short'))})"
    r"\s*+(?:[:@-]|at(?!\w)|from(?!\w))?(?=\s*\$?\d)"
)
# the coin, then maybe a word for the kind of trade: "BTC scalp long from 66200"
COIN_BEFORE_RE = re.compile(  # an emoji may stand between: "ARB 🔴 short 1.12-1.15"
    rf"(?<![\w/#$]){_SIDE_SYM}"
    r"(?:\s+|[ \t]*[^\w\s#$/.,:]{1,3}[ \t]+)"
    r"(?:(?:scalp|swing|spot|quick|futures|perp)\s+)?\Z"
)


@lru_cache(maxsize=4096)
def classify(word: str) -> str:
    """The field a matched keyword opens: entry, shortentry, target, stop, buylabel, ..."""
    if word in ("🎯",):
        return "target"
    if word in ("🛑", "⛔"):
        return "stop"
    if word in ("@", "at"):
        return "at"
    if "stop" in word and word.startswith(("buy", "sell")):  # "buy stop", "sell-stop order"
        return "buystop" if word.startswith("b") else "sellstop"
    limit = "limit" in word or word.endswith("now")  # "buy limit", "sell now"
    order = _ORDER_LABEL_RE.fullmatch(word) is not None  # "buy order", "sell orders"
    if word in BUY_LABELS or word.startswith("beli") or (
            (limit or order) and word.startswith(("buy", "long"))):
        return "buylabel"
    if limit and word.startswith(("sell", "short")):
        return "shortentry"
    if word == "cmp":
        return "cmp"
    if word in ("price", "zone"):
        return "entry"
    if word in SELL_LABELS or order or word.startswith("jual") or (word.startswith("sell") and (
            word.endswith(" at") or _SHORT_ENTRY_FULL.fullmatch(word))):
        return "selllabel"  # and "Sell zone:": a short's entry, or after a buy its targets
    for kind, regex in (("shortentry", _SHORT_ENTRY_FULL), ("entry", _ENTRY_FULL),
                        ("target", _TARGET_FULL), ("stop", _STOP_FULL)):
        if regex.fullmatch(word):
            return kind
    return "target" if word.startswith("t") else "stop"


LEVERAGE_WORDS = (
    "leverage", "lev", "плечо", "apalancamiento", "alavancagem", "kaldiraç", "kaldirac",
    r"đ[òo]n\s+b[ẩa]y", r"don\s+bay", "hebel", "levier", "杠杆", "اهرم", "레버리지",
)
MARGIN_WORDS = ("cross", "isolated", "isolate", "iso", "кросс", r"изолированн\w*", "cruzado",
                "aislado", "izole")
_LEV_ANY = alternation(sorted((*LEVERAGE_WORDS, *MARGIN_WORDS), key=lambda w: -len(w)))
_MARGIN = alternation(MARGIN_WORDS)
LEVERAGE_WORD_RE = re.compile(
    rf"(?:{_LEV_ANY})\s*[:=\-]?\s*(?:(?:{_MARGIN})\s*[:\-(]?\s*)?[(]?\s*"
    r"[x×х]?\s*(?P<n>\d{1,3})(?:\.0+)?(?:\s*[x×х倍배])?(?![\d.,]\d|\w)"  # "10倍", "10배": times
)
LEVERAGE_X_RE = re.compile(r"(\d{1,3})\s?[x×х](?!\w)|[x×](\d{1,3})(?![\w.,])")  # 20x, x20
# The lower end of a range written before an "5x": "(3-5x)", "3x - 5x". Searched up to the x
# match's start (endpos), so \Z is that start.
LEVERAGE_RANGE_LOW_RE = re.compile(r"(?<![\w.,])(\d{1,3})[ \t]?[x×х]?[ \t]*[-~][ \t]*\Z")
# Where LEVERAGE_X_RE can match: an x with a digit before (maybe one space apart) or after it.
# It starts with the x, so the engine skips to x characters in C.
LEVERAGE_X_GATE_RE = re.compile(r"[x×х](?:(?<=\d.)|(?<=\d\s.)|(?<=[x×])\d)")


def leverage_x_matches(low: str) -> list[re.Match[str]]:
    """What `LEVERAGE_X_RE.finditer(low)` yields, tried only up to 4 characters before each x
    next to a digit: every match holds such an x within its first 5 characters, so no other
    start can match (the regex would otherwise try every position, every digit of every price)."""
    out: list[re.Match[str]] = []
    pos = 0
    gate = LEVERAGE_X_GATE_RE.search(low)  # search, not finditer: most texts have no such x
    while gate is not None:
        x_at = gate.start()
        if x_at >= pos:
            for start in range(max(pos, x_at - 4), x_at + 1):
                match = LEVERAGE_X_RE.match(low, start)
                if match is not None:
                    out.append(match)
                    pos = match.end()
                    break
        gate = LEVERAGE_X_GATE_RE.search(low, gate.end())
    return out

LONG_WORDS = ("long", "лонг", "largo", "compra", "comprar", "buy", "покупка", "mua", "aliş",
              "kaufen", "achat", "beli", "شراء", "做多", "开多", "خرید", "لانگ", "롱")
SHORT_WORDS = ("short", "шорт", "corto", "venta", "vender", "venda", "sell", "продажа", "bán",
               "satiş", "verkaufen", "vente", "jual", "بيع", "做空", "开空", "فروش", "شورت", "숏")
LONG_SET = frozenset(LONG_WORDS)  # a SIDE_RE match is exactly one word: long when in here
_SIDE_WORDS = guarded((*LONG_WORDS, *SHORT_WORDS), r"[\w/$]")
SIDE_RE = re.compile(rf"(?:{_SIDE_WORDS})(?![\w/])(?![\s-]term)")
SPOT_RE = re.compile(r"(?:spot|спот|contado)(?!\w)")
FUTURES_RE = re.compile(
    r"(?:futures?|perpetual|perps?|фьючерс\w*|futuros|vadeli|usd[tⓢs]?-m)(?!\w)"
)
PERP_SUFFIX_RE = re.compile(r"[a-z0-9]\.p(?!\w)|usdtperp(?!\w)|-swap(?!\w)")  # OKX "-SWAP"
NOW_ENTRY_RE = re.compile(
    f"(?:{guarded(('buy', 'long', 'short', 'sell', 'enter', 'entry', 'лонг', 'шорт'))})"
    r"(?!\w)(?:[^\n.!?]|\.(?=\d)){0,24}?(?<!\w)"  # in its sentence: not "we'll short. For now"
    r"(?:now|at\s+market|at\s+cmp|market\s+price|cmp|current\s+(?:market\s+)?price)(?!\w)"
)
_MARKET_WORDS = (r"market(?:\s+price)?", "cmp", "now", r"current\s+price", r"по\s+рынку", "рынок",
                 "mercado", "piyasa", r"gi[áa]\s+th[ịi]\s+tr[ưu][ờo]ng")
MARKET_ENTRY_RE = re.compile(f"(?:{guarded(_MARKET_WORDS)})" r"(?!\w)")

# "Do not enter above 0.53", "don't enter if it opens below": a condition of the call, which stands
_UNLESS = (r"(?!\s+(?:above|below|over|under|higher|lower|if|after|before|when|unless|until"
           r"|without|late|too\s+late|at\s+market|with\s+(?:high|more|full))(?!\w))")
# Messages that quote a call without making one: results, reminders, tests, watchlists.
RESULT_RE = re.compile(  # literal-first alternatives: the engine skips other characters fast
    alternation(("results?", "pnl", "realized", "realised", r"результат\w*", "resultado",
                 r"status\s*:?\s*(?:closed|completed|done|finished|stopped)"),
                suffix=r"(?!\w)")
    + r"|profit\s*[:=]?\s*\+\s*\d|\+\s*\d[\d.,]*\s*%\s*(?:profit|gain)"
    # "Our #BNB short: entry 610, TP 590, SL 625 — closed +32% in 4 hours"
    r"|closed\s+(?:(?:in|with|at|for)\s+)?(?:(?:a|profit|gain|loss)\s+)?(?:of\s+)?[+\-]?\s*"
    r"\d[\d.,]*\s*%"
)
NOT_A_CALL_WORDS = (
    "reminder", r"still\s+(?:active|valid|open|running)", "recap", "repost(?:ed)?",
    r"test\s+(?:signal|message|post)", r"this\s+(?:was|is)\s+a\s+test",
    r"ignore\s+(?:this|the\s+above)", r"do\s+not\s+(?:enter|take|follow|trade)" + _UNLESS,
    r"don'?t\s+(?:enter|take|follow|trade)" + _UNLESS, r"not\s+a\s+signal", "example",
    r"how\s+to\s+read",
    "tutorial", "hypothetical", "напоминание", "пример",
    # a setup being watched, not traded yet; a map of levels ("Daily levels #BTC: buy zone
    # 62000-62500, sell zone 66000-66500") is analysis, not a call
    r"watch\s*list(?:ed)?", r"levels?\s+to\s+watch",
    *(w + r"\s+levels?" for w in ("daily", "weekly", "intraday", "key", "important")),
    r"not\s+(?:yet\s+)?(?:active|live|triggered)",
    r"not\s+(?:entering|entered|in)\s+yet", r"no\s+entry\s+yet",
    r"wait(?:ing)?\s+for\s+(?:the\s+)?confirmation",
    # a call quoted after the fact, or withdrawn
    r"old\s+(?:signal|call|trade|setup)s?", r"already\s+(?:in\s+)?\+\s*\d+(?:[.,]\d+)?\s*%",
    # "Our #ARB LONG from yesterday: Entry 1.05 ...", "Short idea ... Idea only"
    *(w + r"s?\s+from\s+(?:yesterday|earlier|last\s+(?:week|night|month))"
      for w in ("long", "short", "call", "signal", "trade", "setup", "position")),
    # "Yesterday's call: #BTC LONG Entry 95000 ... ✅ hit TP": a recap of a past call (unless a
    # new call follows: "Yesterday's call hit TP ✅ Today's call: ...")
    *(w + r"['’]?s\s+(?:calls?|signals?|trades?|setups?|longs?|shorts?|picks?)(?![\s\S]*"
      r"(?:today['’]?s|new|next)\s+(?:call|signal|trade|setup))"
      for w in ("yesterday", r"last\s+(?:week|night|month)")),
    r"ideas?\s+only", r"just\s+an?\s+idea", r"no\s+trades?(?:\s+(?:for\s+now|yet|today))?",
    r"not\s+trading",  # "If that happens we'll short. For now, no trade."
    r"no\s+longer\s+(?:valid|active)", r"not\s+valid\s+anymore",
    *(w + r"\s+(?:is\s+|was\s+)?invalidated(?!\s+(?:if|on|below|above|when|under|over|by|at))"
      for w in ("signal", "setup", "call", "trade")),
)
# Grouped by first letter (`alternation`): fewer alternatives to try at each candidate.
NOT_A_CALL_RE = re.compile(alternation(NOT_A_CALL_WORDS, suffix=r"(?!\w)"))
# A price asked about: "good buy at 150?", "Target 200?", "SL 130 ?": a question, not a call.
PRICE_QUESTION_RE = re.compile(r"\?(?<=\d\?)|\?(?<=\d[ \t]\?)")
# a buy or long word before a "Sell" label makes that label the call's target
LONG_BEFORE_RE = re.compile(r"(?<![\w#$])(?:buy|long|покупка|лонг|beli)(?![\w])")
# a short word before a "Buy" label written after the short's entry makes that label its target
SHORT_BEFORE_RE = re.compile(r"(?<![\w$])(?:sell|short|продажа|шорт|jual)(?![\w])")
