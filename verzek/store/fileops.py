"""The file-system seam of the store: every write, fsync and rename goes through here.

Tests and the fault campaign replace it to inject ENOSPC, EIO or a crash at any step.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any


class FileOps:
    """Real file operations; subclass and override one method to inject a fault."""

    def write(self, fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]

    def fsync(self, fd: int) -> None:
        os.fsync(fd)

    def replace(self, src: Path, dst: Path) -> None:
        os.replace(src, dst)

    def fsync_dir(self, path: Path) -> None:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def truncate(self, path: Path, size: int) -> None:
        with open(path, "r+b") as fh:
            fh.truncate(size)
            fh.flush()
            os.fsync(fh.fileno())


TMP_SUFFIX = ".tmp"


def temp_path(path: Path) -> Path:
    """A fresh temp name beside `path`; a stray one (dot-prefixed, `.tmp`) is removed at start."""
    return path.parent / f".{path.name}.{secrets.token_hex(4)}{TMP_SUFFIX}"


def atomic_write(path: Path, data: bytes, *, fileops: FileOps | None = None,
                 mode: int = 0o600) -> None:
    """Replace `path` with `data` crash-safely: temp file in the same folder (created with
    `mode`), write, fsync, os.replace, fsync the folder. A crash at any step leaves the old
    file (or none) and at most a stray temp file, never a short or empty `path`."""
    ops = fileops or FileOps()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            ops.write(fd, data)
            ops.fsync(fd)
        finally:
            os.close(fd)
        ops.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    ops.fsync_dir(path.parent)


class GroupSync:
    """Group commit: many writers, few fsyncs. A writer numbers its change once it is made
    (`changed`), then `sync`s: if a sync that began after its change has finished, nothing
    is left to do; otherwise it syncs, covering every change numbered before it began."""

    def __init__(self) -> None:
        self._count_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._changed = 0
        self._synced = 0

    def changed(self) -> int:
        with self._count_lock:
            self._changed += 1
            return self._changed

    def sync(self, mine: int, do_sync: Callable[[], None]) -> None:
        """Return once change `mine` is durable; `do_sync`'s error goes to the caller."""
        with self._sync_lock:
            if self._synced >= mine:
                return
            with self._count_lock:
                target = self._changed
            do_sync()
            self._synced = target


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot store a {type(value).__name__} in JSON")


def dumps(doc: Any, *, indent: int | None = None) -> bytes:
    """JSON bytes: Decimal as string, datetime as ISO-8601, no NaN."""
    return json.dumps(
        doc, default=_default, ensure_ascii=False, allow_nan=False, indent=indent,
        separators=(",", ":") if indent is None else None,
    ).encode("utf-8")


def _refuse_constant(token: str) -> Any:
    raise ValueError(f"{token} is not valid in a data file")


# One decoder for every parse (json.loads with options builds a new one per call, which is
# a fifth of the time of reading a journal's short lines); it keeps no state between calls.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def loads(data: bytes | str) -> Any:
    """Parse JSON; NaN/Infinity literals are refused."""
    if isinstance(data, bytes | bytearray):
        data = data.decode(json.detect_encoding(data), "surrogatepass")
    return _DECODER.decode(data)
