"""Follow-up posts on an earlier signal: target hit, stop hit, stop moved, close, cancel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from verzek.signals.closes import CLOSE_GATE, close_search, closed_share_at, partial_close_at
from verzek.signals.hits import (
    ALL_TARGETS_RE,
    TARGET_PRICE_HIT_RE,
    bare_hit_at,
    max_index,
    names_all,
    worded_hit,
)
from verzek.signals.hits import TARGET_HIT_FAST_RE as _TARGET_HIT_FAST_RE  # noqa: F401 (tests)
from verzek.signals.hits import TARGET_HIT_RE as TARGET_HIT_RE  # the plain form, for the tests
from verzek.signals.keywords import alternation, guarded
from verzek.signals.mood import asked_after, is_planned, is_stated
from verzek.signals.numbers import read_token, scan_prices
from verzek.signals.sections import segment_prices, ticked_count

# Every regex runs on lower-cased text and only after a cheap substring gate says it may match.

_ACTION_ORDER = ("stop_hit", "cancel", "move_sl", "close", "target_hit", "other")

_DONE_GATE = ("reach", "hit", "achiev", "done", "smash", "complet", "book", "secur", "touch",
              "✅", "✔", "☑", "💰", "достиг", "взят", "alcanz", "ating", "ulaş", "ulas", "đạt",
              "erreicht", "atteint", "tercapai", "تحق", "خورد", "تاچ", "达", "到达", "달성", "पूरा",
              "완료", "完成")
_SL = r"stop[\s-]?loss|stoploss|stop|sl|s/l|стоп(?:[\s-]?лосс)?|استاپ|حد\s+ضرر"
# and "cut loss", Vietnamese "cắt lỗ", Arabic "وقف الخسارة", "الستوب", Chinese and Korean
_SLW = rf"(?:{_SL}|cut[\s-]?loss|c[ắa]t\s+l[ỗo]|وقف\s+الخسار[ةه]|(?:ال)?ستوب|止损|손절)"
_SLM = f"(?:{_SL})"  # a moved stop's words: "move cut loss" is rare, and "c" is a common letter
# "#LTC/USDT Stoploss ⛔", "Stop loss ❌ -12%": a stop word marked by an emoji, with no price after
# it on its line or at the start of the next ("🛑 Stop Loss 🛑" over "0.45" labels a call's stop).
_STOP_MARKED = (r"[ \t]*[⛔🛑❌](?=(?:[^\d\n]++|\d[\d.,]*+[ \t]*+%)*+"
                r"(?:\Z|\n(?![^\w]*+\d[\d.,]*+(?![ \t]*%))))")
_LOSS = r"(?:\(?[-–][ \t]*\d{1,3}(?:[.,]\d+)?[ \t]*%\)?\s*)"  # "SL -5% hit", "SL (-5%) hit"
STOP_HIT_RE = re.compile(
    rf"(?=[sсhcdbвпاحوضس止손])(?:(?<!\w){_SLW}\s*(?::\s*)?(?:targets?\s+)?{_LOSS}?(?:was\s+|has\s+been\s+|got\s+)?(?:hit|triggered|reached|touched|taken"
    r"|сработал|выбит|alcanzado|tocado|atingido|kena|ausgelöst|touché|olduk?|خورد|فعال\s+شد"
    r"|ativado|acionado|çalişti|(?:已|被)?触发|了)(?!\w)"  # and Chinese "止损触发", "止损了"
    rf"|(?<!\w){_SLW}{_STOP_MARKED}"
    r"|(?<!\w)stopped\s+(?:out|(?:at|on)\s+(?:the\s+|our\s+)?(?:entry|break[\s-]?even|be|cost)"
    rf"(?!\w))|(?<!\w)(?:hit|d[íi]nh|ch[ạa]m|closed\s+(?:at|by|on)|ضرب"
    rf"|выбило\s+по|словили|поймали)\s+(?:the\s+|our\s+)?{_SLW}"
    # "#LINK breakeven hit", "hit breakeven stop": the stop, moved to the entry, was hit
    r"|(?<!\w)hit\s+(?:the\s+|our\s+)?break[\s-]?even"
    r"|(?<!\w)break[\s-]?even(?:\s+(?:stop(?:[\s-]?loss)?|sl))?\s+(?:was\s+|has\s+been\s+|got\s+)?"
    r"(?:hit|triggered|taken)(?![ \t]+(?:rate|ratio)(?!\w))"
    r"(?!\w))"
)
_STOP_GATE = ("hit", "trigger", "reach", "touch", "taken", "stopped", "сработ", "выби", "ловил",
              "alcanz", "tocad", "ating", "closed", "⛔", "🛑", "❌", "kena", "ausgel", "ativad",
              "aciona", "خورد", "فعال", "dính", "chạm", "ضرب", "触发", "止损了", "çalişt", "поймал")


def _be(n: int) -> str:
    return (rf"(?P<be{n}>entry(?:\s+(?:point|price))?|break[\s-]?even|be|cost|безубыт\w*|бу|б/у"
            r"|точку\s+входа|(?:punto\s+de\s+|ponto\s+de\s+|pre[çc]o\s+de\s+)?entrada|giri[şs]e?"
            r"|(?:نقطه\s+)?ورود|سر\s+به\s+سر|(?:نقطة\s+|سعر\s+)?الدخول)")


def _num(n: int) -> str:  # "63 800" is read whole, to be refused (`_move_finding`), never as 63;
    # not "2%" ("move SL 2% below entry") nor the "2" of "2nd target"
    return (rf"(?P<num{n}>\d{{1,3}}[ \t]\d{{3}}(?![\d.,]?\d|[ \t]*(?:%|pips?(?!\w)))"
            r"|\d[\d.,]*(?![\d.,]*[ \t]*%)(?!(?:st|nd|rd|th)(?!\w)))")


def _tgt(n: int) -> str:  # "move SL to TP1": the price of the call's target 1
    # and Cornix's "Stop moved to Take-Profit target 1"
    return (rf"(?P<tg{n}>(?:take[\s-]?profit(?:\s+target)?|tp|target|t)\s*#?\s*\d{{1,2}}(?!\d)"
            r"|(?:the\s+)?(?:first|second|third|fourth|fifth|\d(?:st|nd|rd|th))\s+"
            r"(?:target|tp|take[\s-]?profit)"
            r"|цел[ьи]\s*\d)")


_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
_TARGET_NUMBER_RE = re.compile(r"\d{1,2}")
_DIGIT_RE = re.compile(r"\d")


def _target_number(written: str) -> int | None:
    """1 for "tp1", "target #1", "first target", "цель 1"; None for a target 0."""
    number = _TARGET_NUMBER_RE.search(written)
    index = int(number.group()) if number else next(  # "first take profit": its first word
        (_ORDINALS[word] for word in written.split() if word in _ORDINALS), None)
    return index or None


# where a stop stands: "SL at entry", Spanish "Stop en entrada", Portuguese "Stop na entrada",
# "Stop para o ponto de entrada"
_AT = r"(?:at|@|on|en|na|para(?:\s+[oa])?)"
_RU_MOVES = "переносим|переставляем|переводим|передвигаем"
# "set", "adjust", "update" and "trail" move the stop only where they say to what: "Always set
# SL" and "adjust your stop" are advice, and a move to nowhere is read as one to the entry
MOVE_SL_RE = re.compile(
    rf"(?=[msautпсn])(?:(?<!\w)(?:mov(?:e|ed|ing|er|emos)|shift(?:ed)?|{_RU_MOVES}|перевели)"
    rf"\s+(?:the\s+|our\s+|your\s+|el\s+|o\s+)?{_SLW}"
    rf"\s*(?:to|at|on|на|в|→|a|para(?:\s+[oa](?!\w))?)?\s*(?:{_be(1)}(?!\w)|{_tgt(1)}|{_num(1)})?"
    r"|(?<!\w)(?:set|adjust(?:ed)?|updat(?:e|ed)|trail(?:ed)?)"
    rf"\s+(?:the\s+|our\s+|your\s+)?{_SLW}"
    rf"\s*(?:to|at|on|→|:)?\s*(?:{_be(8)}(?!\w)|{_tgt(8)}|{_num(8)})"
    rf"|(?<!\w){_SLM}\s*(?:moved|move|is\s+now|now|updated|→|перенес[её]н\w*|переведен\w*"
    rf"|{_RU_MOVES})\s*"
    rf"(?:to|at|на|в)?\s*"
    rf"(?:{_be(2)}(?!\w)|{_tgt(2)}|{_num(2)})?"
    rf"|(?<!\w)new\s+{_SLM}\s*[:=\-]?\s*(?:{_be(3)}(?!\w)|{_num(3)})"
    rf"|(?<!\w){_SLM}\s+to\s+(?:{_be(4)}(?!\w)|{_tgt(4)}|{_num(4)})"  # "SL to BE"
    rf"|(?<!\w){_SLM}\s+(?:в|на)\s+{_be(9)}(?!\w)"  # "Стоп в БУ": the stop to breakeven
    rf"|(?<!\w){_SLM}\s+(?:now\s+)?{_AT}\s+{_be(5)}(?!\w))"  # "rest runs with SL at entry"
)
# Indonesian "geser SL ke entry", Turkish "Stop girişe çekildi", "Stop'u 35.2'ye çekin",
# Vietnamese "dời SL về entry" and Persian "استاپ را به نقطه ورود منتقل کنید": searched only when
# their verbs are written (`_MORE_MOVES`), to keep MOVE_SL_RE lean
MOVE_SL_MORE_RE = re.compile(
    rf"(?<!\w)(?:geser|pindahkan)\s+{_SLW}\s*(?:ke\s+)?(?:{_be(6)}(?!\w)|{_tgt(6)}|{_num(6)})?"
    rf"|(?<!\w){_SLM}(?:['’]y?[uüi])?\s+(?:{_be(7)}|{_num(7)}['’]?(?:[ae]|ye|ya)?)\s+"
    r"[çc]ek(?:ildi|tik|iyoruz|in|elim)(?!\w)"
    rf"|(?<!\w)(?:d[ờơo]i|chuy[ểe]n)\s+{_SLW}\s*(?:v[ềe]|l[êe]n)?\s*"
    rf"(?:{_be(10)}(?!\w)|{_tgt(10)}|{_num(10)})?"
    rf"|(?<!\w){_SLM}\s+(?:را\s+)?به\s+(?:{_be(11)}(?!\w)|{_num(11)})"
    # Arabic "نقل وقف الخسارة إلى نقطة الدخول": move the stop loss to the entry
    rf"|(?<!\w)(?:نقل|انقل|تحريك|حرك)\s+{_SLW}\s+(?:إلى|الى|ل)\s*(?:{_be(13)}(?!\w)|{_num(13)})"
)
_MORE_MOVES = ("geser", "pindah", "çek", "dời", "chuyển", "به", "نقل", "تحريك", "حرك")
# Where a move MOVE_SL_RE read to nowhere goes, written a few words on: "Move your SL on #SOL
# to 148.5", "move SL now to 148.5", "SL updated → 148.5" (not past a comma or a target:
# "SL moved, TP2 at 150"). A move to nowhere is one to the entry, so a level written but not
# readable as a price ("move SL to +2%", "move SL below 148.5") must not fall back to it.
_MOVE_TAIL_RE = re.compile(
    r"(?:(?!tp|target|take|and\s|then\s)[^\n.!?;,]|\.(?=\d)){0,30}?(?<!\w)"
    r"(?:(?:to|at|→|@)\s*(?:\$\s*)?"
    rf"(?:{_be(12)}(?!\w)|{_tgt(12)}|{_num(12)}|(?P<odd>[+\-]?\s*\d))"
    r"|(?P<near>below|above|under|over|near|around)\s*[+\-$]?\s*\d|(?P<pct>\d[\d.,]*\s*%))"
)
# the verbless "SL at entry" (a stop standing at the entry now), gated in `_families`
_STOP_AT_BE_RE = re.compile(rf"(?<!\w){_SLM}\s+(?:now\s+)?{_AT}\s+{_be(0)}(?!\w)")
_MOVE_GATE = ("mov", "shift", "set", "adjust", "updat", "trail", "new", "перенос", "переставл",
              "перенес", "перевод", "перевел", "переведен", "передвиг", "→", "çek", "dời",
              "chuyển", "منتقل", "نقل", "تحريك", "حرك")
_CANCEL_WORDS = (r"cancel(?:l?ed)?", "cancelling", "cancelar", r"batal(?:kan)?", "取消", "취소",
                 r"отмен\w*", "cancelad[oa]", "iptal", "hủy",
                 "کنسل", "الغاء", "إلغاء", "ألغيت", "ملغا[ةه]")  # Arabic: cancelling, cancelled
CANCEL_RE = re.compile(f"(?:{guarded(_CANCEL_WORDS)})" r"(?!\w)")
_CANCEL_GATE = ("cancel", "отмен", "iptal", "hủy", "batal", "取消", "취소", "کنسل", "الغاء",
                "إلغاء", "ألغيت", "ملغا")
# "#SUI signal is invalid now ❌" (not "Setup invalidated if 4H closes below 145": a condition);
# searched only when "invalid" is written (a call's "Invalidation: 1.2" would open CANCEL_RE)
INVALID_RE = re.compile(
    f"(?:{guarded(('signal', 'setup', 'call', 'trade'))})"
    r"\s+(?:is\s+|was\s+|has\s+been\s+)?(?:now\s+)?invalid(?:ated)?"
    r"(?!\w)(?!\s+(?:if|on|below|above|when|under|over|by|at)(?!\w))"
)
# "Entry zone reached ✅", "Buy zone filled", "Limit order filled ✅": the entry filled too
_FILLED_WORDS = (r"all\s+entry\s+targets?", r"entry\s+targets?", r"entry\s+orders?", "entries",
                 r"entry\s+(?:zone|area|range)", r"buy\s+(?:zone|area|range)",
                 r"limit\s+(?:buy\s+|sell\s+)?orders?", "entry", "вход")
ENTRY_FILLED_RE = re.compile(
    f"(?:{guarded(_FILLED_WORDS)})" r"\s*#?\d?\s*(?:(?:was|has\s+been|got|is)\s+)?"
    r"(?:filled|triggered|activated|done|hit|reached|achieved|touched|исполнен|✅)"
)
_FILLED_GATE = ("fill", "trigger", "activ", "done", "hit", "reach", "achiev", "touch", "✅",
                "исполн")


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
             "cancel": _CANCEL_GATE, "close": CLOSE_GATE, "filled": _FILLED_GATE}
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
    "stop", "sl", "s/l", "стоп", "cut" or "cắt lỗ"): without one, their families are left out.
    """
    found: set[str] = set()
    for word in _CUE_WORD_RE.findall(low):  # findall: one C call, no match objects
        found |= _WORD_FAMILIES[word]
    # The verbless "SL to BE" is checked here: its words would slow the one-pass alternation,
    # as would Turkish "Stop oldu" and Indonesian "geser SL" ("o" and "g" are common letters).
    if "stop" not in found and "oldu" in low:
        found.add("stop")
    if "invalid" in low:  # INVALID_RE's gate (kept out of the alternation: see CANCEL_RE)
        found.add("invalid")
    if "move" not in found and ((" to " in low and (
        "sl to" in low or "stop to" in low or "ss to" in low or "s/l to" in low
    )) or ((" at " in low or " on " in low or "@" in low or " en " in low or " na " in low
            or " para " in low) and _STOP_AT_BE_RE.search(low))
            or (" now" in low and _says_stop_now(low)) or "geser" in low or "pindah" in low
            or (" به " in low and ("استاپ" in low or "ضرر" in low))
            or ("стоп в " in low or "стоп на " in low)):
        found.add("move")
    if ("stop" in found or "move" in found) and not (
        "sl" in low or "stop" in low or "s/l" in low or "стоп" in low or "cut" in low
        or "lỗ" in low or "cat lo" in low or "استاپ" in low or "ضرر" in low or "وقف" in low
        or "ستوب" in low or "止损" in low or "손절" in low or "even" in low
    ):
        found -= _NEED_STOP_WORD
    return found


def _says_stop_now(low: str) -> bool:
    """ "SL now 5.30", "stop loss is now at entry": a gate (MOVE_SL_RE decides), as substrings
    (every `_SLM` form ends with "l", "p" or "s", or comes before "is now")."""
    return "l now" in low or "p now" in low or "s now" in low or "is now" in low


def detect_update(low: str) -> UpdateFinding | None:
    """The update a lower-cased message announces, or None; cues resolve by `_ACTION_ORDER`.

    A target hit ("TP1 ✅") is read beside any other cue: its index and outcome go with it.
    """
    families = _families(low)
    if not families:
        return _partial_close(low)
    hit = _target_finding(low) if "done" in families else None
    cue = _instruction(low, families, hit)
    if hit is None and "done" in families:  # "TP hit ✅": no index, no close of the rest
        hit = _bare_hit(low)
    if cue is None:
        if hit is not None:
            return hit
        closed = closed_share_at(low) if "close" in families else -1
        if closed >= 0 and is_stated(low, closed):  # "CLOSED HALF NEAR ENTRY ✅": no fill
            return UpdateFinding("close", is_result=True, at=closed)
        filled = ENTRY_FILLED_RE.search(low) if "filled" in families and (
            "entr" in low or "вход" in low or "zone" in low or "area" in low or "range" in low
            or "limit" in low) else None  # every _FILLED_WORDS form holds one
        if filled and not is_planned(low, filled.start()):  # not "buy when buy zone hit"
            return UpdateFinding("other", is_result=True, at=filled.start())
        return _partial_close(low)
    if hit is None:
        return cue
    return UpdateFinding(cue.action, hit.target_index, cue.new_stop, cue.to_breakeven,
                         cue.is_result or hit.is_result, cue.at, cue.reason, cue.stop_to_target)


def _bare_hit(low: str) -> UpdateFinding | None:
    """ "#SOL LONG Entry 140 TP 150 SL 135, TP reached 🎯": a target hit that names none."""
    at = bare_hit_at(low)
    if at < 0 or not is_stated(low, at):
        return None
    return UpdateFinding("target_hit", is_result=not is_planned(low, at), at=at)


def _target_finding(low: str) -> UpdateFinding | None:
    """ "TP2 ✅" (the highest index written wins), or "all targets done" without an index."""
    index, index_at, planned = max_index(low)
    if index is not None:  # "after TP1 hit, move SL ..." in a full call is no outcome yet
        return UpdateFinding("target_hit", target_index=index, is_result=not planned,
                             at=index_at)
    worded = worded_hit(low)  # "2nd target hit", "4/4 targets done" (all of them: no index)
    if worded is not None and is_stated(low, worded[1]):
        planned = is_planned(low, worded[1])
        return UpdateFinding("target_hit", target_index=worded[0], is_result=not planned,
                             at=worded[1])
    done = ALL_TARGETS_RE.search(low) if names_all(low) else None
    if done is None:
        done = TARGET_PRICE_HIT_RE.search(low)
        if done is not None and is_planned(low, done.start()):
            return UpdateFinding("target_hit", at=done.start())  # "once TP 3300 is hit, ..."
    if done is None or not is_stated(low, done.start()):
        return None
    return UpdateFinding("target_hit", _ticked_up_to(low, done), is_result=True, at=done.start())


def _ticked_up_to(low: str, done: re.Match[str]) -> int | None:
    """ "TP: 7.40 ✅ 7.60 ✅ 7.90" (a call's list of targets reposted ticked): target 2, the last
    ticked; None for "TP 146 ✅" (one price: which target is not said) or "all targets done"."""
    digit = _DIGIT_RE.search(low, done.start()) if done.re is TARGET_PRICE_HIT_RE else None
    if digit is None:
        return None
    end = low.find("\n", done.start()) % (len(low) + 1)  # the line's end (-1: the text's)
    if len(segment_prices(low, digit.start(), end)[0]) < 2:
        return None
    return ticked_count(low, digit.start(), end) or None


def _instruction(low: str, families: set[str], hit: UpdateFinding | None) -> UpdateFinding | None:
    """The first of stop hit, cancel, moved stop and close found (`_ACTION_ORDER`); later cues
    are not searched. A close beside "all targets done" is that target post, not a close."""
    stop = _stated(STOP_HIT_RE, low) if "stop" in families else None
    if stop:  # "SL ❌" in a full call may mean "no stop": a marked stop is no outcome by itself
        marked = stop.group()[-1] in "⛔🛑❌"
        return UpdateFinding("stop_hit", is_result=not marked, at=stop.start())
    cancel = _stated(CANCEL_RE, low) if "cancel" in families else None
    if cancel:
        return UpdateFinding("cancel", is_result=cancel.group() != "cancel", at=cancel.start())
    invalid = _stated(INVALID_RE, low) if "invalid" in families else None
    if invalid:  # "Close #SEI now, setup invalid": the invalid setup is why it is closed
        close = _close(low) if "close" in families else None
        return close or UpdateFinding("cancel", is_result=True, at=invalid.start())
    move = _stated(MOVE_SL_RE, low) if "move" in families else None
    if move is None and "move" in families and any(verb in low for verb in _MORE_MOVES):
        move = _stated(MOVE_SL_MORE_RE, low)
    if move:
        return _move_finding(_move_level(low, move))
    if "close" not in families or (hit is not None and hit.target_index is None):
        return None
    return _close(low)


def _close(low: str) -> UpdateFinding | None:
    close = close_search(low)
    if close is None or not is_stated(low, close.start()):  # "Do NOT close #AVAX now"
        return None
    said = close.group()
    return UpdateFinding("close", is_result="closed" in said or "закрыт" in said, at=close.start())


def _stated(regex: re.Pattern[str], low: str) -> re.Match[str] | None:
    """The first match of `regex` in `low` that is neither negated nor asked about."""
    match = regex.search(low)
    while match is not None and (not is_stated(low, match.start()) or (
            "?" in low and asked_after(low, match.end()))):  # "SL hit? No, wick only"
        match = regex.search(low, match.end())
    return match


def _partial_close(low: str) -> UpdateFinding | None:
    at = partial_close_at(low)
    return UpdateFinding("close", at=at) if at >= 0 and is_stated(low, at) else None


def _move_level(low: str, move: re.Match[str]) -> re.Match[str]:
    """`move`, or where its level is written a few words on when it read none."""
    if any(move.groupdict().values()):
        return move
    return _MOVE_TAIL_RE.match(low, move.start()) or move


_NEGATIVE_BEFORE_RE = re.compile(r"(?:^|[\s:=(])[-−–]\Z")  # "new SL -5", "SL: -5"


def _move_finding(match: re.Match[str]) -> UpdateFinding:
    new_stop: Decimal | None = None
    groups = match.groupdict()  # be1.., num1.., tg1..: the one alternative that matched
    if groups.get("odd") or groups.get("near") or groups.get("pct"):
        return UpdateFinding("move_sl", at=match.start(), reason="the stop moves to a level "
                             "not written as a price: where is unsure")
    target = next((v for k, v in groups.items() if v and k.startswith("tg")), None)
    if target:
        index = _target_number(target)
        if index is None:
            return UpdateFinding("move_sl", at=match.start(), reason="the stop moves to a "
                                 "target that does not exist (target 0)")
        return UpdateFinding("move_sl", at=match.start(), stop_to_target=index)
    name = next((k for k, v in groups.items() if v and k.startswith("num")), None)
    raw = groups[name] if name else None
    to_breakeven = any(v for k, v in groups.items() if v and k.startswith("be"))
    if name and _NEGATIVE_BEFORE_RE.search(match.string[:match.start(name)]):
        return UpdateFinding("move_sl", at=match.start(), reason="the new stop is written "
                             "as a negative number, which is no price")
    if raw and (" " in raw or "\t" in raw):
        return UpdateFinding("move_sl", at=match.start(), reason="the new stop is written as "
                             "numbers a space apart (63800, or 63 and 800?): which is unsure")
    if name and raw:
        new_stop = _level(raw, match.string, match.end(name))
        if new_stop is None:  # "Move SL to 3400,3380": two prices, or a date
            return UpdateFinding("move_sl", at=match.start(), reason="the new stop is not "
                                 "written as one price: where is unsure")
    return UpdateFinding("move_sl", new_stop=new_stop, to_breakeven=to_breakeven,
                         at=match.start())


def _level(raw: str, low: str, end: int) -> Decimal | None:
    """The price a stop moves to, as written at `low[:end]`: "63,800" is 63800, and "63.8k" is
    63800 too (a "k" after the number), never 63.8."""
    raw = raw.rstrip(".,")
    if low.startswith("k", end) and not low[end + 1:end + 2].isalpha():
        prices = scan_prices(raw + "k")
        return prices[0].value if len(prices) == 1 else None
    read = read_token(raw)
    return read.value if read is not None and not isinstance(read, list) else None
