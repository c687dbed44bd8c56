"""The numbers a field keyword governs: its line, the list lines under it, not the prose after."""

from __future__ import annotations

import re
from decimal import Decimal

from verzek.signals.keywords import MARKET_ENTRY_RE
from verzek.signals.numbers import (
    NO_SPLIT,
    Price,
    new_price,
    plain_prices,
    scan_prices,
    strip_markers,
)

_DIGIT_RE = re.compile(r"\d")
_LABEL_START_RE = re.compile(r"[ \t]*[^\W\d_]")
# Patterns here start with a consumed character class (the word-start check comes after it), so
# the engine's first-character prefilter applies; `\d\d*` is `\d+` in that form.
# A "," or "." after a number only continues it before a digit: "3100, don't chase" is a price.
_PRICE_START_RE = re.compile(r"\d(?<![\w.,]\d)(?:[\d.,]*\d)?(?![\w%]|[.,]\d|\s*%)")
# A one-line segment of plain numbers and list separators needs none of the slower rules.
# A segment of plain numbers and list separators on its first line, after any non-word prefix
# (": ", "→ ", "🎯 "), with trailing spaces, and later lines without a digit or a "%" ("✅"):
# those lines add no number and cannot change how the first line reads. Group 1 is the first
# number, group 2 the others. Possessive: linear even on 4,000 spaces.
_SIMPLE_SEGMENT_RE = re.compile(
    r"[^\w\n.,%()]*+(\d++(?:[.,]\d++)?+)"
    r"((?:(?:[ \t]++|[ \t]*+(?:[-/|&]|,(?=[ \t]))[ \t]*+)\$?\d++(?:[.,]\d++)?+)*+)"
    r"[ \t]*+(?:\n[^\d%]*+)?+"
)
_SIMPLE_NUMBER_RE = re.compile(r"\d\d*(?:[.,]\d+)?")  # the numbers of a simple segment
_LETTERS_RE = re.compile(r"[^\W\d_][^\W\d_]+")
_CONNECTORS = frozenset(
    ("and", "or", "to", "then", "usdt", "usd", "usdc", "busd", "и", "или", "до", "y", "o", "a",
     "e", "ou", "ve", "veya", "và", "hoặc", "und", "et")
)
# words that may follow a weak entry's price in a call: "at 3000 now", "at 3000 zone", "at 3000
# (spot)"; the next field's own words end the line's part before `talks_on` looks
_CALL_WORDS = frozenset(("now", "here", "zone", "area", "range", "level", "levels", "price", "or",
                         "and", "spot", "futures", "limit", "market", "cmp", "usdt", "with", "for",
                         "leverage", "lev", "cross", "isolated", "scalp", "swing", "long", "short",
                         "buy", "sell", "entry", "target", "targets", "tp", "tps", "sl", "stop",
                         "hold", "hodl", "support", "dip", "dips", "retest", "around", "near",
                         "below", "under", "above"))
_MARKET_FILLERS = frozenset(
    ("at", "or", "the", "price", "buy", "sell", "long", "short", "enter", "entry", "use", "current",
     "al", "de", "precio", "по", "или")
)
# "1:2", "1:3.5", "12:30" after a price: a risk-reward ratio or a time, never a price
_RATIO_RE = re.compile(r"\d(?<![\w.,]\d)\d?:\d{1,2}(?:[.,]\d)?(?![\d.,]?\d)")
# "(short term)", "(mid-term)" with another price after it on the line
_WORD_NOTE_RE = re.compile(
    r"\([^\W\d_]+(?:[ \t-]+[^\W\d_]+)*[ \t]*\)(?=[ \t,;/|-]*(?:(?:and|then|or)[ \t]+)?\$?\d)"
)
_NUMBER_RUN_RE = re.compile(r"\d[\d.,]*")
# a line of one price: maybe a bullet or list marker before it ("🎯", "2)", "3.", "4⃣"), a "$"
# or unit around it, and its share after it ("0.080$", "2) 0.5350 (30%)")
_LONE_PRICE_RE = re.compile(
    r"[^\w\n]*+(?:\d{1,2}(?:[.)]|\u20e3)[ \t]*+)?\$?[ \t]*+\d[\d.,]*+[ \t]*+\$?"
    r"(?:[ \t]*+usdt)?(?:[ \t]*+\([ \t]*+\d{1,3}(?:[.,]\d+)?[ \t]*+%[ \t]*+\))?[ \t]*+",
    re.IGNORECASE,
)
_SUBLABEL_RE = re.compile(r"[^\d\n:]{1,25}:(?=\s*\d)")
_UNIT_WORDS_RE = re.compile(r"(?<!\w)(?:usdt|usd|usdc|busd)(?!\w)", re.IGNORECASE)
# a price with a tick right after it: "0.55 ✅", "66500✔"; a tick before the first price is a
# bullet ("Targets: ✅ 0.55 ✅ 0.58"), and then so is every other
_TICKED_RE = re.compile(r"\d[ \t]*(?:✅|✔|☑)")
_TICK_FIRST_RE = re.compile(r"[^\d]*?[✅✔☑]")


def segment_prices(text: str, start: int = 0, end: int | None = None) -> tuple[list[Price], str]:
    """The prices of one keyword's segment, `text[start:end]`, and the part of the text they were
    read from ("" for a plain-number segment: that part only matters for words, and it has none).

    A plain-number segment (`_SIMPLE_SEGMENT_RE`) is read directly, without copying it; what
    the general rules would read from it is the same.
    """
    simple = _SIMPLE_SEGMENT_RE.fullmatch(text, start, len(text) if end is None else end)
    if simple is None:
        segment = text[start:end].rstrip()
        if not segment:
            return [], ""
        kept = section(segment)
        return scan_prices(strip_markers(kept)), kept
    if simple.start(2) == simple.end(2):  # one number: the usual ": 0.5"
        raw = simple.group(1)
        if "," in raw:
            return plain_prices((raw,)), ""
        value = Decimal(raw)
        return ([new_price((value, NO_SPLIT))] if value > 0 else []), ""
    return plain_prices(_SIMPLE_NUMBER_RE.findall(text, simple.start(1), simple.end(2))), ""


def talks_on(text: str, start: int, end: int) -> bool:
    """Whether talk follows the first price on the first line of `text[start:end]`: "3000 is a
    gift" does, "3000 - 3050", "3000 now", "3000, target 3500" do not (a field's word ends it)."""
    line_end = text.find("\n", start, end)
    line = text[start:line_end if line_end >= 0 else end]
    rest = line[len(cut_prose(line)):]
    return any(word not in _CALL_WORDS for word in _LETTERS_RE.findall(rest.lower()))


def ticked_count(text: str, start: int, end: int) -> int:
    """How many prices of the segment `text[start:end]` come up to the last one ticked as
    reached ("Targets: 0.55 ✅ 0.58 ✅ 0.62": 2); 0 when none is ticked, or ticks are bullets."""
    last = max((tick.start() for tick in _TICKED_RE.finditer(text, start, end)), default=-1)
    if last < 0 or _TICK_FIRST_RE.match(text, start, end) is not None:
        return 0
    return len(segment_prices(text, start, last + 1)[0])


def section(segment: str) -> str:
    """The keyword's own line plus following lines that start with a number or list marker.

    Words after the numbers on such a line ("0.1568 (40% of profit)") are cut off; a line
    of words ends the section.
    """
    if "\n" not in segment:
        return cut_prose(segment)
    lines = segment.split("\n")
    kept = [cut_prose(lines[0])]
    has_numbers = _DIGIT_RE.search(kept[0]) is not None
    header_only = not has_numbers
    # one price a line so far: a blank line may part the list ("Targets:" over "0.078$", a
    # blank line, "0.080$"), and after one only such a lone price goes on with it
    lone = len(_NUMBER_RUN_RE.findall(kept[0])) <= 1
    gap = False
    for line in lines[1:]:
        sub = _SUBLABEL_RE.match(line) if header_only else None
        if sub is not None:  # "TARGETS" then "Short Term: 36.5 - 37": a labelled sub-list
            line = line[sub.end():]
        if not line.strip():
            if has_numbers and not lone:
                break
            gap = gap or has_numbers
            continue
        if gap and _LONE_PRICE_RE.fullmatch(line) is None:
            break
        if _LABEL_START_RE.match(line):
            break  # "T1 8.30", "Risk: high": a label this parser does not know ends the list
        folded = line.lower()  # every unit word holds "sd" ("ſ" is an s to IGNORECASE)
        if "sd" in folded or "ſd" in folded:
            words = _LETTERS_RE.search(_UNIT_WORDS_RE.sub(_same_length_blank, line))
        else:
            words = _LETTERS_RE.search(line)
        if words is not None:
            head = line[: words.start()]
            if head and head[-1].isdigit():  # "2nd entry: ...", "4h": a number glued to a word
                head = head.rstrip("0123456789.,")
            if _DIGIT_RE.search(head) is None:
                break
            line = head
        kept.append(line)
        has_numbers = has_numbers or _DIGIT_RE.search(line) is not None
        lone = lone and _LONE_PRICE_RE.fullmatch(line) is not None
    return "\n".join(kept)


def _same_length_blank(match: re.Match[str]) -> str:
    return " " * (match.end() - match.start())


def says_market(text: str, start: int, end: int) -> bool:
    """Whether the first line of `text[start:end]` (an entry's segment) says market, CMP or now
    with only filler words before it: "Market (1.12)", "64000 (market)", "buy at market price";
    not "wait for the market to dip to 3050"."""
    line_end = text.find("\n", start, end)
    line = text[start:line_end if line_end >= 0 else end]
    market = MARKET_ENTRY_RE.search(line)
    if market is None:
        return False
    return all(word in _MARKET_FILLERS for word in _LETTERS_RE.findall(line, 0, market.start()))


def cut_prose(line: str) -> str:
    """The line up to the first prose word after its first number: "60000, don't chase ...";
    ratios and times after that number are no prices: "155 (1:2) / 160 (1:3)", "145 12:30"."""
    if ":" in line and _RATIO_RE.search(line) is not None:  # most segments start with ": "
        price = _PRICE_START_RE.search(line)
        if price is not None and _RATIO_RE.search(line, price.end()) is not None:
            line = line[: price.end()] + _RATIO_RE.sub(_same_length_blank, line[price.end():])
    if _LETTERS_RE.search(line) is None:
        return line
    price = _PRICE_START_RE.search(line)  # "4H close below 0.45": 4H is no price, 0.45 is
    if price is None:
        return line
    word = _LETTERS_RE.search(line, price.end())
    while word is not None:
        if word.group().lower() not in _CONNECTORS:
            # "3150 (scalp) 3200 (swing)": a note of words in brackets between two prices
            note = _WORD_NOTE_RE.match(line, word.start() - 1) \
                if line[word.start() - 1] == "(" else None
            if note is None:
                return line[: word.start()]
            word = _LETTERS_RE.search(line, note.end())
        else:
            word = _LETTERS_RE.search(line, word.end())
    return line
