"""Approximate isolated-margin liquidation prices for linear (USDT-margined) perpetuals.

The approximation, documented so nobody mistakes it for an exchange's exact figure:

    long:  P_liq = avg · (1 − 1/L + mmr)
    short: P_liq = avg · (1 + 1/L − mmr)

where `avg` is the average entry, `L` the leverage and `mmr` the maintenance margin rate
(Binance's lowest USDT-M tier is 0.4 %, Bybit's 0.5 %). It ignores fees, funding and the
maintenance amount of higher tiers, so the real liquidation comes a little earlier; callers
that need a margin of safety should use a larger `mmr`.
"""

from __future__ import annotations

from decimal import Decimal

from verzek.domain.models import Side
from verzek.domain.numeric import as_side, non_negative, positive, positive_int
from verzek.errors import InvalidInput

DEFAULT_MAINTENANCE_MARGIN_RATE = Decimal("0.005")


def validate_mmr(maintenance_margin_rate: object) -> Decimal:
    """The maintenance margin rate as a Decimal in [0, 1), or InvalidInput."""
    mmr = non_negative("maintenance_margin_rate", maintenance_margin_rate)
    if mmr >= 1:
        raise InvalidInput(
            f"maintenance_margin_rate must be below 1 (got {mmr}); 0.005 means 0.5 %",
            details={"field": "maintenance_margin_rate"},
        )
    return mmr


def liquidation_price(
    side: Side, average_entry: Decimal, leverage: int, maintenance_margin_rate: Decimal
) -> Decimal:
    """The approximate isolated-margin liquidation price (see the module docstring)."""
    avg = positive("average_entry", average_entry)
    lev = Decimal(positive_int("leverage", leverage))
    mmr = validate_mmr(maintenance_margin_rate)
    if as_side(side) is Side.LONG:
        return max(Decimal(0), avg * (1 - 1 / lev + mmr))
    return avg * (1 + 1 / lev - mmr)


def is_beyond_liquidation(side: Side, price: Decimal, liquidation: Decimal) -> bool:
    """Whether the market must pass the liquidation price before it reaches `price`."""
    price = positive("price", price)
    liquidation = non_negative("liquidation", liquidation)  # a long's can be 0 (1x leverage)
    return price <= liquidation if as_side(side) is Side.LONG else price >= liquidation
