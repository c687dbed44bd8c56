"""Which side a call takes: its first side word that is no field label, names no trade to close
and is not negated, nor in a pair offering both ("Long or Short?")."""

from __future__ import annotations

import re

from verzek.domain.models import Side
from verzek.signals import keywords as kw

_CLOSED_SIDE_RE = re.compile(
    r"(?<!\w)(?:clos(?:e|ed|ing)|exit(?:ed|ing)?)[ \t]+(?:(?:the|your|our|my|all)[ \t]+)?"
    r"(?:[#$]?[a-z0-9]{2,10}(?:/[a-z]{3,5})?[ \t]+)?\Z"
)
# "Don't short here. LONG": a side word after a negation is the side not taken
_NEGATED_SIDE_RE = re.compile(r"(?<![\w#$])(?:don['’]?t|do[ \t]+not|never|no|not|avoid)[ \t]+"
                              r"(?:a[ \t]+|any[ \t]+)?\Z")
# "Long or Short?", "BUY/SELL": a side word joined to another (`both_sides_spans` compares
# them: "Long/Buy" is one side), not the "long/short ratio" of a market note
_EITHER_SIDE_RE = re.compile(
    f"({kw.guarded(('long', 'short', 'buy', 'sell', 'лонг', 'шорт'))})"
    r"[ \t]*(?:or|/|\||или)[ \t]*(long|short|buy|sell|лонг|шорт)(?!\w)(?![ \t]*ratio)"
)


def call_side(text: str, label_spans: list[tuple[int, int]]) -> Side | None:
    """The side of the first side word in `text` that is no "Buy:" or "Sell:" label (one of
    `label_spans`, read as a field already), not closed ("Close long, open SHORT") and not
    negated ("Don't short here"); None when there is none."""
    match = kw.SIDE_RE.search(text)
    while match is not None:
        start = match.start()
        for label_start, label_end in label_spans:
            if label_start <= start < label_end:
                break
        else:
            if not _is_closed_side(text, start) and not (
                    start > 3 and _NEGATED_SIDE_RE.search(text, max(0, start - 16), start)):
                return Side.LONG if match.group() in kw.LONG_SET else Side.SHORT
        match = kw.SIDE_RE.search(text, match.end())
    return None


def both_sides_spans(low: str) -> list[tuple[int, int]]:
    """ "Long or Short?", "BUY/SELL", "лонг или шорт": where a side word is joined to the
    opposite one. Such a pair takes no side: the call's side is a side word elsewhere (a
    footer's "not advice to buy or sell" leaves the header's LONG the side), and a call whose
    only side words are such pairs offers both and takes neither: a wrong side loses money."""
    if "/" not in low and "or" not in low and "|" not in low and "или" not in low:
        return []
    return [m.span() for m in _EITHER_SIDE_RE.finditer(low)
            if (m.group(1) in kw.LONG_SET) != (m.group(2) in kw.LONG_SET)]


def _is_closed_side(text: str, start: int) -> bool:
    """A side word naming the trade to close: "Close long, open SHORT", "exit your ETH short"."""
    head = max(0, start - 32)
    return ("clos" in text[head:start] or "exit" in text[head:start]) and \
        _CLOSED_SIDE_RE.search(text, head, start) is not None
