"""A signal's fields as plain text lines: what the engine publishes for a structured signal
(its content for deduplication) and what the Telegram summaries show."""

from __future__ import annotations

from decimal import Decimal

from verzek.domain.models import Signal


def decimal_text(value: Decimal) -> str:
    """A price or amount as written: no exponent, no trailing zeros ("65000", "0.0215")."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def field_lines(signal: Signal, *, stop_label: str = "Stop") -> list[str]:
    """Entry, targets, stop, leverage and market, one line each; percentages where the call
    gave no prices (measured from the entry when the trade is placed)."""
    num = decimal_text
    if signal.entries:
        entry = " - ".join(num(e) for e in signal.entries)
        entry += " (market)" if signal.entry_is_market else ""
        if signal.entry_trigger is not None:  # a breakout: nothing before the cross
            entry = f"on a cross {signal.entry_trigger} {entry}"
    else:
        entry = "market"
    lines = [f"Entry: {entry}"]
    if signal.targets:
        lines.append("Targets: " + ", ".join(num(t) for t in signal.targets))
    elif signal.target_pcts:
        lines.append("Targets: " + ", ".join(f"+{num(p)}%" for p in signal.target_pcts)
                     + " from the entry")
    if signal.stop_loss is not None:
        lines.append(f"{stop_label}: {num(signal.stop_loss)}")
    elif signal.stop_pct is not None:
        lines.append(f"{stop_label}: {num(signal.stop_pct)}% from the entry")
    if signal.leverage is not None:
        lines.append(f"Leverage: {signal.leverage}x")
    if signal.market is not None:
        lines.append(f"Market: {signal.market.value}")
    return lines
