"""The data-directory lock, with two real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from verzek.errors import InstanceLocked
from verzek.store.lock import DataDirLock

HOLDER = """
import sys
from pathlib import Path
from verzek.store.lock import DataDirLock
lock = DataDirLock(Path(sys.argv[1]))
lock.acquire()
print("held", flush=True)
sys.stdin.readline()
lock.release()
"""

SECOND = """
import sys
from pathlib import Path
from verzek.errors import InstanceLocked
from verzek.store.lock import DataDirLock
try:
    DataDirLock(Path(sys.argv[1])).acquire()
except InstanceLocked as exc:
    print(exc.message, file=sys.stderr)
    sys.exit(3)
print("acquired")
"""


def test_second_process_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        second = subprocess.run([sys.executable, "-c", SECOND, str(tmp_path)],
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 3
        assert f"another instance (pid {holder.pid}) is running on" in second.stderr
        assert str(tmp_path.resolve()) in second.stderr
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    after = subprocess.run([sys.executable, "-c", SECOND, str(tmp_path)],
                           capture_output=True, text=True, timeout=60)
    assert after.returncode == 0, after.stderr


def test_lock_released_when_holder_dies(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    holder.kill()
    holder.wait(timeout=30)
    lock = DataDirLock(tmp_path)
    lock.acquire()
    assert (tmp_path / ".instance.pid").read_text() == str(os.getpid())
    lock.release()


def test_same_process_second_lock_is_refused(tmp_path: Path) -> None:
    first = DataDirLock(tmp_path)
    first.acquire()
    try:
        with pytest.raises(InstanceLocked):
            DataDirLock(tmp_path).acquire()
    finally:
        first.release()
