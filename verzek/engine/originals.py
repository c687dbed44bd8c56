"""The signal record each deduplication key was first taken for, so a repeated message is
answered with its first copy's id (the one `GET /api/signals/{id}` knows) instead of an id
nothing was stored under."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from verzek.domain.models import SignalRecord
from verzek.engine.signal_log import KEEP, SignalLog

MAX_KEYS = 4 * KEEP  # a key per source message and per content, for every record kept


class Originals:
    """Key -> signal id, remembered in memory for the records the signal log keeps; after a
    restart a key of an earlier run is looked up in the signal log itself."""

    def __init__(self, *, signals: SignalLog, max_keys: int = MAX_KEYS) -> None:
        self._signals = signals
        self._ids: OrderedDict[str, str] = OrderedDict()
        self._max_keys = max_keys
        self._lock = threading.RLock()

    @contextmanager
    def deciding(self) -> Iterator[None]:
        """Hold while deciding whether keys are new and noting them, so a copy arriving at the
        same moment finds the first one's id."""
        with self._lock:
            yield

    def note(self, keys: list[str], signal_id: str) -> None:
        with self._lock:
            for key in keys:
                self._ids[key] = signal_id
                self._ids.move_to_end(key)
            while len(self._ids) > self._max_keys:
                self._ids.popitem(last=False)

    def find(self, keys: list[str], record: SignalRecord,
             target: SignalRecord | None) -> str | None:
        """The id of the record first taken under one of `keys`; None when no record kept
        is known for them (older than what the signal log keeps in memory)."""
        with self._lock:
            for key in keys:
                found = self._ids.get(key)
                if found is not None:
                    return found
        # a key of an earlier run: the same source message, else the newest record of the
        # same content and kind (a follow-up: received after the call it is about)
        src = record.source
        if src.chat_id is not None and src.message_id is not None:
            same = self._signals.by_message(src.chat_id, src.message_id)
            if same is not None and same.kind == record.kind:
                return same.id
        for earlier in self._signals.recent(KEEP, 0):
            if earlier.content_hash == record.content_hash and earlier.kind == record.kind \
                    and (target is None or earlier.received_at >= target.received_at):
                return earlier.id
        return None
