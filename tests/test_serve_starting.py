"""The port answers during a long start-up (a reconciliation with a slow exchange): /health
says "starting" and every other request gets a clear 503 with Retry-After, instead of a
connection that hangs until the start is done; a SIGTERM during the start-up stops cleanly;
a start-up that fails exits non-zero with the reason logged.

The real service process runs with `Runtime.start` held until the test writes a line on its
stdin (what a slow reconciliation looks like from outside), then the real start-up."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.test_service import ROOT, _free_port, _wait_for_line

HELD_START = """
import sys
import verzek.runtime as runtime
real_start = runtime.Runtime.start
def held_start(self):
    if sys.stdin.readline().strip() == "fail":
        raise RuntimeError("reconciliation exploded")
    real_start(self)
runtime.Runtime.start = held_start
from verzek.cli.serve import main
sys.exit(main())
"""


def _start(data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VERZEK_", "TELEGRAM_"))}
    env.update({"VERZEK_DATA_DIR": str(data_dir), "PORT": str(port),
                "VERZEK_HOST": "127.0.0.1", "VERZEK_PRICE_FEED": "sim",
                "VERZEK_ADMIN_TOKEN": "a" * 32, "PYTHONUNBUFFERED": "1"})
    return subprocess.Popen([sys.executable, "-c", HELD_START], cwd=ROOT, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def _get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], Any]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


def _release(proc: subprocess.Popen[str], line: str = "go") -> None:
    assert proc.stdin is not None
    proc.stdin.write(line + "\n")
    proc.stdin.flush()


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_the_port_answers_starting_until_the_start_up_is_done(tmp_path: Path) -> None:
    port = _free_port()
    proc = _start(tmp_path / "data", port)
    try:
        _wait_for_line(proc, "; starting", 60)
        assert _get(port, "/health")[::2] == (503, {"status": "starting"})
        status, headers, body = _get(port, "/api/system/status",
                                     Authorization="Bearer " + "a" * 32)
        assert status == 503 and headers["Retry-After"] == "5"
        assert body["error"]["code"] == "starting"
        assert "starting" in body["error"]["message"]
        _release(proc)
        _wait_for_line(proc, "serving on", 60)
        assert _get(port, "/health")[::2] == (200, {"status": "ok"})
        status, _, body = _get(port, "/api/system/status", Authorization="Bearer " + "a" * 32)
        assert status == 200 and body["accepting_signals"] is True
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        _stop(proc)


def test_a_sigterm_during_the_start_up_stops_cleanly_and_starts_nothing(
        tmp_path: Path) -> None:
    port = _free_port()
    proc = _start(tmp_path / "data", port)
    try:
        _wait_for_line(proc, "; starting", 60)
        proc.send_signal(signal.SIGTERM)
        _wait_for_line(proc, "shutting down", 60)
        _release(proc)  # the start-up ends after the SIGTERM: nothing more starts
        rest = "".join(_wait_for_line(proc, "stopped cleanly", 60))
        assert proc.wait(timeout=60) == 0
        assert "serving on" not in rest
    finally:
        _stop(proc)


def test_a_failing_start_up_exits_non_zero_with_the_reason(tmp_path: Path) -> None:
    port = _free_port()
    proc = _start(tmp_path / "data", port)
    try:
        _wait_for_line(proc, "; starting", 60)
        _release(proc, "fail")
        _wait_for_line(proc, "cannot start: reconciliation exploded", 60)
        assert proc.wait(timeout=60) == 3
        # the data directory's lock is released: the next start takes it
        again = _start(tmp_path / "data", _free_port())
        try:
            _wait_for_line(again, "; starting", 60)
            _release(again)
            _wait_for_line(again, "serving on", 60)
            again.send_signal(signal.SIGTERM)
            assert again.wait(timeout=60) == 0
        finally:
            _stop(again)
    finally:
        _stop(proc)
