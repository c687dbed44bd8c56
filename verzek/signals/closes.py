"""Closes announced in a follow-up: "close now", "closed manually", "close 50%", "book half"."""

from __future__ import annotations

import re
from decimal import Decimal

from verzek.signals.keywords import guarded
from verzek.signals.mood import asked_after, is_stated

# Every regex runs on lower-cased text and only after a cheap substring gate says it may match.

# not "Close 63660 61500 59700" under a call: a list of prices after it are its targets
_CLOSE_LINE = (r"[^\w\n]*(?:please\s+)?(?:manually\s+)?"  # "Manually close #AVAX at 35.2"
               r"(?:close|exit|закрываем|закрыть|cerrar|fechar|kapat)\b"
               r"(?![ \t]*:?[ \t]*\$?\d[\d.,]*+(?:[ \t]+|[ \t]*[-/|,][ \t]*)\$?\d)")
_CLOSE_COIN_NOW = (r"\s+(?:all\s+|the\s+|your\s+|our\s+)?[#$]?[a-z0-9/]{2,20}\s+"
                   r"(?:now|here|immediately|asap|manually)\b")
_CLOSE_NOW = (r"\s+(?:now|immediately|asap|all|position|trade|the\s+trade|the\s+rest|remaining"
              r"|rest\s+of|at\s+(?:market|cmp))\b")  # "Close at market ⚠️ reversal"
_CLOSED_HOW = (r"\s+(?:manually|now|in\s+(?:profit|loss)|at|with|position|trade|all"
               r"|early|the\s+(?:trade|position|rest))")
# "closed manually", and with the coin between the verb and how: "Closing #MATIC manually"
# (its perpetual ".P" and its side may follow it: "Closing #BTC/USDT.P short at market")
_CLOSED_ANY_HOW = (r"(?:\s+(?:all\s+|the\s+|our\s+|my\s+)?[#$]?[a-z0-9/]{2,20}(?:\.p)?"
                   r"(?:[ \t]+(?:long|short))?(?=\s))?" + _CLOSED_HOW)
_CLOSED_BY = ("manually", "position", "trade", "signal")
# "Take profit now at 1.95", "book profits here": close it all (not "take some profit")
_TAKE_NOW = (r"\s+(?:(?:the\s+|your\s+|all\s+)?profits?\s+"  # "book profits on $WIF now"
             r"(?:(?:on|in|of)\s+[#$]?[a-z0-9/]{2,20}\s+)?(?:now|here|immediately|asap)\b"
             r"|full\s+profits?(?!\w))")  # "Book full profit #LINK": all of it
# "#ETH Cerrar operación ahora", "Kapat şimdi": a close verb, maybe what, then "now"; or the
# verb and the trade or position it closes: "Закрываем сделку", "Fechar a posição", "Đóng lệnh"
_LOCAL_CLOSE = ("cerrar", "cierren", "cierra", "cerramos", "fechar", "fechem", "fechamos",
                "kapat", "закрываем", "закрываю", "закройте", "закрыть", "đóng")
_LOCAL_NOW = (r"(?:(?:\s+(?:la\s+|el\s+|a\s+)?[#$]?[\w/]{2,20})?"
              r"\s+(?:ahora|ya|agora|j[áa]|[şs]imdi|сейчас|по\s+рынку|al?\s+mercado|ao\s+mercado)"
              r"|\s+(?:la\s+|a\s+)?(?:operaci[óo]n|posici[óo]n|opera[çc][ãa]o|posi[çc][ãa]o"
              r"|сделк[уи]|позици[юи]|l[ệe]nh|v[ịi]\s+th[ếe]))(?!\w)")
# Turkish puts the trade first ("İşlemi kapat", "Pozisyonu kapatın"); Vietnamese "chốt toàn bộ"
# takes all the profit
_OBJECT_FIRST = (r"(?:i[şs]lem(?:i|leri)|pozisyon(?:u|lar[ıi]))\s+kapat(?:[ıi]n|[ıi]yoruz)?(?!\w)"
                 r"|ch[ốo]t\s+(?:l[ờo]i\s+)?(?:to[àa]n\s+b[ộo]|h[ếe]t)(?!\w)")
CLOSE_RE = re.compile(  # the definition; `close_search` finds the same, faster
    rf"^{_CLOSE_LINE}"
    rf"|(?<!\w)(?:close|exit){_CLOSE_COIN_NOW}"
    rf"|(?<!\w)(?:close|exit){_CLOSE_NOW}"
    rf"|(?<!\w)clos(?:ed|ing){_CLOSED_ANY_HOW}"
    rf"|(?<!\w)(?:take|book|secure){_TAKE_NOW}"
    rf"|(?<!\w)(?:{'|'.join(_CLOSED_BY)})\s+closed(?!\w)|закрыт[ао]?\s+вручную"
    rf"|(?<!\w)(?:{'|'.join(_LOCAL_CLOSE)}){_LOCAL_NOW}"
    rf"|(?<!\w)(?:{_OBJECT_FIRST})",
    re.MULTILINE,
)
# CLOSE_RE in two parts the engine can skip through: a line-start phrase (at the text's start,
# or found after a newline by its literal "\n"), and the other alternatives, literal-first.
_CLOSE_LINE_RE = re.compile(_CLOSE_LINE)
_CLOSE_NEXT_LINE_RE = re.compile(rf"\n{_CLOSE_LINE}")
_CLOSE_REST_RE = re.compile(
    rf"c(?<!\w.)(?:lose{_CLOSE_COIN_NOW}|lose{_CLOSE_NOW}|los(?:ed|ing){_CLOSED_ANY_HOW})"
    rf"|e(?<!\w.)(?:xit{_CLOSE_COIN_NOW}|xit{_CLOSE_NOW})"
    + "".join(rf"|{w[0]}(?<!\w.){w[1:]}{_TAKE_NOW}" for w in ("take", "book", "secure"))
    + "".join(rf"|{w[0]}(?<!\w.){w[1:]}\s+closed(?!\w)" for w in _CLOSED_BY)
    + r"|закрыт[ао]?\s+вручную"
)
_OBJECT_FIRST_RE = re.compile(f"(?<!\\w)(?:{_OBJECT_FIRST})")
# CLOSE_RE's last alternative, literal-first, searched only when one of its verbs is written
_LOCAL_CLOSE_RE = re.compile(
    "|".join(rf"{w[0]}(?<!\w.){w[1:]}{_LOCAL_NOW}" for w in _LOCAL_CLOSE))
_LOCAL_GATE = ("cerr", "cierr", "fech", "kapat", "закр", "đóng")
CLOSE_GATE = ("clos", "exit", "закр", "cerr", "cierr", "fech", "kapat", "đóng", "chốt", "chot",
              # and `_TAKE_NOW`'s:
              *(f"profit{s} {w}" for s in ("", "s")
                for w in ("now", "here", "imm", "asap", "on ", "in ", "of ")), "full profit")
_CLOSED_WORDS = ("closed", "закрыт[аоы]?", "закрыли", "cerrad[oa]", "fechad[oa]", "kapatildi")
WEAK_CLOSE_RE = re.compile(f"(?:{guarded(_CLOSED_WORDS)})" r"(?!\w)")
_PART = (r"\d{1,3}(?:[.,]\d+)?\s*%|half|part|some|1/[234]|половин\w*|част\w*|la\s+mitad|metade"
         r"|yar[iı]s[iı]n[iı]")
_PARTIAL_CLOSE_RE = re.compile(  # literal-first (`guarded`): the engine skips to candidates
    "(?:" + guarded((r"clos\w*", r"exit\w*", "take", r"book\w*", r"secur\w*", r"закр\w*",
                     r"cerr\w*", r"fech\w*", r"kapat\w*"))
    + rf")\s+(?:of\s+|off\s+)?(?:the\s+|your\s+|our\s+)?(?:{_PART})(?!\w)"
    + "|(?:" + guarded((r"partial\w*", "half", r"частичн\w*", r"parcial\w*")) + r")(?!\w)"
)


def close_search(low: str) -> re.Match[str] | None:
    """What `CLOSE_RE.search(low)` finds: the earliest match, the line-start phrase on a tie
    (it is CLOSE_RE's first alternative)."""
    line = _CLOSE_LINE_RE.match(low)
    if line is None:
        after_newline = _CLOSE_NEXT_LINE_RE.search(low)
        if after_newline is not None:
            line = _CLOSE_LINE_RE.match(low, after_newline.start() + 1)
    rest = _CLOSE_REST_RE.search(low)
    if any(verb in low for verb in _LOCAL_GATE):  # no match of it can start where `rest`'s does
        local = _LOCAL_CLOSE_RE.search(low)
        if local is not None and (rest is None or local.start() < rest.start()):
            rest = local
    if "kapat" in low or "ch" in low:
        first = _OBJECT_FIRST_RE.search(low)
        if first is not None and (rest is None or first.start() < rest.start()):
            rest = first
    if rest is not None and (line is None or rest.start() < line.start()):
        return rest
    return line


def weak_close_at(low: str) -> int:
    """Where a bare past-tense "closed" is written (-1: nowhere): a close update only when the
    message names its coin."""
    if not ("clos" in low or "закры" in low or "cerrad" in low or "fechad" in low
            or "kapat" in low):
        return -1
    match = WEAK_CLOSE_RE.search(low)
    while match is not None and (not is_stated(low, match.start()) or asked_after(
            low, match.end())):  # "#ETH not closed yet", "#ETH closed?": no close
        match = WEAK_CLOSE_RE.search(low, match.end())
    return -1 if match is None else match.start()


def is_partial_close(low: str) -> bool:
    """A close of part of the position ("close 50%", "close half", "partially closed"): acting
    on it as a close would close all of it."""
    return _PARTIAL_CLOSE_RE.search(low) is not None or \
        _PARTIAL_AMOUNT_RE.search(low) is not None or _ODD_SHARE_RE.search(low) is not None or \
        (("%" in low or "half" in low or "1/" in low) and _COIN_SHARE_RE.search(low) is not None)


# "Close 1e400%": a share in exponent form is no share a channel writes (not a whole close)
_ODD_SHARE_RE = re.compile(r"(?:clos|exit)\w*\s+[-+]?\d[\d.,]*e[-+]?\d+\s*%")


_AMOUNT = r"\d{1,3}(?:[.,]\d+)?\s*%|half|1/[234]|половин\w*|la\s+mitad|metade|yar[iı]s[iı]n[iı]"
# "close 30%", "close half of the", and "CLOSE PARTIAL 50%", "take partial 50% now"
_OF = r"\s+(?:partial(?:ly)?\s+)?(?:of\s+|off\s+)?(?:the\s+|your\s+|our\s+)?"
# A close that says how much: "close 30%", "closed half of", "book 1/3"
_PARTIAL_AMOUNT_RE = re.compile(
    "(?:" + guarded((r"clos\w*", r"exit\w*", "take", r"book\w*", r"secur\w*", "sell",
                     r"закр\w*", r"cerr\w*", r"fech\w*", r"kapat\w*"))
    + rf"){_OF}(?:{_AMOUNT})(?!\w)"
)
# The same said as an instruction, which is a close by itself ("Book 50% profits here"); a
# past "booked 45% profit" is a result brag, never an order to close anything.
_PARTIAL_ORDER_RE = re.compile(
    "(?:" + guarded(("close", "exit", "take", "book", "secure", "sell", "закрываем",
                     "закрываю", "закройте", "закрой", "cerrar", "cierren", "fechar", "fechem",
                     "kapat", "kapatın")) + rf"){_OF}(?:{_AMOUNT})(?!\w)"
)
# A close of a stated share told as done ("Closed half near entry", "CLOSED 30% NEAR ENTRY ✅"):
# a close by itself, where "near entry" says at what price (no entry filled). Not a gain told
# as a share ("closed 45% in profit", "closed 150%": `_share_of`).
_CLOSED_SHARE_RE = re.compile(
    "(?:" + guarded((r"closed", "closing")) + rf"){_OF}(?:{_AMOUNT})(?!\w)"
    r"(?!\s*(?:in\s+)?(?:profits?|gains?|roi|pnl|up|down|loss)(?!\w))"
)
_SHARE_PCT_RE = re.compile(r"(\d{1,3}(?:[.,]\d+)?)\s*%")
_SHARE_FRACTION_RE = re.compile(r"1/([234])")


# "Close ETH 50%", "Close ATOM long 50%": the share written after the coin (and its side), as
# "close 50% ETH" writes it before; not a gain ("Close ETH 50% profit"), not "Closed ETH 50%"
# (a coin word: not a preposition, "all", "it", "half")
COIN_WORD = (r"[#$]?(?=[a-z0-9]*[a-z])(?!(?:at|in|on|by|to|of|off|for|with|near|from|all|the|it"
             r"|half)(?!\w))[a-z0-9]{2,16}(?:/[a-z]{3,5})?(?:[ \t]+(?:long|short))?"
             r"(?:[ \t]+(?:position|trade))?")
_COIN_SHARE_RE = re.compile(
    "(?:" + guarded(("close", "closing", "exit"))
    + rf")[ \t]+(?:the[ \t]+)?{COIN_WORD}[ \t]+(?:by[ \t]+)?"
    rf"(?:{_AMOUNT})(?!\w)(?![ \t]*(?:in[ \t]+)?(?:profits?|gains?|roi|pnl|up|down|loss)(?!\w))"
)


def partial_close_at(low: str) -> int:
    """Where "Close 50% of #BTC", "book half here" (a close of a stated share) is written, or
    -1; the caller reads it only when no other cue says more (a target hit's "take 50%
    profit" stays that target)."""
    if "%" not in low and "half" not in low and "1/" not in low and low.isascii():
        return -1  # every amount holds one of these, or a non-ASCII word
    match = _PARTIAL_ORDER_RE.search(low)
    if match is None or _share_of(match.group(0)) is None:
        return -1
    return match.start()


def closed_share_at(low: str) -> int:
    """Where "closed half", "closed 30% near entry" (a close of a stated share, told as done) is
    written, or -1; the caller reads it only when no other cue says more ("TP1 ✅ closed 50%"
    stays that target, whose order took the share)."""
    if "%" not in low and "half" not in low and "1/" not in low and low.isascii():
        return -1  # every amount holds one of these, or a non-ASCII word
    match = _CLOSED_SHARE_RE.search(low)
    if match is None or _share_of(match.group(0)) is None:
        return -1
    return match.start()


def partial_close_share(low: str) -> Decimal | None:
    """How much of the position a partial close closes: "close 30%" → 0.3, "close half" →
    0.5, "book 1/3" → 1/3; None when it does not say ("take some profit", "partially
    closed", "exit 150%"). 100% is the whole position (1)."""
    match = _PARTIAL_AMOUNT_RE.search(low) or _COIN_SHARE_RE.search(low)
    return None if match is None else _share_of(match.group(0))


def _share_of(phrase: str) -> Decimal | None:
    """The share a partial-close phrase states ("close 30%" → 0.3), None for none or >100%."""
    pct = _SHARE_PCT_RE.search(phrase)
    if pct is not None:
        share = Decimal(pct.group(1).replace(",", ".")) / 100
        return share if 0 < share <= 1 else None  # "150%" is a gain, not a share
    fraction = _SHARE_FRACTION_RE.search(phrase)
    if fraction is not None:
        return Decimal(1) / Decimal(fraction.group(1))
    return Decimal("0.5")  # half, in any of its languages
