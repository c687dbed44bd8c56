"""Consistency of a parsed trade call: side against prices, scale, leverage; reasons, no repairs."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

from verzek.domain.models import Side

# Targets or stops more than this factor away from the entries are a misread, not a trade.
MAX_PRICE_RATIO = Decimal(20)
MAX_ENTRY_SPREAD = Decimal(2)
MAX_LEVERAGE = 125


def infer_side(
    entries: list[Decimal], targets: list[Decimal], stop: Decimal | None
) -> Side | None:
    """The side the prices imply when the message names none, or None when they do not agree.

    Both targets and a stop must be written and agree: "Entry 140, TP 160" alone is as often a
    promotion quoting a past call as it is a call.
    """
    if not entries or not targets or stop is None:
        return None
    low, high = min(entries), max(entries)
    votes: set[Side] = set()
    if targets:
        if min(targets) > high:
            votes.add(Side.LONG)
        elif max(targets) < low:
            votes.add(Side.SHORT)
        else:
            return None
    if stop is not None:
        if stop < low:
            votes.add(Side.LONG)
        elif stop > high:
            votes.add(Side.SHORT)
        else:
            return None
    return votes.pop() if len(votes) == 1 else None


def check(
    side: Side,
    entries: list[Decimal],
    targets: list[Decimal],
    stop: Decimal | None,
    leverage: int | None,
    *,
    chain: bool = False,
) -> str | None:
    """Why this call cannot be traded as written, or None when it is consistent.

    A `chain` is a call written as an arrow chain ("SHORT $ETH 1642 → 1620 → 1600, SL 1665"),
    read as its entry then its targets: only when the chain goes the side's way and a stop is
    written on the other side of the entry; refused otherwise, never read another way.
    """
    if chain:
        reason = "no stop loss" if stop is None else _check(side, entries, targets, stop, leverage)
        return None if reason is None else \
            f"an arrow chain of prices read as entry then targets, refused: {reason}"
    return _check(side, entries, targets, stop, leverage)


def _check(
    side: Side,
    entries: list[Decimal],
    targets: list[Decimal],
    stop: Decimal | None,
    leverage: int | None,
) -> str | None:
    if leverage is not None and not 1 <= leverage <= MAX_LEVERAGE:
        return f"leverage {leverage}x is outside 1..{MAX_LEVERAGE}"
    if len(entries) > 1 and max(entries) / min(entries) > MAX_ENTRY_SPREAD:  # one: ratio 1
        return "entries differ by more than 2x: a misread number, not a ladder"
    prices = [*entries, *targets, *([stop] if stop is not None else [])]
    if prices and max(prices) / min(prices) > MAX_PRICE_RATIO:
        return "prices differ by more than 20x: a misread number, not a trade"
    is_long = side is Side.LONG
    word = "long" if is_long else "short"
    if entries:  # the side against the entries first: the clearer reason when both fail
        low, high = min(entries), max(entries)
        if stop is not None and (stop >= low if is_long else stop <= high):
            where = "at or above" if is_long else "at or below"
            return f"stop loss {stop} is {where} the entry for a {word}"
        for target in targets:
            if target <= high if is_long else target >= low:
                where = "at or below" if is_long else "at or above"
                return f"target {target} is {where} the entry for a {word}"
    elif stop is not None and targets and (
        stop >= min(targets) if is_long else stop <= max(targets)
    ):
        return f"stop loss {stop} is on the target side for a {word}"
    for before, after in pairwise(targets):
        if (after <= before) if is_long else (after >= before):
            return f"targets out of order for a {word} ({before} then {after}): a misread list"
    return None
