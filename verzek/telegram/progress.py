"""The forwarder's persisted progress per source chat: the highest message id up to which every
message was handled (`last_seen`), and the ids handled beyond it while a gap is open."""

from __future__ import annotations

import threading
from typing import Any

from verzek.store.docstore import DocumentStore

MAX_AHEAD = 5000


class SourceProgress:
    """`last_seen` and `ahead` per chat in `telegram/forwarder_progress.json`.

    A message is new when its id is above `last_seen` and not in `ahead`. Live messages that
    do not follow `last_seen` directly open a gap (kept in `ahead`) that a catch-up from
    history closes with `settle`. Persisted after every change, so a restart resumes exactly.
    """

    DOC = "telegram/forwarder_progress.json"

    def __init__(self, *, store: DocumentStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        doc = store.read(self.DOC) or {}
        self._chats: dict[str, dict[str, Any]] = {
            k: {"last_seen": v.get("last_seen"), "ahead": set(v.get("ahead", []))}
            for k, v in doc.get("chats", {}).items()}

    def last_seen(self, chat_id: int) -> int | None:
        with self._lock:
            entry = self._chats.get(str(chat_id))
            return None if entry is None else entry["last_seen"]

    def is_seen(self, chat_id: int, message_id: int) -> bool:
        with self._lock:
            entry = self._chats.get(str(chat_id))
            if entry is None or entry["last_seen"] is None:
                return False
            return message_id <= entry["last_seen"] or message_id in entry["ahead"]

    def has_gap(self, chat_id: int) -> bool:
        with self._lock:
            entry = self._chats.get(str(chat_id))
            return entry is not None and bool(entry["ahead"])

    def mark(self, chat_id: int, message_id: int) -> None:
        """Record one handled message (advancing `last_seen` while ids are contiguous)."""
        with self._lock:
            entry = self._chats.setdefault(str(chat_id), {"last_seen": None, "ahead": set()})
            if entry["last_seen"] is None:
                entry["last_seen"] = message_id - 1
            if message_id <= entry["last_seen"]:
                return
            entry["ahead"].add(message_id)
            while entry["last_seen"] + 1 in entry["ahead"]:
                entry["last_seen"] += 1
                entry["ahead"].discard(entry["last_seen"])
            if len(entry["ahead"]) > MAX_AHEAD:  # a gap history never closed: give up on it
                entry["last_seen"] = max(entry["ahead"])
                entry["ahead"].clear()
            self._save()

    def settle(self, chat_id: int, up_to: int) -> None:
        """History up to `up_to` was read completely: everything up to it is handled."""
        with self._lock:
            entry = self._chats.setdefault(str(chat_id), {"last_seen": None, "ahead": set()})
            entry["last_seen"] = max(up_to, entry["last_seen"] or 0)
            entry["ahead"] = {i for i in entry["ahead"] if i > entry["last_seen"]}
            self._save()

    def _save(self) -> None:
        self._store.write(self.DOC, {"chats": {
            k: {"last_seen": v["last_seen"], "ahead": sorted(v["ahead"])}
            for k, v in self._chats.items()}})

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {k: {"last_seen": v["last_seen"], "gap": len(v["ahead"])}
                    for k, v in self._chats.items()}
