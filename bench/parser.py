"""Signal parser throughput on one core: messages per second for each kind and a channel mix.

Run from the repository root: `python bench/parser.py [--seconds 2]`. The last line is JSON.
The mix is what a signal channel posts: for every call, a few target/stop follow-ups and some
chatter, promotions and result round-ups (20% signals, 50% updates, 30% noise).
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from verzek.signals import parse_message  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "signals" / "corpus.jsonl"
MIX = {"signal": 0.2, "update": 0.5, "noise": 0.3}


def load() -> dict[str, list[str]]:
    by_kind: dict[str, list[str]] = {"signal": [], "update": [], "noise": []}
    with CORPUS.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            by_kind[row["kind"]].append(row["text"])
    return by_kind


def mixed(by_kind: dict[str, list[str]], size: int = 5000) -> list[str]:
    rng = random.Random(7)
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=size)
    return [rng.choice(by_kind[kind]) for kind in kinds]


def rate(messages: list[str], seconds: float) -> float:
    """Best of several rounds of CPU time (process_time) over the whole list."""
    for text in messages[:200]:  # warm caches (regex compile, lru caches)
        parse_message(text)
    best = 0.0
    deadline = time.perf_counter() + seconds
    gc.disable()
    try:
        while True:
            start = time.process_time()
            for text in messages:
                parse_message(text)
            elapsed = time.process_time() - start
            best = max(best, len(messages) / elapsed if elapsed > 0 else 0.0)
            if time.perf_counter() >= deadline:
                return best
    finally:
        gc.enable()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args(argv)
    by_kind = load()
    figures: dict[str, float] = {}
    for kind, texts in by_kind.items():
        figures[f"{kind}_msgs_per_s"] = rate(texts, args.seconds)
    figures["mix_msgs_per_s"] = rate(mixed(by_kind), args.seconds)
    print(f"python {platform.python_version()} on {platform.processor() or platform.machine()}")
    for kind, texts in by_kind.items():
        print(f"{kind:<8} {len(texts):>4} messages  {figures[f'{kind}_msgs_per_s']:>10,.0f} msgs/s")
    mix = ", ".join(f"{int(v * 100)}% {k}" for k, v in MIX.items())
    print(f"mix ({mix}): {figures['mix_msgs_per_s']:,.0f} msgs/s (target 20,000)")
    print(json.dumps({"bench": "signals.parser", "target_msgs_per_s": 20000,
                      **{k: round(v) for k, v in figures.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
