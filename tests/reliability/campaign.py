"""The crash campaign: the real service process, driven through its REST API, killed with
SIGKILL at random moments and restarted; after every restart and at the end the data
directory is checked against the platform's promises."""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "campaign-admin-token-0123456789"
SYMBOLS = {"BTC": Decimal("65000"), "ETH": Decimal("3400"), "SOL": Decimal("190"),
           "XRP": Decimal("2.3"), "DOGE": Decimal("0.32")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Api:
    """A tiny JSON client for the service on loopback."""

    def __init__(self, port: int, token: str = ADMIN) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.token = token
        self.responses: list[str] = []  # every answer body, for the secrets sweep

    def call(self, method: str, path: str, body: Any = None, timeout: float = 30,
             headers: dict[str, str] | None = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        for attempt in range(3):
            req = urllib.request.Request(self.base + path, data=data, method=method, headers={
                "Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
                **(headers or {})})
            try:
                with urllib.request.urlopen(req, timeout=timeout) as resp:
                    text = resp.read().decode()
                    status = resp.status
                break
            except urllib.error.HTTPError as exc:
                text = exc.read().decode()
                status = exc.code
                break
            except (ConnectionResetError, http.client.RemoteDisconnected):
                # a loaded machine's server may drop a kept connection; a repeated signal
                # is answered as a duplicate, so one more try is safe
                if attempt == 2:
                    raise
        self.responses.append(text)
        return status, json.loads(text) if text else None


RUNNING: list[Service] = []  # every service started, killed after each test (conftest)


@dataclass
class Service:
    data_dir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    def start(self, timeout_s: float = 90) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VERZEK_", "TELEGRAM_"))}
        env.update({"VERZEK_DATA_DIR": str(self.data_dir), "PORT": str(self.port),
                    "VERZEK_HOST": "127.0.0.1", "VERZEK_PRICE_FEED": "sim",
                    "VERZEK_ADMIN_TOKEN": ADMIN, "VERZEK_PRICE_POLL_S": "0.2",
                    "VERZEK_LOG_FILE": str(self.log or self.data_dir.parent / "service.log"),
                    **self.extra_env})
        self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"service exited with {self.proc.returncode} at start")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health",
                                            timeout=1) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                threading.Event().wait(0.05)  # polling a child process, not the code's time
        raise AssertionError("service did not answer /health")

    def __post_init__(self) -> None:
        RUNNING.append(self)

    def ensure_dead(self) -> None:
        """Kill the process if it still runs (a failed test must not leave it writing)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)


def signal_text(rng: random.Random, base: str, price: Decimal, short: bool,
                breakouts: float = 0.0) -> str:
    """A call; a `breakouts` share of them wait for the price to cross ("LONG above X")."""
    side = "SHORT" if short else "LONG"
    sign = -1 if short else 1
    t1 = price * (1 + sign * Decimal("0.01"))
    t2 = price * (1 + sign * Decimal("0.02"))
    stop = price * (1 - sign * Decimal("0.03"))
    lev = rng.choice([3, 5, 10])
    if breakouts and rng.random() < breakouts:
        trigger = price * (1 + sign * Decimal("0.005"))
        return (f"#{base}/USDT {side} {'below' if short else 'above'} {trigger:.6g}\n"
                f"Targets: {t1:.6g} - {t2:.6g}\nStop Loss: {stop:.6g}\nLeverage: {lev}x")
    entry = f"{price:.6g}"
    if rng.random() < 0.3:  # a zone a little away from the market: limit entries rest in it
        near, far = (price * (1 - sign * Decimal(d)) for d in ("0.002", "0.006"))
        entry = f"{near:.6g} - {far:.6g}"
    return (f"#{base}/USDT {side}\nEntry: {entry}\nTargets: {t1:.6g} - {t2:.6g}\n"
            f"Stop Loss: {stop:.6g}\nLeverage: {lev}x")


FOLLOW_UPS = ("Close 50% of #{b} now", "Take 30% profit on #{b} and move SL to entry",
              "#{b} move SL to entry", "Close #{b} now")


def create_users(api: Api, n: int, rng: random.Random) -> list[str]:
    ids = []
    for i in range(n):
        status, user = api.call("POST", "/api/users", {
            "email": f"user{i}@campaign.test", "password": f"pw-{i}-secret-pass",
            "name": f"User {i}"})
        assert status == 201, (status, user)
        uid = user["id"]
        ids.append(uid)
        plan = ("free", "pro", "vip")[i % 3]
        if plan != "free":
            status, _ = api.call("POST", f"/api/users/{uid}/subscription",
                                 {"action": "activate", "plan": plan, "days": 30})
            assert status == 200, status
        _, general = api.call("GET", f"/api/users/{uid}/settings/general")
        general = general.get("settings", general)
        general["auto_trade"] = True
        status, body = api.call("PUT", f"/api/users/{uid}/settings/general", general)
        assert status == 200, (status, body)
        _, risk = api.call("GET", f"/api/users/{uid}/settings/risk")
        risk = risk.get("settings", risk)
        risk.update({"position_size_usdt": str(rng.choice([50, 100, 200])),
                     "max_concurrent_positions": 20, "max_daily_trades": 100,
                     "price_collar_pct": "20", "max_signal_age_s": 3600})
        status, body = api.call("PUT", f"/api/users/{uid}/settings/risk", risk)
        assert status == 200, (status, body)
        entry_type = rng.choice(["market", "market", "limit", "split"])
        if entry_type != "market":  # resting entries: filled by the walk, or expired by it
            _, strategy = api.call("GET", f"/api/users/{uid}/settings/strategy")
            strategy = strategy.get("settings", strategy)
            strategy.update({"entry_type": entry_type, "split_entries": 2})
            status, body = api.call("PUT", f"/api/users/{uid}/settings/strategy", strategy)
            assert status == 200, (status, body)
        if plan != "free":
            _, dca = api.call("GET", f"/api/users/{uid}/settings/dca")
            dca = dca.get("settings", dca)
            dca.update({"enabled": True, "max_safety_orders": 2, "safety_order_usdt": "50",
                        "deviation_pct": "1", "execution": rng.choice(["limit", "monitored"])})
            status, body = api.call("PUT", f"/api/users/{uid}/settings/dca", dca)
            assert status == 200, (status, body)
    return ids


# --- checks on the data directory -------------------------------------------------------------


def read_journal(path: Path, *, allow_torn_tail: bool) -> list[dict[str, Any]]:
    data = path.read_bytes()
    lines = data.split(b"\n")
    tail = lines.pop()  # after the last newline: empty, or a torn record
    if tail and not allow_torn_tail:
        raise AssertionError(f"{path} ends in a torn record")
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except ValueError:
            if number == len(lines) and allow_torn_tail:
                continue
            raise AssertionError(f"{path} line {number} does not parse") from None
    return out


def check_data_dir(data: Path, *, after_kill: bool, strict: bool) -> dict[str, int]:
    """Every promise that can be read off the files. `strict` once the service stopped
    cleanly after quiescing: then every exchange order must be inside a position."""
    # The exchange's books first, the journals after: while the service runs, an order in a
    # book read now had its intent journaled before it was sent, so the later read has it.
    books = [json.loads(p.read_text()) for p in sorted((data / "paper").glob("*.json"))] \
        if (data / "paper").exists() else []
    for path in data.rglob("*.json"):
        if path.name.startswith("."):
            continue
        json.loads(path.read_text())  # every document parses (never torn)
    journals = {p: read_journal(p, allow_torn_tail=after_kill) for p in data.rglob("*.jsonl")}
    intents: dict[str, dict[str, Any]] = {}
    for record in journals.get(data / "journal" / "orders.jsonl", []):
        if record.get("t") == "intent":
            intents[record["coid"]] = record
    positions: dict[str, dict[str, Any]] = {}
    for path in (data / "positions").glob("*.json") if (data / "positions").exists() else []:
        for p in json.loads(path.read_text())["positions"]:
            positions[p["id"]] = p
    closed_ids: Counter[str] = Counter()
    for path, records in journals.items():
        if path.parent.name == "history":
            for r in records:
                closed_ids[r["position"]["id"]] += 1
                positions.setdefault(r["position"]["id"], r["position"])
    assert all(n == 1 for n in closed_ids.values()), "a position was archived twice"
    assert not set(closed_ids) & {p["id"] for p in positions.values()
                                  if p["status"] != "closed"}, "open and archived at once"
    tracked = {o["client_order_id"]: p for p in positions.values() for o in p["orders"]}
    # a late fill of a closed position's order is taken over by a recovery position that
    # tracks the same order id: the fill is in one of the positions tracking it
    trackers: dict[str, list[dict[str, Any]]] = {}
    for p in positions.values():
        for o in p["orders"]:
            trackers.setdefault(o["client_order_id"], []).append(p)
    fills_by_position = {p["id"]: {f["trade_id"] for f in p["fills"]}
                         for p in positions.values()}
    exchange_orders = 0
    filled_legs: Counter[tuple[str, str]] = Counter()
    for book in books:
        for coid, order in book["orders"].items():
            exchange_orders += 1
            intent = intents.get(coid)
            assert intent is not None, f"order {coid} on the exchange was never journaled"
            if strict:
                assert coid in tracked, _evidence(
                    f"order {coid} is on the exchange but in no position", coid, order,
                    journals.get(data / "journal" / "orders.jsonl", []),
                    positions.get(intent["position"]))
            if Decimal(order["filled"]) > 0:
                filled_legs[(intent["position"], intent["leg"])] += 1
        if strict:
            for fill in book["fills"]:
                coid = fill["client_order_id"]
                if coid == "liquidation":
                    continue
                owner = tracked[coid]
                # (a trade split at the close is in both: its rest is the recovery's)
                assert any(fill["trade_id"] in fills_by_position[p["id"]]
                           for p in trackers[coid]), _evidence(
                    f"fill {fill['trade_id']} of {coid} is lost", coid, fill,
                    journals.get(data / "journal" / "orders.jsonl", []), owner)
    duplicates = [k for k, n in filled_legs.items() if n > 1]
    assert not duplicates, f"legs filled twice: {duplicates[:5]}"
    if strict:
        check_stats(data, positions)
    return {"exchange_orders": exchange_orders, "positions": len(positions),
            "closed": len(closed_ids)}


def _evidence(what: str, coid: str, seen: dict[str, Any], journal: list[dict[str, Any]],
              position: dict[str, Any] | None) -> str:
    """An assertion message that carries what a failure needs to be understood (a failed
    run's data directory does not outlive the next few pytest runs): the exchange's record,
    the order's journal lines, and the position its intent names, order by order."""
    lines = [what, f"exchange: {json.dumps(seen, default=str)[:600]}"]
    lines += [f"journal: {json.dumps(r, default=str)[:400]}" for r in journal
              if r.get("coid") == coid]
    if position is None:
        lines.append("position: none")
    else:
        lines.append(f"position {position['id']}: status {position['status']}, quantity "
                     f"{position['quantity']}, extra {json.dumps(position['extra'])[:600]}")
        lines += [f"  order {o['leg']} {o['client_order_id']} {o['status']} qty "
                  f"{o['quantity']} filled {o['filled_quantity']} at {o.get('created_at')}"
                  for o in position["orders"]]
        lines += [f"  fill {f['trade_id']} of {f['client_order_id']} qty {f['quantity']}"
                  for f in position["fills"]]
    return "\n".join(lines)


def check_stats(data: Path, positions: dict[str, dict[str, Any]]) -> None:
    """Daily stats agree with the closed positions: the engine's own StatsBook over the data
    directory (what GET /api/users/<id>/stats answers) against the history's count and PnL."""
    from verzek.engine.stats import StatsBook
    from verzek.store.docstore import DocumentStore
    from verzek.store.repos import PositionRepository

    book = StatsBook(PositionRepository(DocumentStore(data)))
    expected: dict[str, tuple[int, Decimal]] = {}
    for p in positions.values():
        if Decimal(p["entry_quantity"]) == 0:
            continue  # a cancelled entry never traded
        # a closed trade counts; an open one's partial exits count on their days, not as a trade
        n, pnl = expected.get(p["user_id"], (0, Decimal(0)))
        expected[p["user_id"]] = (n + (p["status"] == "closed"),
                                  pnl + Decimal(p["realised_pnl_usdt"]))
    for uid, (n, pnl) in expected.items():
        summary = book.summary(uid, datetime.now(UTC), days=2)["all_time"]
        assert summary["trades"] == n, uid
        assert Decimal(summary["realised_pnl_usdt"]) == pnl, uid


# --- the campaign ---------------------------------------------------------------------------


def drive(api: Api, rng: random.Random, prices: dict[str, Decimal], signals: list[str],
          stop: threading.Event) -> None:
    """Post signals and move prices until told to stop (or the process dies)."""
    while not stop.is_set():
        try:
            if signals and rng.random() < 0.3:
                api.call("POST", "/api/signals", {"text": signals.pop()}, timeout=60)
            elif rng.random() < 0.05:  # the channel manages its calls: partial closes, stops
                text = rng.choice(FOLLOW_UPS).format(b=rng.choice(list(prices)))
                api.call("POST", "/api/signals", {"text": text}, timeout=60)
            base = rng.choice(list(prices))
            move = Decimal(str(1 + rng.uniform(-0.035, 0.035)))
            prices[base] = (prices[base] * move).quantize(Decimal("0.0001"))
            api.call("PUT", "/api/demo/prices", {"prices": {
                f"{base}/USDT:USDT": float(prices[base]), f"{base}/USDT": float(prices[base])}})
        except (OSError, http.client.HTTPException):
            return  # killed mid-answer
        stop.wait(0.05)


def run_campaign(workdir: Path, kills: int, seed: int = 1, users: int = 50,
                 n_signals: int = 20) -> dict[str, Any]:
    rng = random.Random(seed)
    data = workdir / "data"
    service = Service(data, log=workdir / "service.log")
    service.start()
    api = Api(service.port)
    create_users(api, users, rng)
    prices = dict(SYMBOLS)
    signals = [signal_text(rng, b, prices[b], rng.random() < 0.3, breakouts=0.25)
               for b in rng.choices(list(prices), k=n_signals)]
    api.call("PUT", "/api/demo/prices", {"prices": {
        **{f"{b}/USDT:USDT": float(p) for b, p in prices.items()},
        **{f"{b}/USDT": float(p) for b, p in prices.items()}}})
    summary: dict[str, Any] = {"kills": 0, "checks": []}
    for _ in range(kills):
        stop = threading.Event()
        driver = threading.Thread(target=drive, args=(api, rng, prices, signals, stop))
        driver.start()
        threading.Event().wait(rng.uniform(0.2, 1.2))  # a random moment to kill
        service.kill()
        stop.set()
        driver.join(60)
        summary["kills"] += 1
        check_data_dir(data, after_kill=True, strict=False)
        service.start()
        summary["checks"].append(check_data_dir(data, after_kill=False, strict=False))
    # the end: post what is left, let it settle, stop cleanly, check strictly
    for text in signals:
        api.call("POST", "/api/signals", {"text": text}, timeout=60)
    threading.Event().wait(1.0)
    assert service.stop() == 0
    service.start()  # reconciliation and order sync of anything in flight at the stop
    threading.Event().wait(1.0)
    assert service.stop() == 0
    summary["final"] = check_data_dir(data, after_kill=False, strict=True)
    summary["responses"] = api.responses
    return summary
