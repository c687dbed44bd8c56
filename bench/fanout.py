"""Fan-out latency: from a signal accepted to every user's entry order acknowledged.

Real engine, real store in a temp dir, an in-process fake exchange taking `--latency-ms` per
request. Target: <= 0.5 s for 1,000 users at 50 ms per request. Prints a JSON line last.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fakes import LatencyExchange
from verzek.clock import SystemClock
from verzek.config import load_settings
from verzek.domain import plans
from verzek.domain.models import PlanName, SignalSource, User, UserSettings
from verzek.runtime import build_runtime

SIGNAL = "#ETH/USDT LONG\nEntry: 100\nTargets: 104 - 108\nStop: 92\nLeverage 10x"


def run(users: int, latency_ms: float, workers: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"VERZEK_DATA_DIR": tmp, "VERZEK_PRICE_FEED": "sim",
                                  "VERZEK_WORKERS": str(workers)})
        clock = SystemClock()
        runtime = build_runtime(settings, clock=clock)
        trading = runtime.trading
        assert trading is not None
        exchanges: list[LatencyExchange] = []

        def wrap(_inner: object) -> LatencyExchange:
            ex = LatencyExchange(latency_s=latency_ms / 1000, price=Decimal("100"))
            exchanges.append(ex)
            return ex

        trading.pool.wrap = wrap  # type: ignore[assignment]
        now = clock.now()
        base = UserSettings().model_dump()
        base["general"]["auto_trade"] = True
        for i in range(users):
            runtime.users.create(User(
                id=f"u{i:05d}", email=f"u{i}@example.com", created_at=now,
                subscription=plans.subscribe(PlanName.VIP, now, 30),
                settings=UserSettings.model_validate(base)))
        runtime.accepting.set()
        t0 = time.perf_counter()
        result = trading.submit_text(SIGNAL, SignalSource(kind="api"))
        total = time.perf_counter() - t0
        entries = {}
        for ex in exchanges:
            for t, coid in ex.acks:
                entries.setdefault(coid, t)
        first_leg = {}
        for uid in runtime.positions.user_ids():
            for p in runtime.positions.open_positions(uid):
                entry = next(o for o in p.orders if o.leg == "entry")
                first_leg[uid] = entries[entry.client_order_id]
        executed = sum(d.outcome == "executed" for d in result.decisions)
        last_entry = max(first_leg.values()) - t0 if first_leg else float("nan")
        runtime.stop()
        return {"users": users, "executed": executed,
                "entries_acknowledged_s": round(last_entry, 3),
                "all_protection_placed_s": round(total, 3),
                "entry_orders_per_s": round(executed / last_entry, 1) if executed else 0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--workers", type=int, default=256)
    args = parser.parse_args()
    results = []
    for n in sorted({1, 100, args.users}):
        r = run(n, args.latency_ms, args.workers)
        results.append(r)
        print(f"{n:>5} users: every entry acknowledged in {r['entries_acknowledged_s']:.3f} s "
              f"({r['entry_orders_per_s']} entries/s); protection placed by "
              f"{r['all_protection_placed_s']:.3f} s")
    big = results[-1]
    print(json.dumps({"bench": "fanout", "latency_ms": args.latency_ms,
                      "workers": args.workers, "results": results,
                      "target": "<= 0.5 s for 1,000 users at 50 ms",
                      "pass": big["users"] < 1000 or big["entries_acknowledged_s"] <= 0.5}))


if __name__ == "__main__":
    main()
