"""Journals: append and fsync, torn tail cut and reported, bad middle line refused."""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from verzek.errors import CorruptFile, DiskFault
from verzek.store.fileops import FileOps
from verzek.store.journal import Journal


def test_append_and_read(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.append({"a": 1})
    journal.append_many([{"a": 2}, {"a": 3}])
    assert [r["a"] for r in journal.read()] == [1, 2, 3]
    assert journal.count == 3
    journal.close()
    assert Journal(tmp_path / "j.jsonl").count == 3


@pytest.mark.parametrize("tail", [b'{"a": 3', b'{"a"', b"\x00\x00", b'{"a": 3}garbage\n'])
def test_torn_tail_is_cut_and_reported(
    tmp_path: Path, tail: bytes, caplog: pytest.LogCaptureFixture,
) -> None:
    path = tmp_path / "j.jsonl"
    path.write_bytes(b'{"a": 1}\n{"a": 2}\n' + tail)
    with caplog.at_level(logging.WARNING):
        journal = Journal(path)
    assert journal.repaired_bytes == len(tail)
    assert "torn" in caplog.text
    assert [r["a"] for r in journal.read()] == [1, 2]
    journal.append({"a": 4})
    assert [r["a"] for r in journal.read()] == [1, 2, 4]


def test_bad_line_in_the_middle_is_not_a_torn_tail(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_bytes(b'{"a": 1}\nnot json\n{"a": 3}\n')
    with pytest.raises(CorruptFile, match="line 2"):
        Journal(path)
    assert path.read_bytes() == b'{"a": 1}\nnot json\n{"a": 3}\n'


class _FullDisk(FileOps):
    def write(self, fd: int, data: bytes) -> None:
        import os
        os.write(fd, data[:3])  # a partial write, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")


def test_partial_append_on_full_disk_is_undone(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    journal.append({"a": 1})
    journal.fileops = _FullDisk()
    with pytest.raises(DiskFault, match="ENOSPC"):
        journal.append({"a": 2})
    journal.fileops = FileOps()
    journal.append({"a": 3})
    assert [r["a"] for r in journal.read()] == [1, 3]


class _GatedWrites(FileOps):
    """Counts writes; the first one waits until the test opens the gate."""

    def __init__(self, fail_second: bool = False) -> None:
        self.writes: list[bytes] = []
        self.gate = threading.Event()
        self.first_started = threading.Event()
        self.fail_second = fail_second

    def write(self, fd: int, data: bytes) -> None:
        self.writes.append(bytes(data))
        if len(self.writes) == 1:
            self.first_started.set()
            assert self.gate.wait(10)
        elif self.fail_second:
            raise OSError(errno.EIO, "I/O error")
        super().write(fd, data)


def _wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        os.sched_yield()


def _append_in_threads(journal: Journal, values: range) -> tuple[list[threading.Thread],
                                                                  list[BaseException]]:
    errors: list[BaseException] = []

    def append(value: int) -> None:
        try:
            journal.append({"a": value})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(v,)) for v in values]
    for thread in threads:
        thread.start()
    return threads, errors


def _queue_behind_a_held_write(journal: Journal, ops: _GatedWrites,
                               n: int) -> list[BaseException]:
    """Record 0's write is held; records 1..n queue behind it; then the write goes on. The
    errors of records 1..n are returned once every append has returned."""
    first, _ = _append_in_threads(journal, range(1))
    assert ops.first_started.wait(10)
    rest, errors = _append_in_threads(journal, range(1, n + 1))
    _wait_until(lambda: journal.queued == n)
    ops.gate.set()
    for thread in first + rest:
        thread.join(10)
    return errors


def test_appends_arriving_during_a_write_share_the_next_write(tmp_path: Path) -> None:
    ops = _GatedWrites()
    journal = Journal(tmp_path / "j.jsonl", fileops=ops)
    errors = _queue_behind_a_held_write(journal, ops, 20)
    assert not errors
    assert len(ops.writes) == 2  # the first record alone, then the 20 that queued behind it
    assert sorted(r["a"] for r in journal.read()) == list(range(21))
    assert journal.count == 21


def test_a_failed_shared_write_fails_every_append_in_it_and_leaves_none(
        tmp_path: Path) -> None:
    ops = _GatedWrites(fail_second=True)
    journal = Journal(tmp_path / "j.jsonl", fileops=ops)
    errors = _queue_behind_a_held_write(journal, ops, 5)
    assert len(errors) == 5 and all(isinstance(e, DiskFault) for e in errors)
    assert [r["a"] for r in journal.read()] == [0]
    journal.fileops = FileOps()
    journal.append({"a": 99})
    assert [r["a"] for r in journal.read()] == [0, 99]
