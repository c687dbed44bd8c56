"""Store write latency: one tenant's position update with 1, 1,000 and 10,000 tenants on disk.

Each scenario also holds 100,000 closed positions in history. The scenarios are measured
interleaved — one write in each data directory per round, the order rotating every round — so
a slow spell of the disk falls on all of them alike instead of on whichever ran then.
Prints a JSON line last. Target: p50 < 3 ms, and the 10,000-tenant p50 within 1.5x the
1-tenant p50. `python bench/store.py --help` for the options.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verzek.domain.models import (
    ExchangeName,
    MarketType,
    Position,
    PositionStatus,
    Side,
    TradingMode,
    User,
)
from verzek.store.docstore import DocumentStore
from verzek.store.repos import PositionRepository

NOW = datetime(2026, 1, 1, tzinfo=UTC)
HISTORY = 100_000
SAMPLES = 400


def _position(pid: str, user: str, status: PositionStatus = PositionStatus.OPEN) -> Position:
    return Position(id=pid, user_id=user, account_id="a1", exchange=ExchangeName.BINANCE,
                    market_type=MarketType.FUTURES, mode=TradingMode.DEMO, symbol="BTC/USDT:USDT",
                    side=Side.LONG, status=status, quantity=Decimal("0.01"),
                    average_entry=Decimal("65000"), opened_at=NOW)


def _populate(root: Path, tenants: int) -> None:
    """Lay out tenants quickly (set-up is not measured): users, one open position each, history."""
    (root / "users").mkdir(parents=True)
    (root / "positions").mkdir()
    (root / "history").mkdir()
    pos_doc = _position("p0", "u0").model_dump(mode="json")
    for i in range(tenants):
        uid = f"u{i}"
        user = User(id=uid, email=f"{uid}@example.com", created_at=NOW)
        (root / "users" / f"{uid}.json").write_text(json.dumps(user.model_dump(mode="json")))
        doc = {"schema_version": 1, "positions": [{**pos_doc, "id": f"p{i}", "user_id": uid}]}
        (root / "positions" / f"{uid}.json").write_text(json.dumps(doc))
    closed = _position("c", "u0", PositionStatus.CLOSED).model_dump(mode="json")
    per_tenant = max(1, HISTORY // tenants)
    written = 0
    for i in range(tenants):
        n = min(per_tenant, HISTORY - written) if i < tenants - 1 else HISTORY - written
        if n <= 0:
            break
        lines = "".join(
            json.dumps({"position": {**closed, "id": f"c{i}-{k}", "user_id": f"u{i}"}}) + "\n"
            for k in range(n)
        )
        (root / "history" / f"u{i}.jsonl").write_text(lines)
        written += n


class Scenario:
    """One data directory with `tenants` tenants, loaded, and the position written to."""

    def __init__(self, root: Path, tenants: int) -> None:
        _populate(root, tenants)
        self.tenants = tenants
        store = DocumentStore(root)
        t0 = time.perf_counter()
        store.load_all()
        self.load_s = time.perf_counter() - t0
        self.repo = PositionRepository(store)
        self.position = self.repo.open_positions(f"u{tenants // 2}")[0]
        self.latencies_ms: list[float] = []

    def write_once(self, k: int) -> None:
        self.position = self.position.model_copy(update={"quantity": Decimal("0.01") + k})
        t = time.perf_counter()
        self.repo.save(self.position)
        self.latencies_ms.append((time.perf_counter() - t) * 1000)

    def result(self) -> dict[str, float]:
        lat = sorted(self.latencies_ms)
        return {"tenants": self.tenants, "p50_ms": round(statistics.median(lat), 3),
                "p99_ms": round(lat[max(0, int(len(lat) * 0.99) - 1)], 3),
                "load_s": round(self.load_s, 2)}


def run(tenant_counts: list[int], samples: int) -> list[dict[str, float]]:
    """Lay out every scenario, then write round-robin: round k writes once in each directory,
    starting one further along each round."""
    with ExitStack() as stack:
        scenarios = [Scenario(Path(stack.enter_context(tempfile.TemporaryDirectory())), n)
                     for n in tenant_counts]
        for k in range(samples):
            shift = k % len(scenarios)
            for scenario in scenarios[shift:] + scenarios[:shift]:
                scenario.write_once(k)
        return [s.result() for s in scenarios]


def _counts(text: str) -> list[int]:
    counts = [int(part) for part in text.split(",") if part.strip()]
    if len(counts) < 2 or any(n < 1 for n in counts):
        raise argparse.ArgumentTypeError("give at least two tenant counts >= 1, e.g. 1,1000")
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Latency of one tenant's position write with few and many tenants on disk "
                    f"(each with {HISTORY:,} closed positions in history), measured interleaved.")
    parser.add_argument("--samples", type=int, default=SAMPLES,
                        help=f"writes measured per scenario (default {SAMPLES})")
    parser.add_argument("--tenants", type=_counts, default=[1, 1_000, 10_000],
                        help="comma-separated tenant counts; the ratio compares the last with "
                             "the first (default 1,1000,10000)")
    args = parser.parse_args(argv)
    if args.samples < 1:
        parser.error("--samples must be at least 1")
    results = run(args.tenants, args.samples)
    for r in results:
        print(f"{r['tenants']:>6} tenants: p50 {r['p50_ms']:.3f} ms  p99 {r['p99_ms']:.3f} ms  "
              f"(start-up load {r['load_s']} s)")
    ratio = results[-1]["p50_ms"] / results[0]["p50_ms"]
    summary = {"bench": "store", "history_positions": HISTORY, "samples": args.samples,
               "interleaved": True, "results": results,
               f"p50_ratio_{results[-1]['tenants']}_vs_{results[0]['tenants']}": round(ratio, 2),
               "target": "p50 < 3 ms; ratio <= 1.5",
               "pass": all(r["p50_ms"] < 3 for r in results) and ratio <= 1.5}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
