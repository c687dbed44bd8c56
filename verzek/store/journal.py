"""Append-only JSON Lines journals, fsynced per record or per batch; a torn tail is cut at open."""

from __future__ import annotations

import errno
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verzek.errors import CorruptFile, DiskFault
from verzek.store.fileops import FileOps, dumps, loads

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JournalScan:
    """What checking one journal found: its records, and the torn tail cut off (bytes)."""

    count: int
    repaired_bytes: int


def scan_journal(path: Path, fileops: FileOps | None = None) -> JournalScan:
    """Check a journal file without opening it for appends.

    A last line that a crash left unfinished (no newline, or not JSON) is cut off and reported
    (a warning naming the file); a bad line anywhere else raises CorruptFile naming the file
    and the line, and the file is left untouched.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return JournalScan(0, 0)
    if not data:
        return JournalScan(0, 0)
    good_end = len(data)
    if not data.endswith(b"\n"):
        good_end = data.rfind(b"\n") + 1
    lines = data[:good_end].split(b"\n")[:-1] if good_end else []
    # The last complete line may also be torn (a crash between write and newline is
    # impossible, but a partly written page after power loss is): check it parses.
    if lines:
        try:
            loads(lines[-1])
        except ValueError:
            good_end -= len(lines[-1]) + 1
            lines.pop()
    count = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            loads(line)
        except ValueError:
            raise CorruptFile(
                f"journal {path} line {number} does not parse; it is not a torn tail, so it "
                "was left untouched: restore the file from a backup or repair that line",
                details={"file": str(path), "line": number},
            ) from None
        count += 1
    repaired = len(data) - good_end
    if repaired:
        logger.warning(
            "journal %s: cut a torn last record of %d bytes left by an interrupted write",
            path, repaired,
        )
        (fileops or FileOps()).truncate(path, good_end)
    return JournalScan(count, repaired)


class _Batch:
    """Records queued for one write and fsync, and how that went."""

    __slots__ = ("done", "error", "payloads", "ready")

    def __init__(self, mutex: threading.Lock) -> None:
        self.payloads: list[bytes] = []
        self.done = False
        self.error: DiskFault | None = None
        self.ready = threading.Condition(mutex)


class Journal:
    """One append-only JSON Lines file.

    At open, a last line that a crash left unfinished (no newline, or not JSON) is cut off and
    reported in `repaired_bytes`; a bad line anywhere else stops the start (CorruptFile).
    """

    def __init__(self, path: Path, *, fileops: FileOps | None = None,
                 on_fault: Callable[[str | None], None] | None = None) -> None:
        self.path = Path(path)
        self.fileops = fileops or FileOps()
        self._on_fault = on_fault  # told of a disk fault (a message) and of recovery (None)
        self._lock = threading.Lock()  # the file: a write, or a read of it whole
        self._mutex = threading.Lock()  # the batch queue
        self._open = _Batch(self._mutex)
        self._flushing = False
        self.repaired_bytes = 0
        self.count = 0
        self.intact = True  # False once a failed append could not be undone (see below)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._repair_tail()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def _repair_tail(self) -> None:
        checked = scan_journal(self.path, self.fileops)
        self.count, self.repaired_bytes = checked.count, checked.repaired_bytes

    def append(self, record: dict[str, Any]) -> None:
        """Append one record and fsync it before returning."""
        self.append_many([record])

    def append_many(self, records: Iterable[dict[str, Any]]) -> None:
        """Append records with one write; durable (fsynced) when this returns.

        Concurrent appenders share writes and fsyncs (group commit): records that arrive
        while a batch is being written wait for it, then the first of them writes and syncs
        all that queued up in one go. Nobody holds a lock across a system call, so hundreds
        of threads appending at once cost a few writes, not one convoy step each.
        """
        payload = b"".join(dumps(r) + b"\n" for r in records)
        if not payload:
            return
        with self._mutex:
            batch = self._open
            batch.payloads.append(payload)
            while self._flushing and not batch.done:
                batch.ready.wait()
            if batch.done:
                if batch.error is not None:
                    raise DiskFault(batch.error.message, details=batch.error.details)
                return
            # Nobody is writing and this batch is still open: lead it.
            self._flushing = True
            self._open = _Batch(self._mutex)
        error: DiskFault | None = None
        try:
            self._write_and_sync(b"".join(batch.payloads))
        except DiskFault as exc:
            error = exc
        with self._mutex:
            self._flushing = False
            batch.done, batch.error = True, error
            batch.ready.notify_all()
            self._open.ready.notify()  # one waiter of the next batch leads it
        if error is not None:
            raise error

    @property
    def queued(self) -> int:
        """Appends waiting for the write in progress to finish (they go in the next one)."""
        with self._mutex:
            return len(self._open.payloads)

    def _write_and_sync(self, data: bytes) -> None:
        with self._lock:
            if self._fd < 0:  # closed at shutdown: work cut off at the deadline ends here
                raise DiskFault(f"the journal {self.path.name} is closed: the service is "
                                "shutting down", details={"closed": True})
            size_before = os.fstat(self._fd).st_size
            try:
                self.fileops.write(self._fd, data)
            except OSError as exc:
                self._undo_partial(size_before)
                raise self._fault(exc) from exc
            self.count += data.count(b"\n")
        try:
            self.fileops.fsync(self._fd)
        except OSError as exc:
            raise self._fault(exc) from exc

    def _fault(self, exc: OSError) -> DiskFault:
        name = errno.errorcode.get(exc.errno or 0, str(exc.errno))
        logger.error("disk fault %s appending to %s", name, self.path)
        if self._on_fault is not None:
            self._on_fault(f"{name} on {self.path}")
        return DiskFault(f"the disk refused an append to {self.path} ({name})",
                         details={"errno": name, "file": str(self.path)})

    def _undo_partial(self, size: int) -> None:
        # A half-written batch must not sit in front of the next append.
        try:
            os.ftruncate(self._fd, size)
        except OSError:
            self.intact = False  # checked again at the next start, whatever it remembers
            logger.error("journal %s: could not undo a partial append; it will be cut at the "
                         "next start", self.path)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self.read()

    def read(self) -> Iterator[dict[str, Any]]:
        """Every record, oldest first (what is on disk now)."""
        with self._lock, open(self.path, "rb") as fh:
            data = fh.read()
        for line in data.split(b"\n"):
            if line.strip():
                yield loads(line)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
