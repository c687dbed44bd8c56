"""The real service process: starts on an empty data dir, answers /health, exits 0 on SIGTERM."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_line(proc: subprocess.Popen[str], needle: str, timeout_s: float) -> list[str]:
    """Read the process's stderr until a line contains `needle` (a reader thread, no sleeping)."""
    lines: queue.Queue[str | None] = getattr(proc, "_lines", None) or queue.Queue()
    if not hasattr(proc, "_lines"):
        proc._lines = lines  # type: ignore[attr-defined]

        def pump() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None:
            raise AssertionError(f"{needle!r} not seen; output so far:\n{''.join(seen)}")
        seen.append(line)
        if needle in line:
            return seen


def start_service(data_dir: Path, port: int, extra_env: dict[str, str] | None = None,
                  ) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VERZEK_", "TELEGRAM_"))}
    env.update({"VERZEK_DATA_DIR": str(data_dir), "PORT": str(port),
                "VERZEK_HOST": "127.0.0.1", "VERZEK_PRICE_FEED": "sim",
                "PYTHONUNBUFFERED": "1"})
    env.update(extra_env or {})
    return subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_service_starts_answers_health_and_stops_cleanly(tmp_path: Path) -> None:
    port = _free_port()
    data_dir = tmp_path / "data"
    proc = start_service(data_dir, port)
    try:
        lines = _wait_for_line(proc, "serving on", 60)
        log = "".join(lines)
        assert "telegram_bot is off" in log and "telegram_forwarder is off" in log
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as resp:
            assert resp.status == 200
            assert json.loads(resp.read()) == {"status": "ok"}
        _huge_bodies_are_refused_without_being_read(port)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not list(data_dir.rglob("*.tmp"))
    assert not (data_dir / ".instance.pid").exists()


def _post_head(port: int, length: int, body: bytes = b"", path: str = "/api/signals") -> bytes:
    """Announce a body of `length` bytes, send only `body`, and read the answer's head."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: application/json\r\n"
                f"Content-Length: {length}\r\n\r\n")
        conn.sendall(head.encode() + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = conn.recv(4096)
            if not chunk:
                break
            answer += chunk
        return answer


def _huge_bodies_are_refused_without_being_read(port: int) -> None:
    # 20 MB announced, nothing sent: refused at once, not buffered while it trickles in
    status = _post_head(port, 20_000_000).split(b"\r\n")[0]
    assert status.endswith(b"413 Request Entity Too Large")
    # over the app's limit (64 KiB) but small: the app's own JSON answer
    head = _post_head(port, 100_000, b"x" * 100_000, "/api/auth/login")
    assert b" 413 " in head.split(b"\r\n")[0] and b"application/json" in head


def test_second_instance_on_the_same_dir_exits_non_zero(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = start_service(data_dir, _free_port())
    try:
        _wait_for_line(first, "serving on", 60)
        second = start_service(data_dir, _free_port())
        assert second.wait(timeout=60) != 0
        assert second.stderr is not None
        err = second.stderr.read()
        second.stderr.close()
        assert f"another instance (pid {first.pid}) is running on" in err
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=60)


def test_bad_setting_stops_the_start_naming_it(tmp_path: Path) -> None:
    proc = start_service(tmp_path / "data", _free_port(), {"PORT": "99999"})
    assert proc.wait(timeout=60) == 2
    assert proc.stderr is not None
    assert "PORT" in proc.stderr.read()


def test_corrupt_file_stops_the_start_naming_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "users").mkdir(parents=True)
    (data_dir / "users" / "u1.json").write_text("{broken")
    proc = start_service(data_dir, _free_port())
    assert proc.wait(timeout=60) != 0
    assert proc.stderr is not None
    assert "u1.json" in proc.stderr.read()
    assert (data_dir / "users" / "u1.json").read_text() == "{broken"
