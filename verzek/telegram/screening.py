"""Which incoming Telegram texts are worth putting on the bus: keyword detection, spam and
loop filters, in front of the parser.

A stand-in until `verzek.signals.filters` lands: the forwarder and the bot take any
`Screen` callable, so the lead can swap this one for the signals package's filter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from verzek.signals import keywords as kw
from verzek.signals import parse_message
from verzek.telegram.format import has_header

MAX_TEXT_CHARS = 8000

_SPAM_RE = re.compile(
    r"(?i)(?<!\w)(?:giveaway|airdrop|referral|promo\s*code|sign\s*up\s+(?:now|here)"
    r"|join\s+(?:our|my)\s+(?:vip|premium|channel|group)|dm\s+(?:me|us)|inbox\s+me"
    r"|limited\s+(?:offer|seats|spots)|subscribe\s+now|discount|casino|bonus\s+code"
    r"|t\.me/(?:joinchat/|\+))"
)


@dataclass(frozen=True, slots=True)
class Screening:
    """The verdict on one text: pass it on, and why (or why not)."""

    accepted: bool
    reason: str


Screen = Callable[[str], Screening]


def screen(text: str) -> Screening:
    """Accept signals and follow-ups; reject empty, oversized, our own broadcasts and spam."""
    if not text or not text.strip():
        return Screening(False, "empty")
    if len(text) > MAX_TEXT_CHARS:
        return Screening(False, "too long for a signal")
    if has_header(text):
        return Screening(False, "carries our broadcast header")
    result = parse_message(text)
    if result.kind in ("signal", "update"):
        return Screening(True, result.kind)
    if _SPAM_RE.search(text):
        return Screening(False, "spam")
    if kw.FIELD_RE.search(text) and kw.SIDE_RE.search(text):
        # Trade-shaped but not parseable: the engine records it with its invalid reason.
        return Screening(True, result.invalid_reason or "signal keywords")
    return Screening(False, "no signal keywords")
