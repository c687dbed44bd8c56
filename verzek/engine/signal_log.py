"""The signal log: every received message's parse, its source and each user's decision.

Append-only (`signals/log.jsonl`); the most recent records are kept in memory for the API and
for tying follow-up updates (a reply, or the same symbol) to the signal they concern, with
where each one's fan-out stands (`fanout_state`: running, done, or interrupted).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from verzek.domain.models import Side, SignalRecord
from verzek.errors import NotFound
from verzek.exchanges.multipliers import same_coin
from verzek.store.fileops import FileOps
from verzek.store.journal import Journal

KEEP = 5000
# running: users are still being decided in this process; done: every decision is recorded;
# interrupted: the fan-out stopped before that (an error, a crash, a shutdown): a trade
# signal's is resumed at the next start (no user is served twice), a follow-up's is not
FanoutState = Literal["running", "done", "interrupted"]


class SignalLog:
    """Persisted signal records with per-user decisions; recent ones indexed in memory."""

    def __init__(self, path: Path, *, fileops: FileOps | None = None,
                 on_fault: Callable[[str | None], None] | None = None) -> None:
        self._journal = Journal(path, fileops=fileops, on_fault=on_fault)
        self._records: OrderedDict[str, SignalRecord] = OrderedDict()
        self._by_message: dict[tuple[str, int], str] = {}
        # user id -> ids of the kept signals with a decision of theirs, oldest first (a user's
        # own decisions, read without scanning every user's of 5,000 signals)
        self._by_user: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        # fan-outs under way in this process (each one's event set when it ends), and those
        # cut short
        self._running: dict[str, threading.Event] = {}
        self._interrupted: set[str] = set()
        self.unfinished: list[str] = []
        done: set[str] = set()
        begun: set[str] = set()
        for row in self._journal.read():
            if row.get("t") == "signal":
                self._index(SignalRecord.model_validate(row["record"]))
            elif row.get("t") == "decisions" and row["id"] in self._records:
                record = self._records[row["id"]]
                self._records[row["id"]] = record.model_copy(
                    update={"decisions": [*record.decisions, *row["decisions"]]})
                self._note_users(row["id"], row["decisions"])
            elif row.get("t") == "done":
                done.add(row["id"])
            elif row.get("t") == "begun":
                begun.add(row["id"])
        self.unfinished = [sid for sid, r in self._records.items()
                           if r.kind == "signal" and sid not in done]
        self._interrupted.update(self.unfinished)
        # a follow-up run on a thread of its own and never finished (cut at a shutdown or a
        # crash): it read "done" after a restart though no user was decided; not resumed
        self._interrupted.update(sid for sid in begun - done if sid in self._records)

    def _index(self, record: SignalRecord) -> None:
        self._records[record.id] = record
        self._records.move_to_end(record.id)
        src = record.source
        if src.chat_id is not None and src.message_id is not None:
            self._by_message[(str(src.chat_id), src.message_id)] = record.id
        while len(self._records) > KEEP:
            _, old = self._records.popitem(last=False)
            self._interrupted.discard(old.id)
            if old.source.chat_id is not None and old.source.message_id is not None:
                self._by_message.pop((str(old.source.chat_id), old.source.message_id), None)

    def add(self, record: SignalRecord) -> None:
        self._journal.append({"t": "signal", "record": record.model_dump(mode="json")})
        with self._lock:
            self._index(record)

    def add_decisions(self, signal_id: str, decisions: list[dict[str, Any]]) -> None:
        if not decisions:
            return
        self._journal.append({"t": "decisions", "id": signal_id, "decisions": decisions})
        with self._lock:
            record = self._records.get(signal_id)
            if record is not None:
                self._records[signal_id] = record.model_copy(
                    update={"decisions": [*record.decisions, *decisions]})
                self._note_users(signal_id, decisions)

    def _note_users(self, signal_id: str, decisions: list[dict[str, Any]]) -> None:
        for user_id in {str(d.get("user_id")) for d in decisions if d.get("user_id")}:
            ids = self._by_user.setdefault(user_id, [])
            if not ids or ids[-1] != signal_id:
                ids.append(signal_id)
            if len(ids) > 2 * KEEP:  # ids of signals no longer kept go, now and then
                ids[:] = [i for i in ids if i in self._records]

    def user_records(self, user_id: str) -> list[SignalRecord]:
        """The kept signals with a decision of the user's, newest first."""
        with self._lock:
            ids = list(self._by_user.get(user_id, ()))
            found = (self._records.get(i) for i in reversed(ids))
            return [r for r in found if r is not None]

    def finish(self, signal_id: str) -> None:
        """The fan-out of this signal is complete (an unfinished one resumes after a crash)."""
        self._journal.append({"t": "done", "id": signal_id})
        with self._lock:
            self._interrupted.discard(signal_id)

    # --- where a fan-out stands (in memory: a record's journal rows tell what was done) ------

    def begin_fanout(self, signal_id: str) -> None:
        """A fan-out of this record starts in this process (`fanout_state` "running"); kept
        in the journal, so one never finished reads "interrupted" after a restart."""
        self._journal.append({"t": "begun", "id": signal_id})
        with self._lock:
            self._running[signal_id] = threading.Event()
            self._interrupted.discard(signal_id)

    def end_fanout(self, signal_id: str, *, complete: bool) -> None:
        """The fan-out ended: every decision recorded (`complete`), or cut short by an error
        ("interrupted"). Whoever waits for it (`wait_fanout`) is woken."""
        with self._lock:
            ended = self._running.pop(signal_id, None)
            if not complete:
                self._interrupted.add(signal_id)
        if ended is not None:
            ended.set()

    def fanout_state(self, signal_id: str) -> FanoutState:
        """Where the fan-out of a record stands (one without a fan-out, noise: "done")."""
        with self._lock:
            if signal_id in self._running:
                return "running"
            return "interrupted" if signal_id in self._interrupted else "done"

    def wait_fanout(self, signal_id: str, timeout_s: float) -> bool:
        """Wait at most timeout_s for the record's fan-out to end; True once none runs."""
        with self._lock:
            running = self._running.get(signal_id)
        return running is None or running.wait(max(0.0, timeout_s))

    def running_fanouts(self) -> list[str]:
        """The ids of the records whose fan-out runs now, oldest first."""
        with self._lock:
            return list(self._running)

    def get(self, signal_id: str) -> SignalRecord:
        with self._lock:
            record = self._records.get(signal_id)
        if record is None:
            raise NotFound("no such signal")
        return record

    def recent(self, limit: int = 50, offset: int = 0) -> list[SignalRecord]:
        with self._lock:
            records = list(self._records.values())
        records.reverse()
        return records[offset: offset + limit]

    def by_message(self, chat_id: object, message_id: int) -> SignalRecord | None:
        with self._lock:
            sid = self._by_message.get((str(chat_id), message_id))
            return self._records.get(sid) if sid else None

    def latest_for(self, symbol: str | None, chat_id: object = None, *,
                   side: Side | None = None) -> SignalRecord | None:
        """The newest trade signal on `symbol` (from `chat_id`, and of `side`, when given)."""
        with self._lock:
            for record in reversed(self._records.values()):
                if record.kind != "signal" or record.signal is None:
                    continue
                if symbol is not None and not same_coin(record.signal.symbol, symbol):
                    continue
                if side is not None and record.signal.side is not side:
                    continue
                if chat_id is not None and str(record.source.chat_id) != str(chat_id):
                    continue
                return record
        return None

    @property
    def last_received_at(self) -> str | None:
        with self._lock:
            if not self._records:
                return None
            return next(reversed(self._records.values())).received_at.isoformat()

    def close(self) -> None:
        self._journal.close()


def decisions_of(log: SignalLog, user_id: str, *, limit: int, offset: int,
                 ) -> list[dict[str, Any]]:
    """The user's own decisions on the signals kept, newest first: what each call was and
    what the engine did with it for them (a mobile user asking "why no trade?" had only the
    Telegram notice). Never another user's."""
    out: list[dict[str, Any]] = []
    for record in log.user_records(user_id):
        mine = [d for d in record.decisions if d.get("user_id") == user_id]
        if not mine:
            continue
        call, update = record.signal, record.update
        for d in mine:
            out.append({
                "signal_id": record.id, "received_at": record.received_at,
                "kind": record.kind,
                "symbol": call.symbol if call is not None else
                (update.symbol if update is not None else None),
                "side": call.side.value if call is not None else None,
                "action": str(update.action) if update is not None else None,
                "outcome": d.get("outcome"), "code": d.get("code", ""),
                "reason": d.get("reason", ""), "position_id": d.get("position_id"),
                "account_id": d.get("account_id")})
        if len(out) >= offset + limit:
            break
    return out[offset:offset + limit]


def decisions_total(log: SignalLog, user_id: str) -> int:
    """How many decisions of the user the signals kept hold (a page's `total`)."""
    return sum(1 for record in log.user_records(user_id) for d in record.decisions
               if d.get("user_id") == user_id)
