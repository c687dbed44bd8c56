"""Targets reached: which take-profit targets a fill or a price marks hit.

A fill of a target's order (a resting `tpN…`, or `chantpN`: the channel's "target N hit"
taken at market) marks target N hit, and with it the nearer targets without an order of
their own that its price passed (their share rested with target N). A price read from the
market marks such order-less targets too (`mark_passed`, from arming), so reaching a target
too small for an order of its own still moves the stop as the user set. Every stop move
here follows the rule of `protection.after_target`: never to a stop the market is past.
Pure functions over a Position; the caller saves and tells the user.
"""

from __future__ import annotations

from decimal import Decimal

from verzek.domain.models import OrderStatus, Position, StrategySettings
from verzek.engine import protection
from verzek.engine.legs import base_leg
from verzek.engine.tracker import LIVE_STATUSES


def target_of_leg(leg: str) -> int | None:
    """The 0-based target a take-profit leg sells for: `tp2r0x1` and `chantp2` -> 1."""
    if leg.startswith("chantp"):
        digits = leg[len("chantp"):]
    elif leg.startswith("tp"):
        digits = base_leg(leg)[2:].split("r", 1)[0]
    else:
        return None
    return int(digits) - 1 if digits.isdigit() and int(digits) > 0 else None


def with_orders(position: Position) -> set[int]:
    """The targets (0-based) an order of their own rests for, or filled for."""
    placed: set[int] = set()
    for order in position.orders:
        index = target_of_leg(order.leg)
        if index is not None and (order.status in LIVE_STATUSES
                                  or order.status is OrderStatus.FILLED):
            placed.add(index)
    return placed


def on_fill(position: Position, leg: str,
            strategy: StrategySettings) -> tuple[Position, list[int]]:
    """After fills of `leg`: once its order filled in full, its target is hit, and so is each
    nearer order-less target its fill price passed. Returns the position and the targets
    (0-based) newly hit, nearest first. A fill that closed the position records the hits
    (the last target counts as hit like any other) and moves no stop."""
    index = target_of_leg(leg)
    order = next((o for o in position.orders if o.leg == leg), None)
    if index is None or order is None or order.status is not OrderStatus.FILLED or \
            index >= len(position.targets) or position.targets[index].hit:
        return position, []
    prices = [f.price for f in position.fills if f.client_order_id == order.client_order_id]
    market = prices[-1] if prices else None
    nearer = protection.passed_targets(position, market, with_orders(position)) \
        if market is not None else []
    hit = [i for i in nearer if i < index] + [index]
    for i in hit:
        position = protection.after_target(position, strategy, i, market=market)
    return position, hit


def mark_passed(position: Position, strategy: StrategySettings, price: Decimal,
                placed: set[int]) -> tuple[Position, list[int]]:
    """The targets without an order (not in `placed`: resting, filled or about to be placed)
    that `price` reached, marked hit (the stop moved as after any target, never past
    `price`). Returns the position and the targets (0-based) newly hit."""
    hit = protection.passed_targets(position, price, placed | with_orders(position))
    for i in hit:
        position = protection.after_target(position, strategy, i, market=price)
    return position, hit
