"""The generated demo master key: written crash-safely (a real process killed at each step of
the write), mode 0600; a key file present but empty or invalid stops the start naming it."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from verzek.errors import SecretError
from verzek.store.docstore import DocumentStore
from verzek.store.secrets import DEMO_KEY_FILE, open_secret_box

CRASH_SCRIPT = """
import os, sys
from pathlib import Path
from verzek.store.fileops import FileOps
from verzek.store.secrets import open_secret_box

step = sys.argv[2]

class CrashOps(FileOps):
    def write(self, fd, data):
        if step == "mid-write":
            os.write(fd, data[:5]); os._exit(9)
        super().write(fd, data)
    def fsync(self, fd):
        if step == "before-fsync": os._exit(9)
        super().fsync(fd)
    def replace(self, src, dst):
        if step == "before-replace": os._exit(9)
        super().replace(src, dst)
    def fsync_dir(self, path):
        if step == "before-dir-fsync": os._exit(9)
        super().fsync_dir(path)

open_secret_box([], Path(sys.argv[1]), fileops=CrashOps())
"""


def test_generated_key_is_kept_with_mode_0600_and_reused(tmp_path: Path) -> None:
    box = open_secret_box([], tmp_path)
    key_file = tmp_path / DEMO_KEY_FILE
    assert box.generated and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    Fernet(key_file.read_text().strip().encode())  # a whole, valid key
    token = box.encrypt("u1", "binance", {"api_key": "k"})
    again = open_secret_box([], tmp_path)
    assert again.decrypt(token, "u1", "binance") == {"api_key": "k"}
    assert [p.name for p in tmp_path.iterdir()] == [DEMO_KEY_FILE]  # no temp file left


@pytest.mark.parametrize("step", ["mid-write", "before-fsync", "before-replace",
                                  "before-dir-fsync"])
def test_a_crash_while_writing_the_key_never_leaves_an_empty_or_short_key(
    tmp_path: Path, step: str,
) -> None:
    proc = subprocess.run([sys.executable, "-c", CRASH_SCRIPT, str(tmp_path), step],
                          capture_output=True, timeout=60)
    assert proc.returncode == 9, proc.stderr.decode()
    key_file = tmp_path / DEMO_KEY_FILE
    if key_file.exists():  # the rename happened: the whole key is there
        Fernet(key_file.read_text().strip().encode())
    # the next start cleans the temp file up and has a usable key
    DocumentStore(tmp_path).clean_temp_files()
    assert open_secret_box([], tmp_path).generated
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("content,problem", [
    (b"", "is empty"), (b"\n", "is empty"), (b"not-a-fernet-key\n", "no valid Fernet key"),
    (b"\xff\xfe\x00garbage", "no valid Fernet key"),
])
def test_a_present_but_invalid_key_file_stops_with_its_name_and_what_to_do(
    tmp_path: Path, content: bytes, problem: str,
) -> None:
    key_file = tmp_path / DEMO_KEY_FILE
    key_file.write_bytes(content)
    with pytest.raises(SecretError) as info:
        open_secret_box([], tmp_path)
    message = info.value.message
    assert str(key_file) in message and problem in message
    assert "backup" in message and "delete it" in message and "VERZEK_MASTER_KEYS" in message
    assert key_file.read_bytes() == content  # never replaced behind the operator's back


def test_configured_keys_leave_the_data_dir_alone(tmp_path: Path) -> None:
    box = open_secret_box([Fernet.generate_key().decode()], tmp_path)
    assert not box.generated and not list(tmp_path.iterdir())
