"""What the engine will use for a new position: effective leverage and base-order size."""

from __future__ import annotations

from decimal import Decimal

from verzek.domain.models import MarketType, RiskSettings
from verzek.domain.numeric import positive

HUNDRED = Decimal(100)


def effective_leverage(
    market: MarketType, signal_leverage: int | None, user_cap: int, plan_cap: int
) -> int:
    """min(signal, user cap, plan cap) for futures (the smaller cap when the signal gives none);
    always 1 on spot. Never above either cap, never below 1."""
    if market is MarketType.SPOT:
        return 1
    caps = [user_cap, plan_cap] + ([signal_leverage] if signal_leverage is not None else [])
    return max(1, min(caps))


def position_size_usdt(risk: RiskSettings, capital_usdt: Decimal) -> Decimal:
    """The base order's quote amount: the fixed amount, or a percent of the capital."""
    if risk.position_size_mode == "fixed":
        return risk.position_size_usdt
    capital = positive("capital_usdt", capital_usdt)
    return capital * risk.position_size_pct / HUNDRED
