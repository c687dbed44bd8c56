"""The order a source chat's messages reach the bus in: its own, by message id. A follow-up
("Close BTC now", a reply to the call) must never reach the engine before the call it follows,
or it applies to nothing and the call opens a position no one closes.

Per chat, one turn at a time: a live message goes on in its chat's turn, and while the chat's
history is read (a catch-up after a reconnect, a gap, silence) its live messages are held and
handed over after the read, which has published every older message first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from verzek.telegram.sources import MessageLike

T = TypeVar("T")
Held = tuple[MessageLike, bool]  # a live message, and whether it is an edit


class ChatTurns:
    """Per-chat locks and the live messages held while the chat's history is read. Used on
    the forwarder's event loop only."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._held: dict[int, list[Held]] = {}
        self._readers: dict[int, int] = {}

    def is_reading(self, chat_id: int) -> bool:
        return chat_id in self._held

    def hold(self, chat_id: int, message: MessageLike, *, edited: bool) -> bool:
        """Hold a live message for the read of its chat under way; False when none is."""
        held = self._held.get(chat_id)
        if held is None:
            return False
        held.append((message, edited))
        return True

    def open_read(self, chat_id: int) -> None:
        """A read of the chat is coming (`read` follows): hold its live messages from now on,
        even before the read task runs."""
        self._readers[chat_id] = self._readers.get(chat_id, 0) + 1
        self._held.setdefault(chat_id, [])

    async def in_turn(self, chat_id: int, work: Callable[[], Awaitable[T]]) -> T:
        """Run `work` in the chat's turn."""
        async with self._lock(chat_id):
            return await work()

    async def read(self, chat_id: int, read_history: Callable[[], Awaitable[T]],
                   take: Callable[[MessageLike, bool], Awaitable[None]],
                   drop: Callable[[MessageLike, bool], None]) -> T:
        """After `open_read`: `read_history` in the chat's turn, then the live messages held
        meanwhile to `take`, in the order they came. Those left when the read failed or was
        cancelled go to `drop` (to be read again from history)."""
        try:
            async with self._lock(chat_id):
                result = await read_history()
                held = self._held[chat_id]
                while held:  # more may come while one is taken
                    message, edited = held.pop(0)
                    await take(message, edited)
                return result
        finally:
            self._readers[chat_id] -= 1
            if self._readers[chat_id] == 0:  # the last read of the chat: nothing held after it
                del self._readers[chat_id]
                for message, edited in self._held.pop(chat_id):
                    drop(message, edited)

    def reset(self, drop: Callable[[MessageLike, bool], None]) -> None:
        """Forget reads that were opened and will never run (their task was cancelled before
        it began): what they held goes to `drop`."""
        for held in self._held.values():
            for message, edited in held:
                drop(message, edited)
        self._held.clear()
        self._readers.clear()

    def _lock(self, chat_id: int) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a lock belongs to one event loop (a restarted thread's)
            self._loop, self._locks = loop, {}
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        return lock
