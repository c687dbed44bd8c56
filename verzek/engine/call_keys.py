"""When two submissions are the same trade, whatever their words (the same call as text and as
structured fields, cross-posted reworded), and which follow-ups may be applied again."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from verzek.domain.models import MarketType, Signal, SignalUpdate


def repeatable(update: SignalUpdate) -> bool:
    """Whether applying the follow-up again after it (perhaps) acted changes nothing more: a
    whole close, a cancel, a stop moved or hit; not a share closed, nor a target's take."""
    return update.close_share is None and update.action in ("close", "cancel", "move_sl",
                                                            "stop_hit")


def call_keys(signal: Signal, at: datetime) -> tuple[list[str], list[str]]:
    """(keys a call is a duplicate by, keys it is kept by) as the same trade in other words
    (`call_key`), per clock hour and the one before. The leverage: a call naming none is the
    same as one naming any (a cross-post adding it); two naming different ones are not (a
    corrected call, "8x" after "10x" was refused for the stop's liquidation, is traded). A
    market entry with exits in percent names no price: no keys (the same words an hour later
    are a new trade at another price)."""
    if not (signal.entries or signal.targets or signal.stop_loss is not None):
        return [], []
    base, hour = call_key(signal), int(at.timestamp() // 3600)
    lev = str(signal.leverage) if signal.leverage else "none"
    asked = [lev, "none"] if signal.leverage else ["any"]
    return ([f"call:{base}:{tag}:{h}" for tag in dict.fromkeys(asked) for h in (hour, hour - 1)],
            [f"call:{base}:{lev}:{hour}", f"call:{base}:any:{hour}"])


def call_key(signal: Signal) -> str:
    """What makes a call the same trade, whatever its words: the coin, the side, the
    entries, targets and stop as numbers (and their percentages), spot or not."""
    def nums(values: list[Decimal]) -> str:
        return ",".join(f"{v.normalize():f}" for v in values)
    # "SOL/USDT" and its perpetual "SOL/USDT:USDT" are one coin's call (the leverage: see
    # `call_keys`)
    return "|".join((signal.symbol.upper().split(":", 1)[0], signal.side.value,
                     nums(signal.entries),
                     str(signal.entry_is_market), signal.entry_trigger or "",
                     nums(signal.targets), nums([signal.stop_loss] if signal.stop_loss else []),
                     nums(signal.target_pcts), nums([signal.stop_pct] if signal.stop_pct else []),
                     # a spot call is another trade; futures and unsaid trade the same
                     "spot" if signal.market is MarketType.SPOT else ""))
