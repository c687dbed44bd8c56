"""Daily trading statistics per user (UTC days): trades, wins, losses, breakeven trades, PnL,
volume.

Derived from the closed-position history, never kept apart from it: the first question about
a user reads their history once; every later close updates the cached figures. So the stats
always agree with the fills, whatever a crash interrupted.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from verzek.domain.models import Position, PositionStatus
from verzek.domain.positions import realised_on
from verzek.store.repos import PositionRepository

ZERO = Decimal(0)
FIELDS = ("trades", "wins", "losses", "breakeven")


def _empty() -> dict[str, Any]:
    return {"trades": 0, "wins": 0, "losses": 0, "breakeven": 0, "realised_pnl_usdt": "0",
            "volume_usdt": "0"}


class StatsBook:
    """Per-user, per-day figures computed from `history/<user>.jsonl` and kept current."""

    def __init__(self, positions: PositionRepository) -> None:
        self._positions = positions
        self._days: dict[str, dict[str, dict[str, Any]]] = {}
        self._counted: dict[str, set[str]] = {}
        self._last_close: dict[str, dict[str, datetime]] = {}  # user -> symbol -> last close
        self._lock = threading.Lock()

    def _load(self, user_id: str) -> dict[str, dict[str, Any]]:
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
        day = (position.closed_at or position.opened_at).date().isoformat()
        entry = self._days[user_id].setdefault(day, _empty())
        pnl = position.realised_pnl_usdt
        entry["trades"] += 1
        # a PnL of exactly 0 is no loss (nor is it one to the breaker's loss streak)
        entry["wins" if pnl > 0 else "losses" if pnl < 0 else "breakeven"] += 1
        entry["realised_pnl_usdt"] = str(Decimal(entry["realised_pnl_usdt"]) + pnl)
        volume = sum((f.price * f.quantity for f in position.fills), ZERO)
        entry["volume_usdt"] = str(Decimal(entry["volume_usdt"]) + volume)

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

    def day(self, user_id: str, day: str) -> dict[str, Any]:
        return dict(self._load(user_id).get(day, _empty()))

    def today(self, user_id: str, open_positions: list[Position], now: datetime,
              ) -> tuple[int, Decimal]:
        """(trades today, realised PnL today) as the daily risk limits count them: the
        positions opened today and still open, plus those closed today (UTC); the PnL of
        those closed today, plus what the exits of open ones realised today (a partial
        target, a partial stop)."""
        day = self._load(user_id).get(now.date().isoformat())
        opened = sum(1 for p in open_positions if p.opened_at.date() == now.date())
        partial = sum((realised_on(p, now.date()) for p in open_positions
                       if p.status is PositionStatus.PARTIALLY_CLOSED), ZERO)
        if day is None:
            return opened, partial
        return (opened + int(day.get("trades", 0)),
                Decimal(day.get("realised_pnl_usdt", "0")) + partial)

    def summary(self, user_id: str, now: datetime, days: int = 30) -> dict[str, Any]:
        by_day = self._load(user_id)
        all_time = _empty()
        for entry in list(by_day.values()):
            _add(all_time, entry)
        today = now.date()
        daily = []
        for back in range(days - 1, -1, -1):
            d = (today - timedelta(days=back)).isoformat()
            daily.append({"date": d, **_rated(by_day.get(d, _empty()))})
        return {"today": _rated(by_day.get(today.isoformat(), _empty())),
                "all_time": _rated(all_time), "daily": daily}


def _add(into: dict[str, Any], entry: dict[str, Any]) -> None:
    for name in FIELDS:
        into[name] += entry[name]
    for name in ("realised_pnl_usdt", "volume_usdt"):
        into[name] = str(Decimal(into[name]) + Decimal(entry[name]))


def _rated(entry: dict[str, Any]) -> dict[str, Any]:
    out = dict(entry)
    out["win_rate"] = round(entry["wins"] / entry["trades"], 4) if entry["trades"] else 0.0
    return out
