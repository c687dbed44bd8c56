"""A call's entry written as a price right after its side and coin, without an Entry line:
"Buy $BONK 0.0000215", "BTC LONG 65000 TP 66000 SL 64000"."""

from __future__ import annotations

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
