"""Follow-up posts on an earlier signal: target hit, stop hit, stop moved, close, cancel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from verzek.signals.keywords import alternation, guarded, literal_first
from verzek.signals.numbers import read_token

# Every regex runs on lower-cased text and only after a cheap substring gate says it may match.

_ACTION_ORDER = ("stop_hit", "cancel", "move_sl", "close", "target_hit", "other")

_DONE_WORDS = ("reached", "hit", "achieved", "done", "smashed", "completed", "booked", "secured",
               "touched", "✅", "✔️?", "☑️?", "💰", "достигнут[аы]?", "взят[аы]?",
               "alcanzad[oa]s?", "atingid[oa]s?", "ula[şs]ildi", "đạt", "erreicht", "atteints?",
               "tercapai")
_DONE = f"(?:{'|'.join(_DONE_WORDS)})"
_DONE_GATE = ("reach", "hit", "achiev", "done", "smash", "complet", "book", "secur", "touch",
              "✅", "✔", "☑", "💰", "достиг", "взят", "alcanz", "ating", "ulaş", "ulas", "đạt",
              "erreicht", "atteint", "tercapai")
_TGT_WORDS = ("tp", "target", r"take[\s-]?profit", "t", "цель", "тейк", "objetivo", "alvo", "hedef",
              r"m[ụu]c\s+ti[êe]u", "ziel", "objectif", "cible")
_TGT = f"(?:{'|'.join(_TGT_WORDS)})"
_HIT_AFTER_TGT = rf"\s*#?\s*(?P<i1>\d{{1,2}})(?![\d.,]?\d)[^\n]{{0,30}}?{_DONE}"  # not "160"
_TGT_AFTER_HIT = rf"\s*:?\s*{_TGT}\s*#?\s*(?P<i2>\d{{1,2}})(?![\d.,]\d)(?![\s:=\-]*\d)"
# A lookahead on the first characters every match can start with (`_TGT`, `_DONE` and "hit"
# heads) lets the engine reject most positions before trying the alternatives.
TARGET_HIT_RE = re.compile(
    r"(?=[tтцoahmrdscb✅✔☑💰двuđze])"
    rf"(?:(?<!\w){_TGT}{_HIT_AFTER_TGT}"
    rf"|(?:{_DONE}|hit){_TGT_AFTER_HIT})"
)
# The same, literal-first: the engine skips in C to a character some alternative starts with.
# The index is the match's one group (`match[match.lastindex]`): named groups cannot repeat.
_TARGET_HIT_FAST_RE = re.compile(literal_first((
    (_TGT_WORDS, r"(?<!\w.)", _HIT_AFTER_TGT.replace("?P<i1>", "")),
    ((*_DONE_WORDS, "hit"), "", _TGT_AFTER_HIT.replace("?P<i2>", "")),
)))
# "TP 3300 hit ✅", "target 160 reached": a target named by its price, reached (no index)
TARGET_PRICE_HIT_RE = re.compile(
    guarded(("tp", "target", r"take[\s-]?profit")) + r"(?!\w)[ \t]*:?[ \t]*\$?\d[\d.,]*+[ \t]*"
    r"(?:was[ \t]+|has[ \t]+been[ \t]+|got[ \t]+|is[ \t]+)?"
    r"(?:reached|hit|achieved|smashed|touched|done|✅)"
)
_ALL_TARGETS = r"all\s+(?:\d{1,2}\s+)?(?:take[\s-]?profit\s+)?(?:targets?|tps)"
_ALL_WORDS_DONE = (_ALL_TARGETS, r"все\s+цели",
                   r"todos\s+los\s+objetivos", r"todos\s+os\s+alvos", r"t[üu]m\s+hedefler")
# "... hit all targets 3200, 3300, 3400 🎯": the outcome written before the targets
_DONE_BEFORE_ALL = ("hit", "reached", "achieved", "smashed", "completed", "touched")
ALL_TARGETS_RE = re.compile(rf"(?:{guarded(_ALL_WORDS_DONE)})[^\n]{{0,20}}?{_DONE}"
                            rf"|(?:{guarded(_DONE_BEFORE_ALL)})\s+{_ALL_TARGETS}(?!\w)")
_SLW = r"(?:stop[\s-]?loss|stoploss|stop|sl|s/l|стоп(?:[\s-]?лосс)?)"
# "#LTC/USDT Stoploss ⛔", "Stop loss ❌ -12%": a stop word marked by an emoji, with no price after
# it on its line or at the start of the next ("🛑 Stop Loss 🛑" over "0.45" labels a call's stop).
_STOP_MARKED = (r"[ \t]*[⛔🛑❌](?=(?:[^\d\n]++|\d[\d.,]*+[ \t]*+%)*+"
                r"(?:\Z|\n(?![^\w]*+\d[\d.,]*+(?![ \t]*%))))")
STOP_HIT_RE = re.compile(
    rf"(?=[sсhc])(?:(?<!\w){_SLW}\s*(?:targets?\s+)?(?:was\s+|has\s+been\s+|got\s+)?(?:hit|triggered|reached|touched|taken"
    r"|сработал|выбит|alcanzado|tocado|atingido|kena|ausgelöst|touché)(?!\w)"
    rf"|(?<!\w){_SLW}{_STOP_MARKED}"
    rf"|(?<!\w)stopped\s+out|(?<!\w)(?:hit|closed\s+(?:at|by|on))\s+(?:the\s+|our\s+)?{_SLW}(?!\w))"
)
_STOP_GATE = ("hit", "trigger", "reach", "touch", "taken", "stopped", "сработ", "выбит",
              "alcanz", "tocad", "ating", "closed", "⛔", "🛑", "❌", "kena", "ausgel")


def _be(n: int) -> str:
    return (rf"(?P<be{n}>entry(?:\s+(?:point|price))?|break[\s-]?even|be|cost|безубыт\w*|бу|б/у"
            r"|точку\s+входа|entrada)")


def _num(n: int) -> str:
    return rf"(?P<num{n}>\d[\d.,]*)"


def _tgt(n: int) -> str:  # "move SL to TP1": the price of the call's target 1
    return (rf"(?P<tg{n}>(?:tp|target|t)\s*#?\s*\d{{1,2}}(?!\d)"
            r"|(?:first|second|third|1st|2nd|3rd)\s+(?:target|tp)|цел[ьи]\s*\d)")


_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}
_TARGET_NUMBER_RE = re.compile(r"\d{1,2}")


def _target_number(written: str) -> int | None:
    """1 for "tp1", "target #1", "first target", "цель 1"; None for a target 0."""
    number = _TARGET_NUMBER_RE.search(written)
    index = int(number.group()) if number else _ORDINALS.get(written.split()[0])
    return index or None


MOVE_SL_RE = re.compile(
    r"(?=[msautпсn])(?:(?<!\w)(?:mov(?:e|ed|ing)|shift(?:ed)?|set|adjust(?:ed)?|updat(?:e|ed)|trail(?:ed)?"
    rf"|переносим|переставляем|переводим|перевели|передвигаем)\s+(?:the\s+|our\s+|your\s+)?{_SLW}"
    rf"\s*(?:to|at|on|на|в|→)?\s*(?:{_be(1)}(?!\w)|{_num(1)}|{_tgt(1)})?"
    rf"|(?<!\w){_SLW}\s*(?:moved|move|is\s+now|now|updated|→|перенес[её]н\w*|переведен\w*)\s*"
    rf"(?:to|at|на|в)?\s*"
    rf"(?:{_be(2)}(?!\w)|{_num(2)}|{_tgt(2)})?"
    rf"|(?<!\w)new\s+{_SLW}\s*[:=\-]?\s*(?:{_be(3)}(?!\w)|{_num(3)})"
    rf"|(?<!\w){_SLW}\s+to\s+(?:{_be(4)}(?!\w)|{_num(4)}|{_tgt(4)})"  # "SL to BE"
    rf"|(?<!\w){_SLW}\s+(?:now\s+)?(?:at|@|on)\s+{_be(5)}(?!\w))"  # "rest runs with SL at entry"
)
# the verbless "SL at entry" (a stop standing at the entry now), gated in `_families`
_STOP_AT_BE_RE = re.compile(rf"(?<!\w){_SLW}\s+(?:now\s+)?(?:at|@|on)\s+{_be(0)}(?!\w)")
_MOVE_GATE = ("mov", "shift", "set", "adjust", "updat", "trail", "new", "перенос", "переставл",
              "перенес", "перевод", "перевел", "переведен", "передвиг", "→")
_CANCEL_WORDS = (r"cancel(?:l?ed)?", "cancelling", r"отмен\w*", "cancelad[oa]", "iptal", "hủy")
CANCEL_RE = re.compile(f"(?:{guarded(_CANCEL_WORDS)})" r"(?!\w)")
_CANCEL_GATE = ("cancel", "отмен", "iptal", "hủy")
_CLOSE_LINE = r"[^\w\n]*(?:please\s+)?(?:close|exit|закрываем|закрыть|cerrar|fechar|kapat)\b"
_CLOSE_COIN_NOW = (r"\s+(?:all\s+|the\s+|your\s+|our\s+)?[#$]?[a-z0-9/]{2,20}\s+"
                   r"(?:now|here|immediately|asap|manually)\b")
_CLOSE_NOW = (r"\s+(?:now|immediately|asap|all|position|trade|the\s+trade|the\s+rest|remaining"
              r"|rest\s+of)\b")
_CLOSED_HOW = (r"\s+(?:manually|now|in\s+(?:profit|loss)|at|with|position|trade|all"
               r"|early|the\s+(?:trade|position|rest))")
# "closed manually", and with the coin between the verb and how: "Closing #MATIC manually"
_CLOSED_ANY_HOW = (r"(?:\s+(?:all\s+|the\s+|our\s+|my\s+)?[#$]?[a-z0-9/]{2,20}(?=\s))?"
                   + _CLOSED_HOW)
_CLOSED_BY = ("manually", "position", "trade", "signal")
# "Take profit now at 1.95", "book profits here": close it all (not "take some profit")
_TAKE_NOW = (r"\s+(?:the\s+|your\s+|all\s+)?profits?\s+"  # "book profits on $WIF now"
             r"(?:(?:on|in|of)\s+[#$]?[a-z0-9/]{2,20}\s+)?(?:now|here|immediately|asap)\b")
CLOSE_RE = re.compile(  # the definition; `close_search` finds the same, faster
    rf"^{_CLOSE_LINE}"
    rf"|(?<!\w)(?:close|exit){_CLOSE_COIN_NOW}"
    rf"|(?<!\w)(?:close|exit){_CLOSE_NOW}"
    rf"|(?<!\w)clos(?:ed|ing){_CLOSED_ANY_HOW}"
    rf"|(?<!\w)(?:take|book|secure){_TAKE_NOW}"
    rf"|(?<!\w)(?:{'|'.join(_CLOSED_BY)})\s+closed(?!\w)|закрыт[ао]?\s+вручную",
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
_CLOSE_GATE = ("clos", "exit", "закр", "cerr", "fech", "kapat",  # and `_TAKE_NOW`'s phrases:
               *(f"profit{s} {w}" for s in ("", "s")
                 for w in ("now", "here", "imm", "asap", "on ", "in ", "of ")))
_CLOSED_WORDS = ("closed", "закрыт[аоы]?", "cerrad[oa]", "fechad[oa]", "kapatildi")
WEAK_CLOSE_RE = re.compile(f"(?:{guarded(_CLOSED_WORDS)})" r"(?!\w)")
_PART = (r"\d{1,3}(?:[.,]\d+)?\s*%|half|part|some|1/[234]|половин\w*|част\w*|la\s+mitad|metade"
         r"|yar[iı]s[iı]n[iı]")
_PARTIAL_CLOSE_RE = re.compile(  # literal-first (`guarded`): the engine skips to candidates
    "(?:" + guarded((r"clos\w*", r"exit\w*", "take", r"book\w*", r"secur\w*", r"закр\w*",
                     r"cerr\w*", r"fech\w*", r"kapat\w*"))
    + rf")\s+(?:of\s+|off\s+)?(?:the\s+|your\s+|our\s+)?(?:{_PART})(?!\w)"
    + "|(?:" + guarded((r"partial\w*", "half", r"частичн\w*", r"parcial\w*")) + r")(?!\w)"
)
_FILLED_WORDS = (r"all\s+entry\s+targets?", r"entry\s+targets?", "entries", "entry", "вход")
ENTRY_FILLED_RE = re.compile(
    f"(?:{guarded(_FILLED_WORDS)})" r"\s*#?\d?\s*"
    r"(?:filled|triggered|activated|done|hit|reached|achieved|✅)"
)
_FILLED_GATE = ("fill", "trigger", "activ", "done", "hit", "reach", "achiev", "✅")


@dataclass(slots=True)  # internal and never changed; not frozen: a frozen __init__ is 3x slower
class UpdateFinding:
    """What the update detector saw; `is_result` means a past-tense outcome, not an instruction."""

    action: str
    target_index: int | None = None
    new_stop: Decimal | None = None
    to_breakeven: bool = False
    is_result: bool = False
    at: int = 0  # where the cue was written, to find the coin it speaks of
    reason: str | None = None  # why the cue cannot be acted on
    stop_to_target: int | None = None  # "move SL to TP1": the call's target 1 (1-based)


_FAMILIES = {"done": _DONE_GATE, "stop": _STOP_GATE, "move": _MOVE_GATE,
             "cancel": _CANCEL_GATE, "close": _CLOSE_GATE, "filled": _FILLED_GATE}
_ALL_WORDS = sorted({w for words in _FAMILIES.values() for w in words}, key=lambda w: -len(w))
_CUE_WORD_RE = re.compile(alternation(_ALL_WORDS))
# A matched word opens every family one of whose words it contains ("closed" also has "clos").
_NEED_STOP_WORD = frozenset(("stop", "move"))
_WORD_FAMILIES = {
    word: frozenset(name for name, words in _FAMILIES.items() if any(w in word for w in words))
    for word in _ALL_WORDS
}


def _families(low: str) -> set[str]:
    """Which cue families the text mentions, in one pass: the gate before the costly patterns.

    STOP_HIT_RE and MOVE_SL_RE also need a stop word (every `_SLW` form and "stopped" hold
    "stop", "sl", "s/l" or "стоп"): without one, their families are left out.
    """
    found: set[str] = set()
    for word in _CUE_WORD_RE.findall(low):  # findall: one C call, no match objects
        found |= _WORD_FAMILIES[word]
    # The verbless "SL to BE" is checked here: its words would slow the one-pass alternation.
    if "move" not in found and ((" to " in low and (
        "sl to" in low or "stop to" in low or "ss to" in low or "s/l to" in low
    )) or ((" at " in low or " on " in low or "@" in low) and _STOP_AT_BE_RE.search(low))):
        found.add("move")
    if ("stop" in found or "move" in found) and not (
        "sl" in low or "stop" in low or "s/l" in low or "стоп" in low
    ):
        found -= _NEED_STOP_WORD
    return found


# "After TP1 hit, move SL to entry", "once we hit TP2": maybe a plan written in a call, not an
# outcome. Searched up to the hit's start (endpos), so \Z is that start.
_PLAN_BEFORE_RE = re.compile(
    r"(?<!\w)(?:after|once|when|if|until|upon|before)(?:[ \t]+(?:the|we|it|price))?[ \t]+\Z"
)


def _max_index(low: str) -> tuple[int | None, int, bool]:
    """The highest target index written as hit, where, and whether only as a condition."""
    best: int | None = None
    at = 0
    for match in _TARGET_HIT_FAST_RE.finditer(low):
        raw = match[match.lastindex or 0]
        if int(raw) > (best or 0):
            best, at = int(raw), match.start()
    return best, at, best is not None and _is_planned(low, at)


def _is_planned(low: str, at: int) -> bool:
    """Whether the target hit written at `at` follows "after", "once", "if"... (a plan)."""
    return at > 2 and low[at - 1] in " \t" and \
        _PLAN_BEFORE_RE.search(low, max(0, at - 16), at) is not None


def detect_update(low: str) -> UpdateFinding | None:
    """The update a lower-cased message announces, or None; cues resolve by `_ACTION_ORDER`.

    A target hit ("TP1 ✅") is read beside any other cue: its index and outcome go with it.
    """
    families = _families(low)
    if not families:
        return partial_close_finding(low)
    hit = _target_finding(low) if "done" in families else None
    cue = _instruction(low, families, hit)
    if cue is None:
        if hit is not None:
            return hit
        filled = ENTRY_FILLED_RE.search(low) if "filled" in families and (
            "entr" in low or "вход" in low) else None  # every _FILLED_WORDS form holds one
        if filled:
            return UpdateFinding("other", is_result=True, at=filled.start())
        return partial_close_finding(low)
    if hit is None:
        return cue
    return UpdateFinding(cue.action, hit.target_index, cue.new_stop, cue.to_breakeven,
                         cue.is_result or hit.is_result, cue.at, cue.reason, cue.stop_to_target)


def _target_finding(low: str) -> UpdateFinding | None:
    """ "TP2 ✅" (the highest index written wins), or "all targets done" without an index."""
    index, index_at, planned = _max_index(low)
    if index is not None:  # "after TP1 hit, move SL ..." in a full call is no outcome yet
        return UpdateFinding("target_hit", target_index=index, is_result=not planned,
                             at=index_at)
    done = ALL_TARGETS_RE.search(low) if _names_all(low) else None
    if done is None:
        done = TARGET_PRICE_HIT_RE.search(low)
        if done is not None and _is_planned(low, done.start()):
            return UpdateFinding("target_hit", at=done.start())  # "once TP 3300 is hit, ..."
    return UpdateFinding("target_hit", is_result=True, at=done.start()) if done else None


def _instruction(low: str, families: set[str], hit: UpdateFinding | None) -> UpdateFinding | None:
    """The first of stop hit, cancel, moved stop and close found (`_ACTION_ORDER`); later cues
    are not searched. A close beside "all targets done" is that target post, not a close."""
    stop = STOP_HIT_RE.search(low) if "stop" in families else None
    if stop:  # "SL ❌" in a full call may mean "no stop": a marked stop is no outcome by itself
        marked = stop.group()[-1] in "⛔🛑❌"
        return UpdateFinding("stop_hit", is_result=not marked, at=stop.start())
    cancel = CANCEL_RE.search(low) if "cancel" in families else None
    if cancel:
        return UpdateFinding("cancel", is_result=cancel.group() != "cancel", at=cancel.start())
    move = MOVE_SL_RE.search(low) if "move" in families else None
    if move:
        return _move_finding(move)
    if "close" not in families or (hit is not None and hit.target_index is None):
        return None
    close = close_search(low)
    if close is None:
        return None
    said = close.group()
    return UpdateFinding("close", is_result="closed" in said or "закрыт" in said, at=close.start())


def _names_all(low: str) -> bool:
    """Whether `low` holds the first word of an `_ALL_WORDS_DONE` form (ALL_TARGETS_RE's gate)."""
    return "all" in low or "все" in low or "todos" in low or "tüm" in low or "tum" in low


def close_search(low: str) -> re.Match[str] | None:
    """What `CLOSE_RE.search(low)` finds: the earliest match, the line-start phrase on a tie
    (it is CLOSE_RE's first alternative)."""
    line = _CLOSE_LINE_RE.match(low)
    if line is None:
        after_newline = _CLOSE_NEXT_LINE_RE.search(low)
        if after_newline is not None:
            line = _CLOSE_LINE_RE.match(low, after_newline.start() + 1)
    rest = _CLOSE_REST_RE.search(low)
    if rest is not None and (line is None or rest.start() < line.start()):
        return rest
    return line


def weak_close_at(low: str) -> int:
    """Where a bare past-tense "closed" is written (-1: nowhere): a close update only when the
    message names its coin."""
    if not ("clos" in low or "закрыт" in low or "cerrad" in low or "fechad" in low
            or "kapat" in low):
        return -1
    match = WEAK_CLOSE_RE.search(low)
    return -1 if match is None else match.start()


def is_partial_close(low: str) -> bool:
    """A close of part of the position ("close 50%", "close half", "partially closed"): acting
    on it as a close would close all of it."""
    return _PARTIAL_CLOSE_RE.search(low) is not None or _PARTIAL_AMOUNT_RE.search(low) is not None


_AMOUNT = r"\d{1,3}(?:[.,]\d+)?\s*%|half|1/[234]|половин\w*|la\s+mitad|metade|yar[iı]s[iı]n[iı]"
_OF = r"\s+(?:of\s+|off\s+)?(?:the\s+|your\s+|our\s+)?"
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
_SHARE_PCT_RE = re.compile(r"(\d{1,3}(?:[.,]\d+)?)\s*%")
_SHARE_FRACTION_RE = re.compile(r"1/([234])")


def partial_close_finding(low: str) -> UpdateFinding | None:
    """ "Close 50% of #BTC", "book half here": a close of a stated share, when no other cue
    says more (a target hit's "take 50% profit" stays that target)."""
    if "%" not in low and "half" not in low and "1/" not in low and low.isascii():
        return None  # every amount holds one of these, or a non-ASCII word
    match = _PARTIAL_ORDER_RE.search(low)
    if match is None or _share_of(match.group(0)) is None:
        return None
    return UpdateFinding("close", at=match.start())


def partial_close_share(low: str) -> Decimal | None:
    """How much of the position a partial close closes: "close 30%" → 0.3, "close half" →
    0.5, "book 1/3" → 1/3; None when it does not say ("take some profit", "partially
    closed", "exit 150%"). 100% is the whole position (1)."""
    match = _PARTIAL_AMOUNT_RE.search(low)
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


def _move_finding(match: re.Match[str]) -> UpdateFinding:
    new_stop: Decimal | None = None
    target = match.group("tg1") or match.group("tg2") or match.group("tg4")
    if target:
        index = _target_number(target)
        if index is None:
            return UpdateFinding("move_sl", at=match.start(), reason="the stop moves to a "
                                 "target that does not exist (target 0)")
        return UpdateFinding("move_sl", at=match.start(), stop_to_target=index)
    raw = match.group("num1") or match.group("num2") or match.group("num3") or match.group("num4")
    to_breakeven = any(match.group(f"be{n}") for n in range(1, 6))
    if raw:
        read = read_token(raw.rstrip(".,"))
        if read is not None and not isinstance(read, list):
            new_stop = read.value
    return UpdateFinding("move_sl", new_stop=new_stop, to_breakeven=to_breakeven,
                         at=match.start())
