"""Dust: an open spot remainder the exchange will not let us sell (below its amount step or
minimum amount, often a buy's fee taken in the coin). No exit can take it, so the position
closes around it and the dust stays in the account."""

from __future__ import annotations

import logging
from datetime import datetime

from verzek.domain.models import CloseReason, MarketType, Position, PositionStatus
from verzek.domain.positions import close as close_position
from verzek.domain.positions import reason_for_leg
from verzek.errors import BelowMinimum, ExchangeError
from verzek.exchanges.base import Exchange

logger = logging.getLogger(__name__)


def is_dust(exchange: Exchange, position: Position) -> bool:
    """An open spot remainder below the market's amount step or minimum amount."""
    if position.market_type is not MarketType.SPOT or position.quantity <= 0 or \
            position.status is PositionStatus.CLOSED:
        return False
    try:
        market = exchange.market(position.symbol)
        sellable = exchange.amount_to_precision(position.symbol, position.quantity)
    except BelowMinimum:
        return True
    except ExchangeError:
        return False  # the market is not known now: nothing to decide on
    return sellable <= 0 or bool(market.min_amount and sellable < market.min_amount)


def close_dust(position: Position, leg: str, now: datetime) -> Position:
    """Close a position holding only dust, valued at its last exit's price; the dust stays
    in the account (`dust_qty` in its extra)."""
    dust = position.quantity
    price = position.fills[-1].price if position.fills else position.average_entry
    logger.info("position %s: %s %s left below the exchange's minimum amount; closed",
                position.id, dust, position.symbol)
    position = position.model_copy(update={"extra": {**position.extra,
                                                     "dust_qty": str(dust)}})
    return close_position(position, close_reason(position, leg), now, settle_price=price)


def close_reason(position: Position, leg: str) -> CloseReason:
    """Why a position closes when an order of `leg` empties it (as the tracker decides)."""
    if leg.startswith("chan"):
        return CloseReason.CHANNEL
    if leg.startswith("trail"):
        return CloseReason.TAKE_PROFIT
    if position.extra.get("close_as") and not leg.startswith("kill"):
        return CloseReason(position.extra["close_as"])  # reopened only to close it again
    return reason_for_leg(leg)
