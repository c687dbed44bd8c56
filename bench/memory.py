"""Resident memory with 1,000 users and 10,000 open positions under the price monitor.

Target: <= 300 MB. Prints a JSON line last.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.engine_setup import build, populate


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main() -> None:
    base = rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        populate(root, 1000, 10_000, 200)
        runtime = build(root)
        assert runtime.trading is not None
        for _ in range(5):
            runtime.trading.monitor.run_once()
        runtime.trading.monitor.sync_orders()
        rss = rss_mb()
        runtime.stop()
    print(f"resident memory: {rss:.0f} MB with 1,000 users and 10,000 open positions "
          f"(interpreter and libraries alone: {base:.0f} MB)")
    print(json.dumps({"bench": "memory", "users": 1000, "positions": 10_000,
                      "rss_mb": round(rss, 1), "baseline_mb": round(base, 1),
                      "target": "<= 300 MB", "pass": rss <= 300}))


if __name__ == "__main__":
    main()
