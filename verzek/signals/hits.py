"""The words that say a target was reached, and target hits named without a number after the
target word: an ordinal ("2nd target hit", "تم تحقيق الهدف الأول"), a count ("4/4 targets
done": all of them), or nothing ("TP hit ✅": which one is not said)."""

from __future__ import annotations

import re

from verzek.signals.keywords import guarded
from verzek.signals.mood import negates_hit

DONE_WORDS = ("reached", "hit", "achieved", "done", "smashed", "completed", "booked", "secured",
              "touched", "✅", "✔️?", "☑️?", "💰", "достигнут[аы]?", "взят[аы]?",
              "alcanzad[oa]s?", "atingid[oa]s?", "ula[şs]ildi", "đạt", "erreicht", "atteints?",
              "tercapai", "خورد", r"تاچ\s+شد")
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
)
# The gate before both (literal-first, unlike them): a "/" before a digit (a count), or an
# English ordinal's last letter ("first", "2nd", "fourth") before a target word, or "الهدف"
_WORDED_GATE_RE = re.compile(r"/\s*\d|t(?<=[tdh][ \t]t)(?:arget|p|ake)|الهدف|تارگت|هدف")
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
    word = hit.group("o") or hit.group("a") or hit.group("b") or hit.group("f") \
        or hit.group().split()[0]
    return _ORDINALS[word], hit.start()


# "TP hit", "Target reached 🎯", "take profit done": a target reached, which one not said (a
# repost of the call with it is an outcome, never a new call); not "TP hit rate: 80%"
_BARE_HIT_RE = re.compile(
    guarded(("tp", "target", r"take[\s-]?profit")) + r"(?:[ \t]+price)?(?!\w)[ \t]*:?[ \t]*"
    r"(?:was[ \t]+|has[ \t]+been[ \t]+|got[ \t]+|is[ \t]+)?"
    r"(?:reached|hit|achieved|smashed|touched|done)(?!\w)(?![ \t]+(?:rate|ratio)(?!\w))"
)


def bare_hit_at(low: str) -> int:
    """Where a target hit naming no target ("TP hit", "target reached") is written, or -1."""
    match = _BARE_HIT_RE.search(low)
    return -1 if match is None else match.start()
