"""Daily trading statistics per user (UTC days): trades, wins, losses, PnL, volume."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from verzek.domain.models import Position
from verzek.store.docstore import DocumentStore

ZERO = Decimal(0)
FIELDS = ("trades", "wins", "losses")


def _empty() -> dict[str, Any]:
    return {"trades": 0, "wins": 0, "losses": 0, "realised_pnl_usdt": "0", "volume_usdt": "0"}


class StatsBook:
    """`stats/<user id>.json`: one entry per UTC day, updated when a position closes."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    def _rel(self, user_id: str) -> str:
        return f"stats/{user_id}.json"

    def record_close(self, position: Position) -> None:
        """Count a closed position once (its id is remembered); one that never filled (a
        cancelled entry) is not a trade."""
        if position.entry_quantity == 0:
            return
        day = (position.closed_at or position.opened_at).date().isoformat()
        volume = sum((f.price * f.quantity for f in position.fills), ZERO)
        pnl = position.realised_pnl_usdt

        def apply(doc: dict[str, Any] | None) -> dict[str, Any]:
            doc = doc or {"days": {}, "counted": []}
            if position.id in doc["counted"]:
                return doc
            entry = doc["days"].setdefault(day, _empty())
            entry["trades"] += 1
            entry["wins" if pnl > 0 else "losses"] += 1
            entry["realised_pnl_usdt"] = str(Decimal(entry["realised_pnl_usdt"]) + pnl)
            entry["volume_usdt"] = str(Decimal(entry["volume_usdt"]) + volume)
            doc["counted"] = [*doc["counted"][-999:], position.id]
            return doc

        self._store.update(self._rel(position.user_id), apply)

    def day(self, user_id: str, day: str) -> dict[str, Any]:
        doc = self._store.read_shared(self._rel(user_id)) or {"days": {}}
        return dict(doc["days"].get(day, _empty()))

    def summary(self, user_id: str, now: datetime, days: int = 30) -> dict[str, Any]:
        doc = self._store.read_shared(self._rel(user_id)) or {"days": {}}
        all_time = _empty()
        for entry in doc["days"].values():
            _add(all_time, entry)
        today = now.date()
        daily = []
        for back in range(days - 1, -1, -1):
            d = (today - timedelta(days=back)).isoformat()
            daily.append({"date": d, **_rated(doc["days"].get(d, _empty()))})
        return {"today": _rated(doc["days"].get(today.isoformat(), _empty())),
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
