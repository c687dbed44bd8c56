"""Which field of a structured signal makes it untradeable as written: what a call needs at all
(an entry, and targets or a stop: the reader's own rule in `verzek.signals.parser`), and the
reader's consistency checks (`verzek.signals.validate.check`) asked field by field, so an
explicit signal can be refused naming the field (a chat message is recorded as noise instead)."""

from __future__ import annotations

from decimal import Decimal

from verzek.domain.models import Signal
from verzek.errors import InvalidInput
from verzek.signals import validate

INCONSISTENT = "inconsistent_signal"
INCOMPLETE = "incomplete_signal"

# What a call must hold, as the reader asks it of a text (`parser._signal_result`: "no entry
# price or market entry", "neither targets nor a stop loss"); percentages count, measured from
# the entries or from the market entry's fill (`entry_prices.with_pct_prices`).
NEEDS_ENTRY = ("a call needs an entry: at least one price in entries, or entry_is_market: "
               "true for a market entry")
NEEDS_EXIT = ("a call needs targets or a stop loss: at least one price in targets (or "
              "target_pcts), or a stop_loss (or stop_pct)")


def missing_fields(signal: Signal) -> list[tuple[str, str]]:
    """(field, what is needed) for each part a call needs and the signal lacks: an entry
    (`entries`), and targets or a stop (told at `targets`); empty when it has them all."""
    missing: list[tuple[str, str]] = []
    # a breakout (`entry_trigger`) without its one price never enters: the engine records it
    # as noise naming entry_trigger (`TradingService.submit_signal`), as it did before
    if not signal.entries and not signal.entry_is_market and signal.entry_trigger is None:
        missing.append(("entries", NEEDS_ENTRY))
    if not (signal.targets or signal.stop_loss is not None or signal.target_pcts
            or signal.stop_pct is not None):
        missing.append(("targets", NEEDS_EXIT))
    return missing


def inconsistent_field(signal: Signal) -> tuple[str, str] | None:
    """(field, reason) of the first check the signal fails, or None when it passes all.

    The field is the one whose check fails with the entries alone: the leverage, the entries,
    the stop, then the targets; a failure only in combination (a market entry's stop on its
    targets' side) is the stop's when there is one, else the targets'."""
    entries = [] if signal.entry_is_market else signal.entries
    why = validate.check(signal.side, entries, signal.targets, signal.stop_loss,
                         signal.leverage)
    if why is None:
        return None
    alone: tuple[tuple[str, tuple[list[Decimal], list[Decimal], Decimal | None, int | None]],
                 ...] = (("leverage", ([], [], None, signal.leverage)),
             ("entries", (entries, [], None, None)),
             ("stop_loss", (entries, [], signal.stop_loss, None)),
             ("targets", (entries, signal.targets, None, None)))
    for field, (e, t, s, lev) in alone:
        reason = validate.check(signal.side, e, t, s, lev)
        if reason is not None:
            return field, reason
    return ("stop_loss" if signal.stop_loss is not None else "targets"), why


def refuse_inconsistent(signal: Signal) -> None:
    """Raise InvalidInput when the signal cannot be traded as written: code `incomplete_signal`
    when it lacks an entry, or both targets and a stop (details `{"field", "reason", "missing"}`:
    every `(field, reason)` lacking), else code `inconsistent_signal` (details
    `{"field", "reason"}`) when its prices contradict each other."""
    missing = missing_fields(signal)
    if missing:
        field, reason = missing[0]
        raise InvalidInput(reason, code=INCOMPLETE, details={
            "field": field, "reason": reason,
            "missing": [{"field": f, "reason": r} for f, r in missing]})
    found = inconsistent_field(signal)
    if found is not None:
        field, reason = found
        raise InvalidInput(reason, code=INCONSISTENT, details={"field": field, "reason": reason})
