"""Which field of a structured signal makes it untradeable as written: the reader's own checks
(`verzek.signals.validate.check`) asked field by field, so an explicit signal can be refused
naming the field (a chat message is recorded as noise instead)."""

from __future__ import annotations

from decimal import Decimal

from verzek.domain.models import Signal
from verzek.errors import InvalidInput
from verzek.signals import validate

INCONSISTENT = "inconsistent_signal"


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
    """Raise InvalidInput (code `inconsistent_signal`, details `{"field", "reason"}`) when the
    signal cannot be traded as written."""
    found = inconsistent_field(signal)
    if found is not None:
        field, reason = found
        raise InvalidInput(reason, code=INCONSISTENT, details={"field": field, "reason": reason})
