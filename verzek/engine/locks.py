"""Per-user locks: one user's work runs in order, users run in parallel; a lock can be handed
from the thread that took it to the thread that finishes the work (a fan-out's two passes)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Lease:
    """A user's lock handed from the thread that took it to whichever thread finishes the
    work (`UserLocks.hand_off`, `UserLocks.adopt`)."""

    __slots__ = ("origin",)

    def __init__(self, origin: int) -> None:
        self.origin = origin


class _UserLock:
    """Re-entrant within its owner thread, like an RLock, and able to change hands: while a
    lease owns it, every thread waits (or, trying, fails) until the lease is adopted and
    released."""

    __slots__ = ("_cond", "_depth", "_owner")

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._owner: int | Lease | None = None
        self._depth = 0

    def acquire(self, blocking: bool = True) -> bool:
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
                return True
            while self._owner is not None:
                if not blocking:
                    return False
                self._cond.wait()
            self._owner, self._depth = me, 1
            return True

    def release(self) -> None:
        me = threading.get_ident()
        with self._cond:
            owner = self._owner
            if isinstance(owner, Lease) and owner.origin == me:
                return  # the hold that handed the lock off ends; the lease keeps it
            if owner != me:
                raise RuntimeError("release of a user lock this thread does not hold")
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._cond.notify()

    def hand_off(self) -> Lease:
        me = threading.get_ident()
        with self._cond:
            if self._owner != me or self._depth != 1:
                raise RuntimeError("only a thread's single hold of a user lock is handed off")
            lease = Lease(me)
            self._owner = lease
            return lease

    def adopt(self, lease: Lease) -> None:
        with self._cond:
            if self._owner is not lease:
                raise RuntimeError("the lease does not hold this user lock")
            self._owner, self._depth = threading.get_ident(), 1

    def drop(self, lease: Lease) -> bool:
        """Free the lock if `lease` still holds it (its work never ran); whether it did."""
        with self._cond:
            if self._owner is not lease:
                return False
            self._owner, self._depth = None, 0
            self._cond.notify()
            return True


class UserLocks:
    """One lock per user id: re-entrant within a thread, and able to be handed to another
    thread (a fan-out sends every user's entry first, under each user's lock, and finishes
    each user's bookkeeping after: the lock is held throughout, by a lease in between)."""

    def __init__(self) -> None:
        self._locks: dict[str, _UserLock] = {}
        self._guard = threading.Lock()

    def _lock(self, user_id: str) -> _UserLock:
        lock = self._locks.get(user_id)  # no shared guard on the hot path (see DocumentStore)
        if lock is None:
            with self._guard:
                lock = self._locks.setdefault(user_id, _UserLock())
        return lock

    @contextmanager
    def hold(self, user_id: str) -> Iterator[None]:
        lock = self._lock(user_id)
        lock.acquire()
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def try_hold(self, user_id: str) -> Iterator[bool]:
        """Hold the user's lock only if it is free now (or this thread holds it already);
        yields whether it is held, and releases it only then."""
        lock = self._lock(user_id)
        if not lock.acquire(blocking=False):
            yield False
            return
        try:
            yield True
        finally:
            lock.release()

    def hand_off(self, user_id: str) -> Lease:
        """Inside this thread's only `hold` of the user's lock: keep the lock held past the
        end of that hold, for the thread that will `adopt` the lease."""
        return self._lock(user_id).hand_off()

    @contextmanager
    def adopt(self, user_id: str, lease: Lease) -> Iterator[None]:
        """Hold the user's lock the lease kept, in this thread; released at the end."""
        lock = self._lock(user_id)
        lock.adopt(lease)
        try:
            yield
        finally:
            lock.release()

    def drop(self, user_id: str, lease: Lease) -> bool:
        """Free a lease's lock that nobody adopted (the work it waited for failed to run)."""
        return self._lock(user_id).drop(lease)
