"""Message text in one form: dashes, colons, spaces, digits and markdown as the keywords expect."""

from __future__ import annotations

import re
import unicodedata

from verzek.signals.numbers import THOUSANDS_SEPARATORS, join_thousands

_MATH_CHARS = {chr(code): plain for code in range(0x1D400, 0x1D800)
               if (plain := unicodedata.normalize("NFKC", chr(code))).isascii() and plain.isalnum()}
_TRANSLATE = str.maketrans({
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2012": "-", "\uff1a": ":", "\u00a0": " ",
    "*": " ", "`": " ", "\u0130": "I", "\u0131": "i", "\u200b": None, "\u200d": None,
    "\ufe0f": None, "\u2800": None,
    "\u201c": '"', "\u201d": '"', "➡": "→", "⟶": "→", "➜": "→", "➔": "→", "»": " ",
    "\u2060": None, "\ufeff": None, "\u200c": None, "\u3000": " ",
    # the Arabic decimal separator ("٠٫٤٥٠" is 0.450; its thousands separator is joined earlier)
    "\u066b": ".",
    # circled indexes ("TP① 27.00") are numbered list markers: "TP1) 27.00"
    **{chr(0x2460 + n): f"{n + 1}) " for n in range(10)},
    # fullwidth forms ("＃ＢＴＣ／ＵＳＤＴ", "６５０００") are their ASCII characters
    **{chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)},
    # the "fancy font" of styled posts ("𝐁𝐓𝐂/𝐔𝐒𝐃𝐓 𝐋𝐎𝐍𝐆", "𝐄𝐧𝐭𝐫𝐲: 𝟔𝟑𝟓𝟎𝟎"): mathematical bold,
    # italic, sans-serif and monospace letters and digits are their ASCII characters
    **_MATH_CHARS,
})
# Not str.translate (a dict look-up per character): only the few distinct characters present are
# replaced (no replacement is a key); one scan finds them and the thousands separators to remove.
_REPLACE = {chr(key): value or "" for key, value in _TRANSLATE.items()}
# (the mathematical letters as one range: a class listing each of them is slow to scan)
_TRANSLATE_GATE_RE = re.compile(
    "[" + re.escape("".join(sorted({*_REPLACE, *THOUSANDS_SEPARATORS} - set(_MATH_CHARS))))
    + "\U0001D400-\U0001D7FF]"
)


def normalise(text: str) -> str:
    """Unify dashes, colons, spaces and markdown so one regex set reads every style; Turkish
    dotted and dotless i become i (the keywords are written with i only)."""
    found = set(_TRANSLATE_GATE_RE.findall(text))
    text = join_thousands(text, has_separator=not THOUSANDS_SEPARATORS.isdisjoint(found))
    for char in found:  # a separator join_thousands removed is replaced by nothing: no change
        if char in _REPLACE:
            text = text.replace(char, _REPLACE[char])
    if ">" in text:
        text = text.replace("-->", " →").replace("->", " →").replace("=>", " →")
    if "__" in text:  # markdown italic "__Target 3 reached__" (a single "_" joins "BTC_USDT")
        text = text.replace("__", "  ")
    return text
