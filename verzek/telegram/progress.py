"""The forwarder's persisted progress per source chat: a watermark (`last_seen`) below which
every message was handled — acknowledged by every bus subscriber, or filtered out — and the
ids handled beyond it while an earlier one is still open; and which chat each source is: the
ids its names resolved to (asked of Telegram once, not at every reconnect) and the supergroups
its basic groups were upgraded to."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from verzek.store.docstore import DocumentStore

MAX_AHEAD = 5000


@dataclass
class _Chat:
    last_seen: int | None = None  # persisted: every id up to it is handled (or never existed)
    ahead: set[int] = field(default_factory=set)  # persisted: handled ids above `last_seen`
    pending: set[int] = field(default_factory=set)  # on the bus, not acknowledged yet
    missed: set[int] = field(default_factory=set)  # the bus did not take them: read again
    settled: int = 0  # history read through this id (this run): ids not seen never existed


class SourceProgress:
    """`last_seen` and `ahead` per chat in `telegram/forwarder_progress.json`.

    A message is new when its id is above `last_seen`, not handled (`ahead`) and not waiting
    for its acknowledgement (`pending`). `last_seen` moves only over handled ids, and over ids
    a complete read of history (`settle`) showed do not exist (deleted, or another chat's in a
    basic group), never past a pending or missed one: a restart reads history again from
    there, so a message published but never handled before a crash is offered again.
    Live messages that do not follow `last_seen` directly open a gap that a catch-up closes.
    """

    DOC = "telegram/forwarder_progress.json"

    def __init__(self, *, store: DocumentStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        doc = store.read(self.DOC) or {}
        self._chats: dict[str, _Chat] = {
            k: _Chat(last_seen=v.get("last_seen"), ahead=set(v.get("ahead", [])))
            for k, v in doc.get("chats", {}).items()}
        self._names: dict[str, int] = {str(k): int(v) for k, v in doc.get("names", {}).items()}
        self._migrated: dict[str, int] = {str(k): int(v)
                                          for k, v in doc.get("migrated", {}).items()}

    def last_seen(self, chat_id: int) -> int | None:
        with self._lock:
            entry = self._chats.get(str(chat_id))
            return None if entry is None else entry.last_seen

    def follows(self, chat_id: int, message_id: int) -> bool:
        """Whether every id below `message_id` is handled, under way, or known from history
        not to exist: publishing it now cannot overtake an older message of the chat."""
        with self._lock:
            entry = self._chats.get(str(chat_id))
            if entry is None or entry.last_seen is None:
                return True  # a chat seen for the first time starts here
            low = max(entry.last_seen, entry.settled)
            known = entry.ahead | entry.pending
            if message_id - low - 1 > len(known):
                return False
            return all(i in known for i in range(low + 1, message_id))

    def is_seen(self, chat_id: int, message_id: int) -> bool:
        with self._lock:
            entry = self._chats.get(str(chat_id))
            return entry is not None and _seen(entry, message_id)

    def has_gap(self, chat_id: int) -> bool:
        """Whether history must be read: ids handled beyond a hole, or a message missed."""
        with self._lock:
            entry = self._chats.get(str(chat_id))
            return entry is not None and (bool(entry.missed) or _has_hole(entry))

    def begin(self, chat_id: int, message_id: int) -> bool:
        """Take a message for handling; False when it is handled or under way already."""
        with self._lock:
            entry = self._chats.setdefault(str(chat_id), _Chat())
            if entry.last_seen is None:
                entry.last_seen = message_id - 1
            if _seen(entry, message_id):
                return False
            entry.pending.add(message_id)
            entry.missed.discard(message_id)
            return True

    def mark(self, chat_id: int, message_id: int) -> None:
        """Record one handled message (acknowledged, or filtered out): the watermark moves
        up as far as nothing below it is open."""
        with self._lock:
            entry = self._chats.setdefault(str(chat_id), _Chat())
            if entry.last_seen is None:
                entry.last_seen = message_id - 1
            entry.pending.discard(message_id)
            entry.missed.discard(message_id)
            if message_id <= entry.last_seen:
                return
            entry.ahead.add(message_id)
            _advance(entry)
            if len(entry.ahead) > MAX_AHEAD:  # a gap history never closed: give up on it
                entry.last_seen = min(max(entry.ahead), _floor(entry))
                entry.ahead = {i for i in entry.ahead if i > entry.last_seen}
            self._save()

    def release(self, chat_id: int, message_id: int) -> None:
        """The bus did not take the message: it stays unhandled, and the chat needs a
        catch-up (`has_gap`) that reads it again."""
        with self._lock:
            entry = self._chats.setdefault(str(chat_id), _Chat())
            entry.pending.discard(message_id)
            if entry.last_seen is None or message_id > entry.last_seen:
                entry.missed.add(message_id)

    def settle(self, chat_id: int, up_to: int) -> None:
        """History up to `up_to` was read completely: every id up to it was taken (handled or
        pending) or does not exist; the watermark moves as far as nothing is still open."""
        with self._lock:
            entry = self._chats.setdefault(str(chat_id), _Chat())
            if entry.last_seen is None:
                entry.last_seen = up_to
            entry.settled = max(entry.settled, up_to)
            entry.missed = {i for i in entry.missed if i > up_to}
            _advance(entry)
            self._save()

    # --- which chat each source is --------------------------------------------------------

    def source_ids(self) -> dict[str, int]:
        """The chat ids source names resolved to before (a name is asked of Telegram once)."""
        with self._lock:
            return dict(self._names)

    def remember_source(self, name: str, chat_id: int) -> None:
        with self._lock:
            if self._names.get(name) != chat_id:
                self._names[name] = chat_id
                self._save()

    def forget_source(self, chat_id: int) -> None:
        """The chat cannot be read: its names are asked of Telegram again next time."""
        with self._lock:
            names = [k for k, v in self._names.items() if v == chat_id]
            for name in names:
                del self._names[name]
            if names:
                self._save()

    def current_id(self, chat_id: int) -> int:
        """The chat a source now is: a basic group upgraded to a supergroup lives on there."""
        with self._lock:
            for _ in range(8):  # a chain of migrations, bounded
                nxt = self._migrated.get(str(chat_id))
                if nxt is None:
                    break
                chat_id = nxt
            return chat_id

    def record_migration(self, old_chat_id: int, new_chat_id: int) -> None:
        """The basic group `old_chat_id` became the supergroup `new_chat_id`. Every message of
        the supergroup came after the group's last one: read from its first message when the
        group was read before, else it is a chat seen for the first time."""
        with self._lock:
            self._migrated[str(old_chat_id)] = new_chat_id
            old = self._chats.get(str(old_chat_id))
            if str(new_chat_id) not in self._chats and old is not None \
                    and old.last_seen is not None:
                self._chats[str(new_chat_id)] = _Chat(last_seen=0)
            self._save()

    def _save(self) -> None:
        self._store.write(self.DOC, {
            "chats": {k: {"last_seen": v.last_seen, "ahead": sorted(v.ahead)}
                      for k, v in self._chats.items()},
            "names": dict(self._names), "migrated": dict(self._migrated)})

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {k: {"last_seen": v.last_seen, "gap": len(v.ahead),
                        "unacknowledged": len(v.pending), "missed": len(v.missed)}
                    for k, v in self._chats.items()}


def _seen(entry: _Chat, message_id: int) -> bool:
    return (entry.last_seen is not None and message_id <= entry.last_seen) \
        or message_id in entry.ahead or message_id in entry.pending


def _has_hole(entry: _Chat) -> bool:
    """An id below the highest one taken that is neither handled, pending, nor known from
    history not to exist (a live message came before one that never arrived)."""
    known = entry.ahead | entry.pending
    if not known or entry.last_seen is None:
        return False
    low, top = max(entry.last_seen, entry.settled), max(known)
    if top - low - 1 > len(known):
        return True
    return any(i not in known for i in range(low + 1, top))


def _floor(entry: _Chat) -> int:
    """The highest id the watermark may reach: just below the first open message."""
    open_ids = entry.pending | entry.missed
    return min(open_ids) - 1 if open_ids else 2**63


def _advance(entry: _Chat) -> None:
    assert entry.last_seen is not None
    floor = _floor(entry)
    while True:
        start = entry.last_seen
        if entry.settled > entry.last_seen:  # read through: what was not seen never existed
            entry.last_seen = max(entry.last_seen, min(entry.settled, floor))
        while entry.last_seen + 1 in entry.ahead:
            entry.last_seen += 1
        entry.ahead = {i for i in entry.ahead if i > entry.last_seen}
        if entry.last_seen == start:
            return
