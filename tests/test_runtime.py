"""The runtime: every journal checked at start; one shutdown deadline for every stop step."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from verzek.clock import ManualClock
from verzek.config import load_settings
from verzek.domain.models import User
from verzek.engine.ports import UserDecision
from verzek.errors import CorruptFile, DiskFault
from verzek.runtime import Runtime, build_runtime
from verzek.store.lock import DataDirLock

NOW = datetime(2026, 1, 1, tzinfo=UTC)
RECORD = b'{"position":{"id":"c1"}}\n'


def _runtime(data_dir: Path, clock: ManualClock, grace_s: str = "10") -> Runtime:
    settings = load_settings({"VERZEK_DATA_DIR": str(data_dir), "VERZEK_PRICE_FEED": "sim",
                              "VERZEK_SHUTDOWN_GRACE_S": grace_s})
    return build_runtime(settings, clock=clock)


def test_start_checks_every_history_journal_and_cuts_a_torn_tail(
    tmp_path: Path, clock: ManualClock, caplog: pytest.LogCaptureFixture,
) -> None:
    history = tmp_path / "data" / "history"
    history.mkdir(parents=True)
    (history / "u1.jsonl").write_bytes(RECORD + b'{"position":{"id"')  # a crash mid-append
    (history / "u2.jsonl").write_bytes(RECORD * 3)
    with caplog.at_level(logging.WARNING):
        runtime = _runtime(tmp_path / "data", clock)
    try:
        assert (history / "u1.jsonl").read_bytes() == RECORD  # cut at start, not at first use
        assert str(history / "u1.jsonl") in caplog.text and "torn" in caplog.text
        assert "u2.jsonl" not in caplog.text
    finally:
        runtime.stop()


@pytest.mark.parametrize("rel", ["history/u7.jsonl", "signals/log.jsonl",
                                 "journal/orders.jsonl"])
def test_a_bad_line_in_any_journal_stops_the_start_naming_the_file(
    tmp_path: Path, clock: ManualClock, rel: str,
) -> None:
    path = tmp_path / "data" / rel
    path.parent.mkdir(parents=True)
    body = b'{"t":"x"}\n{broken\n{"t":"x"}\n'
    path.write_bytes(body)
    with pytest.raises(CorruptFile) as info:
        _runtime(tmp_path / "data", clock)
    assert str(path) in info.value.message and "line 2" in info.value.message
    assert path.read_bytes() == body  # left untouched
    lock = DataDirLock(tmp_path / "data")
    lock.acquire()  # the failed start released the lock
    lock.release()


def test_begin_shutdown_fixes_one_deadline_for_every_stop_step(
    tmp_path: Path, clock: ManualClock,
) -> None:
    runtime = _runtime(tmp_path / "data", clock, grace_s="10")
    try:
        runtime.accepting.set()
        requested_at = clock.monotonic()
        clock.advance(3)  # the SIGTERM came 3 s before the I/O loop took it up
        assert runtime.begin_shutdown(requested_at) == requested_at + 10
        assert not runtime.accepting.is_set() and runtime.stopping.is_set()
        assert not runtime.grace_over.is_set()  # in-flight order work still waits as usual
        assert runtime.remaining_s() == 7
        clock.advance(5)
        assert runtime.begin_shutdown() == requested_at + 10  # kept, not restarted
        assert runtime.remaining_s() == 2
        clock.advance(5)
        assert runtime.remaining_s() == 0
    finally:
        runtime.stop()
    assert runtime.grace_over.is_set()


def test_stop_with_nothing_in_flight_is_clean(tmp_path: Path, clock: ManualClock) -> None:
    runtime = _runtime(tmp_path / "data", clock)
    assert runtime.stop() is True
    assert not (tmp_path / "data" / ".instance.pid").exists()


def test_stop_does_not_wait_past_the_deadline_for_a_fan_out_and_freezes_the_data(
    tmp_path: Path, clock: ManualClock, caplog: pytest.LogCaptureFixture,
) -> None:
    runtime = _runtime(tmp_path / "data", clock, grace_s="0")
    assert runtime.trading is not None
    orchestrator = runtime.trading.orchestrator
    inside, release = threading.Event(), threading.Event()

    def slow(user: User) -> UserDecision:
        inside.set()
        release.wait(30)
        return UserDecision(user.id, "executed", "done", "executed")

    fan_out = threading.Thread(target=orchestrator.fan_out, daemon=True, args=(
        [User(id="u1", email="u1@example.com", created_at=NOW)], slow))
    fan_out.start()
    try:
        assert inside.wait(30)
        with caplog.at_level(logging.WARNING):
            assert runtime.stop() is False  # returned at the deadline, the fan-out still runs
        assert "cut off" in caplog.text
        assert fan_out.is_alive()
        # what still runs can no longer change the data nor journal an order
        with pytest.raises(DiskFault, match="shutting down"):
            runtime.store.write("users/u9.json", {"id": "u9"})
        assert not (tmp_path / "data" / "users" / "u9.json").exists()
        lock = DataDirLock(tmp_path / "data")
        lock.acquire()
        lock.release()
    finally:
        release.set()
        fan_out.join(30)


def test_pinned_demo_prices_stay_pinned_after_a_restart(tmp_path: Path,
                                                        clock: ManualClock) -> None:
    first = _runtime(tmp_path / "data", clock)
    assert first.trading is not None
    first.trading.set_demo_prices({"ETH/USDT": Decimal(3000)}, pin=True)
    first.trading.set_demo_prices({"BTC/USDT": Decimal(65000)})
    first.stop()
    again = _runtime(tmp_path / "data", clock)
    assert again.trading is not None
    clock.advance(300)
    now = again.trading.demo_prices()
    assert now["pinned"] == ["ETH/USDT", "ETH/USDT:USDT"]
    assert now["prices"]["ETH/USDT:USDT"] == "3000" and now["prices"]["BTC/USDT"] != "65000"
    again.stop()
