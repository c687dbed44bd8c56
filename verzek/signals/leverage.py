"""Leverage in signal text: the first one written, and the text with every one blanked out."""

from __future__ import annotations

import re
from bisect import bisect_left

from verzek.signals import keywords as kw

# "Potential: 5x", "x3 potential", "TP: 155 (x10 = 33% profit)": a gain, not a leverage
_GAIN_RE = re.compile(
    kw.guarded(("potential", r"profits?", r"gains?", "upside", r"returns?", "roi")) + r"(?!\w)")
# After a target field: separators, list markers and multiples only ("Targets:\n1) 2x\n2) 3x");
# "TP: 150 / 160 10x" stops at its prices (its "10x" is a leverage). Possessive: linear.
_MULTIPLES_RE = re.compile(
    r"(?:[\s:=,;/|&()\-–~]++|\d{1,2}(?:[.):]|\u20e3)(?![\d.,]?\d)"
    r"|[x×х]\d{1,3}(?![\d.,]?\d)|\d{1,3}[ \t]?[x×х](?!\w))*+"
)


def read_leverage(low: str) -> tuple[int | None, str]:
    """The first leverage a leverage or margin word labels ("Cross 20x", "Lev x31", "Leverage:
    10"), else the first bare one ("LONG 20x"; a range "3-5x" at its lower end, the safer one):
    "TP: 2.55 (20x = 80%)" before "Leverage 10x" is a gain at 20x, not the call's; and the
    text with every leverage blanked out so it can never be read as a target."""
    spans: list[tuple[int, int, int]] = []
    multiples: _Multiples | None = None
    match = kw.LEVERAGE_WORD_RE.search(low)  # search, not finditer: often there is none
    while match is not None:
        if kw.at_word_start(low, match.start(), ""):
            spans.append((match.start(), match.end(), int(match.group("n"))))
        match = kw.LEVERAGE_WORD_RE.search(low, match.end())
    words = len(spans)  # the leverages a leverage or margin word labels, first
    if not spans and "lev" in low:  # "Leverage: 99999999999x": refused, never ignored
        huge = _HUGE_LEVERAGE_RE.search(low)
        if huge is not None and kw.at_word_start(low, huge.start(), ""):
            spans.append((huge.start(), huge.end(), int(huge.group("n"))))
    for match in kw.leverage_x_matches(low):
        start, value = match.start(), int(match.group(1) or match.group(2))
        if not kw.at_word_start(low, start, ".,"):
            continue
        multiples = multiples or _Multiples(low)
        if multiples.has(start):
            continue
        before = start - 1
        while before >= 0 and low[before] in " \t":
            before -= 1
        if before >= 0 and low[before] in "-~":  # "(3-5x)": a range is read at its lower end
            lower = kw.LEVERAGE_RANGE_LOW_RE.search(low, max(0, start - 10), start)
            if lower is not None and int(lower.group(1)) < value:
                start, value = lower.start(), int(lower.group(1))
        spans.append((start, match.end(), value))
    if not spans:
        return None, low
    labelled = spans[0][2] if words else None  # "Leverage 10x" over a bare "(20x = 80%)"
    spans.sort()
    parts, last = [], 0
    for start, end, _ in spans:
        if end > last:  # overlapping spans ("3x - 5x" holds "3x") blank their union
            start = max(start, last)
            parts.append(low[last:start])
            parts.append(" " * (end - start))  # keep offsets equal to the original text
            last = end
    parts.append(low[last:])
    return labelled or spans[0][2], "".join(parts)


# a leverage word before a number too long for one (1..3 digits are read above)
_HUGE_LEVERAGE_RE = re.compile(
    r"(?:leverage|lev)\s*[:=\-]?\s*[(]?\s*[x×х]?\s*(?P<n>\d{4,15})(?:\s*[x×х])?(?![\d.,]\d|\w)")


class _Multiples:
    """Where bare "2x"s are gains or targets ("Targets: 2x, 3x, 5x": twice the entry), not a
    leverage: a gain word on their line, or a target field of nothing but such multiples before
    them (on its line, or heading a list of them). Fields are found once per text, and the
    multiples after each target field once per field: linear however many "2x" are written."""

    def __init__(self, low: str) -> None:
        self._low = low
        self._starts: list[int] = []
        self._clean_ends: list[int] = []  # per target field: where its run of multiples ends
        self._gain_lines: dict[int, bool] = {}  # by line start: a gain word on the line
        for mark in kw.FIELD_RE.finditer(low):
            if kw.at_word_start(low, mark.start()):
                self._starts.append(mark.start())
                self._clean_ends.append(
                    _MULTIPLES_RE.match(low, mark.end()).end()  # type: ignore[union-attr]
                    if kw.classify(mark.group()) == "target" else -1)

    def has(self, start: int) -> bool:
        """Whether the bare multiple at `start` is no leverage."""
        low = self._low
        line_start = low.rfind("\n", 0, start) + 1
        gain = self._gain_lines.get(line_start)
        if gain is None:  # once per line
            line_end = low.find("\n", start)
            found = _GAIN_RE.search(low, line_start, line_end if line_end >= 0 else len(low))
            gain = self._gain_lines[line_start] = found is not None
        if gain:
            return True
        at = bisect_left(self._starts, start) - 1  # the last field before it
        return at >= 0 and self._clean_ends[at] >= start
