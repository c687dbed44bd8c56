"""Signal understanding: message text to Signal, SignalUpdate or nothing; spam filters."""

from verzek.signals.filters import FilterDecision, FilterSettings, MessageFilter
from verzek.signals.hashing import content_hash, normalise_content
from verzek.signals.parser import ParseResult, parse, parse_message
from verzek.signals.symbols import normalise_symbol

__all__ = [
    "FilterDecision", "FilterSettings", "MessageFilter", "ParseResult", "content_hash",
    "normalise_content", "normalise_symbol", "parse", "parse_message",
]
