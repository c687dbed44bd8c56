"""Journals: append and fsync, torn tail cut and reported, bad middle line refused."""

from __future__ import annotations

import errno
import logging
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
