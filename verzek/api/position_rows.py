"""The order of position lists, and the mark price and unrealised PnL an open position is
answered with.

Orders are explicit, so a page is the same page after a restart (the store keeps a user's open
positions in the order they were last written, which any fill or stop move changes):
- not yet closed: oldest first, by `opened_at`, then `id` (then `user_id`);
- closed (the history): newest first, by `closed_at` descending, then `id` (then `user_id`);
- `all`: the ones not yet closed, then the closed ones, each in its order.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import Field

from verzek.api.context import ctx
from verzek.api.schemas import canonical_decimal

CLOSED = "closed"
_OLDEST = datetime.min.replace(tzinfo=UTC)

# the fields an open position's answer adds (null for a closed one, or without a fresh price)
MARK_FIELDS: dict[str, Any] = {
    "mark_price": (Decimal | None, Field(
        default=None, description="the last price the price monitor read for the symbol; "
        "null when it read none lately (stale) or the position is closed")),
    "unrealised_pnl_usdt": (Decimal | None, Field(
        default=None, description="what the open quantity gains or loses at `mark_price`, "
        "before the fees of closing it; null with `mark_price`")),
}


def _at(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value) if isinstance(value, str) else _OLDEST


def ordered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`rows` (open and closed, of one user or many) in the order the lists promise."""
    live = [r for r in rows if r.get("status") != CLOSED]
    done = [r for r in rows if r.get("status") == CLOSED]
    live.sort(key=lambda r: (_at(r.get("opened_at")), r["id"], r.get("user_id", "")))
    # a stable sort by ids, then by time descending: ties of `closed_at` keep ids ascending
    done.sort(key=lambda r: (r["id"], r.get("user_id", "")))
    done.sort(key=lambda r: _at(r.get("closed_at")), reverse=True)
    return live + done


def marks_of(rows: list[dict[str, Any]]) -> dict[str, tuple[Decimal, Decimal]]:
    """position id -> (mark price, unrealised PnL) from the engine's last prices (memory
    only); none while the engine is not running."""
    trading = getattr(ctx().runtime, "trading", None)
    marks = getattr(trading, "position_marks", None)
    return {} if marks is None else marks(rows)


def with_mark(answer: dict[str, Any], mark: tuple[Decimal, Decimal] | None) -> dict[str, Any]:
    """`answer` (not changed) with the mark fields, in plain notation."""
    if mark is None:
        return {**answer, "mark_price": None, "unrealised_pnl_usdt": None}
    return {**answer, "mark_price": format(canonical_decimal(mark[0]), "f"),
            "unrealised_pnl_usdt": format(canonical_decimal(mark[1]), "f")}
