"""Shutdown of the real service process: SIGTERM during a signal's fan-out refuses new
signals at once, lets the fan-out finish or cuts it at the one shutdown deadline, and exits 0
within the grace plus a small constant, with no temp files and the lock released."""

from __future__ import annotations

import json
import re
import signal
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.test_service import _free_port, _wait_for_line, start_service
from verzek.config import ENV_FIELDS, Settings
from verzek.domain import plans
from verzek.domain.models import PlanName, User, UserSettings
from verzek.store.lock import DataDirLock

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "shutdown-admin-token-0123456789"
NOW = datetime(2026, 11, 1, tzinfo=UTC)
SIGNAL = ("#BTC/USDT LONG\nEntry: 65000\nTargets: 66000 - 67000\nStop Loss: 63000\n"
          "Leverage: 5x")
# SIGTERM to exit: the grace, then closing journals, releasing the lock and the interpreter's
# exit; generous for a loaded 2-core machine.
EXIT_SLACK_S = 8.0


def _populate(data_dir: Path, users: int) -> None:
    """Demo users trading every signal, and a BTC price for the simulated feed."""
    (data_dir / "users").mkdir(parents=True)
    base = UserSettings().model_dump(mode="json")
    base["general"]["auto_trade"] = True
    subscription = plans.subscribe(PlanName.VIP, NOW, 365).model_dump(mode="json")
    for i in range(users):
        uid = f"u{i:04d}"
        user = User(id=uid, email=f"{uid}@example.com", created_at=NOW,
                    settings=UserSettings.model_validate(base)).model_dump(mode="json")
        user["subscription"] = subscription
        (data_dir / "users" / f"{uid}.json").write_text(json.dumps(user))
    prices = {"schema_version": 1, "prices": {"BTC/USDT:USDT": "65000", "BTC/USDT": "65000"}}
    (data_dir / "demo_prices.json").write_text(json.dumps(prices))


def _post_signal(port: int, text: str, timeout_s: float = 120) -> tuple[int, Any]:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/signals", data=json.dumps({"text": text}).encode(),
        method="POST", headers={"Authorization": f"Bearer {ADMIN}",
                                "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _wait_until(condition: Any, timeout_s: float) -> None:
    """Poll the child process's files: short waits on a condition, never a fixed sleep."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        threading.Event().wait(0.02)


def _rest_of_output(proc: Any) -> str:
    """What the exited process wrote to stderr after the lines `_wait_for_line` consumed."""
    lines = []
    while (line := proc._lines.get(timeout=30)) is not None:
        lines.append(line)
    return "".join(lines)


def _fan_out_started(data_dir: Path) -> bool:
    """The signal is journaled and at least one user's order intent is (orders are out)."""
    log = data_dir / "signals" / "log.jsonl"
    orders = data_dir / "journal" / "orders.jsonl"
    return log.exists() and b'"t":"signal"' in log.read_bytes() and orders.exists() \
        and b'"t":"intent"' in orders.read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("grace_s,window_s,finishes", [
    # slow exchange answers (every 6th s of the window) outlast a 2 s grace: cut off
    (2, 6, False),
    # short faults finish well within a 60 s grace: the fan-out completes and is answered
    (60, 1, True),
], ids=["cut-at-deadline", "finishes-in-grace"])
def test_sigterm_during_a_fan_out_refuses_new_signals_and_exits_within_the_grace(
    tmp_path: Path, grace_s: int, window_s: int, finishes: bool,
) -> None:
    users = 40
    data_dir = tmp_path / "data"
    _populate(data_dir, users)
    port = _free_port()
    proc = start_service(data_dir, port, {
        "VERZEK_ADMIN_TOKEN": ADMIN, "VERZEK_SHUTDOWN_GRACE_S": str(grace_s),
        # the slowest in-process work there is: the demo fault campaign's slow and lost
        # exchange answers, waited out for the visibility window
        "VERZEK_PAPER_FAULT_RATE": "0.9", "VERZEK_VISIBILITY_WINDOW_S": str(window_s)})
    first: dict[str, Any] = {}

    def post_first() -> None:
        try:
            first["answer"] = _post_signal(port, SIGNAL)
        except OSError as exc:  # cut off at the deadline: the connection is closed
            first["error"] = exc

    try:
        _wait_for_line(proc, "serving on", 90)
        poster = threading.Thread(target=post_first, daemon=True)
        poster.start()
        _wait_until(lambda: _fan_out_started(data_dir), 60)
        sent_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _wait_for_line(proc, "new signals are refused", 10)
        status, body = _post_signal(port, SIGNAL.replace("BTC", "ETH"), timeout_s=10)
        assert status == 409, body
        assert "shutting down" in body["error"]["message"]
        assert poster.is_alive() or finishes  # the first fan-out was still in flight
        code = proc.wait(timeout=grace_s + 60)
        elapsed = time.monotonic() - sent_at
        rest = _rest_of_output(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 0
    assert elapsed <= grace_s + EXIT_SLACK_S, elapsed
    poster.join(10)
    if finishes:
        assert "stopped cleanly" in rest
        status, body = first["answer"]
        assert status == 200 and len(body["decisions"]) == users
        assert b'"t":"done"' in (data_dir / "signals" / "log.jsonl").read_bytes()
    else:
        assert "cut off" in rest and "stopped at the grace deadline" in rest
        assert "answer" not in first  # the request was cut, not answered half-done
    assert "Traceback" not in rest
    assert not list(data_dir.rglob("*.tmp"))
    assert not (data_dir / ".instance.pid").exists()
    lock = DataDirLock(data_dir)
    lock.acquire()  # released: a new instance may start
    lock.release()


def test_systemd_stop_timeout_exceeds_the_default_grace() -> None:
    unit = (ROOT / "deploy" / "verzek.service").read_text()
    timeout = int(re.search(r"^TimeoutStopSec=(\d+)$", unit, re.M).group(1))  # type: ignore[union-attr]
    grace = Settings.model_fields["shutdown_grace_s"].default
    assert timeout >= grace + EXIT_SLACK_S
    assert "VERZEK_SHUTDOWN_GRACE_S" in unit  # the comment tying the two together
    assert "VERZEK_SHUTDOWN_GRACE_S" in ENV_FIELDS
