"""A table with a header row ("PAIR | SIDE | ENTRY | TP | SL" over "SOLUSDT | SHORT | 152.4 |
...") rewritten as one "HEADER: cell" line per column: the labelled layout the reader knows."""

from __future__ import annotations

import re

from verzek.signals.keywords import FIELD_RE

# Column titles that name no price but the call's other parts
_TITLES = frozenset(("pair", "symbol", "coin", "asset", "ticker", "side", "direction", "type",
                     "position", "leverage", "lev", "market", "exchange", "#", "no", "пара",
                     "монета", "направление", "плечо"))
_SEPARATOR_ROW_RE = re.compile(r"[\s|:+-]+")  # markdown's "|---|:---:|"
_DIGIT_RE = re.compile(r"\d")
_MIN_COLUMNS = 3


def header_table(norm: str) -> str | None:
    """`norm` with its header-row table rewritten, or None when it holds no such table.

    A header row has at least three cells, no digit, and two or more cells that title a field
    ("ENTRY", "TP", "SL") or the pair and side; the rows under it with as many cells are read
    against it, each row as its own block (several rows are several calls).
    """
    lines = norm.split("\n")
    for at, line in enumerate(lines):
        header = _cells(line)
        if len(header) < _MIN_COLUMNS or _DIGIT_RE.search(line) is not None or \
                sum(1 for title in header if _is_title(title)) < 2:
            continue
        end = at + 1
        if end < len(lines) and _SEPARATOR_ROW_RE.fullmatch(lines[end]):
            end += 1
        blocks: list[str] = []
        while end < len(lines) and len(row := _cells(lines[end])) == len(header):
            pairs = zip(header, row, strict=True)
            blocks.append("\n".join(f"{title}: {cell}" for title, cell in pairs))
            end += 1
        if blocks:
            return "\n".join([*lines[:at], "\n\n".join(blocks), *lines[end:]])
    return None


def _cells(line: str) -> list[str]:
    """The cells of a "|"-separated row ([] for a line with fewer than two "|")."""
    if line.count("|") < _MIN_COLUMNS - 1:
        return []
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _is_title(cell: str) -> bool:
    low = cell.lower()
    if low in _TITLES:
        return True
    match = FIELD_RE.match(low)
    return match is not None and match.end() == len(low)
