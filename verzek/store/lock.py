"""The exclusive data-directory lock: one process per data directory, or two would trade twice."""

from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock, Timeout

from verzek.errors import InstanceLocked

LOCK_NAME = ".instance.lock"
PID_NAME = ".instance.pid"


class DataDirLock:
    """Held for the life of the process; `acquire` fails at once if another process holds it."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(str(self.root / LOCK_NAME), thread_local=False)

    def acquire(self) -> None:
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            pid = self._read_pid()
            raise InstanceLocked(
                f"another instance (pid {pid}) is running on {self.root.resolve()}",
                details={"pid": pid, "data_dir": str(self.root)},
            ) from None
        (self.root / PID_NAME).write_text(str(os.getpid()))

    def _read_pid(self) -> str:
        try:
            return (self.root / PID_NAME).read_text().strip() or "unknown"
        except OSError:
            return "unknown"

    @property
    def is_held(self) -> bool:
        return self._lock.is_locked

    def release(self) -> None:
        if self._lock.is_locked:
            (self.root / PID_NAME).unlink(missing_ok=True)
            self._lock.release()
