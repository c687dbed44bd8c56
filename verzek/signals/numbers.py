"""Price tokens in signal text: read exactly as written into Decimal; indexes and % skipped."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import NamedTuple

# A raw numeric token; its separators are interpreted afterwards.
# A raw numeric token and what is glued to it: a percent sign, or letters ("4h", "1000pepe").
# (The first character is consumed before the word-start check: the engine's prefilter applies.)
_TOKEN_RE = re.compile(
    r"([\d.,](?<![\w.,].)(?:(?<=\d)(?:[\d.,]*\d)?|(?<=[.,])\d+))"
    r"(\s*%|[^\W\d_]+|\.(?=[ \t]+\.?\d))?"
)
_UNITS = frozenset({"usdt", "usd", "usdc", "busd"})
# List markers before a price: "1)", "(2)", "3.", "4 -", keycaps, circled digits, "1st".
_MARKER_RE = re.compile(
    r"(?<![\w(.,])\(?\d{1,2}\)(?!\d)"
    r"|^[^\w\n]*\d{1,2}(?:\.(?!\d)|:(?!\d))"
    r"|\d\ufe0f?\u20e3|🔟|[①-⑳]",
    re.MULTILINE,
)
_LEAD_MARKER_RE = re.compile(r"[^\w\n]*\d{1,2}(?:\.(?!\d)|:(?!\d))")
# "1 - 0.5" is a marker only in a numbered run ("1 - ...", "2 - ..."); alone it is a zone.
_DASH_MARKER_RE = re.compile(r"^([^\w\n]*)(\d{1,2})(\s*-\s+)(?=\.?\d)", re.MULTILINE)
_MARKER_GATE = frozenset(")\n\u20e3🔟①②③④⑤⑥⑦⑧⑨⑩")
# between digit groups: removed (U+066C is the Arabic thousands separator: "٦٥٬٠٠٠")
THOUSANDS_SEPARATORS = frozenset("\u00a0\u202f\u2009'’\u066c")
_THOUSANDS_SPACE_RE = re.compile(r"(?<=\d)[\u00a0\u202f\u2009'’\u066c](?=\d{3}(?!\d))")
_THOUSANDS_GATE_RE = re.compile("[\u00a0\u202f\u2009'’\u066c]")
_SPACED_ZERO_RE = re.compile(r"(?<![\d.,])\d{1,3} 000(?![\d.,]\d|\d)")
_SPACED_GROUP_RE = re.compile(r"(?<![\d.,])(\d{1,3}) (\d{3})(?![\d.,]\d|\d)")


class Price(NamedTuple):
    """A price as written; `split` holds the other reading of an ambiguous "100,110"."""

    value: Decimal
    split: tuple[Decimal, ...] = ()


def join_thousands(text: str, has_separator: bool | None = None) -> str:
    """Remove thousands separators made of (narrow) no-break spaces, apostrophes, or " 000".

    `has_separator` says whether `text` holds one of `THOUSANDS_SEPARATORS`, when the caller
    knows already (None: look).
    """
    if _THOUSANDS_GATE_RE.search(text) if has_separator is None else has_separator:
        text = _THOUSANDS_SPACE_RE.sub("", text)
    if " 000" not in text or not _SPACED_ZERO_RE.search(text):
        return text
    # A message that writes "65 000" groups thousands with spaces: its "63 500", and the
    # "SL: 62 800" on a line without a round number, are one number each.
    return _SPACED_GROUP_RE.sub(r"\1\2", text)


def strip_markers(text: str) -> str:
    """Blank out list and index markers so "1) 0.5" yields 0.5, never 1."""
    if _MARKER_GATE.isdisjoint(text):  # one line, no ")": only a leading "1." can be a marker
        lead = _LEAD_MARKER_RE.match(text)
        return text if lead is None else " " * lead.end() + text[lead.end():]
    if "-" in text:
        dashes = list(_DASH_MARKER_RE.finditer(text))
        if len(dashes) >= 2 and [int(m.group(2)) for m in dashes] == list(
            range(int(dashes[0].group(2)), int(dashes[0].group(2)) + len(dashes))
        ):
            text = _DASH_MARKER_RE.sub(lambda m: " " * len(m.group()), text)
    return _MARKER_RE.sub(" ", text)


def _dec(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() and value > 0 else None


def _grouped(integral: str, separator: str) -> bool:
    """Whether `integral` ("65,000", "1.234.567") groups thousands with `separator`: a head of
    one to three digits, then groups of exactly three ("1.5" of "1.5,2" groups nothing)."""
    head, *groups = integral.split(separator)
    return 1 <= len(head) <= 3 and all(len(group) == 3 for group in groups)


def _two_prices(head: str, tail: str) -> bool:
    """ "3400,3380", "63500,63000": whole numbers of four digits or more, of the same size, a
    comma apart are two prices; no price is written with four decimals after four digits."""
    return len(head) >= 4 and len(tail) >= 4 and abs(len(head) - len(tail)) <= 1 and \
        head[0] != "0" and tail[0] != "0"


def read_token(raw: str) -> Price | list[Price] | None:
    """Interpret one token's separators; a comma list gives several prices, garbage gives None."""
    if "," not in raw and raw[0] != "." and raw.count(".") <= 1:
        value = _dec(raw)
        return Price(value) if value is not None else None
    dots, commas = raw.count("."), raw.count(",")
    if raw[0] in ".,":
        value = _dec("0." + raw[1:]) if raw.count(".") + raw.count(",") == 1 else None
        return Price(value) if value is not None else None
    if dots and commas:
        last_dot, last_comma = raw.rfind("."), raw.rfind(",")
        value = None
        if last_dot > last_comma and dots == 1 and _grouped(raw[:last_dot], ","):  # 65,000.5
            value = _dec(raw.replace(",", ""))
        elif last_comma > last_dot and commas == 1 and _grouped(raw[:last_comma], "."):
            value = _dec(raw.replace(".", "").replace(",", "."))  # 65.000,5
        else:  # "1.15,1.20,1.28": decimals listed without spaces, or nothing
            listed = [_dec(p) if p.count(".") <= 1 else None for p in raw.split(",")]
            return None if None in listed else [Price(v) for v in listed if v is not None]
        return Price(value) if value is not None else None
    if dots > 1:  # 1.234.567 is thousands; anything else (a date) is not a price
        groups = raw.split(".")
        if all(len(g) == 3 for g in groups[1:]) and len(groups[0]) <= 3:
            value = _dec(raw.replace(".", ""))
            return Price(value) if value is not None else None
        return None
    if commas == 1:
        head, tail = raw.split(",")
        if _two_prices(head, tail):  # "3400,3380": a list without a space, no 3400.3380
            return [Price(v) for v in (_dec(head), _dec(tail)) if v is not None] or None
        if len(tail) != 3 or head == "0" or len(head) > 3:
            value = _dec(f"{head}.{tail}")
            return Price(value) if value is not None else None
        value = _dec(head + tail)
        parts = tuple(p for p in (_dec(head), _dec(tail)) if p is not None)
        return Price(value, parts) if value is not None else None
    if commas > 1:  # "100,110,120": no crypto price has two thousands groups
        prices = [Price(v) for v in (_dec(p) for p in raw.split(",")) if v is not None]
        return prices or None
    value = _dec(raw)
    return Price(value) if value is not None else None


# new_price((value, NO_SPLIT)) is Price(value) without NamedTuple's Python-level __new__ (a hot
# path: one per price read).
new_price = partial(tuple.__new__, Price)
NO_SPLIT: tuple[Decimal, ...] = ()


def plain_prices(tokens: Iterable[str]) -> list[Price]:
    """The prices of tokens made of digits and at most one "." or "," ("0.5", "0,5", "100,110");
    what `scan_prices` reads from the same tokens."""
    out: list[Price] = []
    for raw in tokens:
        if "," not in raw:
            value = Decimal(raw)
            if value > 0:
                out.append(new_price((value, NO_SPLIT)))
            continue
        read = read_token(raw)  # one comma: a decimal comma, "100,110" (two readings), or
        if isinstance(read, Price):  # "3400,3380" (two prices)
            out.append(read)
        elif read is not None:
            out.extend(read)
    return out


def _thousands(raw: str) -> Decimal | None:
    """ "63.2" of "63.2k" as 63200 (written plainly, never 6.32E+4)."""
    value = _dec(raw.replace(",", "."))
    if value is None:
        return None
    value *= 1000
    integral = value.to_integral_value()
    return integral if value == integral else value.normalize()


def scan_prices(text: str) -> list[Price]:
    """All prices in `text` in written order; percents and numbers glued to words are skipped."""
    out: list[Price] = []
    for raw, glued in _TOKEN_RE.findall(text):
        if glued == ".":  # "2. 0.6" numbers a list; "65000. 66000" ends a sentence
            if raw.isdigit() and len(raw) <= 2:
                continue
        elif glued in ("k", "K") and raw.count(".") + raw.count(",") <= 1:
            thousands = _thousands(raw)  # "65k", "63.2k": BTC-sized prices in short
            if thousands is not None:
                out.append(new_price((thousands, NO_SPLIT)))
            continue
        elif glued and glued.lower() not in _UNITS:
            continue  # "5%", "4H", "2nd", "1000PEPE": not a price
        if "," not in raw and raw[0] != "." and raw.count(".") <= 1:  # the common "0.123"
            value = Decimal(raw)
            if value > 0:
                out.append(new_price((value, NO_SPLIT)))
            continue
        read = read_token(raw)
        if read is None:
            continue
        if isinstance(read, list):
            out.extend(read)
        else:
            out.append(read)
    return out


def resolve(prices: list[Price], scale: Decimal | None, decimal_comma: bool) -> list[Decimal]:
    """The values of `prices`; a "100,110" (thousands or two prices?) is 100.110 where the
    message writes decimal commas, its two prices where the others' `scale` says so."""
    out: list[Decimal] = []
    for price in prices:
        if price.split and decimal_comma:  # "8,125" where "8,25" is written: 8.125
            out.append(price.value.scaleb(-3))
        elif price.split and scale is not None and price.value > scale * 50:
            out.extend(price.split)
        else:
            out.append(price.value)
    return out
