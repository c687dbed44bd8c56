"""Whether a detected follow-up says what to do now, to whom and to how much of a position.

A follow-up is only acted on when it tells everyone in the trade to act now. Not so: an instruction
asked about ("Close ATOM? what do you think", "Закрываем ETH?"), one on a condition or for later
("Close DOT if it breaks 6.3", "Cancel ETH if price goes above 3200", "Cerrar ETH si pierde 3000",
"Close ATOM tomorrow", "Close ETH above 3100", "close ETH in an hour"), an outcome for some members
only ("ETH SL hit for some members, we are still in"), a close taken back ("we closed too early,
reopen"), a close of all but some ("Close all except BTC", "Close all trades but ETH") or of some
named by a quality ("Close all trades in profit", "close all alts"), a close of an amount that may
be coins ("Close 0.5 of #XRP", "Close ETH 0.5"), and an outcome dated a past day ("Yesterday #XRP
hit target 1": `past_day`). A stop move "after TP1", "when TP1 hits", "once TP 3180 is hit" waits
for a target (`waits_for_target`): a follow-up cannot carry that wait, so nothing is done now (the
position's own settings, such as a move to breakeven after TP1, govern); one told as done ("TP1
done, SL moved to entry") or beside a target reached ("TP1 hit ✅ move SL to entry") is applied.
"""

from __future__ import annotations

import re

from verzek.signals.closes import COIN_WORD, WEAK_CLOSE_RE
from verzek.signals.keywords import guarded
from verzek.signals.numbers import Price, read_token
from verzek.signals.updates import UpdateFinding

_SENTENCE_END_RE = re.compile(r"[\n!?]|\.(?=\s|\Z)")
# "if", "when" ... not about the reader or the order's fill ("Close ETH if you are still in",
# "Cancel #SOL if not filled yet": no condition on the market, the holders act now)
_NOT_A_CONDITION = (
    r"\s+(?:you|u|ur|you['’]re|you\s+are|you\s+have|still|possible|needed|necessary"
    r"|not\s+(?:yet\s+)?(?:filled|entered|triggered|activated|opened|in)"
    r"|(?:it|the\s+order|the\s+entry|order|entry|its|it['’]s)\s+(?:is\s+|was\s+|has\s+|hasn['’]t"
    r"\s+|isn['’]t\s+|did\s+not\s+|didn['’]t\s+)?(?:still\s+)?(?:not\s+)?(?:yet\s+)?(?:been\s+)?"
    r"(?:filled|open|opened|triggered|activated|entered|pending))(?!\w)"
)
_CONDITION_RE = re.compile(
    "(?:" + guarded(("if", "when", "whenever", "once", "unless", "until", "till", r"in\s+case",
                     "si", "cuando", "если", "когда", r"как\s+только", "upon", "after",
                     r"at\s+(?:the\s+)?(?:tp|target|take[\s-]?profit)\s*#?\d*"))  # "... at TP3"
    + rf")(?!\w)(?!{_NOT_A_CONDITION})"
)
_DAY = (r"(?:weekend|week(?:ly)?\s+close|daily\s+close|close|open|end\s+of\s+\w+|news|fomc|cpi"
        r"|(?:mon|tues|wednes|thurs|fri|satur|sun)day)")
_LATER_RE = re.compile(
    "(?:" + guarded(("tomorrow", "tonight", "later", r"next\s+(?:week|day|session|candle)",
                     r"in\s+the\s+(?:morning|evening)", "mañana", "amanhã", "завтра", "позже",
                     "вечером", "eod", r"end\s+of\s+(?:the\s+)?(?:day|week|session)",
                     r"in\s+(?:(?:an?|one|two|three|a\s+few|few)\s+(?:hours?|hrs?|minutes?"
                     r"|mins?|days?)|\d+\s*(?:hours?|hrs?|h|minutes?|mins?|m|days?|d))",  # "in 2h"
                     *(rf"{w}\s+(?:the\s+)?{_DAY}" for w in ("before", "by", "on", "this",
                                                             r"over\s+the")))) + r")(?!\w)"
)
# "Close ETH above 3100", "close ETH on a 4h close below 2900": a level (or a candle's close)
# the close waits for, written after the cue (before it, "ETH broke below 3000, close" is why)
_LEVEL_RE = re.compile(
    "(?:" + guarded((*(w + r"\s+(?:\$?\d[\d.,]*k?|(?:the\s+)?(?:entry|support|resistance|level))"
                       for w in ("above", "below", "under", "over", "beneath", "beyond", "before")),
                     r"or\s+(?:above|below|higher|lower|better)",
                     r"on\s+(?:an?\s+|the\s+)?(?:\d{1,2}\s*(?:h|hr|d|w)|h\d|d1|w1|daily|weekly"
                     r"|hourly)\s+(?:candle\s+)?close")) + r")(?!\w)"
)
# "after the rejection" beside "now" is why, not when: only "if"-like words then
_NOW_RE = re.compile(r"(?<!\w)(?:now|immediately|asap|right\s+away|at\s+market)(?!\w)")
# "Move SL to entry after TP1", "once target 2 is reached", Russian "после ТП1", Spanish
# "después de TP1", Portuguese "após o TP1", Vietnamese "sau khi chạm TP1", Turkish "TP1
# sonrası": a target the move waits for (not one ticked as reached: "Stop to breakeven after
# TP1 ✅" tells what was done)
_TGT = (r"(?:(?:tp|тп|target|take[\s-]?profit|objetivo|alvo|hedef|цел[ьи])\s*#?\s*\d{1,2}"
        r"(?![\d.,]?\d)|(?:first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th|primer|segundo"
        r"|первой|второй|третьей)\s+(?:target|tp|take[\s-]?profit|objetivo|цели))")
_AFTER_TARGET_RE = re.compile(
    r"(?<!\w)(?:(?:after|once|when|whenever|upon|on|if|as\s+soon\s+as|после|когда"
    r"|как\s+только|despu[ée]s\s+del?|cuando|depois\s+d[oe]|ap[óo]s(?:\s+[oa])?|quando"
    r"|sau(?:\s+khi)?)\s+(?:the\s+|we\s+(?:hit|reach)\s+|(?:hitting|reaching)\s+(?:the\s+)?"
    r"|price\s+(?:hits|reaches)\s+|(?:toque|llegue\s+a|alcance|ch[ạa]m|đ[ạa]t)\s+)?"
    rf"{_TGT}(?P<tick>[ \t]*(?:(?:is[ \t]+|was[ \t]+|got[ \t]+)?(?:hit|reached|done|achieved)"
    r"[ \t]*)?[✅✔☑])?|(?:tp|hedef)\s*\d{1,2}(?:['’]?(?:den|dan|ten|tan))?\s+sonra)"
)
_TARGET_WORD_RE = re.compile(r"(?<!\w)(?:tp|target|take[\s-]?profit)")
# an outcome some members met, the channel still in the trade
_SOME_RE = re.compile(
    r"(?<!\w)(?:some\s+(?:of\s+(?:you|us|the\s+\w+|our\s+\w+)|members|users|traders|people"
    r"|subscribers|followers|accounts|exchanges)|for\s+some(?!\w)|a\s+few\s+of\s+(?:you|us)"
    r"|(?:on|for)\s+(?:a\s+few|certain|a\s+couple\s+of)\s+(?:exchanges?|accounts|members|users))"
)
_STILL_IN_RE = re.compile(
    r"(?<!\w)(?:(?:we\s+are|we['’]re|we|i\s+am|i['’]m)\s+(?:still\s+)?(?:in|holding|hodling)"
    r"|(?<!you\s)(?<!you\sare\s)(?<!you['’]re\s)(?:still|keep|keeping)\s+(?:holding|hodling))(?!\w)"
    r"(?!\s+(?:profit|loss|the\s+(?:green|red)|drawdown|range|a\s+\w+))"
)
_TAKEN_BACK_RE = re.compile(
    r"(?<!\w)(?:too\s+(?:early|soon)|re-?open\w*|back\s+in(?!\s+(?:profit|the\s+green)))(?!\w)")
_EXCEPT_RE = re.compile(
    "(?:" + guarded(("except", "excluding", r"apart\s+from", r"other\s+than", "besides",
                     r"save\s+for", r"all(?:[ \t]+[#$]?[\w/]+){0,3}?[ \t]+but",
                     r"every(?:thing|[ \t]+\w+)(?:[ \t]+[#$]?[\w/]+){0,2}?[ \t]+but",
                     r"but\s+(?:not|keep|leave)",
                     "кроме", "excepto", "menos")) + r")(?!\w)"
)
# "Close all positions now", "Close everything, market is dumping": nothing after the close-all
# but when or a new clause; not "Close all trades in profit", "close all alts"
_ALL_TAIL_RE = re.compile(
    r"[^\w\n,.;!?]*(?:\Z|[\n,.;!?]|(?:now|immediately|asap|right\s+now|at\s+(?:market|cmp)"
    r"|manually|please|guys|here|today|and\s+wait)(?!\w))"
)
# "Close 0.5 of #XRP", "Sell 100 XRP": an amount, of coins or a share of it, not a percentage
_AMOUNT_RE = re.compile(
    "(?:" + guarded(("close", "closing", "exit", "sell", "book", "take", "closed"))
    + r")\s+(?:the\s+|about\s+|another\s+)?\d[\d.,]*+(?<![.,])(?![ \t]*%)"
    r"\s+(?:of(?!\w)|[#$]?[a-z])"
)

# "Close ETH 0.5", "Close ATOM long 100": a number after the coin, coins or a price, not a share
_COIN_AMOUNT_RE = re.compile(
    "(?:" + guarded(("close", "exit")) + rf")[ \t]+(?:the[ \t]+)?{COIN_WORD}"
    r"[ \t]+\$?\d[\d.,]*+(?<![.,])(?![\w%])"
)

# "Yesterday #XRP hit target 1", "Last week #SOL hit TP3": an outcome dated a past day is a
# recap; the trade it speaks of may be long gone (not "earlier today": a late report)
_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_PAST_DAY_RE = re.compile(
    r"(?<!entered\s)(?<!opened\s)(?<!called\s)(?<!posted\s)(?<!shared\s)(?<!given\s)"
    r"(?<!from\s)(?<!since\s)(?:"  # not "(entered yesterday)": when the trade began
    "(?:" + guarded(("yesterday", r"last\s+(?:week|month|weekend|" + _WEEKDAY + ")",
                     r"on\s+" + _WEEKDAY, r"the\s+other\s+day", r"the\s+day\s+before",
                     r"earlier\s+this\s+(?:week|month)", "вчера", "ayer", "ontem", "dün"))
    + r")(?![\w'’])"  # not "yesterday's call" (which call, not when it hit)
    r"|(?<!\w)(?:\d+|an?|one|two|three|few|a\s+few)\s+(?:days?|weeks?|months?)\s+ago(?!\w))"
)
PAST_DAY = "an outcome dated a past day (yesterday, last week...), a recap: nothing is done"


def past_day(low: str, start: int, end: int) -> bool:
    """Whether `low[start:end]` (a follow-up's sentence) dates it a past day: "Yesterday #XRP
    hit target 1", "#SOL hit TP3 two days ago"."""
    return ("yester" in low or "last" in low or "day" in low or "ago" in low or "earlier" in low
            or not low.isascii()) and _PAST_DAY_RE.search(low, start, end) is not None


def _may_except(low: str) -> bool:
    """Whether `low` holds the first word of an `_EXCEPT_RE` form (its cheap gate)."""
    return "exc" in low or "apart" in low or "other" in low or "besides" in low or \
        "save" in low or " but" in low or "menos" in low or "кроме" in low


def _sentence_end(low: str, at: int) -> int:
    end = _SENTENCE_END_RE.search(low, at)
    return end.start() if end else len(low)


def _sentence_start(low: str, at: int) -> int:
    start = max(low.rfind("\n", 0, at), low.rfind("!", 0, at), low.rfind("?", 0, at),
                low.rfind(". ", 0, at)) + 1
    return start


LATER_MOVE = ("a stop move planned for when a target is hit (after TP1, once TP2 is hit): a "
              "conditional move is not applied now; the position's own settings (such as a move "
              "to breakeven after TP1) govern")


# a stop move told as done, not asked for, from the cue's start: "SL moved to entry", "stop
# is now at BE", "Stop girişe çekildi", "стоп перенесен в БУ" ("TP1 done, SL moved to entry"
# happened: it is applied)
_MOVED_RE = re.compile(
    r"[^\n.!?,;]{0,24}?(?<!\w)(?:moved|shifted|updated|adjusted|trailed|перенес\w*|переведен\w*"
    r"|перевели|[çc]ekildi|[çc]ektik|(?:sl|stop|стоп)\s+(?:is\s+)?now)(?!\w)")


def move_told_done(low: str, at: int) -> bool:
    """Whether the stop move at `at` is told as done: "SL moved to entry (after TP1)"."""
    return _MOVED_RE.match(low, at) is not None


def waits_for_target(low: str, at: int) -> bool | None:
    """Whether the stop move at `at` waits for a target, in its sentence: after it ("move SL
    to entry after TP1", "SL to BE when TP1 hits") or before it ("Once TP 3180 is hit, move SL
    to entry"); False for a target ticked as reached ("Stop to breakeven after TP1 ✅"), None
    for no target named as a condition."""
    start = _sentence_start(low, at)
    found = _AFTER_TARGET_RE.search(low, at, _sentence_end(low, at)) or \
        _AFTER_TARGET_RE.search(low, start, at)  # "После ТП1 стоп в БУ"
    if found is not None:
        return not found.group("tick")
    # "Once TP 3180 is hit, move SL ...": a condition, then a target word before the move (only
    # the first condition is tried: a target word after a later one is after the first too)
    first = _CONDITION_RE.search(low, start, at)
    if first is not None and _TARGET_WORD_RE.search(low, first.end(), at) is not None:
        return True
    return None


def _conditional(low: str, at: int, move: bool = False) -> bool:
    """Whether the instruction at `at` waits for a condition or a later time, in its sentence:
    "Close DOT if it breaks 6.3", "If ETH loses 3000, close it", "Close ATOM tomorrow". For a
    stop move (`move`), a condition before it on a target is its plan ("Once TP 3180 is hit,
    move SL to entry": `updates.py` reads it with the target hit)."""
    start, end = _sentence_start(low, at), _sentence_end(low, at)
    if _LATER_RE.search(low, at, end):
        return True
    level = None if move else _LEVEL_RE.search(low, at, end)  # a stop's own level is no wait
    if level is not None and not _NOW_RE.search(low, at, level.start()):
        return True  # "Close ETH above 3100" (not "Close ETH now, it is below 3000")
    for found in _CONDITION_RE.finditer(low, start, end):
        word = found.group()
        if word in ("after", "upon") and (found.start() < at or _NOW_RE.search(
                low, at, found.start())):
            continue  # "Close now, after the rejection": why, not when
        if move and found.start() < at and _TARGET_WORD_RE.search(low, found.end(), at):
            continue
        return True
    return False


def why_not(low: str, action: str, at: int, is_result: bool, share: bool) -> str | None:
    """Why the follow-up cue `action` at `at` cannot be acted on as written, or None."""
    instruction = not is_result and action in ("close", "cancel", "move_sl") and \
        WEAK_CLOSE_RE.match(low, at) is None  # "#BNB/USDT closed +32% in 4 hours": told, done
    if instruction and low[_sentence_end(low, at):][:1] == "?":
        return "a follow-up asked about, not told: nothing is done"
    if action == "target_hit" and not is_result:
        return "a target hit planned (if, when, after), not reached: nothing is done"
    if instruction and action != "move_sl" and _conditional(low, at):
        return "a follow-up on a condition or for later, not now: nothing is done"
    if action in ("stop_hit", "close", "target_hit") and ("some" in low or "few" in low or (
            "certain" in low or "couple" in low)) and _SOME_RE.search(low):
        return "an outcome for some members only, not the channel's trade: nothing is done"
    if action in ("stop_hit", "close") and not share and ("still" in low or "hold" in low or (
            "we" in low or "hodl" in low or "i am" in low or "i’m" in low or "i'm" in low)) and \
            _STILL_IN_RE.search(low):
        return "the channel says it is still in the trade: nothing is closed"
    if action == "close" and is_result and _TAKEN_BACK_RE.search(low):
        return "a close the channel takes back (too early, reopened): nothing is closed"
    if action in ("close", "cancel") and _may_except(low) and _EXCEPT_RE.search(low):
        return "a close of all but some trades, which cannot be said here: nothing is closed"
    if action == "close" and (_AMOUNT_RE.search(low) or (
            not is_result and not share and _COIN_AMOUNT_RE.search(low))):
        return "a close of an amount (coins, or a share?): how much is unsure"
    return None


def move_waits(low: str, at: int) -> bool:
    """Whether a stop move at `at` waits for a condition that names no target: "Move SL to
    entry if BTC breaks 70k" (one after a target is `condition_target`'s)."""
    return _conditional(low, at, move=True)


def all_tail_ok(low: str, end: int) -> bool:
    """Whether "close all ..." ending at `end` closes them all: nothing after it but when
    ("now", "at market") or the next clause; not "Close all trades in profit"."""
    return _ALL_TAIL_RE.match(low, end) is not None


def close_side(low: str, base: str) -> str | None:
    """ "Close ATOM short", "close the long on #ETH": the side a close of the coin `base`
    (lower case) names, "long" or "short"; None for none or both."""
    if "long" not in low and "short" not in low:
        return None
    coin = rf"[#$]?{re.escape(base)}(?:/?usdt|/[a-z]{{3,5}})?"
    found = re.search(
        rf"(?<!\w)(?:close|closing|exit|exiting|cancel)\s+(?:the\s+|my\s+|our\s+|your\s+|all\s+)?"
        rf"(?:{coin}\s+(longs?|shorts?)|(longs?|shorts?)\s+(?:on\s+|of\s+|in\s+|for\s+)?{coin})"
        r"(?!\w)(?![ \t]*(?:and|&|/|,|or)[ \t]*(?:longs?|shorts?)(?!\w))", low)  # not both
    if found is None:
        return None
    return "long" if (found.group(1) or found.group(2)).startswith("long") else "short"


# "#LINK SL 14.2", "$ATOM/USDT stop loss: 5.9": a tagged coin and a stop price, nothing else
_BARE_STOP_RE = re.compile(
    r"[^\w\n#$]*(?:[#$][a-z0-9]{2,12}(?:/?usdt)?|[a-z0-9]{2,12}/usdt)[ \t]*[:\-–|]?[ \t]*"
    r"(?:sl|s/l|stop(?:[ \t-]?loss)?)[ \t]*(?:[:=]|[\-–](?=[ \t]))?[ \t]*\$?(\d[\d.,]*)[^\w\n]*"
)


def bare_stop(low: str) -> UpdateFinding | None:
    """ "#LINK SL 14.2" alone: the stop of the coin's open trade moves there (like "ATOM new SL
    7"); a message with anything more (a side, an entry, targets) is no such follow-up."""
    if "sl" not in low and "stop" not in low and "s/l" not in low:
        return None
    found = _BARE_STOP_RE.fullmatch(low.strip())
    if found is None:
        return None
    price = read_token(found.group(1).rstrip(".,"))
    if not isinstance(price, Price) or price.value <= 0:
        return None
    return UpdateFinding("move_sl", new_stop=price.value, at=low.find(found.group(1)))
