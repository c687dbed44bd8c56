"""Order legs of a position ("entry", "dca2", "tp1r0", "slr1x1"…): their names, re-placement
suffixes, which live protection orders a plan no longer wants, and a leg's order in the
exchange's precision."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from verzek.domain.models import Order, OrderStatus, Position
from verzek.engine.executor import OrderSpec
from verzek.engine.tracker import live_orders
from verzek.errors import ExchangeError
from verzek.exchanges.base import Exchange

DEAD = (OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED)


def matches_spec(order: Order, spec: OrderSpec | None) -> bool:
    """Whether a live order is the wanted one as it stands (same size and prices)."""
    if spec is None:
        return False
    return (order.quantity == spec.quantity and order.price == spec.price
            and order.stop_price == spec.stop_price)


def stale_orders(position: Position, wanted: dict[str, OrderSpec]) -> list[Order]:
    """Live protection orders to cancel: those the plan no longer wants as they are, and
    any second live order for one leg (the one the exchange has shown is kept)."""
    live = [o for o in live_orders(position) if o.leg.startswith(("tp", "sl", "dca"))
            and o.status is not OrderStatus.INTENDED]
    live.sort(key=lambda o: o.status is OrderStatus.UNKNOWN)  # stable: shown ones first
    kept: set[str] = set()
    stale: list[Order] = []
    for order in live:
        base = base_leg(order.leg)
        if base in kept or not matches_spec(order, wanted.get(base)):
            stale.append(order)
        else:
            kept.add(base)
    return stale


def base_leg(leg: str) -> str:
    """A leg's name without its re-placement suffix (`tp1r0x2` -> `tp1r0`)."""
    return leg.split("x", 1)[0]


def unused_leg(position: Position, leg: str) -> str:
    """A leg name no order of the position used yet: a stop placed beside the one it replaces
    (same base name) gets a client id of its own. Deterministic, so a send cut off before its
    position was saved is resumed under the same id, never sent twice."""
    used = sum(1 for o in position.orders if base_leg(o.leg) == leg)
    return leg if used == 0 else f"{leg}x{used}"


def refusals(position: Position, leg: str) -> int:
    """How often the exchange refused the protection leg `leg` (its base name)."""
    return int(position.extra.get("refused_legs", {}).get(leg, {}).get("count", 0))


def leg_kind(leg: str) -> str:
    return "stop-loss" if leg.startswith("sl") else "take-profit" if leg.startswith("tp") \
        else "DCA" if leg.startswith("dca") else leg


def fresh_leg(position: Position, leg: str) -> str:
    """A leg name no dead order used: a leg re-placed after a cancel gets a new client id."""
    dead = sum(1 for o in position.orders if base_leg(o.leg) == leg and o.status in DEAD)
    return leg if dead == 0 else f"{leg}x{dead}"


def to_precision(exchange: Exchange, spec: OrderSpec) -> OrderSpec:
    """Prices and amounts as the exchange accepts them (decided before the intent)."""
    try:
        return replace(
            spec, quantity=exchange.amount_to_precision(spec.symbol, spec.quantity),
            price=exchange.price_to_precision(spec.symbol, spec.price)
            if spec.price is not None else None,
            stop_price=exchange.price_to_precision(spec.symbol, spec.stop_price)
            if spec.stop_price is not None else None)
    except ExchangeError:
        return spec


def price_step(exchange: Exchange, symbol: str) -> Decimal | None:
    """The market's price tick, or None when the market is not known now."""
    try:
        return exchange.market(symbol).price_step
    except ExchangeError:
        return None


def amount_step(exchange: Exchange, position: Position) -> Decimal | None:
    """The market's amount step, or None when the market is not known now."""
    try:
        return exchange.market(position.symbol).amount_step
    except ExchangeError:
        return None
