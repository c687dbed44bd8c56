"""Document store: atomic writes, lost-update safety, crash at each write step, corrupt files."""

from __future__ import annotations

import errno
import json
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from verzek.errors import CorruptFile, DiskFault, InvalidInput
from verzek.store.docstore import DocumentStore
from verzek.store.fileops import FileOps


def test_write_read_roundtrip_with_decimal_and_schema(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    store.write("users/u1.json", {"balance": Decimal("10.50")})
    doc = store.read("users/u1.json")
    assert doc == {"balance": "10.50", "schema_version": 1}
    on_disk = json.loads((tmp_path / "users/u1.json").read_text())
    assert on_disk["balance"] == "10.50"


def test_read_returns_a_copy(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    store.write("a.json", {"items": [1]})
    doc = store.read("a.json")
    assert doc is not None
    doc["items"].append(2)
    assert store.read("a.json") == {"items": [1], "schema_version": 1}


def test_paths_outside_the_root_are_refused(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    for bad in ("../x.json", "/etc/x.json", "a.txt", ""):
        with pytest.raises(InvalidInput):
            store.write(bad, {})


def test_nan_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    store.write("a.json", {"x": 1})
    with pytest.raises(ValueError):
        store.write("a.json", {"x": float("nan")})
    assert store.read("a.json") == {"x": 1, "schema_version": 1}


def test_sixteen_threads_thousand_updates_lose_nothing(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path, fileops=_NoSyncOps())
    store.write("counter.json", {"n": 0, "by": {}})
    threads_n, per_thread = 16, 1000

    def worker(i: int) -> None:
        for _ in range(per_thread):
            def bump(doc: dict | None) -> dict:
                assert doc is not None
                doc["n"] += 1
                doc["by"][str(i)] = doc["by"].get(str(i), 0) + 1
                return doc
            store.update("counter.json", bump)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    doc = store.read("counter.json")
    assert doc is not None
    assert doc["n"] == threads_n * per_thread
    assert all(v == per_thread for v in doc["by"].values())
    # and the disk agrees with the cache
    assert json.loads((tmp_path / "counter.json").read_text())["n"] == threads_n * per_thread


class _NoSyncOps(FileOps):
    """fsync skipped to keep a 16,000-write test fast; the write sequence is otherwise real."""

    def fsync(self, fd: int) -> None:
        pass

    def fsync_dir(self, path: Path) -> None:
        pass


def test_update_that_raises_changes_nothing(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    store.write("a.json", {"x": 1})

    def boom(doc: dict | None) -> dict:
        raise InvalidInput("no")

    with pytest.raises(InvalidInput):
        store.update("a.json", boom)
    assert store.read("a.json") == {"x": 1, "schema_version": 1}


# --- a crash at each step of the write sequence (a real process, killed with os._exit) -------

CRASH_SCRIPT = """
import os, sys
from pathlib import Path
from verzek.store.docstore import DocumentStore
from verzek.store.fileops import FileOps

step = sys.argv[2]

class CrashOps(FileOps):
    def write(self, fd, data):
        if step == "mid-write":
            os.write(fd, data[: len(data) // 2]); os._exit(9)
        super().write(fd, data)
    def fsync(self, fd):
        if step == "before-fsync": os._exit(9)
        super().fsync(fd)
    def replace(self, src, dst):
        if step == "before-replace": os._exit(9)
        super().replace(src, dst)
        if step == "after-replace": os._exit(9)
    def fsync_dir(self, path):
        if step == "before-dir-fsync": os._exit(9)
        super().fsync_dir(path)

store = DocumentStore(Path(sys.argv[1]), fileops=CrashOps())
store.write("doc.json", {"version": "new", "payload": "x" * 50000})
"""


@pytest.mark.parametrize(
    "step", ["mid-write", "before-fsync", "before-replace", "after-replace", "before-dir-fsync"]
)
def test_crash_at_each_write_step_leaves_old_or_new(tmp_path: Path, step: str) -> None:
    store = DocumentStore(tmp_path)
    store.write("doc.json", {"version": "old"})
    proc = subprocess.run([sys.executable, "-c", CRASH_SCRIPT, str(tmp_path), step],
                          capture_output=True, timeout=60)
    assert proc.returncode == 9, proc.stderr.decode()
    doc = json.loads((tmp_path / "doc.json").read_text())  # never torn: always parses
    expected = "new" if step in ("after-replace", "before-dir-fsync") else "old"
    assert doc["version"] == expected
    reopened = DocumentStore(tmp_path)
    reopened.clean_temp_files()
    assert not list(tmp_path.rglob("*.tmp"))
    assert reopened.load_all() == 1


# --- disk faults -------------------------------------------------------------------------------

class _FaultOps(FileOps):
    def __init__(self, where: str, err: int) -> None:
        self.where, self.err = where, err

    def write(self, fd: int, data: bytes) -> None:
        if self.where == "write":
            raise OSError(self.err, "injected")
        super().write(fd, data)

    def fsync(self, fd: int) -> None:
        if self.where == "fsync":
            raise OSError(self.err, "injected")
        super().fsync(fd)


@pytest.mark.parametrize("where", ["write", "fsync"])
@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EIO])
def test_disk_fault_keeps_old_document_and_reports(tmp_path: Path, where: str, err: int) -> None:
    DocumentStore(tmp_path).write("doc.json", {"v": 1})
    store = DocumentStore(tmp_path, fileops=_FaultOps(where, err))
    with pytest.raises(DiskFault) as info:
        store.write("doc.json", {"v": 2})
    assert errno.errorcode[err] in info.value.message
    assert store.last_error is not None
    assert json.loads((tmp_path / "doc.json").read_text())["v"] == 1
    assert not list(tmp_path.rglob("*.tmp"))
    store.fileops = FileOps()  # the disk recovers
    store.write("doc.json", {"v": 3})
    assert store.read("doc.json") == {"v": 3, "schema_version": 1}
    assert store.last_error is None


# --- corrupt files and schema versions -----------------------------------------------------------

def test_corrupt_file_stops_start_naming_it_and_is_left_untouched(tmp_path: Path) -> None:
    (tmp_path / "users").mkdir()
    bad = tmp_path / "users" / "u1.json"
    bad.write_text('{"schema_version": 1, "id": ')
    store = DocumentStore(tmp_path)
    with pytest.raises(CorruptFile) as info:
        store.load_all()
    assert str(bad) in info.value.message
    assert bad.read_text() == '{"schema_version": 1, "id": '


def test_missing_schema_version_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"x": 1}')
    with pytest.raises(CorruptFile, match="schema_version"):
        DocumentStore(tmp_path).load_all()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"schema_version": 99}')
    with pytest.raises(CorruptFile, match="newer"):
        DocumentStore(tmp_path).load_all()


def test_migration_hook_upgrades_old_documents(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"schema_version": 1, "name": "x"}')

    def migrate(rel: str, doc: dict) -> dict:
        doc["label"] = doc.pop("name")
        return doc

    store = DocumentStore(tmp_path, schema_version=2, migrate=migrate)
    assert store.read("a.json") == {"schema_version": 2, "label": "x"}


def test_concurrent_writers_in_one_folder_share_its_fsync(tmp_path: Path) -> None:
    """Group commit of the folder fsync: while one writer syncs the folder, the others'
    renames wait and are covered by one more sync, not one each; every rename is durable
    (synced after it happened) before its write returns."""
    import sys
    import threading
    import time

    from verzek.store.fileops import FileOps

    release = threading.Event()
    renamed: list[str] = []
    synced_after: list[int] = []

    class SlowDirSync(FileOps):
        def replace(self, src: Path, dst: Path) -> None:
            super().replace(src, dst)
            renamed.append(dst.name)

        def fsync_dir(self, path: Path) -> None:
            release.wait(10)
            synced_after.append(len(renamed))  # renames this sync covers
            super().fsync_dir(path)

    store = DocumentStore(tmp_path, fileops=SlowDirSync())
    done: list[str] = []
    not_durable: list[int] = []

    def writer(n: int) -> None:
        store.write(f"positions/u{n}.json", {"n": n})
        done.append(f"u{n}.json")
        # durable when it returns: a folder sync happened after this rename
        if not any(count >= renamed.index(f"u{n}.json") + 1 for count in synced_after):
            not_durable.append(n)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()

    def in_fsync_dir(frame: object) -> bool:
        f = frame
        while f is not None:
            if f.f_code.co_name == "_fsync_dir":  # type: ignore[attr-defined]
                return True
            f = f.f_back  # type: ignore[attr-defined]
        return False

    ids = {t.ident for t in threads}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (len(renamed) == 16 and all(
            in_fsync_dir(f) for tid, f in sys._current_frames().items() if tid in ids)):
        time.sleep(0)  # yield to the writers
    release.set()
    for t in threads:
        t.join(10)
    assert sorted(done) == sorted(f"u{n}.json" for n in range(16))
    assert not_durable == []
    assert len(synced_after) <= 2  # not 16
    assert synced_after[-1] == 16


# --- closing at shutdown ------------------------------------------------------------------------

def test_close_waits_for_a_write_in_progress_then_refuses_writes(tmp_path: Path) -> None:
    entered, release = threading.Event(), threading.Event()

    class SlowFsync(FileOps):
        def fsync(self, fd: int) -> None:
            entered.set()
            release.wait(30)
            super().fsync(fd)

    store = DocumentStore(tmp_path, fileops=SlowFsync())
    writer = threading.Thread(target=store.write, args=("a.json", {"v": 1}))
    writer.start()
    assert entered.wait(30)
    assert store.close(timeout_s=0) is False  # a write is between temp file and rename
    release.set()
    writer.join(30)
    assert store.close(timeout_s=30) is True
    assert store.read("a.json") == {"v": 1, "schema_version": 1}  # it finished
    with pytest.raises(DiskFault, match="shutting down"):
        store.write("b.json", {"v": 2})
    with pytest.raises(DiskFault):
        store.delete("a.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]  # no temp file
