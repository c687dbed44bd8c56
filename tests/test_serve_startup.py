"""Start-up of the real service process: every journal checked before it serves (a torn tail
cut and reported, a bad line elsewhere refused naming the file), and every bad setting, key
file or path refused with a clear message and a non-zero exit, never a traceback."""

from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path

import pytest

from tests.test_service import _free_port, _wait_for_line, start_service
from verzek.store.secrets import DEMO_KEY_FILE

GOOD = {"history/u1.jsonl": b'{"position":{"id":"c1"}}\n',
        "journal/orders.jsonl": b'{"t":"outcome","coid":"vz1","outcome":"rejected"}\n',
        "signals/log.jsonl": b'{"t":"done","id":"s1"}\n'}


def _failed_start(proc: subprocess.Popen[str]) -> tuple[int, str]:
    code = proc.wait(timeout=90)
    assert proc.stderr is not None
    err = proc.stderr.read()
    proc.stderr.close()
    assert "Traceback" not in err, err
    return code, err


def test_torn_journal_tails_are_cut_and_reported_at_start(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    for rel, body in GOOD.items():
        (data_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (data_dir / rel).write_bytes(body + b'{"t":"tor')  # a crash mid-append
    proc = start_service(data_dir, _free_port())
    try:
        log = "".join(_wait_for_line(proc, "serving on", 90))
        for rel, body in GOOD.items():
            path = data_dir / rel
            assert f"journal {path}: cut a torn last record" in log, rel
            assert path.read_bytes() == body
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("rel", list(GOOD))
def test_a_bad_line_in_the_middle_of_any_journal_stops_the_start(tmp_path: Path,
                                                                 rel: str) -> None:
    data_dir = tmp_path / "data"
    path = data_dir / rel
    path.parent.mkdir(parents=True)
    body = GOOD[rel] + b"not json\n" + GOOD[rel]
    path.write_bytes(body)
    code, err = _failed_start(start_service(data_dir, _free_port()))
    assert code == 3
    assert f"journal {path} line 2 does not parse" in err
    assert path.read_bytes() == body
    assert not (data_dir / ".instance.pid").exists()


def test_an_empty_demo_key_file_stops_the_start_naming_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / DEMO_KEY_FILE).write_bytes(b"")  # what a crash used to leave
    code, err = _failed_start(start_service(data_dir, _free_port()))
    assert code == 3
    assert f"demo master key file {data_dir / DEMO_KEY_FILE} is empty" in err
    assert "delete it" in err


@pytest.mark.parametrize("name,value", [
    ("VERZEK_LOG_FILE", "/"),
    ("VERZEK_DATA_DIR", "{file}/data"),
    ("VERZEK_DATA_DIR", "{file}"),
    ("VERZEK_SHUTDOWN_GRACE_S", "601"),
])
def test_a_bad_path_or_value_exits_non_zero_naming_the_variable(tmp_path: Path, name: str,
                                                                value: str) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    env = {name: value.format(file=a_file)}
    proc = start_service(tmp_path / "data", _free_port(), env)
    code, err = _failed_start(proc)
    assert code == 2
    assert f"configuration error: {name}=" in err and "expected:" in err


def test_a_port_in_use_exits_non_zero_and_releases_the_lock(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, err = _failed_start(start_service(tmp_path / "data", port))
    assert code == 4
    assert f"cannot listen on 127.0.0.1:{port}" in err
    assert not (tmp_path / "data" / ".instance.pid").exists()
