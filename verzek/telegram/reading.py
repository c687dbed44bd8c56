"""What one Telethon message from a source chat becomes: a bus message, or nothing and why.

The forwarder's rules for reading real channel traffic, kept apart from its delivery (progress,
bus, catch-up): our own groups and senders left out; the plain text (`raw_text`: formatting,
links and custom emoji are entities, never in the text) screened; an album's caption read
once, however many of its photos carry it; media without a caption, stickers, polls and
service messages (pins, title changes, joins) are empty texts, filtered quietly.

Dates: a message carries when its text was posted (`sources.posted_at`): a forward its
original's date, an edit (or a message caught up with an edit that would count as one) its
edit date.

Edits: Telegram sends an edit update for things that are no edit of the text — a reaction, a
link preview filled in, a view count — with no edit date, or with the date of an edit made long
ago. Only a real edit, made within `edit_lookback_s`, newer than the last one taken, counts;
and only of a message posted at most `max_edit_age_s` before it (a teaser edited into a call):
channels edit old calls to show their results, and such a text must not pass as a new call.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from verzek.clock import Clock
from verzek.domain.models import SignalSource
from verzek.engine.bus import BusMessage
from verzek.telegram.screening import Screen
from verzek.telegram.sources import MessageLike, posted_at, reply_to_id

logger = logging.getLogger(__name__)

MAX_REMEMBERED = 10_000  # edits and album captions remembered (oldest forgotten first)

Key = tuple[int, int]  # (chat id, message id)


class MessageReader:
    """Screens messages into bus messages and remembers the edits and album captions taken;
    counts into the forwarder's `counters`. Used on the forwarder's event loop only."""

    def __init__(self, *, screen: Screen, clock: Clock, counters: dict[str, int],
                 exclude_chat_ids: Callable[[], frozenset[int]],
                 ignore_sender_ids: frozenset[int], edit_lookback_s: float,
                 max_edit_age_s: float) -> None:
        self._screen = screen
        self._clock = clock
        self.counters = counters
        self._exclude = exclude_chat_ids
        self.ignore_sender_ids = ignore_sender_ids
        self.edit_lookback_s = edit_lookback_s
        self.max_edit_age_s = max_edit_age_s
        self._edits: OrderedDict[Key, float] = OrderedDict()  # newest edit date taken
        self._albums: OrderedDict[tuple[int, int], dict[str, int]] = OrderedDict()

    # --- edits ---------------------------------------------------------------------------

    def not_an_edit(self, message: MessageLike) -> str | None:
        """Why an edit update carries no new text to read, or None when it may."""
        if message.edit_date is None:
            return "no edit date (a reaction, a link preview, a view count)"
        edit = _utc(message.edit_date)
        ago_s = (self._clock.now() - edit).total_seconds()
        if ago_s > self.edit_lookback_s:
            return f"edited {ago_s:.0f} s ago (an update of an old edit)"
        if message.date is not None:
            age_s = (edit - _utc(message.date)).total_seconds()
            if age_s > self.max_edit_age_s:
                return (f"an edit of a message posted {age_s:.0f} s before it (more than "
                        f"{self.max_edit_age_s:.0f} s): not a new call")
        return None

    def take_edit(self, key: Key, message: MessageLike) -> bool:
        """Whether this edit is newer than the last one taken of the message (and take it)."""
        stamp = _stamp(message)
        if self._edits.get(key, -1.0) >= stamp:
            return False
        self._remember_edit(key, stamp)
        return True

    def forget_edit(self, key: Key) -> None:
        """The edit was not delivered: it may be taken again."""
        self._edits.pop(key, None)

    def read_as_new(self, key: Key, message: MessageLike) -> None:
        """A message read as new already carries its edits (a catch-up after an outage): an
        edit update of the same date has nothing more to read."""
        if message.edit_date is not None:
            self._remember_edit(key, _stamp(message))

    def _remember_edit(self, key: Key, stamp: float) -> None:
        self._edits[key] = stamp
        self._edits.move_to_end(key)
        while len(self._edits) > MAX_REMEMBERED:
            self._edits.popitem(last=False)

    # --- the bus message -------------------------------------------------------------------

    def bus_message(self, message: MessageLike, chat_id: int, *, edited: bool, catch_up: bool,
                    on_handled: Callable[[], None] | None) -> BusMessage | None:
        """The bus message for a message that passes the screen, else None."""
        if chat_id in self._exclude() or message.sender_id in self.ignore_sender_ids:
            self.counters["filtered"] += 1
            return None
        text = message.raw_text or ""  # None for a service message
        if not edited and self._album_repeat(chat_id, message, text):
            self.counters["duplicates"] += 1
            logger.debug("forwarder: %s/%s repeats its album's caption", chat_id, message.id)
            return None
        verdict = self._screen(text, now=self._clock.now(), sender=message.sender_id)
        if not verdict.accepted:
            self.counters["filtered"] += 1
            logger.debug("forwarder: %s/%s filtered: %s", chat_id, message.id, verdict.reason)
            return None
        source = SignalSource(kind="telegram", chat_id=chat_id, message_id=message.id,
                              reply_to_id=reply_to_id(message))
        meta: dict[str, Any] = {"edited": edited, "catch_up": catch_up,
                                "sender_id": message.sender_id, "screen": verdict.reason}
        if message.edit_date is not None:
            meta["edit_date"] = message.edit_date.isoformat()
        forwarded = getattr(getattr(message, "fwd_from", None), "date", None)
        if forwarded is not None:
            meta["forward_date"] = forwarded.isoformat()
        # A message read with an edit that, come live, would have been read as one (a teaser
        # made a call while we were away) is dated by that edit, as the edit would have been.
        as_edit = edited or (message.edit_date is not None and self.not_an_edit(message) is None)
        return BusMessage(text=text, source=source,
                          received_at=posted_at(message, edited=as_edit, now=self._clock.now()),
                          origin="telegram", meta=meta, on_handled=on_handled)

    def _album_repeat(self, chat_id: int, message: MessageLike, text: str) -> bool:
        """Whether another photo of the same album carried this caption already."""
        grouped_id = getattr(message, "grouped_id", None)
        if grouped_id is None or not text.strip():
            return False
        album = self._albums.setdefault((chat_id, grouped_id), {})
        self._albums.move_to_end((chat_id, grouped_id))
        while len(self._albums) > MAX_REMEMBERED:
            self._albums.popitem(last=False)
        digest = hashlib.sha256(text.encode()).hexdigest()
        first = album.setdefault(digest, message.id)
        return first != message.id


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _stamp(message: MessageLike) -> float:
    return _utc(message.edit_date).timestamp() if message.edit_date else 0.0

