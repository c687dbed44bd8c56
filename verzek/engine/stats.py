"""Daily trading statistics per user (UTC days): trades, wins, losses, breakeven trades, PnL,
volume.

Every figure is booked on the UTC day it happened, once (`position_days`):
- realised PnL: each exit fill (a target, a stop, a manual partial or the final close) on the
  day it filled, net of its fee, against the average entry at that moment as `apply_fill`
  counted it; each entry and DCA fill's fee on the day it was paid; what a close without a
  fill settled (a liquidation, a close the exchange reported) on the day the position closed;
- volume: the notional (price x quantity) of each fill — entry, DCA and exit — on its day;
- a trade, and whether it won, lost or broke even (by its whole realised PnL), on the day it
  closed. The daily trades limit (`today`) counts the same, plus the positions opened that
  day and still open.
A position still open has its partial exits and fees on their days already, so the days of a
user add up to the realised PnL of their closed positions and of their open ones.

Derived from the positions, never kept apart from them: a position's figures per day come
from its fills and their timestamps, which are written with the position in one document
write. Closed positions are read from `history/<user>.jsonl` at the first question about a
user, then each close is added once (by position id); open ones are read as they stand. So a
crash between a fill and anything after it neither loses nor double counts a figure.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from verzek.domain.models import Position, PositionStatus
from verzek.domain.numeric import as_order_side
from verzek.domain.positions import exit_pnl, opening_side
from verzek.store.repos import PositionRepository

ZERO = Decimal(0)
FIELDS = ("trades", "wins", "losses", "breakeven")
AMOUNTS = ("realised_pnl_usdt", "volume_usdt")
Days = dict[str, dict[str, Any]]  # ISO date -> figures (counts as int, amounts as Decimal)


def _empty() -> dict[str, Any]:
    return {"trades": 0, "wins": 0, "losses": 0, "breakeven": 0, "realised_pnl_usdt": ZERO,
            "volume_usdt": ZERO}


def position_days(position: Position) -> Days:
    """The position's figures per UTC day, as the module docstring books them. The days add
    up to its realised PnL exactly: what the replay of its fills does not explain (a close
    settled without a fill, a fill whose order it does not list, rounding) goes to the day it
    closed (while open, to the day of its last fill)."""
    days: Days = {}
    if position.entry_quantity == 0:
        return days  # a cancelled entry never traded
    sides = {o.client_order_id: as_order_side(o.side) for o in position.orders}
    opening = opening_side(position.side)
    held = cost = booked = ZERO
    last = position.opened_at.date()
    for fill in position.fills:
        last = fill.at.date()
        day = days.setdefault(last.isoformat(), _empty())
        day["volume_usdt"] += fill.price * fill.quantity
        side = sides.get(fill.client_order_id)
        if side is opening:
            held += fill.quantity
            cost += fill.price * fill.quantity
            pnl = -fill.fee_usdt
        elif side is not None and held > 0:
            closed = min(fill.quantity, held)
            gross, cost = exit_pnl(position.side, cost, held, fill.price, closed)
            held -= closed
            pnl = gross - fill.fee_usdt
        else:
            continue
        day["realised_pnl_usdt"] += pnl
        booked += pnl
    is_closed = position.status is PositionStatus.CLOSED
    rest = position.realised_pnl_usdt - booked
    if not is_closed:
        if rest:
            days.setdefault(last.isoformat(), _empty())["realised_pnl_usdt"] += rest
        return days
    end = (position.closed_at.date() if position.closed_at is not None else last).isoformat()
    day = days.setdefault(end, _empty())
    day["realised_pnl_usdt"] += rest
    day["trades"] += 1
    total = position.realised_pnl_usdt
    # a PnL of exactly 0 is no loss (nor is it one to the breaker's loss streak)
    day["wins" if total > 0 else "losses" if total < 0 else "breakeven"] += 1
    return days


class StatsBook:
    """Per-user, per-day figures of closed positions (from `history/<user>.jsonl`, kept
    current by `record_close`), with those of the open positions added as they stand."""

    def __init__(self, positions: PositionRepository) -> None:
        self._positions = positions
        self._days: dict[str, Days] = {}
        self._counted: dict[str, set[str]] = {}
        self._last_close: dict[str, dict[str, datetime]] = {}  # user -> symbol -> last close
        self._lock = threading.Lock()

    def _load(self, user_id: str) -> Days:
        with self._lock:
            days = self._days.get(user_id)
            if days is not None:
                return days
        closed = self._positions.closed_positions(user_id)
        with self._lock:
            if user_id not in self._days:
                self._days[user_id] = {}
                self._counted[user_id] = set()
                self._last_close[user_id] = {}
                for position in closed:
                    self._add(user_id, position)
            return self._days[user_id]

    def _add(self, user_id: str, position: Position) -> None:
        if position.entry_quantity == 0 or position.id in self._counted[user_id]:
            return  # a cancelled entry never traded; a close counts once
        self._counted[user_id].add(position.id)
        if position.closed_at is not None:
            last = self._last_close[user_id]
            before = last.get(position.symbol)
            if before is None or position.closed_at > before:
                last[position.symbol] = position.closed_at
        _merge(self._days[user_id], position_days(position))

    def record_close(self, position: Position) -> None:
        """A position was closed (and archived): count it."""
        self._load(position.user_id)
        with self._lock:
            self._add(position.user_id, position)

    def last_close(self, user_id: str, symbol: str) -> datetime | None:
        """When the user last closed a trade on `symbol` (a market symbol), for the cooldown
        after a close; None when never (an entry cancelled unfilled traded nothing)."""
        self._load(user_id)
        with self._lock:
            return self._last_close.get(user_id, {}).get(symbol)

    def _with_open(self, user_id: str, open_positions: list[Position],
                   only: str | None = None) -> Days:
        """The user's days (or the day `only`): the closed positions' with those of
        `open_positions` added (one the book counted already — closed since the list was
        read — is not added twice)."""
        self._load(user_id)
        with self._lock:
            book = self._days[user_id]
            if only is None:
                days = {d: dict(entry) for d, entry in book.items()}
            else:
                days = {only: dict(book.get(only) or _empty())}
            counted = self._counted[user_id]
            fresh = [p for p in open_positions
                     if p.status is not PositionStatus.CLOSED and p.id not in counted]
        for position in fresh:
            for d, entry in position_days(position).items():
                if only is None or d == only:
                    _add_into(days.setdefault(d, _empty()), entry)
        return days

    def _open_positions(self, user_id: str) -> list[Position]:
        return list(self._positions.open_positions(user_id))

    def day(self, user_id: str, day: str) -> dict[str, Any]:
        return _out(self._with_open(user_id, self._open_positions(user_id), only=day)[day])

    def today(self, user_id: str, open_positions: list[Position], now: datetime,
              ) -> tuple[int, Decimal]:
        """(trades today, realised PnL today) as the daily risk limits count them. Trades: the
        positions closed today (UTC) plus those opened today and still open. PnL: what was
        realised today, each figure once — the exits and fees of today of every position,
        closed or among `open_positions` (the user's open positions)."""
        key = now.date().isoformat()
        day = self._with_open(user_id, open_positions, only=key)[key]
        opened = sum(1 for p in open_positions if p.status is not PositionStatus.CLOSED
                     and p.opened_at.date() == now.date())
        return opened + int(day["trades"]), day["realised_pnl_usdt"]

    def summary(self, user_id: str, now: datetime, days: int = 30) -> dict[str, Any]:
        by_day = self._with_open(user_id, self._open_positions(user_id))
        all_time = _empty()
        for entry in by_day.values():
            _add_into(all_time, entry)
        today = now.date()
        daily = []
        for back in range(days - 1, -1, -1):
            d = (today - timedelta(days=back)).isoformat()
            daily.append({"date": d, **_out(by_day.get(d, _empty()))})
        return {"today": _out(by_day.get(today.isoformat(), _empty())),
                "all_time": _out(all_time), "daily": daily}


def _merge(into: Days, days: Days) -> None:
    for d, entry in days.items():
        _add_into(into.setdefault(d, _empty()), entry)


def _add_into(into: dict[str, Any], entry: dict[str, Any]) -> None:
    for name in (*FIELDS, *AMOUNTS):
        into[name] += entry[name]


def _out(entry: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {name: entry[name] for name in FIELDS}
    out.update({name: str(entry[name]) for name in AMOUNTS})
    out["win_rate"] = round(entry["wins"] / entry["trades"], 4) if entry["trades"] else 0.0
    return out
