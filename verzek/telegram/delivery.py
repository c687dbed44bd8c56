"""One source message onto the bus: screened (`reading`), taken once (`progress`), published
with a bounded wait for room (off the event loop), in its chat's order (`ordering`); and what
becomes of a live message held while its chat's history was read."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from verzek.engine.bus import SignalBus
from verzek.telegram.catchup import BusFull
from verzek.telegram.ordering import ChatTurns
from verzek.telegram.progress import SourceProgress
from verzek.telegram.reading import MessageReader
from verzek.telegram.sources import MessageLike, is_basic_group

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Delivery:
    """The forwarder's way onto the bus; counts into its `counters`, errors it survives go to
    `report` (the forwarder's `last_error`). Used on the forwarder's event loop only."""

    def __init__(self, *, bus: SignalBus, progress: SourceProgress, reader: MessageReader,
                 counters: dict[str, int], report: Callable[[str], None],
                 publish_timeout_s: float) -> None:
        self._bus = bus
        self.progress = progress
        self.reader = reader
        self.counters = counters
        self._report = report
        self.publish_timeout_s = publish_timeout_s  # how long to wait for room on the bus
        self.turns = ChatTurns()

    async def ingest(self, message: MessageLike, *, edited: bool = False,
                     catch_up: bool = False) -> bool:
        """Screen one message and publish it; True when it went onto the bus. Raises BusFull
        when the bus had no room in time (the message stays unhandled)."""
        chat_id = message.chat_id
        if chat_id is None:
            return False
        self.counters["received"] += 1
        key = (chat_id, message.id)
        if edited:
            why = self.reader.not_an_edit(message)
            if why is not None:
                self.counters["ignored_edits"] += 1
                logger.debug("forwarder: edit of %s/%s ignored: %s", chat_id, message.id, why)
                return False
            if not self.reader.take_edit(key, message):
                self.counters["duplicates"] += 1
                return False
            self.counters["edits"] += 1
        elif not self.progress.begin(chat_id, message.id):
            self.counters["duplicates"] += 1
            return False
        else:
            self.reader.read_as_new(key, message)
        outcome = "open"  # until it is queued, filtered, or failed on a bug
        try:
            message_id = message.id
            bus_message = self.reader.bus_message(
                message, chat_id, edited=edited, catch_up=catch_up,
                on_handled=None if edited else lambda: self.progress.mark(chat_id, message_id))
            if bus_message is None:
                outcome = "done"
                return False
            if not await asyncio.to_thread(self._bus.publish, bus_message,
                                           wait_s=self.publish_timeout_s):
                self.counters["bus_full"] += 1
                raise BusFull(f"no room on the bus for message {chat_id}/{message.id} within "
                              f"{self.publish_timeout_s:.0f} s")
            outcome = "queued"
            self.counters["published"] += 1
            return True
        except BusFull:
            raise
        except Exception:
            outcome = "done"  # a bug would fail again on every read: skipped, logged above
            raise
        finally:
            if outcome == "done" and not edited:
                self.progress.mark(chat_id, message.id)
            elif outcome == "open":  # not on the bus (full, or cancelled): read it again
                if edited:
                    self.reader.forget_edit(key)
                else:
                    self.progress.release(chat_id, message.id)

    def in_order(self, message: MessageLike) -> bool:
        """Whether every older message of its chat went on before it. A basic group's ids
        count the whole account's chats: a jump there says nothing (the watchdog reads it)."""
        chat_id = message.chat_id
        assert chat_id is not None
        return is_basic_group(chat_id) or self.progress.follows(chat_id, message.id)

    async def take_held(self, message: MessageLike, edited: bool) -> None:
        """A live message held during its chat's read, once the read is done."""
        if edited or self.in_order(message):
            await self.safely(message, edited=edited)
        else:  # an older one is still missing (a full bus paused the read): read it again
            self.drop_held(message, edited)

    def drop_held(self, message: MessageLike, edited: bool) -> None:
        """A held message the read could not hand over: unhandled, so a catch-up (`has_gap`)
        reads it again from history, in order. An edit is left to the next edits pass."""
        chat_id = message.chat_id
        if chat_id is None or edited:
            logger.info("forwarder: edit of %s/%s not read (its chat's history read did not "
                        "finish); the next edits pass looks for it", chat_id, message.id)
        elif not self.progress.is_seen(chat_id, message.id):
            self.progress.release(chat_id, message.id)

    async def safely(self, message: MessageLike, *, edited: bool) -> None:
        try:
            await self.ingest(message, edited=edited)
        except BusFull as exc:
            self._report(str(exc))
            logger.error("forwarder: %s; the watchdog's catch-up reads it again", exc)
        except Exception as exc:  # one bad message never stops the forwarder
            self._report(f"{type(exc).__name__}: {exc}")
            logger.exception("forwarder: message %s/%s failed", message.chat_id, message.id)

    async def live(self, message: MessageLike, *, edited: bool,
                   read_first: Callable[[int], None] | None) -> None:
        """A live message goes on in its chat's turn, after every older one of the chat: held
        while the chat's history is read; and one that came before an older message (a
        channel's ids have no holes but deleted ones) is held for a read of the history
        (`read_first`, which publishes the older first). Without `read_first` (no session to
        read with) it goes on as it comes, and the watchdog's catch-up reads the older."""
        chat_id = message.chat_id
        if chat_id is None:
            await self.safely(message, edited=edited)
            return
        if self.turns.hold(chat_id, message, edited=edited):
            self.counters["held"] += 1
            return
        if read_first is not None and not edited and not self.in_order(message):
            self.counters["held"] += 1
            read_first(chat_id)
            self.turns.hold(chat_id, message, edited=False)
            return
        await self.turns.in_turn(chat_id, lambda: self.safely(message, edited=edited))

    def forget_reads(self) -> None:
        """No read of history goes on (the session ended): what was held for one is read
        again from history."""
        self.turns.reset(self.drop_held)

    async def read(self, chat_id: int, read_history: Callable[[], Awaitable[T]]) -> T:
        """`read_history` in the chat's turn (after `turns.open_read`), then the live messages
        held meanwhile; see `ChatTurns.read`."""
        return await self.turns.read(chat_id, read_history, self.take_held, self.drop_held)
