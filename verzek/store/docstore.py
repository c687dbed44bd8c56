"""Crash-safe JSON documents: atomic replace, fsync, per-file locks, read-modify-write, cache.

Write sequence (DESIGN.md): temp file in the same folder → write → fsync → os.replace →
fsync the folder. A crash at any step leaves the old or the new document, never a torn one.
"""

from __future__ import annotations

import copy
import errno
import functools
import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from verzek.errors import CorruptFile, DiskFault, InvalidInput
from verzek.store.fileops import TMP_SUFFIX, FileOps, GroupSync, dumps, loads, temp_path

logger = logging.getLogger(__name__)

Migration = Callable[[str, dict[str, Any]], dict[str, Any]]


@functools.lru_cache(maxsize=65536)
def _rel_ok(rel: str) -> bool:
    path = Path(rel)
    return bool(rel) and not path.is_absolute() and ".." not in path.parts \
        and rel.endswith(".json")


def _check_rel(rel: str) -> None:
    if not _rel_ok(rel):
        raise InvalidInput(f"bad document path {rel!r}")


class DocumentStore:
    """JSON documents under `root`, each replaced atomically; safe across threads.

    Reads are served from a cache of parsed documents (one process owns the data directory,
    so the cache is always current); `read` returns a deep copy the caller may change.
    """

    def __init__(
        self, root: Path, *, schema_version: int = 1, migrate: Migration | None = None,
        fileops: FileOps | None = None,
    ) -> None:
        self.root = Path(root)
        self.schema_version = schema_version
        self._migrate = migrate
        self.fileops = fileops or FileOps()
        self._locks: dict[str, threading.RLock] = {}
        self._locks_guard = threading.Lock()
        self._cache: dict[str, dict[str, Any] | None] = {}
        self.last_error: str | None = None
        self._dirs: dict[Path, GroupSync] = {}
        self._writing = 0  # writes between their temp file and their rename
        self._closed = False
        self._writes_done = threading.Condition()
        self.root.mkdir(parents=True, exist_ok=True)

    def close(self, timeout_s: float = 2.0) -> bool:
        """Refuse every write from now on (DiskFault) and wait up to timeout_s for writes in
        progress to finish: after it, nothing still running at shutdown can leave a temp
        file or change a document. True if no write was left in progress."""
        with self._writes_done:
            self._closed = True
            return self._writes_done.wait_for(lambda: self._writing == 0, timeout_s)

    def _begin_write(self) -> None:
        with self._writes_done:
            if self._closed:
                raise DiskFault("the store is closed: the service is shutting down",
                                details={"closed": True})
            self._writing += 1

    def _end_write(self) -> None:
        with self._writes_done:
            self._writing -= 1
            if not self._writing:
                self._writes_done.notify_all()

    # --- start-up -------------------------------------------------------------------------

    def clean_temp_files(self) -> list[Path]:
        """Remove temp files a crash left behind (they never replaced a document)."""
        removed = []
        for path in self.root.rglob(f"*{TMP_SUFFIX}"):
            if path.is_file() and path.name.startswith("."):
                path.unlink()
                removed.append(path)
        if removed:
            logger.warning("removed %d stray temp file(s) left by an interrupted write",
                           len(removed))
        return removed

    def load_all(self, folder: str = "") -> int:
        """Parse every document under `folder` into the cache; a bad one stops the start."""
        count = 0
        base = self.root / folder if folder else self.root
        if not base.exists():
            return 0
        for path in sorted(base.rglob("*.json")):
            rel = path.relative_to(self.root).as_posix()
            with self.lock(rel):
                self._cache[rel] = self._load_file(rel)
            count += 1
        return count

    # --- locking ------------------------------------------------------------------------------

    def lock(self, rel: str) -> threading.RLock:
        """The lock of one document; hold it across a read-modify-write."""
        lk = self._locks.get(rel)  # the hot path takes no lock: a fan-out of hundreds of
        if lk is None:              # users must not queue on one guard for their own files
            with self._locks_guard:
                lk = self._locks.setdefault(rel, threading.RLock())
        return lk

    # --- reads --------------------------------------------------------------------------------

    def _load_file(self, rel: str) -> dict[str, Any] | None:
        path = self.root / rel
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            doc = loads(data)
            if not isinstance(doc, dict):
                raise ValueError("top level is not a JSON object")
        except (ValueError, UnicodeDecodeError) as exc:
            raise CorruptFile(
                f"data file {path} does not parse ({exc}); restore it from a backup or repair "
                "it — it was left untouched", details={"file": str(path)},
            ) from None
        version = doc.get("schema_version")
        if not isinstance(version, int):
            raise CorruptFile(f"data file {path} has no schema_version",
                              details={"file": str(path)})
        if version > self.schema_version:
            raise CorruptFile(
                f"data file {path} has schema_version {version}, newer than this program's "
                f"{self.schema_version}; upgrade the program", details={"file": str(path)},
            )
        if version < self.schema_version and self._migrate is not None:
            doc = self._migrate(rel, doc)
            doc["schema_version"] = self.schema_version
        return doc

    def _cached(self, rel: str) -> dict[str, Any] | None:
        if rel not in self._cache:
            self._cache[rel] = self._load_file(rel)
        return self._cache[rel]

    def read(self, rel: str) -> dict[str, Any] | None:
        """A copy of the document, or None when it does not exist."""
        _check_rel(rel)
        with self.lock(rel):
            doc = self._cached(rel)
            return copy.deepcopy(doc) if doc is not None else None

    def read_shared(self, rel: str) -> dict[str, Any] | None:
        """The cached document itself, for hot read paths; the caller must not change it."""
        _check_rel(rel)
        doc = self._cache.get(rel)
        if doc is not None or rel in self._cache:
            return doc
        with self.lock(rel):
            return self._cached(rel)

    def exists(self, rel: str) -> bool:
        return self.read_shared(rel) is not None

    def list(self, folder: str) -> list[str]:
        """Document paths directly under `folder` (relative to the root), sorted."""
        base = self.root / folder
        if not base.is_dir():
            return []
        return sorted(
            f"{folder}/{p.name}" for p in base.iterdir()
            if p.suffix == ".json" and not p.name.startswith(".")
        )

    def iter_docs(self, folder: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(path, cached document) for every document in `folder`; read-only views."""
        for rel in self.list(folder):
            doc = self.read_shared(rel)
            if doc is not None:
                yield rel, doc

    # --- writes -------------------------------------------------------------------------------

    def write(self, rel: str, doc: dict[str, Any]) -> None:
        """Replace the document atomically and durably."""
        _check_rel(rel)
        doc = dict(doc)
        doc.setdefault("schema_version", self.schema_version)
        data = dumps(doc)  # serialise before touching the disk: bad data changes nothing
        with self.lock(rel):
            try:
                self._write_bytes(rel, data)
            except DiskFault:
                self._cache.pop(rel, None)  # the disk decides: re-read it next time
                raise
            self._cache[rel] = loads(data)

    def update(
        self, rel: str, fn: Callable[[dict[str, Any] | None], dict[str, Any] | None],
    ) -> dict[str, Any] | None:
        """Read-modify-write under the document's lock; `fn` gets a copy (None if absent).

        Returning None from `fn` deletes the document. If `fn` raises, nothing changes.
        """
        _check_rel(rel)
        with self.lock(rel):
            current = self._cached(rel)
            new = fn(copy.deepcopy(current) if current is not None else None)
            if new is None:
                if current is not None:
                    self.delete(rel)
                return None
            self.write(rel, new)
            return copy.deepcopy(self._cache[rel])

    def delete(self, rel: str) -> None:
        _check_rel(rel)
        with self.lock(rel):
            path = self.root / rel
            self._begin_write()
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            else:
                self._fsync_dir(path.parent)
            finally:
                self._end_write()
            self._cache[rel] = None

    def note_fault(self, message: str | None) -> None:
        """A journal on this disk failed (a message) — trading pauses until a write succeeds."""
        if message is not None:
            self.last_error = message

    def probe(self, now_iso: str) -> bool:
        """After a disk fault, try one small durable write; True once the disk takes it."""
        if self.last_error is None:
            return True
        try:
            self.write("health.json", {"checked_at": now_iso})
        except DiskFault:
            return False
        logger.warning("the disk accepts writes again: trading resumes")
        return True

    def _fsync_dir(self, folder: Path) -> None:
        """Make the renames done in `folder` so far durable. Concurrent writers share the
        folder's fsync (group commit): whoever syncs covers every rename made before it."""
        with self._locks_guard:
            group = self._dirs.get(folder)
            if group is None:
                group = self._dirs[folder] = GroupSync()
        try:
            group.sync(group.changed(), lambda: self.fileops.fsync_dir(folder))
        except OSError as exc:
            raise self._disk_fault(exc, folder) from exc

    def _disk_fault(self, exc: OSError, path: Path) -> DiskFault:
        name = errno.errorcode.get(exc.errno or 0, str(exc.errno))
        self.last_error = f"{name} on {path}"
        logger.error("disk fault %s writing %s: %s", name, path, exc.strerror)
        return DiskFault(f"the disk refused a write to {path} ({name})",
                         details={"errno": name, "file": str(path)})

    def _write_bytes(self, rel: str, data: bytes) -> None:
        self._begin_write()
        try:
            self._write_file(rel, data)
        finally:
            self._end_write()

    def _write_file(self, rel: str, data: bytes) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_path(path)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            try:
                self.fileops.write(fd, data)
                self.fileops.fsync(fd)
            finally:
                os.close(fd)
            self.fileops.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise self._disk_fault(exc, path) from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._fsync_dir(path.parent)
        self.last_error = None
