"""Order legs of a position ("entry", "dca2", "tp1r0", "slr1x1"…): their names, re-placement
suffixes, and which live protection orders a plan no longer wants."""

from __future__ import annotations

from verzek.domain.models import Order, OrderStatus, Position
from verzek.engine.executor import OrderSpec
from verzek.engine.tracker import live_orders

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
