"""Persisted Telegram state: the groups' chat ids (following supergroup migrations) and the
broadcast window that sends the same content once per window."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Literal

from verzek.clock import Clock
from verzek.store.docstore import DocumentStore

logger = logging.getLogger(__name__)

GroupName = Literal["VIP", "TRIAL"]
GROUP_NAMES: tuple[GroupName, ...] = ("VIP", "TRIAL")


class GroupDirectory:
    """The VIP and TRIAL chat ids from the settings, overridden by persisted migrations."""

    DOC = "telegram/groups.json"

    def __init__(self, *, store: DocumentStore, vip_chat_id: int | None,
                 trial_chat_id: int | None) -> None:
        self._store = store
        self._configured: dict[GroupName, int | None] = {"VIP": vip_chat_id,
                                                         "TRIAL": trial_chat_id}

    def _migrations(self) -> dict[str, int]:
        doc = self._store.read_shared(self.DOC) or {}
        return {str(k): int(v) for k, v in doc.get("migrated", {}).items()}

    def chat_id(self, group: GroupName) -> int | None:
        """The group's current chat id, or None when the group is not configured."""
        configured = self._configured[group]
        if configured is None:
            return None
        migrations = self._migrations()
        current = configured
        for _ in range(8):  # a chain of migrations, bounded
            nxt = migrations.get(str(current))
            if nxt is None:
                break
            current = nxt
        return current

    def configured(self) -> dict[GroupName, int]:
        """The groups that have a chat id, by name, with migrations applied."""
        out: dict[GroupName, int] = {}
        for name in GROUP_NAMES:
            chat_id = self.chat_id(name)
            if chat_id is not None:
                out[name] = chat_id
        return out

    def own_chat_ids(self) -> frozenset[int]:
        """Every chat id our groups have had: never ingest from any of them."""
        ids = {v for v in self._configured.values() if v is not None}
        for old, new in self._migrations().items():
            ids.update((int(old), new))
        return frozenset(ids)

    def record_migration(self, old_chat_id: int, new_chat_id: int) -> None:
        """Remember that a group became a supergroup with a new id (persisted)."""
        def apply(doc: dict[str, Any] | None) -> dict[str, Any]:
            doc = doc or {}
            doc.setdefault("migrated", {})[str(old_chat_id)] = int(new_chat_id)
            return doc

        self._store.update(self.DOC, apply)
        logger.warning("telegram: group %s migrated to supergroup %s", old_chat_id, new_chat_id)


class BroadcastWindow:
    """Content hashes (and source message keys) broadcast within the last `window_s` seconds.

    `claim` checks and records in one step under the document's lock, so two threads offering
    the same content never both broadcast it; the window survives a restart.
    """

    DOC = "telegram/broadcast_window.json"

    def __init__(self, *, store: DocumentStore, clock: Clock, window_s: float = 86400.0,
                 max_entries: int = 20_000) -> None:
        self._store = store
        self._clock = clock
        self.window_s = window_s
        self.max_entries = max_entries

    def claim(self, content_hash: str, source_key: str | None = None) -> bool:
        """True when neither the hash nor the source key was broadcast within the window;
        records both. False for a repeat (nothing recorded)."""
        now = self._clock.now()
        horizon = now - timedelta(seconds=self.window_s)
        claimed: list[bool] = []

        def apply(doc: dict[str, Any] | None) -> dict[str, Any]:
            doc = doc or {}
            hashes = _recent(doc.get("hashes", {}), horizon)
            sources = _recent(doc.get("sources", {}), horizon)
            if content_hash in hashes or (source_key is not None and source_key in sources):
                claimed.append(False)
                raise _Unchanged
            hashes[content_hash] = now.isoformat()
            if source_key is not None:
                sources[source_key] = now.isoformat()
            claimed.append(True)
            return {"hashes": _newest(hashes, self.max_entries),
                    "sources": _newest(sources, self.max_entries)}

        try:
            self._store.update(self.DOC, apply)
        except _Unchanged:
            pass
        return claimed[0]

    def __len__(self) -> int:
        doc = self._store.read_shared(self.DOC) or {}
        return len(doc.get("hashes", {}))


class _Unchanged(Exception):
    """Raised inside an update to leave the document as it is."""


def _recent(entries: dict[str, str], horizon: datetime) -> dict[str, str]:
    return {k: v for k, v in entries.items() if datetime.fromisoformat(v) > horizon}


def _newest(entries: dict[str, str], limit: int) -> dict[str, str]:
    if len(entries) <= limit:
        return entries
    return dict(sorted(entries.items(), key=lambda kv: kv[1])[-limit:])


class UpdateLog:
    """The Bot API updates this bot has handled, persisted, so a restart never handles one twice.

    Telegram offers an update again until a getUpdates call confirms it with a higher offset;
    a crash or a failed last call can leave handled updates unconfirmed. The next start polls
    from `next_offset()` and skips any id in the recent set. Update ids are sequential only
    while updates keep coming: "If there are no new updates for at least a week, then
    identifier of the next update will be chosen randomly instead of sequentially"
    (https://core.telegram.org/bots/api#update) — so an offset older than `fresh_s` is not used.
    """

    DOC = "telegram/bot_updates.json"

    def __init__(self, *, store: DocumentStore, clock: Clock, keep: int = 1000,
                 fresh_s: float = 6 * 86400.0) -> None:
        self._store = store
        self._clock = clock
        self.keep = keep
        self.fresh_s = fresh_s
        doc = store.read(self.DOC) or {}
        self._last: int | None = doc.get("last_update_id")
        self._at: datetime | None = (datetime.fromisoformat(doc["at"]) if doc.get("at")
                                     else None)
        self._recent: list[int] = [int(i) for i in doc.get("recent", [])][-keep:]
        self._recent_set = set(self._recent)

    def next_offset(self) -> int | None:
        """The offset to poll from after a start, or None to take what Telegram holds."""
        if self._last is None or self._at is None:
            return None
        if self._clock.now() - self._at > timedelta(seconds=self.fresh_s):
            return None
        return self._last + 1

    def is_done(self, update_id: int) -> bool:
        return update_id in self._recent_set

    def record(self, update_id: int) -> None:
        """Remember one handled update (persisted before the next is handled)."""
        self._last = update_id
        self._at = self._clock.now()
        if update_id not in self._recent_set:
            self._recent.append(update_id)
            self._recent_set.add(update_id)
            while len(self._recent) > self.keep:
                self._recent_set.discard(self._recent.pop(0))
        self._store.write(self.DOC, {"last_update_id": update_id, "at": self._at.isoformat(),
                                     "recent": list(self._recent)})
