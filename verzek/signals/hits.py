"""The words that say a target was reached, and the target hits they make: by number ("TP2 ✅"),
by price ("TP 3300 hit"), all of them ("all targets done"), or without a number after the target
word: an ordinal ("2nd target hit", "تم تحقيق الهدف الأول"), a count ("4/4 targets done": all of
them), or nothing ("TP hit ✅": which one is not said)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from verzek.signals.keywords import guarded, literal_first
from verzek.signals.mood import asked_after, is_asked, is_negated, is_planned, negates_hit

DONE_WORDS = ("reached", "hit", "achieved", "done", "smashed", "completed", "booked", "secured",
              "touched", "✅", "✔️?", "☑️?", "💰", "достигнут[аы]?", "взят[аы]?",
              "alcanzad[oa]s?", "atingid[oa]s?", "ula[şs]ildi", "đạt", "erreicht", "atteints?",
              "tercapai", "خورد", r"تاچ\s+شد", "达成", "达到", "到达", "달성", "पूरा")
DONE = f"(?:{'|'.join(DONE_WORDS)})"

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
             "1st": 1, "2nd": 2, "3rd": 3, **{f"{n}th": n for n in range(4, 11)},
             "الأول": 1, "الاول": 1, "الثاني": 2, "الثالث": 3, "الرابع": 4, "الخامس": 5}
_FA_ORDINALS = {"اول": 1, "دوم": 2, "سوم": 3, "چهارم": 4, "پنجم": 5}  # Persian
_EN = sorted((w for w in _ORDINALS if w.isascii()), key=lambda w: -len(w))
_AR = "|".join(w for w in _ORDINALS if not w.isascii())
_ORDINALS.update(_FA_ORDINALS)
_TARGET = r"(?:target|tp|take[\s-]?profit)(?!\w)"
_AR_DONE = r"(?:تم\s+)?(?:تحقيق|تحقق)"
_AR_DONE_FIRST = r"(?:تم\s+(?:تحقيق|تحقق)|تحقيق|تحقق)"  # the same, literal-first
# "2nd target hit", "First target reached on #AVAX", "hit the second target", "تم تحقيق الهدف
# الأول", "الهدف الثاني ✅", Persian "تارگت دوم خورد ✅". The ordinal is group "o", "a", "b" or
# "f" (Arabic and Persian put it after the noun).
_ORDINAL_HIT_RE = re.compile(
    rf"(?:{guarded(_EN)})(?!\w)\s+{_TARGET}[^\n]{{0,30}}?{DONE}"
    rf"|(?:{guarded(('hit', 'reached', 'achieved', 'smashed', 'touched'))})"
    rf"\s+(?:the\s+|our\s+)?(?P<o>{'|'.join(_EN)})\s+{_TARGET}"
    rf"|{_AR_DONE_FIRST}\s+الهدف\s+(?P<a>{_AR})"
    rf"|الهدف\s+(?P<b>{_AR})(?=[^\n]{{0,20}}?(?:✅|{_AR_DONE}))"
    rf"|(?<!\w)(?:تارگت|هدف)\s+(?P<f>{'|'.join(_FA_ORDINALS)})(?!\w)"
    r"(?=[^\n]{0,20}?(?:✅|خورد|تاچ\s+شد))"
    # Korean "2차 목표 달성", "1차 익절 완료"; Chinese "第二目标达成", "第2止盈完成": the
    # ordinal before the target word
    r"|(?P<k>\d)(?<![\d.,]\d)\s*차\s*(?:목표|익절|tp)(?=[^\n]{0,12}?(?:달성|완료|✅))"
    r"|第\s*(?P<z>[一二三四五六七八九十\d]{1,2})\s*(?:个\s*)?(?:目标|止盈|tp)"
    r"(?=[^\n]{0,12}?(?:达成|达到|到达|完成|✅))"
)
_CJK_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
                "十": 10}
# The gate before both (literal-first, unlike them): a "/" before a digit (a count), or an
# English ordinal's last letter ("first", "2nd", "fourth") before a target word, or "الهدف"
_WORDED_GATE_RE = re.compile(r"/\s*\d|t(?<=[tdh][ \t]t)(?:arget|p|ake)|الهدف|تارگت|هدف|차|第")
# "4/4 targets done", "Targets 2/4 ✅": how many of the call's targets are reached
_FRACTION_HIT_RE = re.compile(  # literal-first: a digit, or "t" not inside a word
    r"(?P<k>\d(?<![\d/.,]\d)\d?)\s*/\s*(?P<n>\d{1,2})\s+(?:targets?|tps?)(?!\w)"
    rf"[^\n]{{0,20}}?{DONE}"
    r"|t(?<!\w.)(?:argets?|ps)\s*:?\s*(?P<k2>\d{1,2})\s*/\s*(?P<n2>\d{1,2})(?![\d.,]?\d)"
    rf"[^\n]{{0,20}}?{DONE}"
)


def worded_hit(low: str) -> tuple[int | None, int] | None:
    """(the target index, where it is written) of an ordinal or counted target hit in `low`,
    with no index when the count is all of them ("4/4"); None when there is none."""
    gate: re.Match[str] | None = _WORDED_GATE_RE.search(low)
    if gate is None:
        return None
    if "/" in low:
        for match in _FRACTION_HIT_RE.finditer(low):
            reached = int(match.group("k") or match.group("k2"))
            total = int(match.group("n") or match.group("n2"))
            if 0 < reached <= total and not negates_hit(match.group()):
                return (reached if reached < total else None), match.start()
    while gate is not None and gate.group()[0] == "/":  # a count's gate: an ordinal's after?
        gate = _WORDED_GATE_RE.search(low, gate.end())
    hit = _ORDINAL_HIT_RE.search(low) if gate is not None else None
    if hit is None or negates_hit(hit.group()):  # "first target not reached yet"
        return None
    if hit.group("k") or hit.group("z"):  # "2차 목표", "第二目标" (Korean, Chinese)
        number = hit.group("k") or hit.group("z")
        index = int(number) if number.isdigit() else _CJK_NUMBERS.get(number)
        return (index, hit.start()) if index else None  # "第十二": no reading, no hit
    word = hit.group("o") or hit.group("a") or hit.group("b") or hit.group("f") \
        or hit.group().split()[0]
    return _ORDINALS[word], hit.start()


# a target word that starts a word and is no entry's ("Entry target 2 ✅" is an entry filled)
# (`guarded` with a second lookbehind: literal-first, the checks after the first "t")
_TARGET_WORD = r"t(?<!\w.)(?<!entry\s.)(?:p|arget|ake[\s-]?profit)"
# "TP hit", "Target reached 🎯", "take profit done": a target reached, which one not said (a
# repost of the call with it is an outcome, never a new call); not "TP hit rate: 80%"
_BARE_HIT_RE = re.compile(
    _TARGET_WORD + r"(?:[ \t]+price)?(?!\w)[ \t]*:?[ \t]*"
    r"(?:was[ \t]+|has[ \t]+been[ \t]+|got[ \t]+|is[ \t]+)?"
    r"(?:reached|hit|achieved|smashed|touched|done)(?!\w)(?![ \t]+(?:rate|ratio)(?!\w))"
)


def bare_hit_at(low: str) -> int:
    """Where a target hit naming no target ("TP hit", "target reached") is written, or -1."""
    match = _BARE_HIT_RE.search(low)
    return -1 if match is None else match.start()


# Target hits named by their number ("TP2 ✅", "hit target 3"), by their price ("TP 3300 hit"),
# or all of them ("all targets done").
# ("targets 1 and 2 done"; Russian "ТП1 взят" in Cyrillic letters)
_TGT_WORDS = ("tp", "targets?", r"take[\s-]?profit", "t", "цель", "тейк", "тп", "objetivo",
              "alvo", "hedef", r"m[ụu]c\s+ti[êe]u", "ziel", "objectif", "cible", "تارگت", "هدف",
              "止盈", "目标", "목표", "익절", "टारगेट")
_TGT = f"(?:{'|'.join(_TGT_WORDS)})"
_HIT_AFTER_TGT = (rf"\s*[#№]?\s*(?P<i1>\d{{1,2}})(?![\d.,]?\d)[^\n]{{0,30}}?{DONE}"  # not "160"
                  r"(?![ \t]+(?:rate|ratio)(?!\w))")  # "TP1 hit rate: 87%" is no hit
_TGT_AFTER_HIT = rf"\s*:?\s*{_TGT}\s*[#№]?\s*(?P<i2>\d{{1,2}})(?![\d.,]\d)(?![\s:=\-]*\d)"
# A lookahead on the first characters every match can start with (`_TGT`, `_DONE` and "hit"
# heads) lets the engine reject most positions before trying the alternatives.
# "Entry target 1 ✅" (Cornix) is an entry order filled, never a take-profit reached: a target
# word right after "entry" starts no hit.
_NOT_AFTER_ENTRY = r"(?<!entry\s)"
TARGET_HIT_RE = re.compile(
    r"(?=[tтцoahmrdscb✅✔☑💰двuđzeتهخ止目목익टप达到달])"
    rf"(?:(?<!\w){_NOT_AFTER_ENTRY}{_TGT}{_HIT_AFTER_TGT}"
    rf"|(?:{DONE}|hit){_TGT_AFTER_HIT})"
)
# The same, literal-first: the engine skips in C to a character some alternative starts with.
# The index is the match's one group (`match[match.lastindex]`): named groups cannot repeat.
TARGET_HIT_FAST_RE = re.compile(literal_first((
    (_TGT_WORDS, r"(?<!\w.)(?<!entry\s.)", _HIT_AFTER_TGT.replace("?P<i1>", "")),
    ((*DONE_WORDS, "hit"), "", _TGT_AFTER_HIT.replace("?P<i2>", "")),
)))
# "Target 1, 2 and 3 done", "TP1-3 ✅": more indexes listed after a hit's first, rising; not a
# share, a multiple or a time ("TP1 - 2 hours", "TP1 - 3%", "TP1 - 2h"; "TP1, 2, 3 hit" is
# no time)
_MORE_INDEX_RE = re.compile(
    r"(?:[ \t]*(?:,|&|and(?!\w))[ \t]*(?:(?:tp|target)[ \t]*)?|-)(\d{1,2})"
    r"(?![\d.,]?\d|[ \t]*(?:%|x(?!\w)|r(?!\w)|h(?:ours?|rs?)?(?!\w)|min|day|week|month))"
)


def _target_hits(low: str) -> Iterator[tuple[re.Match[str], int]]:
    """Each target hit by number with its index, the highest of a list ("Target 1, 2 and 3
    done": 3). The next is searched from right after this one's index, not its end: in "TP1 TP2
    ✅✅" and "TP1 - TP3 done" the first hit's phrase runs on over the next one's number."""
    match = TARGET_HIT_FAST_RE.search(low)
    while match is not None:
        group = match.lastindex or 0
        index, at = int(match[group]), match.end(group)
        if at < match.end() and low[at] in " \t,&a-":  # maybe a list: "1, 2 and 3 done"
            more = _MORE_INDEX_RE.match(low, at)
            while more is not None and more.end() <= match.end() and int(more[1]) > index:
                index, at = int(more[1]), more.end()
                more = _MORE_INDEX_RE.match(low, at)
        yield match, index
        match = TARGET_HIT_FAST_RE.search(low, match.end(group))


def max_index(low: str) -> tuple[int | None, int, bool]:
    """The highest target index written as hit, where, and whether only as a condition; a hit
    negated ("TP2 not hit yet") or asked about ("will we hit TP2?") is none."""
    best: int | None = None
    found: re.Match[str] | None = None
    for match, index in _target_hits(low):
        if index > (best or 0):
            best, found = index, match
    if found is None:
        return None, 0, False
    phrase = found.group()  # only the hit kept is checked (inline: the usual hit passes)
    if negates_hit(phrase) or is_negated(low, found.start()) or ("?" in low and (
            is_asked(low, found.start()) or asked_after(low, found.end()))):
        return _max_index_told(low)  # then each hit is, in order
    return best, found.start(), is_planned(low, found.start())


def _max_index_told(low: str) -> tuple[int | None, int, bool]:
    """`max_index` leaving out the hits negated or asked about, each checked."""
    best: int | None = None
    at = 0
    for match, index in _target_hits(low):
        if index > (best or 0) and _is_told(low, match):
            best, at = index, match.start()
    return best, at, best is not None and is_planned(low, at)


def _is_told(low: str, match: re.Match[str]) -> bool:
    """A target hit said as one: not "TP2 not hit yet", not "will we hit TP2 today?"."""
    return not negates_hit(match.group()) and not is_negated(low, match.start()) and (
        "?" not in low or not (is_asked(low, match.start()) or asked_after(low, match.end())))


# "TP 3300 hit ✅", "target 160 reached": a target named by its price, reached (no index)
TARGET_PRICE_HIT_RE = re.compile(
    _TARGET_WORD + r"(?!\w)[ \t]*:?[ \t]*\$?\d[\d.,]*+[ \t]*"
    r"(?:was[ \t]+|has[ \t]+been[ \t]+|got[ \t]+|is[ \t]+)?"
    r"(?:reached|hit|achieved|smashed|touched|done|✅)"
)
_ALL_TARGETS = r"all\s+(?:\d{1,2}\s+)?(?:take[\s-]?profit\s+)?(?:targets?|tps)"
_ALL_WORDS_DONE = (_ALL_TARGETS, r"все\s+цели",
                   r"todos\s+los\s+objetivos", r"todos\s+os\s+alvos", r"t[üu]m\s+hedefler",
                   r"semua\s+target", r"جميع\s+الأهداف",
                   r"همه\s+(?:ی\s+)?(?:تارگت|هدف)\s*(?:\u200c|\s)?(?:ها)?")  # Arabic, Persian
# "... hit all targets 3200, 3300, 3400 🎯": the outcome written before the targets
_DONE_BEFORE_ALL = ("hit", "reached", "achieved", "smashed", "completed", "touched")
ALL_TARGETS_RE = re.compile(rf"(?:{guarded(_ALL_WORDS_DONE)})[^\n]{{0,20}}?{DONE}"
                            rf"|(?:{guarded(_DONE_BEFORE_ALL)})\s+{_ALL_TARGETS}(?!\w)")


def names_all(low: str) -> bool:
    """Whether `low` holds the first word of an `_ALL_WORDS_DONE` form (ALL_TARGETS_RE's gate)."""
    return "all" in low or "все" in low or "todos" in low or "tüm" in low or "tum" in low \
        or "semua" in low or "جميع" in low or "همه" in low
