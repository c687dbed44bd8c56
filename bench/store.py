"""Store write latency: one tenant's position update with 1, 1,000 and 10,000 tenants on disk.

Each scenario also holds 100,000 closed positions in history. Prints a JSON line last.
Target: p50 < 3 ms, and the 10,000-tenant p50 within 1.5x the 1-tenant p50.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
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


def measure(tenants: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _populate(root, tenants)
        store = DocumentStore(root)
        t0 = time.perf_counter()
        store.load_all()
        load_s = time.perf_counter() - t0
        repo = PositionRepository(store)
        uid = f"u{tenants // 2}"
        position = repo.open_positions(uid)[0]
        latencies = []
        for k in range(SAMPLES):
            position = position.model_copy(update={"quantity": Decimal("0.01") + k})
            t = time.perf_counter()
            repo.save(position)
            latencies.append((time.perf_counter() - t) * 1000)
        latencies.sort()
        return {"tenants": tenants, "p50_ms": round(statistics.median(latencies), 3),
                "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 3),
                "load_s": round(load_s, 2)}


def main() -> None:
    results = [measure(n) for n in (1, 1_000, 10_000)]
    for r in results:
        print(f"{r['tenants']:>6} tenants: p50 {r['p50_ms']:.3f} ms  p99 {r['p99_ms']:.3f} ms  "
              f"(start-up load {r['load_s']} s)")
    ratio = results[-1]["p50_ms"] / results[0]["p50_ms"]
    summary = {"bench": "store", "history_positions": HISTORY, "samples": SAMPLES,
               "results": results, "p50_ratio_10000_vs_1": round(ratio, 2),
               "target": "p50 < 3 ms; ratio <= 1.5",
               "pass": all(r["p50_ms"] < 3 for r in results) and ratio <= 1.5}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
