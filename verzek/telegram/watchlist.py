"""Which chats the forwarder reads for its sources (TELEGRAM_SOURCES), and why the others are
not read. A name is asked of Telegram once and remembered (persisted with the progress): every
reconnect is a fresh session, and contacts.resolveUsername answers repeated asks with flood
waits of hours. A name Telegram answers with a flood wait is listed as unresolved and asked
again once the wait is over, while the other sources are watched. A basic group upgraded to a
supergroup is followed to its new chat id, and that is persisted too: the configured id still
names the old group."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from verzek.clock import Clock
from verzek.telegram.progress import SourceProgress
from verzek.telegram.sources import Resolution, SourcesUnresolved, migration, resolve

logger = logging.getLogger(__name__)


class Watchlist:
    """The watched chat ids (`chat_ids`), the sources not read (`unresolved`, with why), and
    the chats watched since the session subscribed (`take_added`)."""

    def __init__(self, *, sources: tuple[str | int, ...], progress: SourceProgress,
                 clock: Clock, exclude: Callable[[], frozenset[int]]) -> None:
        self.sources = sources
        self._progress = progress
        self._clock = clock
        self._exclude = exclude
        self.chat_ids: list[int] = []
        self.unresolved: dict[str, str] = {}  # source name (or chat id) -> why it is not read
        self._retry_at: dict[str, float] = {}  # flooded name -> when it may be asked again
        self._added: list[int] = []

    def waiting(self) -> bool:
        """Whether a source is held back by a flood wait (it is watched once it is over)."""
        return bool(self._retry_at)

    async def resolve(self, client: Any) -> list[int]:
        """The chat ids to watch this session (see `sources.resolve`): names known from before
        are not asked again, nor a name whose flood wait is not over."""
        now_s = self._clock.monotonic()
        waiting = {n for n, at in self._retry_at.items() if at > now_s}
        asked = tuple(s for s in self.sources if s not in waiting)
        res = await resolve(client, asked, known=self._progress.source_ids())
        self._note(res, now_s)
        held = {n: why for n, why in self.unresolved.items() if n in waiting}
        self.unresolved = {**held, **res.unresolved}
        self._added = []
        if self.unresolved and not res.ids and not self._retry_at:
            raise SourcesUnresolved(f"no source could be resolved: {sorted(self.unresolved)}")
        return self._watchable(res.ids)

    async def retry_due(self, client: Any, now_s: float) -> None:
        """Ask again for the names whose flood wait is over; those that resolve are watched
        (`take_added`)."""
        due = [n for n, at in self._retry_at.items() if at <= now_s]
        if not due:
            return
        res = await resolve(client, due)
        self._note(res, now_s)
        for name in due:
            self.unresolved.pop(name, None)
        self.unresolved.update(res.unresolved)
        for chat_id in self._watchable(res.ids):
            if chat_id not in self.chat_ids:
                logger.info("forwarder: source chat %s resolved after its flood wait", chat_id)
                self.chat_ids.append(chat_id)
                self._added.append(chat_id)

    def notice(self, message: Any) -> bool:
        """Follow a watched basic group's upgrade told by a service message; True if followed."""
        moved = migration(message)
        return moved is not None and self.follow(*moved)

    def follow(self, old_chat_id: int, new_chat_id: int) -> bool:
        """Watch the supergroup `new_chat_id` in place of the basic group `old_chat_id`."""
        if old_chat_id not in self.chat_ids:
            return False
        self._progress.record_migration(old_chat_id, new_chat_id)
        ids = [i for i in self.chat_ids if i != old_chat_id]
        if new_chat_id in self._exclude():
            logger.error("forwarder: source %s became %s, one of our own groups; never "
                         "watched (loop prevention)", old_chat_id, new_chat_id)
        elif new_chat_id not in ids:
            ids.insert(self.chat_ids.index(old_chat_id), new_chat_id)
            self._added.append(new_chat_id)
        self.chat_ids = ids
        logger.warning("forwarder: source %s was upgraded to supergroup %s; watching that "
                       "from its first message", old_chat_id, new_chat_id)
        return True

    def drop(self, chat_id: int, why: str) -> None:
        """The chat cannot be read: listed, not watched until the next session, and its name
        asked of Telegram again then (it may name another chat now)."""
        self.unresolved[str(chat_id)] = why
        self.chat_ids = [i for i in self.chat_ids if i != chat_id]
        self._progress.forget_source(chat_id)

    def take_added(self) -> list[int]:
        """The chats watched since last asked (upgrades followed, late resolutions)."""
        added, self._added = self._added, []
        return added

    def _note(self, res: Resolution, now_s: float) -> None:
        for name, chat_id in res.names.items():
            self._progress.remember_source(name, chat_id)
            self._retry_at.pop(name, None)
        for name, seconds in res.flooded.items():
            self._retry_at[name] = now_s + seconds
        for old, new in res.migrated.items():
            self._progress.record_migration(old, new)

    def _watchable(self, ids: list[int]) -> list[int]:
        """Upgrades followed; our own groups left out."""
        current = list(dict.fromkeys(self._progress.current_id(i) for i in ids))
        excluded = self._exclude()
        overlap = set(current) & excluded
        if overlap:
            logger.error("forwarder: %s are our own groups; never watched (loop prevention)",
                         sorted(overlap))
        return [i for i in current if i not in excluded]
