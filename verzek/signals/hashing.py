"""Content hash of a message for deduplication: insensitive to case, whitespace and emoji."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACE_RE = re.compile(r"\s+")
_DROP_CATEGORIES = frozenset({"So", "Sk", "Cc", "Cf", "Mn", "Me", "Cs", "Co"})  # Cc: "\x00"


def normalise_content(text: str) -> str:
    """Text reduced to what identifies it: NFKC, case-folded, emoji, control characters and
    markup dropped."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(
        " " if unicodedata.category(ch) in _DROP_CATEGORIES or ch in "*_`~" else ch
        for ch in folded
    )
    return _SPACE_RE.sub(" ", kept).strip()


def content_hash(text: str) -> str:
    """sha256 hex of the normalised text; equal for copies differing only in case, spaces, emoji."""
    return hashlib.sha256(normalise_content(text).encode("utf-8")).hexdigest()
