"""Which incoming Telegram texts go onto the bus: our loop guard, then the signals package's
keyword and spam filter (`verzek.signals.filters`), with the parser vouching for follow-ups
that carry no listed keyword ("Closed BTC manually")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from verzek.signals import FilterSettings, MessageFilter, parse_message
from verzek.telegram.format import has_header


@dataclass(frozen=True, slots=True)
class Screening:
    """The verdict on one text: pass it on, and why (or why not)."""

    accepted: bool
    reason: str


class Screen(Protocol):
    def __call__(self, text: str, *, now: datetime,
                 sender: int | str | None = None) -> Screening: ...


class SignalScreen:
    """Loop guard + `MessageFilter` + parser; safe to share between threads."""

    def __init__(self, *, message_filter: MessageFilter | None = None) -> None:
        # No duplicate window here: the same follow-up text ("TP1 hit ✅") under two different
        # signals must both arrive; repeats are caught downstream, by source id and by content
        # hash together with the call a follow-up concerns: in the engine, and in the broadcast
        # window (`broadcaster.window_keys`).
        self._filter = message_filter or MessageFilter(
            settings=FilterSettings(duplicate_window_s=0))

    def __call__(self, text: str, *, now: datetime,
                 sender: int | str | None = None) -> Screening:
        if not text or not text.strip():
            return Screening(False, "empty")
        if has_header(text):
            return Screening(False, "carries our broadcast header")
        decision = self._filter.check(text, now=now, sender=sender)
        kind = None
        if not decision.allowed and decision.reason == "no_keyword":
            kind = parse_message(text).kind
            if kind in ("signal", "update"):
                return Screening(True, kind)
        if not decision.allowed:
            reason = (decision.reason or "filtered").replace("_", " ")
            return Screening(False, f"{reason} ({decision.detail})" if decision.detail else reason)
        return Screening(True, kind or parse_message(text).kind)
