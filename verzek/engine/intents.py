"""The order-intent journal: every order is journaled (fsynced) before it is sent.

Records are `{"t": "intent", ...}` before a send and `{"t": "outcome", ...}` once its fate is
known (placed, rejected, blocked, not_placed). An intent without an outcome is *open*: after a
crash or an unknown answer it is resolved by looking the order up, never by sending it again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from verzek.store.fileops import FileOps
from verzek.store.journal import Journal

PLACED = "placed"  # the exchange has the order (it may fill or be cancelled later)
REJECTED = "rejected"  # the exchange refused it: it does not exist
BLOCKED = "blocked"  # the safety manager refused it at send time: never sent
NOT_PLACED = "not_placed"  # proven absent after the visibility window: re-issue under a new id
FINAL_OUTCOMES = (PLACED, REJECTED, BLOCKED, NOT_PLACED)


@dataclass(frozen=True)
class Intent:
    client_order_id: str
    user_id: str
    account_id: str
    position_id: str
    leg: str
    symbol: str
    side: str
    type: str
    quantity: Decimal
    price: Decimal | None
    stop_price: Decimal | None
    reduce_only: bool
    attempt: int
    at: datetime
    # The position as it stood before its first order (entries only): reconciliation
    # recreates it from here if a crash came before the position was saved.
    position: dict[str, Any] | None = None

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"t": "intent", "coid": self.client_order_id,
                                  "user": self.user_id,
                "account": self.account_id, "position": self.position_id, "leg": self.leg,
                "symbol": self.symbol, "side": self.side, "type": self.type,
                "qty": str(self.quantity), "price": _s(self.price),
                "stop": _s(self.stop_price), "reduce_only": self.reduce_only,
                "attempt": self.attempt, "at": self.at.isoformat()}
        if self.position is not None:
            record["position_doc"] = self.position
        return record

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> Intent:
        return cls(client_order_id=r["coid"], user_id=r["user"], account_id=r["account"],
                   position_id=r["position"], leg=r["leg"], symbol=r["symbol"], side=r["side"],
                   type=r["type"], quantity=Decimal(r["qty"]), price=_d(r.get("price")),
                   stop_price=_d(r.get("stop")), reduce_only=bool(r.get("reduce_only")),
                   attempt=int(r.get("attempt", 0)), at=datetime.fromisoformat(r["at"]),
                   position=r.get("position_doc"))


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _d(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


class IntentJournal:
    """Append-only journal of intents and outcomes, with the open intents indexed in memory."""

    def __init__(self, path: Path, *, fileops: FileOps | None = None,
                 on_fault: Callable[[str | None], None] | None = None) -> None:
        self._journal = Journal(path, fileops=fileops, on_fault=on_fault)
        self._open: dict[str, Intent] = {}
        self._outcomes: dict[str, str] = {}
        # open intents whose order the exchange has shown (answered a send, a look-up or a
        # cancel for it): only these may be journaled PLACED (in memory: after a restart,
        # reconciliation asks the exchange again)
        self._answered: set[str] = set()
        self._lock = threading.Lock()
        for record in self._journal.read():
            if record.get("t") == "intent":
                intent = Intent.from_record(record)
                if intent.client_order_id not in self._outcomes:
                    self._open[intent.client_order_id] = intent
            elif record.get("t") == "outcome":
                self._outcomes[record["coid"]] = record["outcome"]
                self._open.pop(record["coid"], None)

    @property
    def repaired_bytes(self) -> int:
        return self._journal.repaired_bytes

    def record_intent(self, intent: Intent) -> None:
        """Durably journal the intent; raises (DiskFault) before anything is sent."""
        with self._lock:
            if intent.client_order_id in self._outcomes or \
                    intent.client_order_id in self._open:
                return  # the same intent again (a retry of the same leg): nothing new
        self._journal.append(intent.to_record())
        with self._lock:
            if intent.client_order_id not in self._outcomes:
                self._open[intent.client_order_id] = intent

    def record_outcome(self, client_order_id: str, outcome: str, *, at: datetime,
                       exchange_order_id: str | None = None, code: str | None = None) -> None:
        if outcome not in FINAL_OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        self._journal.append({"t": "outcome", "coid": client_order_id, "outcome": outcome,
                              "xid": exchange_order_id, "code": code, "at": at.isoformat()})
        with self._lock:
            self._outcomes[client_order_id] = outcome
            self._open.pop(client_order_id, None)
            self._answered.discard(client_order_id)

    def record_placed(self, placed: list[tuple[str, str | None]], *, at: datetime) -> None:
        """PLACED for several (client id, exchange id) pairs in one durable append."""
        if not placed:
            return
        self._journal.append_many({"t": "outcome", "coid": coid, "outcome": PLACED,
                                   "xid": xid, "code": None, "at": at.isoformat()}
                                  for coid, xid in placed)
        with self._lock:
            for coid, _ in placed:
                self._outcomes[coid] = PLACED
                self._open.pop(coid, None)
                self._answered.discard(coid)

    def outcome(self, client_order_id: str) -> str | None:
        with self._lock:
            return self._outcomes.get(client_order_id)

    def is_known(self, client_order_id: str) -> bool:
        with self._lock:
            return client_order_id in self._outcomes or client_order_id in self._open

    def is_open(self, client_order_id: str) -> bool:
        """Journaled before its send and not yet given an outcome."""
        with self._lock:
            return client_order_id in self._open

    def mark_answered(self, client_order_id: str) -> None:
        """The exchange has shown this order (an open intent's; others are ignored)."""
        with self._lock:
            if client_order_id in self._open:
                self._answered.add(client_order_id)

    def is_answered(self, client_order_id: str) -> bool:
        """An open intent whose order the exchange has shown since it was journaled."""
        with self._lock:
            return client_order_id in self._answered

    def open_intents(self) -> list[Intent]:
        with self._lock:
            return list(self._open.values())

    def all_client_ids(self) -> set[str]:
        with self._lock:
            return set(self._outcomes) | set(self._open)

    def close(self) -> None:
        self._journal.close()
