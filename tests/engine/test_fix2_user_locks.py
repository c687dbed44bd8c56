"""`UserLocks.try_hold`: the per-user lock `hold` takes, held only if free now (or held by this
thread already), and released only when it was taken."""

from __future__ import annotations

import threading

from verzek.engine.locks import UserLocks


def test_try_hold_takes_a_free_lock_and_gives_it_back() -> None:
    locks = UserLocks()
    with locks.try_hold("u1") as held:
        assert held
        with locks.try_hold("u1") as again:  # re-entrant, as `hold`
            assert again
    done = threading.Event()
    results: list[bool] = []

    def other() -> None:
        with locks.try_hold("u1") as held:
            results.append(held)
        with locks.hold("u1"):
            results.append(True)
        done.set()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(timeout=10)
    assert results == [True, True] and done.is_set()


def test_try_hold_does_not_wait_for_a_busy_lock_nor_release_it() -> None:
    locks = UserLocks()
    holding = threading.Event()
    release = threading.Event()

    def owner() -> None:
        with locks.hold("u1"):
            holding.set()
            release.wait(timeout=10)

    thread = threading.Thread(target=owner)
    thread.start()
    assert holding.wait(timeout=10)
    try:
        with locks.try_hold("u1") as held:
            assert not held
        with locks.try_hold("u2") as other_user:  # another user's lock is free
            assert other_user
    finally:
        release.set()
        thread.join(timeout=10)
    with locks.try_hold("u1") as held:  # the owner's release freed it: nothing was released twice
        assert held
