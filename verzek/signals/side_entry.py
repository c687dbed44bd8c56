"""A call's entry written as a price right after its side and coin, without an Entry line:
"Buy $BONK 0.0000215", "BTC LONG 65000 TP 66000 SL 64000"."""

from __future__ import annotations

import re

from verzek.signals import keywords as kw
from verzek.signals.lowercase import ends_name, is_coin_word, starts_line
from verzek.signals.numbers import Price, scan_prices
from verzek.signals.sections import cut_prose, talks_on


def side_entry(low: str, norm: str,
               mark_starts: list[int]) -> tuple[list[Price], bool, bool, int]:
    """ "Buy $BONK 0.0000215", "BTC LONG 65000": a price right after side and coin, without an
    Entry line; flags: only prices up to the next field ("BTC long 65000 TP", not "... worked"),
    and talk after them (`sections.talks_on`: "... 3000 is a gift"); and where the prices start
    (-1 for none)."""
    match = kw.SIDE_ENTRY_RE.search(low)
    line_side = -1  # the end of a side word that starts its line: "LONG from 66,200"
    if match is not None:
        sym, after = match.span("sym"), match.end()
    else:
        for side in kw.SIDE_THEN_PRICE_RE.finditer(low):
            at = side.start() - (low[side.start() - 1:side.start()] == "#")  # "#SHORT 65100"
            if line_side < 0 and starts_line(low, at):
                line_side = side.end()
            coin = kw.COIN_BEFORE_RE.search(low, max(0, at - 24), at)
            if coin is not None:
                sym, after = coin.span("sym"), side.end()
                break
        else:
            return _line_side_entry(low, line_side, mark_starts)
    written = norm[sym[0]:sym[1]]
    if not (written[0] in "#$" or written.isupper()
            or is_coin_word(written, starts_line=starts_line(low, sym[0]))
            or ends_name(norm, low, sym[1])):  # "Bitcoin Cash long 300"
        return _line_side_entry(low, line_side, mark_starts)
    return _prices_after(low, after, mark_starts)


def _line_side_entry(low: str, after: int,
                     mark_starts: list[int]) -> tuple[list[Price], bool, bool, int]:
    """ "$BTC 1H timeframe" over "Long from 66,200": a side word that starts its line, with no
    coin right before it: its prices, never flagged as right after side and coin (the parser
    then wants the coin tagged or labelled elsewhere in the message), and none when talk goes
    on after them ("Short 150 was the top call")."""
    if after < 0:
        return [], False, False, -1
    prices, _, talk, at = _prices_after(low, after, mark_starts)
    return ([], False, False, -1) if talk else (prices, False, False, at)  # "Short 150 was the top"


def _prices_after(low: str, after: int,
                  mark_starts: list[int]) -> tuple[list[Price], bool, bool, int]:
    """The prices on the line from `after` up to the next field, and the flags of `side_entry`."""
    line_end = low.find("\n", after)
    line = low[after:line_end if line_end >= 0 else len(low)]
    upto = min((s - after for s in mark_starts if s >= after), default=len(line))
    segment = line[:upto]
    prices = scan_prices(cut_prose(segment))  # not the next field's: "65k tp 67k" has no prose
    clean = bool(prices) and cut_prose(segment).strip() == segment.strip()
    return prices, clean, talks_on(segment, 0, len(segment)), after


# "SHORT $ETH 1642 → 1620 → 1600, SL 1665": prices joined by arrows and nothing else (an "at" or
# "@" before them, a comma or a "|" after), a path from the entry through the targets
_CHAIN_RE = re.compile(r"(?:at|@)?[ \t]*\$?\d[\d.,]*k?(?:[ \t]*→[ \t]*\$?\d[\d.,]*k?)+[ \t,;|]*")


def arrow_call(low: str, marks: list[tuple[str, int, int]], weak: list[Price], weak_at: int,
               targets: list[Price]) -> tuple[list[Price], list[Price], int, bool] | None:
    """ "SHORT $ETH 1642 → 1620 → 1600, SL 1665", "LONG #SOL 98.5 -> 101 -> 104 SL 95": the
    prices right after side and coin (`weak`, at `weak_at`; no Entry or target field) joined by
    arrows are a path from the entry through the targets; and "BTC long 🎯 27300 ➜ 27600 ➜
    28000": such a chain after a 🎯, the only target field, right after side and coin. Entry,
    targets, where the entry is written, and whether right after side and coin; None for no
    such chain (`validate.check(..., chain=True)` then wants it to go the side's way, with a
    stop on the other side of the entry)."""
    starts = [m[1] for m in marks]
    if weak:
        if len(weak) < 2 or targets or not _is_chain(low, weak_at, starts):
            return None
        return weak[:1], weak[1:], weak_at, False
    found = [m for m in marks if m[0] == "target"]
    if len(targets) < 2 or len(found) != 1 or low[found[0][1]:found[0][2]] != "🎯":
        return None
    _, start, end = found[0]
    if _SIDE_COIN_RE.fullmatch(low, low.rfind("\n", 0, start) + 1, start) is None or \
            not _is_chain(low, end, starts):
        return None
    return targets[:1], targets[1:], start, True


def _is_chain(low: str, at: int, mark_starts: list[int]) -> bool:
    """Whether the prices at `at`, up to the next field on their line, are an arrow chain:
    "1642 → 1620 → 1600" (`text.normalise` makes "->", "➜" and "➡️" this arrow)."""
    if at < 0:
        return False
    line_end = low.find("\n", at)
    end = min((s for s in mark_starts if s > at), default=len(low))  # past an "at" mark's own
    end = min(end, line_end) if line_end >= 0 else end
    return _CHAIN_RE.fullmatch(low[at:end].strip()) is not None


_SIDE = r"(?:long|short|buy|sell)"
_COIN = r"[#$]?[a-z0-9]{2,16}(?:/[a-z]{3,5}|usdt)?(?:\.p)?"
# a line that starts with side and coin only ("BTC long ", "SHORT $ETH "), emojis aside
_SIDE_COIN_RE = re.compile(rf"[^\w#$\n]*(?:{_COIN}[ \t]+{_SIDE}|{_SIDE}[ \t]+{_COIN})[^\w\n]*")
