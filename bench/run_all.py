"""`make bench`: run every benchmark in bench/, collect each one's last JSON line, and write
docs/BENCHMARKS.md with every figure beside its target, the machine and the date."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = [
    ("fanout.py", ["--users", "1000", "--latency-ms", "50"]),
    ("api.py", []),
    ("store.py", []),
    ("parser.py", []),
    ("memory.py", []),
    ("monitor.py", []),
    ("exchange.py", []),
    ("startup.py", []),
]


def machine() -> str:
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    return (f"{os.cpu_count()} cores, {mem_kb / 1024 / 1024:.0f} GiB memory, "
            f"{platform.python_implementation()} {platform.python_version()}, "
            f"{platform.system()} {platform.machine()}")


def run(script: str, args: list[str]) -> tuple[dict[str, Any] | None, str]:
    path = ROOT / "bench" / script
    if not path.exists():
        return None, f"{script} missing"
    proc = subprocess.run([sys.executable, str(path), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=1800)
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    for line in reversed(lines):
        try:
            return json.loads(line), "\n".join(lines[:-1])
        except ValueError:
            continue
    return None, (proc.stdout + proc.stderr)[-2000:]


def headline(script: str, r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(figure, value, target, met) rows for one benchmark's JSON result."""
    def met(ok: bool | None) -> str:
        return {True: "yes", False: "**no**"}.get(ok, "—") if ok is not None else "—"

    if script == "fanout.py":
        return [(f"fan-out: signal to every entry acknowledged, {x['users']} users at "
                 f"{r['latency_ms']:g} ms/request", f"{x['entries_acknowledged_s']} s "
                 f"({x['entry_orders_per_s']} entries/s; protection placed by "
                 f"{x['all_protection_placed_s']} s)",
                 "≤ 0.5 s at 1,000 users" if x["users"] == 1000 else "",
                 met(x["entries_acknowledged_s"] <= 0.5) if x["users"] == 1000 else "—")
                for x in r["results"]]
    if script == "api.py":
        return [("API GET /api/users/{id}/positions, 1,000 users, 10,000 positions, 32 "
                 "clients", f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, "
                 f"{r['requests_per_s']} req/s", "p99 < 50 ms, ≥ 500 req/s",
                 met(r["p99_ms"] < 50 and r["requests_per_s"] >= 500))]
    if script == "store.py":
        return [(f"store: one tenant's position write, {x['tenants']} tenants + 100,000 "
                 "closed positions", f"p50 {x['p50_ms']} ms, p99 {x['p99_ms']} ms",
                 "p50 < 3 ms", met(x["p50_ms"] < 3)) for x in r["results"]] + [
            ("store: 10,000-tenant p50 ÷ 1-tenant p50", str(r["p50_ratio_10000_vs_1"]),
             "≤ 1.5", met(r["p50_ratio_10000_vs_1"] <= 1.5))]
    if script == "parser.py":
        return [("parser throughput, one core (mix 20% signals, 50% updates, 30% noise)",
                 f"{r['mix_msgs_per_s']:,} msgs/s (signals {r['signal_msgs_per_s']:,}, "
                 f"updates {r['update_msgs_per_s']:,}, noise {r['noise_msgs_per_s']:,})",
                 "≥ 20,000 msgs/s", met(r["mix_msgs_per_s"] >= 20000))]
    if script == "memory.py":
        return [("resident memory, 1,000 users, 10,000 open positions under the monitor",
                 f"{r['rss_mb']} MB (interpreter and libraries: {r['baseline_mb']} MB)",
                 "≤ 300 MB", met(r["rss_mb"] <= 300))]
    if script == "monitor.py":
        return [("price-monitor pass, 10,000 positions on 200 symbols",
                 f"{r['cpu_ms_p50']} ms CPU (p50), max {r['cpu_ms_max']} ms",
                 "≤ 100 ms CPU", met(r["cpu_ms_p50"] <= 100))]
    if script == "exchange.py":
        return [("exchange adapter overhead per order on top of ccxt (fake transport)",
                 f"{r['overhead_p50_ms']} ms p50 (ccxt {r['ccxt_p50_ms']} ms, ours "
                 f"{r['adapter_p50_ms']} ms)", "< 1 ms p50", met(r["overhead_p50_ms"] < 1))]
    if script == "startup.py":
        return [("start-up to /health (empty / 1,000 users + 10,000 positions)",
                 f"{r['empty_s']} s / {r['loaded_s']} s", "—", "—")]
    return [(script, json.dumps(r), "", "—")]


def render(rows: list[tuple[str, dict[str, Any] | None]], details: list[str]) -> str:
    today = dt.date.today().isoformat()
    out = [
        "# Benchmarks", "",
        f"Measured {today} on {machine()} by `make bench` (bench/run_all.py); each script's "
        "full output is below the table.", "",
        "| figure | measured | target | met |", "|---|---|---|---|",
    ]
    for script, r in rows:
        if r is None:
            out.append(f"| {script} | did not run | | |")
            continue
        for figure, value, target, ok in headline(script, r):
            out.append(f"| {figure} | {value} | {target} | {ok} |")
    out += ["", "## Output", "", *details]
    return "\n".join(out) + "\n"


def main() -> None:
    rows: list[tuple[str, dict[str, Any] | None]] = []
    details = []
    for script, args in SCRIPTS:
        print(f"running {script} …", flush=True)
        result, text = run(script, args)
        rows.append((script, result))
        details.append(f"### {script}\n\n```\n{text.strip()}\n```\n")
        print(text)
        print(json.dumps(result))
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "BENCHMARKS.md").write_text(render(rows, details))
    print("wrote docs/BENCHMARKS.md")


if __name__ == "__main__":
    main()
