"""Message text to a trade call (`Signal`), a follow-up (`SignalUpdate`), or nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from statistics import median
from typing import Literal

from pydantic import ValidationError

from verzek.domain.models import MarketType, Side, Signal, SignalUpdate
from verzek.signals import keywords as kw
from verzek.signals import validate
from verzek.signals.closes import weak_close_at
from verzek.signals.followup import (
    EARLIER_TRADE,
    OTHER_COIN,
    about_earlier,
    call_beside,
    new_call_beside,
    read_update,
)
from verzek.signals.leverage import read_leverage
from verzek.signals.lowercase import call_coin
from verzek.signals.numbers import Price, resolve
from verzek.signals.percent import from_pct, stop_pct, target_pcts
from verzek.signals.scale import QUOTED_IN_COINS, in_sats, rescale
from verzek.signals.scope import PAST_DAY, bare_stop
from verzek.signals.sections import says_market, segment_prices, talks_on, ticked_count
from verzek.signals.side_entry import arrow_call, side_entry
from verzek.signals.sides import both_sides_spans, call_side
from verzek.signals.symbols import find_symbol, find_symbols
from verzek.signals.tables import header_table
from verzek.signals.talk import hedged, is_condition, is_label
from verzek.signals.text import normalise
from verzek.signals.triggers import Direction, breakout, stop_order, with_trigger
from verzek.signals.updates import UpdateFinding, detect_update

# Decisions (issue 5): entries keep the order they are written in, and a zone "0.123 - 0.130"
# is its two ends in written order (never re-sorted by side). `entry_is_market` is set when the
# entry says market/CMP/now; prices written beside it are kept as entries. A message whose parts
# contradict each other is invalid with a reason, never repaired. A past-tense outcome ("TP1 ✅",
# "stopped out") makes the message an update even when it repeats the whole call.

Kind = Literal["signal", "update", "noise"]
_MAX_CHARS = 4000

_DIGIT_RE = re.compile(r"\d")
_LETTER_RE = re.compile(r"[^\W\d_]")
# A keyword right after one of these words is a reference to the field, not the field itself,
# or one negated.
_REFERENCE_RE = re.compile(
    r"(?<![^\W\d_])(?<![#$])(?:below|above|under|over|from|to|the|of|near|around|than|after|before"
    r"|your|our|my|this|that|if|when|until|past|beyond|previous|last|ниже|выше|от|после"
    r"|not|no|never|don['’]?t"  # "do not enter above 0.53": a limit of the call, no entry
    r"|move|moved|moving|shift|shifted|trail|trailing|trailed)"  # "Move SL to 145": a follow-up
    r"[ \t]+\Z"
)
# A price only a decimal comma explains ("0,5", "8,25", "1,2345"; what `numbers.read_token` reads
# as decimal): the message writes decimals with commas, so its "8,125" is 8.125, not 8125.
# Percentages are no evidence: "Profit: 12,5%" may sit under "Entry: 63,250".
_DECIMAL_COMMA_RE = re.compile(
    r"(?<![\d.,])(?:0,\d+|\d{1,3},(?:\d{1,2}|\d{4,})|\d{4,},(?:\d{1,3}|0\d*))(?![\d.,]?\d|\s*%)"
)
_LINE_FIRST = frozenset({(5, "p"), (4, "z")})  # "price", "zone": labels as a line's first word
_ENTRY_KINDS = frozenset({"entry", "shortentry", "buylabel", "at"})
_STOP_ORDERS = frozenset({"buystop", "sellstop"})
_VALUE_OF, _SPLIT_OF = itemgetter(0), itemgetter(1)  # Price.value, Price.split, mapped in C
_CONFIDENCE = tuple(round(0.4 + 0.1 * parts, 2) for parts in range(7))  # by parts present


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What a message is; `invalid_reason` says why a trade-shaped message is not a trade."""

    kind: Kind
    signal: Signal | None = None
    update: SignalUpdate | None = None
    invalid_reason: str | None = None


# immutable: one shared instance for the plain "nothing here" (a reason all the same: an
# operator reading the record sees why nothing was traded)
NOTHING_FOUND = ("no trading call or follow-up in it: no coin with an entry and targets or "
                 "a stop, nor a target hit, close, cancel or stop move")
_NOISE = ParseResult("noise", invalid_reason=NOTHING_FOUND)


@dataclass(slots=True)
class _Draft:
    entries: list[Price] = field(default_factory=list)
    targets: list[Price] = field(default_factory=list)
    stop: Price | None = None
    entry_is_market: bool = False
    side_hint: Side | None = None
    label_spans: list[tuple[int, int]] = field(default_factory=list)
    has_fields: bool = False
    weak_entry: bool = False
    side_entry: bool = False  # the weak entry is just prices right after side and coin
    weak_prose: bool = False  # talk goes on after the weak entry: "#ETH at 3000 is a gift"
    stop_pct: Decimal | None = None  # "SL: 5%": that far from the entry, against the trade
    target_pcts: list[Decimal] = field(default_factory=list)  # "TP: +2% / +4%": with it
    trigger: Direction | None = None  # "LONG above 65500": the entry waits for a cross
    ticked: int = 0  # "Targets: 0.55 ✅ 0.58": a repost, its targets reached up to this one
    entry_ticked: bool = False  # "Entry: 0.51 ✅": a repost, its entry filled
    trigger_only: bool = False  # no entry but the price a breakout crosses: "LONG above 65500"
    talk_at: int = -1  # where an entry written in a sentence, not as a label, is: "#BTC entry"
    chain: bool = False  # "SHORT $ETH 1642 → 1620 → 1600": the entry, then the targets


def parse(text: str) -> Signal | SignalUpdate | None:
    """An executable `Signal`, a `SignalUpdate`, or None for noise and inconsistent signals."""
    return (result := parse_message(text)).signal or result.update


def parse_message(text: str) -> ParseResult:
    """Classify and read one message; never raises on any input text."""
    if not text or not text.strip():
        return _NOISE
    norm = normalise(text[:_MAX_CHARS])
    if "|" in norm:  # "PAIR | SIDE | ENTRY" over its row: one "ENTRY: 152.4" line per column
        norm = header_table(norm) or norm
    low = norm.lower()  # same length: normalise() folds the one char (U+0130) that grows
    finding = detect_update(low) or bare_stop(low)  # "#LINK SL 14.2": a stop moved
    if finding is not None and finding.is_result:  # a past-tense outcome is never a new trade
        result = _update_result(norm, low, finding, text)
        if result.invalid_reason in (OTHER_COIN, EARLIER_TRADE, PAST_DAY) or (
                result.update is not None and about_earlier(norm, low, finding)):
            beside = call_beside(norm, finding, parse_message)
            if beside is not None:  # the call, as the channel wrote it all
                return ParseResult("signal", signal=beside.model_copy(update={"raw_text": text}))
        elif (beside := new_call_beside(norm, low, finding, parse_message)) is not None:
            return ParseResult("signal", signal=beside.model_copy(update={"raw_text": text}))
        return result
    closed_at = weak_close_at(low) if finding is None else -1
    if _DIGIT_RE.search(low) is None and finding is None and closed_at < 0:
        return _NOISE  # no number, no follow-up, no "closed": nothing to trade
    leverage, body = read_leverage(low)
    draft = _fields(body, norm)
    if (draft.ticked or draft.entry_ticked) and (finding is None or not finding.is_result):
        finding = finding or UpdateFinding("target_hit" if draft.ticked else "other")
        finding.target_index = finding.target_index or draft.ticked or None  # not a call: an
        finding.is_result = True  # outcome, the call reposted with what reached its prices
    if not draft.entries and (draft.targets or draft.stop or draft.target_pcts or draft.stop_pct
                              ) and kw.NOW_ENTRY_RE.search(body):
        draft.entry_is_market = True
    if draft.trigger is None:  # "LONG above 65500", "Entry: above 65500": a breakout
        bare = not draft.entries  # then the trigger is the only entry written
        draft.trigger, draft.entries = with_trigger(body, draft.entries, draft.entry_is_market)
        draft.trigger_only = bare and draft.trigger is not None
    if closed_at >= 0 and find_symbol(norm, low)[1] >= 2:  # "#1INCH/USDT closed due to ...",
        finding = UpdateFinding("close", at=closed_at)  # unless a full call
    if finding is not None and (finding.is_result or not (  # not a whole call
            (draft.entries or draft.entry_is_market) and (draft.targets or draft.stop))):
        return _update_result(norm, low, finding, text)
    if not draft.has_fields:
        return _NOISE
    if draft.trigger_only and ((draft.stop is None and draft.stop_pct is None) or hedged(
            norm, low, -1)):  # "A breakdown below 64,000 targets 62,500", "... if you trade it"
        return ParseResult("noise", invalid_reason="a breakout level with no stop loss or in "
                           "hedged talk, and no entry written: analysis, not a call")
    if draft.talk_at >= 0 and hedged(norm, low, draft.talk_at):
        # "Good entry for #BTC would be around 63,000", "#ARB entry was at 1.05": talk
        return ParseResult("noise", invalid_reason="an entry talked about (would, could, was, "
                           "imo...), not given: no call")
    symbols = find_symbols(norm, low)
    if not symbols and draft.entries and (draft.targets or draft.stop is not None):
        # "long btc 65000 tp 67000": a bare lower-case coin, only in a call (see lowercase.py)
        symbols = call_coin(norm, low, strong=bool(draft.targets) and draft.stop is not None)
    symbol, strength = symbols[0] if symbols else (None, 0)
    if len(symbols) > 1 and sum(1 for _, level in symbols if level >= 2) > 1:
        if finding is not None and (beside := new_call_beside(norm, low, finding, parse_message)):
            return ParseResult("signal", signal=beside.model_copy(update={"raw_text": text}))
        return ParseResult("noise", invalid_reason="several symbols: a round-up, not one call")
    if draft.weak_entry and strength < 2 and not (
            draft.side_entry and draft.targets and draft.stop is not None and "?" not in low):
        # "BTC LONG 65000 TP 66000 SL 64000" is a call (targets and a stop given);
        # "sold BTC at 65000, now long" is talk
        return ParseResult("noise", invalid_reason="informal: no Entry keyword and no tagged pair")
    if draft.weak_entry and draft.weak_prose and draft.stop is None and draft.stop_pct is None:
        # "Buy the dip! #ETH at 3000 is a gift. Target 3500": talk naming prices, no stop
        return ParseResult("noise", invalid_reason="informal: a price in talk, and no stop loss")
    if _word_search(kw.RESULT_RE, low, "+"):
        return ParseResult("noise", invalid_reason="a result post quoting a call, not a call")
    if "?" in low and kw.PRICE_QUESTION_RE.search(low):
        return ParseResult("noise", invalid_reason="a question about prices, not a call")
    if _word_search(kw.NOT_A_CALL_RE, low):
        return ParseResult("noise", invalid_reason="a reminder, test or warning, not a new call")
    pairs = both_sides_spans(body)
    side = call_side(body, draft.label_spans + pairs)
    if side is None and pairs:
        return ParseResult("noise", invalid_reason="both sides offered (long or short): "
                           "which one to take is unsure")
    side = side or draft.side_hint
    return _signal_result(text, low, draft, side, symbol, strength, leverage)


def _fields(low: str, norm: str) -> _Draft:
    draft = _Draft()
    marks = _marks(low)
    seen_entry = seen_short = False
    weak_entries: list[Price] = []
    weak_at = -1
    cmp: list[Price] = []
    for pos, (kind, start, end) in enumerate(marks):
        if kind == "selllabel":  # "Sell: 590" after a Buy line or a long call: its target
            kind = "target" if seen_entry or kw.LONG_BEFORE_RE.search(low, 0, start) \
                else "shortentry"
        elif kind == "buylabel" and seen_entry and (
                seen_short or kw.SHORT_BEFORE_RE.search(low, 0, start)):
            kind = "target"  # "Buy: 1.80" after a short's entry: where it buys back (a "Buy:"
            # before any entry is the entry, even under SHORT: "SHORT LINKUSDT ❇️ Buy: 17")
        elif kind in _STOP_ORDERS:  # "Buy stop: 0.125": a long entered once the price rises to it
            kind, draft.trigger = stop_order(kind, seen_entry, low, start)
        seen_entry = seen_entry or kind in _ENTRY_KINDS
        seen_short = seen_short or kind == "shortentry"
        draft.label_spans.append((start, end))
        if kind == "buylabel" or (kind == "entry" and low.startswith("buy", start)):
            draft.side_hint = draft.side_hint or Side.LONG  # and "Buy zone:", "Buy at CMP"
        elif kind == "shortentry":
            draft.side_hint = draft.side_hint or Side.SHORT
        stop_at = marks[pos + 1][1] if pos + 1 < len(marks) else len(low)
        prices, wordy = segment_prices(low, end, stop_at)
        if kind in _ENTRY_KINDS:
            if (wordy and says_market(low, end, stop_at)) or low.endswith("now", start, end):
                draft.entry_is_market = True
                draft.has_fields = True
            if kind != "at":
                if prices and draft.entries and is_condition(low, end):
                    continue  # "Note: enter only if 4H closes above 38": a condition, no order
                if prices and not draft.entries and not is_label(low, start, end):
                    draft.talk_at = start
                draft.entries.extend(prices)
                draft.entry_ticked = draft.entry_ticked or bool(
                    prices and ticked_count(low, end, stop_at))
            elif not weak_entries:  # only the first "at": "sell at 68000" is no entry
                weak_entries, draft.weak_prose = prices, talks_on(low, end, stop_at)
                weak_at = start
        elif kind == "cmp":
            cmp = cmp or prices
        elif kind == "target":
            if prices and (ticked := ticked_count(low, end, stop_at)):
                draft.ticked = len(draft.targets) + ticked
            draft.targets.extend(prices)
            if not prices and not draft.targets:
                draft.target_pcts.extend(target_pcts(low, end, stop_at))
                draft.has_fields = draft.has_fields or bool(draft.target_pcts)
        elif kind == "stop" and draft.stop is None and draft.stop_pct is None and (
                percent := stop_pct(low, end, stop_at)) is not None:
            draft.stop_pct, draft.has_fields = percent, True  # "SL: 3-5%" has no price 3
        elif draft.stop is None and prices:
            draft.stop = prices[0]
        draft.has_fields = draft.has_fields or bool(prices)
    if not draft.entries and cmp:  # "CMP: 0.4520" and no Entry line: a market entry
        draft.entries, draft.entry_is_market = cmp, True
    if not draft.entries:  # "Short BTC at 64200 ...": the "at" price is the side's too
        prices, draft.side_entry, talk, at = side_entry(low, norm, [m[1] for m in marks])
        if not weak_entries:
            weak_entries, draft.weak_prose, weak_at = prices, talk, at
    if not draft.entries and not draft.target_pcts and "→" in low and (
            chain := arrow_call(low, marks, weak_entries, weak_at, draft.targets)) is not None:
        weak_entries, draft.targets, weak_at, side = chain  # "SHORT $ETH 1642 → 1620 → 1600"
        draft.side_entry, draft.chain = draft.side_entry or side, True
    if not draft.entries and weak_entries:  # "Short #BTC at 65000": only without an Entry line
        draft.entries = weak_entries
        draft.weak_entry = draft.has_fields = True
        draft.talk_at = weak_at
    return draft


def _marks(low: str) -> list[tuple[str, int, int]]:
    """Field keywords in order with their index; an "at"/"@" right after a keyword is its own."""
    marks: list[tuple[str, int, int]] = []
    last: dict[str, int] = {}  # the last index of each kind ("Target 2" after "Target 1")
    for mark in kw.FIELD_RE.finditer(low):
        start, end = mark.span()
        if start and (low[start - 1].isalnum() or low[start - 1] in "_/"):
            continue  # inside a word: "http", "sentry"
        if start > 1 and low[start - 1] in " \t" and _is_reference(low, start):
            continue  # "5% below entry (2945)": the entry is mentioned, not given
        kind = kw.classify(mark.group())
        if (end - start, low[start]) in _LINE_FIRST and _LETTER_RE.search(
                low, low.rfind("\n", 0, start) + 1, start):
            continue  # "Mark price:", "Support zone:" are no label: only a line's first word is
        if kind == "at" and marks and not low[marks[-1][2]:start].strip(" :-"):
            continue
        if kind in ("entry", "target") and (index := kw.index_at(low, end, last.get(kind))):
            end, last[kind] = index
        marks.append((kind, start, end))
    return marks


def _is_reference(low: str, start: int) -> bool:
    """A reference word and spaces right before `start` (within 12 characters)."""
    head = low[max(0, start - 12):start].rstrip(" \t")
    if not head or not head[-1].isalpha():  # a match ends its word with a letter
        return False
    return _REFERENCE_RE.search(low, max(0, start - 12), start) is not None


def _signal_result(
    raw: str, norm: str, draft: _Draft, side: Side | None, symbol: str | None, strength: int,
    leverage: int | None,
) -> ParseResult:
    written = [*draft.entries, *draft.targets, *([draft.stop] if draft.stop else [])]
    if any(map(_SPLIT_OF, written)):  # "100,110": thousands or two prices? the others decide
        plain = [p.value for p in written if not p.split]
        scale = median(plain) if plain else None
        comma = _DECIMAL_COMMA_RE.search(norm) is not None
        entries = resolve(draft.entries, scale, comma)
        targets = resolve(draft.targets, scale, comma)
        stop = resolve([draft.stop], scale, comma)[0] if draft.stop is not None else None
    else:  # the usual case: every price has one reading
        entries = list(map(_VALUE_OF, draft.entries))
        targets = list(map(_VALUE_OF, draft.targets))
        stop = draft.stop.value if draft.stop is not None else None
    if symbol is None:
        return ParseResult("noise", invalid_reason="no symbol")
    if symbol.endswith(QUOTED_IN_COINS) or in_sats(norm):  # "120 sats", "ADA/BTC 1200"
        scaled = rescale(symbol, norm, entries, targets, stop)
        if isinstance(scaled, str):
            return ParseResult("noise", invalid_reason=scaled)
        entries, targets, stop = scaled
    pcts = bool(draft.target_pcts or draft.stop_pct)
    if not entries and not targets and stop is None and not (pcts and draft.entry_is_market):
        return ParseResult("noise", invalid_reason="no prices")
    if not entries and not draft.entry_is_market:
        return ParseResult("noise", invalid_reason="no entry price or market entry")
    if not targets and stop is None and not pcts:
        return ParseResult("noise", invalid_reason="neither targets nor a stop loss")
    side_written = side is not None
    market = _market(norm, leverage)
    if side is None and market is MarketType.SPOT:  # a spot call only buys
        side = Side.LONG
    if side is None:
        side = validate.infer_side(entries, targets, stop)
        if side is None:
            why = "no side written, and targets and stop do not both imply one"
            return ParseResult("noise", invalid_reason=why)
    if entries and not targets and draft.target_pcts:
        targets = [t for t in (from_pct(side, entries, p, against=False)
                               for p in draft.target_pcts) if t is not None]
    if stop is None and draft.stop_pct is not None and entries:
        stop = from_pct(side, entries, draft.stop_pct, against=True)
    # a market entry's percentages stay so: measured from the price the engine enters at
    later_targets = draft.target_pcts if not entries and not targets else []
    later_stop = draft.stop_pct if not entries and stop is None else None
    if not targets and stop is None and not (later_targets or later_stop):
        return ParseResult("noise", invalid_reason="neither targets nor a stop loss")
    reason = validate.check(side, entries, targets, stop, leverage, chain=draft.chain)
    if reason is not None:
        return ParseResult("noise", invalid_reason=reason)
    if market is MarketType.SPOT and side is Side.SHORT:  # "#ETH/USDT SPOT ... SHORT"
        return ParseResult("noise", invalid_reason="a short on the spot market, which sells "
                           "nothing short")
    parts = [side_written, bool(entries), bool(targets or later_targets), stop is not None or
             later_stop is not None, strength >= 2, market is not None or leverage is not None]
    confidence = _CONFIDENCE[sum(parts)]
    try:
        signal = Signal(
            symbol=symbol, side=side, entries=entries, entry_is_market=draft.entry_is_market,
            targets=targets, stop_loss=stop, target_pcts=later_targets, stop_pct=later_stop,
            leverage=leverage, market=market,
            entry_trigger=breakout(side, draft.trigger), confidence=confidence, raw_text=raw,
        )
    except ValidationError as exc:
        return ParseResult("noise", invalid_reason=f"not a valid signal: {exc.errors()[0]['msg']}")
    return ParseResult("signal", signal=signal)


def _market(low: str, leverage: int | None) -> MarketType | None:
    if _word_search(kw.FUTURES_RE, low) or (
        (".p" in low or "perp" in low or "-swap" in low) and kw.PERP_SUFFIX_RE.search(low)
    ):
        return MarketType.FUTURES
    if _word_search(kw.SPOT_RE, low):
        return MarketType.SPOT
    return MarketType.FUTURES if leverage is not None else None


def _word_search(regex: re.Pattern[str], low: str, free: str = "") -> bool:
    """A match that starts a word (or starts with a character of `free`, like "+")."""
    match = regex.search(low)  # search, not finditer: most texts have no match at all
    while match is not None:
        start = match.start()
        if start == 0 or low[start] in free or not (low[start - 1].isalnum()
                                                   or low[start - 1] == "_"):
            return True
        match = regex.search(low, match.end())  # no pattern here matches the empty string
    return False


def _update_result(norm: str, low: str, finding: UpdateFinding, raw: str) -> ParseResult:
    update = read_update(norm, low, finding, raw)
    if isinstance(update, str):
        return ParseResult("noise", invalid_reason=update)
    return ParseResult("update", update=update)
