"""Leverage in signal text: the first one written, and the text with every one blanked out."""

from __future__ import annotations

from verzek.signals import keywords as kw


def read_leverage(low: str) -> tuple[int | None, str]:
    """The first leverage written ("Cross 20x", "Lev x31", "Leverage: 10"; a range "3-5x" at its
    lower end, the safer one), and the text with every leverage blanked out so it can never be
    read as a target."""
    spans: list[tuple[int, int, int]] = []
    match = kw.LEVERAGE_WORD_RE.search(low)  # search, not finditer: often there is none
    while match is not None:
        if kw.at_word_start(low, match.start(), ""):
            spans.append((match.start(), match.end(), int(match.group("n"))))
        match = kw.LEVERAGE_WORD_RE.search(low, match.end())
    for match in kw.leverage_x_matches(low):
        start, value = match.start(), int(match.group(1) or match.group(2))
        if not kw.at_word_start(low, start, ".,"):
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
    spans.sort()
    parts, last = [], 0
    for start, end, _ in spans:
        if end > last:  # overlapping spans ("3x - 5x" holds "3x") blank their union
            start = max(start, last)
            parts.append(low[last:start])
            parts.append(" " * (end - start))  # keep offsets equal to the original text
            last = end
    parts.append(low[last:])
    return spans[0][2], "".join(parts)
