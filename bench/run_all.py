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


def run(script: str, args: list[str]) -> tuple[dict | None, str]:
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


def main() -> None:
    rows = []
    details = []
    for script, args in SCRIPTS:
        print(f"running {script} …", flush=True)
        result, text = run(script, args)
        rows.append((script, result))
        details.append(f"### {script}\n\n```\n{text.strip()}\n```\n")
        print(text)
        print(json.dumps(result))
    today = dt.date.today().isoformat()
    out = [
        "# Benchmarks", "",
        f"Measured {today} on {machine()} by `make bench` (bench/run_all.py).", "",
        "| benchmark | figure | target | met |", "|---|---|---|---|",
    ]
    for script, r in rows:
        if r is None:
            out.append(f"| {script} | did not run | | |")
            continue
        figure = {k: v for k, v in r.items() if k not in ("bench", "target", "pass")}
        met = {True: "yes", False: "**no**"}.get(r.get("pass"), "—")
        out.append(f"| {r.get('bench', script)} | `{json.dumps(figure)}` | "
                   f"{r.get('target', '')} | {met} |")
    out += ["", "## Output", "", *details]
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "BENCHMARKS.md").write_text("\n".join(out) + "\n")
    print("wrote docs/BENCHMARKS.md")


if __name__ == "__main__":
    main()
