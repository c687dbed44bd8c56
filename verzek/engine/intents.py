"""The order-intent journal: every order is journaled (fsynced) before it is sent.

Records are `{"t": "intent", ...}` before a send and `{"t": "outcome", ...}` once its fate is
known (placed, rejected, blocked, not_placed). An intent without an outcome is *open*: after a
crash or an unknown answer it is resolved by looking the order up, never by sending it again.
Reconciliation's look-ups of an open intent are journaled when they start or end its "not
found" streak (`{"t": "not_found", ...}`, `{"t": "lookup_failed", ...}`), and so is a send
whose answer and look-ups failed (`lookup_failed`), so a restart keeps since when the
exchange has answered "not found" without a failed look-up in between.
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
        # open intent whose send went unanswered or whose look-up failed (5xx, timeout) ->
        # the exchange's first "not found" since (None: none yet); the visibility window runs
        # from there. Absent (an intent a crash left, no failure seen): from the intent.
        self._not_found_since: dict[str, datetime | None] = {}
        # intents sent by this process, left open by their send, whose state is not journaled
        self._unjournaled: set[str] = set()
        self._lock = threading.Lock()
        for record in self._journal.read():
            kind = record.get("t")
            if kind == "intent":
                intent = Intent.from_record(record)
                if intent.client_order_id not in self._outcomes:
                    self._open[intent.client_order_id] = intent
            elif kind == "outcome":
                self._outcomes[record["coid"]] = record["outcome"]
                self._open.pop(record["coid"], None)
                self._not_found_since.pop(record["coid"], None)
            elif kind == "lookup_failed" and record["coid"] in self._open:
                self._not_found_since[record["coid"]] = None
            elif kind == "not_found" and record["coid"] in self._open:
                self._not_found_since[record["coid"]] = datetime.fromisoformat(record["at"])

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
                # open past its send only if the send's answer was lost and its own look-ups
                # failed: a "not found" proves nothing until it has lasted a whole window
                self._not_found_since.setdefault(intent.client_order_id, None)
                self._unjournaled.add(intent.client_order_id)

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
            self._not_found_since.pop(client_order_id, None)
            self._unjournaled.discard(client_order_id)

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
                self._not_found_since.pop(coid, None)
                self._unjournaled.discard(coid)

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

    def record_lookup_failed(self, client_order_id: str, *, at: datetime) -> None:
        """A look-up of an open intent failed (5xx, timeout): its "not found" streak, if any,
        ends. Journaled only when that changes what a restart would read."""
        with self._lock:
            if client_order_id not in self._open or (
                    self._not_found_since.get(client_order_id, at) is None
                    and client_order_id not in self._unjournaled):
                return
        self._journal.append({"t": "lookup_failed", "coid": client_order_id,
                              "at": at.isoformat()})
        with self._lock:
            if client_order_id in self._open:
                self._not_found_since[client_order_id] = None
            self._unjournaled.discard(client_order_id)

    def record_not_found(self, client_order_id: str, *, at: datetime) -> datetime:
        """The exchange answered "not found" for an open intent. Returns since when it has
        answered so without a failed look-up in between: the intent's time when no failure
        is known (an intent a crash left), else the first "not found" after the last failure
        or unanswered send (journaled, so a restart keeps it)."""
        with self._lock:
            intent = self._open.get(client_order_id)
            if intent is None:
                return at
            if client_order_id not in self._not_found_since:
                return intent.at
            since = self._not_found_since[client_order_id]
            if since is not None:
                return since
        self._journal.append({"t": "not_found", "coid": client_order_id, "at": at.isoformat()})
        with self._lock:
            if client_order_id in self._open and \
                    self._not_found_since.get(client_order_id) is None:
                self._not_found_since[client_order_id] = at
            self._unjournaled.discard(client_order_id)
        return at

    def open_intents(self) -> list[Intent]:
        with self._lock:
            return list(self._open.values())

    def all_client_ids(self) -> set[str]:
        with self._lock:
            return set(self._outcomes) | set(self._open)

    def close(self) -> None:
        self._journal.close()
