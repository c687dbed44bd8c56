"""Start-up check of a folder of journals (`history/*.jsonl`), fast with 10,000 tenants.

Every journal is checked at start (`scan_journal`: a torn last line cut and reported, a bad
line elsewhere stops the start naming the file). Reading 100,000 records on every start would
cost seconds, so the folder remembers, in `.verified`, each journal's size, mtime, ctime and
inode as they were when it was last known good: checked at a start, or closed cleanly by the
only process that appends to it. A journal that still has that signature is unchanged since
and is not read again; any write, truncation, replacement or restore changes the ctime, so
such a file — and every file after a crash — is read in full. The memory file is a cache:
missing or unreadable, every journal is read.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from verzek.store.fileops import FileOps, atomic_write
from verzek.store.journal import scan_journal

logger = logging.getLogger(__name__)

MEMO_NAME = ".verified"
SUFFIX = ".jsonl"


@dataclass(frozen=True)
class FolderCheck:
    """What a start-up check of a folder of journals did."""

    journals: int  # journals in the folder
    read: int  # read in full (new or changed since last known good)
    repaired: list[str]  # names whose torn last record was cut


def _signature(st: os.stat_result) -> str:
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


class VerifiedJournals:
    """The journals of one folder, checked at start and remembered once known good."""

    def __init__(self, folder: Path, *, fileops: FileOps | None = None) -> None:
        self.folder = Path(folder)
        self.fileops = fileops or FileOps()
        self._memo_path = self.folder / MEMO_NAME
        self._known: dict[str, str] = {}
        self._lock = threading.Lock()

    def _load_memo(self) -> dict[str, str]:
        try:
            memo = json.loads(self._memo_path.read_bytes())
            files = memo["files"]
            if isinstance(files, dict) and all(isinstance(v, str) for v in files.values()):
                return files
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError):
            pass
        logger.info("%s is unreadable: every journal in %s is read in full",
                    self._memo_path, self.folder)
        return {}

    def _save_memo(self) -> None:
        data = json.dumps({"files": self._known}, separators=(",", ":")).encode()
        atomic_write(self._memo_path, data, fileops=self.fileops)

    def check(self) -> FolderCheck:
        """Check every journal in the folder; raises CorruptFile for a bad line not last."""
        if not self.folder.is_dir():
            return FolderCheck(0, 0, [])
        remembered = self._load_memo()
        known: dict[str, str] = {}
        read = 0
        repaired: list[str] = []
        with os.scandir(self.folder) as entries:
            for entry in entries:
                if not entry.name.endswith(SUFFIX) or not entry.is_file():
                    continue
                signature = _signature(entry.stat())
                if remembered.get(entry.name) != signature:
                    path = Path(entry.path)
                    read += 1
                    if scan_journal(path, self.fileops).repaired_bytes:
                        repaired.append(entry.name)
                        signature = _signature(path.stat())
                known[entry.name] = signature
        with self._lock:
            self._known = known
            if known != remembered:
                self._save_memo()
        return FolderCheck(len(known), read, repaired)

    def remember(self, paths: Iterable[Path]) -> None:
        """These journals were checked at open and appended to only by this process, which
        closed them: they are known good as they are now."""
        with self._lock:
            changed = False
            for path in paths:
                try:
                    signature = _signature(path.stat())
                except FileNotFoundError:
                    continue
                if self._known.get(path.name) != signature:
                    self._known[path.name] = signature
                    changed = True
            if changed:
                self._save_memo()
