"""REST API read path: `GET /api/users/{user_id}/positions` on the real waitress server.

1,000 users with 10 open positions each (10,000 positions), 32 concurrent keep-alive clients
(in a separate process, so they do not share the server's interpreter lock), each sending a
fixed number of requests for random users with that user's own token. Talks to 127.0.0.1 only.
Three rounds against the same server (the machine may be shared); the round with the median p99
is the figure. Prints p50, p99 and requests/s, and a JSON line last.
Target: p99 < 50 ms and >= 500 requests/s on 2 cores.
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

from tests.api.helpers import make_position
from verzek.api.app import create_app
from verzek.cli.serve import HTTP_THREADS, create_http_server
from verzek.config import Settings
from verzek.domain.models import User
from verzek.runtime import build_runtime

USERS = 1_000
POSITIONS_PER_USER = 10
CLIENTS = 32
REQUESTS_PER_CLIENT = 250
WARMUP_PER_CLIENT = 20
ROUNDS = 3
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
                  out: list[float], errors: list[str], floor: bool = False) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in range(count):
        user_id, token = rng.choice(pairs)
        start = time.perf_counter()
        conn.request("GET", "/health" if floor else f"/api/users/{user_id}/positions",
                     headers={"Authorization": f"Bearer {token}"})
        resp = conn.getresponse()
        body = resp.read()
        elapsed = time.perf_counter() - start
        if resp.status != 200 or (i == 0 and not floor and len(json.loads(body)["items"])
                                  != POSITIONS_PER_USER):
            errors.append(f"{resp.status} {body[:200]!r}")
        if i >= WARMUP_PER_CLIENT:
            out.append(elapsed)
    conn.close()


def run_round(port: int, pairs: list[tuple[str, str]], seed: int,
              floor: bool = False) -> dict[str, Any]:
    """One round: CLIENTS threads, REQUESTS_PER_CLIENT requests each (`floor`: GET /health,
    the cost of waitress and Flask alone, for context on a shared machine)."""
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    errors: list[str] = []
    threads = [threading.Thread(target=client_worker,
                                args=(port, pairs, REQUESTS_PER_CLIENT, seed * CLIENTS + n,
                                      latencies[n], errors, floor))
               for n in range(CLIENTS)]
    cpu_before, start = os.times(), time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    cpu = os.times()
    flat = sorted(x for lat in latencies for x in lat)
    return {"p50_ms": round(statistics.median(flat) * 1000, 2),
            "p99_ms": round(flat[min(len(flat) - 1, int(len(flat) * 0.99))] * 1000, 2),
            "requests_per_s": round(CLIENTS * REQUESTS_PER_CLIENT / wall, 1),
            "wall_s": round(wall, 2), "errors": len(errors), "error_sample": errors[:3],
            "client_cpu_s": round(cpu.user + cpu.system - cpu_before.user - cpu_before.system,
                                  2)}


def run_clients(port: int, pairs: list[tuple[str, str]], queue: Any) -> None:
    """The load, in its own process (so it does not share the server's interpreter lock)."""
    for seed in range(ROUNDS):
        queue.put(run_round(port, pairs, seed))
    queue.put(run_round(port, pairs, ROUNDS, floor=True))


def main() -> dict[str, Any]:
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        ids = populate(root)
        settings = Settings(data_dir=root, admin_tokens=(ADMIN_TOKEN,), price_feed="sim")
        runtime = build_runtime(settings)
        app = create_app(runtime, settings)
        tokens = app.extensions["verzek"].tokens
        pairs = [(uid, tokens.issue(uid)[0]) for uid in ids]
        server = create_http_server(app, "127.0.0.1", 0)  # as the service serves
        port = int(server.effective_port)  # type: ignore[union-attr]
        ctx = multiprocessing.get_context("fork")
        queue = ctx.Queue()
        clients = ctx.Process(target=run_clients, args=(port, pairs, queue))
        clients.start()  # forked before the server thread exists
        serving = threading.Thread(target=server.run, daemon=True)
        serving.start()
        rounds = []
        for _ in range(ROUNDS):
            before = os.times()
            result = queue.get(timeout=600)
            after = os.times()
            result["server_cpu_s"] = round(after.user + after.system - before.user
                                           - before.system, 2)
            rounds.append(result)
        floor = queue.get(timeout=600)
        clients.join(timeout=60)
        server.close()
        runtime.stop()
    median = sorted(rounds, key=lambda r: r["p99_ms"])[len(rounds) // 2]
    errors = sum(r["errors"] for r in rounds)
    return {"bench": "api_user_positions", "users": USERS, "positions": USERS * POSITIONS_PER_USER,
            "clients": CLIENTS, "requests_per_round": CLIENTS * REQUESTS_PER_CLIENT,
            "rounds": ROUNDS, "server_threads": HTTP_THREADS,
            "switch_interval_ms": sys.getswitchinterval() * 1000,
            "p50_ms": median["p50_ms"], "p99_ms": median["p99_ms"],
            "requests_per_s": median["requests_per_s"], "errors": errors,
            "per_round": [{k: r[k] for k in ("p50_ms", "p99_ms", "requests_per_s",
                                             "server_cpu_s", "client_cpu_s")} for r in rounds],
            "health_floor": {k: floor[k] for k in ("p50_ms", "p99_ms", "requests_per_s")},
            "load_avg_1m": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
            "target_met": median["p99_ms"] < 50 and median["requests_per_s"] >= 500
            and errors == 0}


if __name__ == "__main__":
    figures = main()
    print(f"GET /api/users/{{id}}/positions: {figures['users']} users, "
          f"{figures['positions']} positions, {figures['clients']} clients, "
          f"{figures['rounds']} rounds of {figures['requests_per_round']} requests")
    for n, r in enumerate(figures["per_round"], 1):
        print(f"  round {n}: p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, "
              f"{r['requests_per_s']} requests/s (server CPU {r['server_cpu_s']} s, "
              f"client CPU {r['client_cpu_s']} s)")
    fl = figures["health_floor"]
    print(f"  floor (GET /health, same clients): p50 {fl['p50_ms']} ms, p99 {fl['p99_ms']} ms, "
          f"{fl['requests_per_s']} requests/s")
    print(f"median round: p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, "
          f"{figures['requests_per_s']} requests/s, {figures['errors']} errors; "
          f"load average {figures['load_avg_1m']} on {figures['cpus']} CPUs")
    print(json.dumps(figures))
