"""REST API read path: `GET /api/users/{user_id}/positions` on the real waitress server.

1,000 users with 10 open positions each (10,000 positions), 32 concurrent keep-alive clients
(in a separate process, so they do not share the server's interpreter lock), each sending a
fixed number of requests for random users with that user's own token. Talks to 127.0.0.1 only.
Prints p50, p99 and requests/s, and a JSON line last. Target: p99 < 50 ms, >= 500 requests/s.
"""

from __future__ import annotations

import http.client
import json
import logging
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import waitress

from tests.api.helpers import make_position
from verzek.api.app import create_app
from verzek.config import Settings
from verzek.domain.models import User
from verzek.runtime import build_runtime

USERS = 1_000
POSITIONS_PER_USER = 10
CLIENTS = 32
REQUESTS_PER_CLIENT = 250
WARMUP_PER_CLIENT = 20
NOW = datetime(2026, 1, 1, tzinfo=UTC)
ADMIN_TOKEN = "bench-admin-token-0123456789"


def populate(root: Path) -> list[str]:
    """Users and their open positions written straight to disk (set-up is not measured)."""
    (root / "users").mkdir(parents=True)
    (root / "positions").mkdir()
    template = make_position("u", "p", NOW).model_dump(mode="json")
    ids = []
    for i in range(USERS):
        uid = f"u{i:05d}"
        ids.append(uid)
        user = User(id=uid, email=f"{uid}@example.com", created_at=NOW)
        (root / "users" / f"{uid}.json").write_text(
            json.dumps(user.model_dump(mode="json")))
        positions = [{**template, "id": f"p{i}_{j}", "user_id": uid}
                     for j in range(POSITIONS_PER_USER)]
        (root / "positions" / f"{uid}.json").write_text(
            json.dumps({"schema_version": 1, "positions": positions}))
    return ids


def client_worker(port: int, pairs: list[tuple[str, str]], count: int, seed: int,
                  out: list[float], errors: list[str]) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in range(count):
        user_id, token = rng.choice(pairs)
        start = time.perf_counter()
        conn.request("GET", f"/api/users/{user_id}/positions",
                     headers={"Authorization": f"Bearer {token}"})
        resp = conn.getresponse()
        body = resp.read()
        elapsed = time.perf_counter() - start
        if resp.status != 200 or (i == 0 and len(json.loads(body)["items"])
                                  != POSITIONS_PER_USER):
            errors.append(f"{resp.status} {body[:200]!r}")
        if i >= WARMUP_PER_CLIENT:
            out.append(elapsed)
    conn.close()


def run_clients(port: int, pairs: list[tuple[str, str]], queue: Any) -> None:
    """The load: CLIENTS threads in this (separate) process; sends back latencies and time."""
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    errors: list[str] = []
    threads = [threading.Thread(target=client_worker,
                                args=(port, pairs, REQUESTS_PER_CLIENT, n, latencies[n], errors))
               for n in range(CLIENTS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    cpu = os.times()
    queue.put({"client_cpu_s": cpu.user + cpu.system, "wall_s": wall,
               "latencies": [x for lat in latencies for x in lat],
               "errors": errors[:5], "error_count": len(errors)})


def main(threads: int = 8) -> dict[str, Any]:
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        ids = populate(root)
        settings = Settings(data_dir=root, admin_tokens=(ADMIN_TOKEN,), price_feed="sim")
        runtime = build_runtime(settings)
        app = create_app(runtime, settings)
        tokens = app.extensions["verzek"].tokens
        pairs = [(uid, tokens.issue(uid)[0]) for uid in ids]
        server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads)
        port = int(server.effective_port)  # type: ignore[union-attr]
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        clients = ctx.Process(target=run_clients, args=(port, pairs, queue))
        clients.start()  # forked before the server thread exists
        serving = threading.Thread(target=server.run, daemon=True)
        serving.start()
        before = os.times()
        result = queue.get(timeout=600)
        after = os.times()
        clients.join(timeout=60)
        server.close()
        runtime.stop()
    latencies = sorted(result["latencies"])
    n = len(latencies)
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(n - 1, int(n * 0.99))] * 1000
    total = CLIENTS * REQUESTS_PER_CLIENT
    rps = total / result["wall_s"]
    return {"bench": "api_user_positions", "users": USERS, "positions": USERS * POSITIONS_PER_USER,
            "clients": CLIENTS, "requests": total, "p50_ms": round(p50, 2),
            "p99_ms": round(p99, 2), "requests_per_s": round(rps, 1),
            "errors": result["error_count"], "server_threads": threads,
            "server_cpu_s": round(after.user + after.system - before.user - before.system, 2),
            "client_cpu_s": round(result["client_cpu_s"], 2), "wall_s": round(result["wall_s"], 2),
            "load_avg_1m": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
            "target_met": p99 < 50 and rps >= 500 and result["error_count"] == 0}


if __name__ == "__main__":
    figures = main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
    print(f"GET /api/users/{{id}}/positions: {figures['users']} users, "
          f"{figures['positions']} positions, {figures['clients']} clients, "
          f"{figures['requests']} requests")
    print(f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, "
          f"{figures['requests_per_s']} requests/s, {figures['errors']} errors "
          f"(server CPU {figures['server_cpu_s']} s, client CPU {figures['client_cpu_s']} s, "
          f"wall {figures['wall_s']} s, load average {figures['load_avg_1m']} on "
          f"{figures['cpus']} CPUs)")
    print(json.dumps(figures))
