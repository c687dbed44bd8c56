"""Start-up time of the real service process: from exec to `/health` answering, on a data
directory holding 1,000 users and 10,000 open positions. Prints a JSON line last."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.engine_setup import populate

ROOT = Path(__file__).resolve().parents[1]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure(data_dir: Path) -> float:
    port = _port()
    env = {**os.environ, "VERZEK_DATA_DIR": str(data_dir), "PORT": str(port),
           "VERZEK_HOST": "127.0.0.1", "VERZEK_PRICE_FEED": "sim"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = t0 + 120
        while time.perf_counter() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                    return time.perf_counter() - t0
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("the service did not come up in 120 s")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        empty = measure(Path(tmp) / "empty")
        loaded_dir = Path(tmp) / "loaded"
        populate(loaded_dir, 1000, 10_000, 200)
        loaded = measure(loaded_dir)
    print(f"start-up to /health: {empty:.2f} s on an empty data dir, {loaded:.2f} s with "
          "1,000 users and 10,000 open positions")
    print(json.dumps({"bench": "startup", "empty_s": round(empty, 2),
                      "loaded_s": round(loaded, 2), "target": "informational"}))


if __name__ == "__main__":
    main()
