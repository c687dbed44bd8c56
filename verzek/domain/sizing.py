"""What the engine will use for a new position: leverage, base-order size and cap room."""

from __future__ import annotations

from decimal import Decimal

from verzek.domain.models import MarketType, RiskSettings, UserSettings
from verzek.domain.numeric import non_negative, positive

HUNDRED = Decimal(100)


def effective_leverage(
    market: MarketType, signal_leverage: int | None, user_cap: int, plan_cap: int,
    market_cap: int | None = None,
) -> int:
    """min(signal, user cap, plan cap, market cap) for futures (the smallest cap when the
    signal gives none); always 1 on spot. Never above a cap, never below 1. `market_cap`: the
    market's highest leverage, when known (a call at 50x on a 20x market was refused by the
    exchange, not traded at 20x)."""
    if market is MarketType.SPOT:
        return 1
    caps = [user_cap, plan_cap] + ([signal_leverage] if signal_leverage is not None else []) \
        + ([market_cap] if market_cap is not None else [])
    return max(1, min(caps))


def position_size_usdt(risk: RiskSettings, capital_usdt: Decimal) -> Decimal:
    """The base order's quote amount: the fixed amount, or a percent of the capital."""
    if risk.position_size_mode == "fixed":
        return risk.position_size_usdt
    capital = positive("capital_usdt", capital_usdt)
    return capital * risk.position_size_pct / HUNDRED


def position_cap_usdt(settings: UserSettings) -> Decimal | None:
    """The per-position cap: the smaller of the risk cap and the DCA max investment."""
    caps = [cap for cap in (settings.risk.max_position_usdt, settings.dca.max_investment_usdt)
            if cap is not None]
    return min(caps) if caps else None


def symbol_room_usdt(risk: RiskSettings, symbol_exposure_usdt: Decimal) -> Decimal | None:
    """What the per-symbol cap still allows on top of the exposure already open (≥ 0)."""
    if risk.max_symbol_exposure_usdt is None:
        return None
    exposure = non_negative("symbol_exposure_usdt", symbol_exposure_usdt)
    return max(Decimal(0), risk.max_symbol_exposure_usdt - exposure)
