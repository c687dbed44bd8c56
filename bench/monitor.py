"""One price-monitor pass over 10,000 open positions on 200 symbols: CPU time per pass.

Target: <= 100 ms of CPU. Prints a JSON line last.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.engine_setup import build, populate

USERS, POSITIONS, SYMBOLS, PASSES = 1000, 10_000, 200, 10


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        populate(root, USERS, POSITIONS, SYMBOLS)
        runtime = build(root)
        assert runtime.trading is not None
        monitor = runtime.trading.monitor
        first = monitor.run_once()  # builds every account's client once
        gc.collect()
        gc.freeze()  # as Runtime.start() does once everything is loaded
        assert first["positions"] == POSITIONS, first
        cpu_ms = []
        wall_ms = []
        for _ in range(PASSES):
            c0, w0 = time.process_time(), time.perf_counter()
            result = monitor.run_once()
            cpu_ms.append((time.process_time() - c0) * 1000)
            wall_ms.append((time.perf_counter() - w0) * 1000)
        runtime.stop()
    p50 = statistics.median(cpu_ms)
    print(f"{POSITIONS} positions on {SYMBOLS} symbols: CPU per pass p50 {p50:.1f} ms, "
          f"max {max(cpu_ms):.1f} ms; wall p50 {statistics.median(wall_ms):.1f} ms; "
          f"{result['prices']} prices, {result['triggered']} triggered")
    print(json.dumps({"bench": "monitor", "positions": POSITIONS, "symbols": SYMBOLS,
                      "cpu_ms_p50": round(p50, 1), "cpu_ms_max": round(max(cpu_ms), 1),
                      "wall_ms_p50": round(statistics.median(wall_ms), 1),
                      "target": "<= 100 ms CPU", "pass": p50 <= 100}))


if __name__ == "__main__":
    main()
