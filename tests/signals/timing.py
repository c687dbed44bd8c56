"""The linear-time checks of the reader: a quadratic pattern is slow on every run, a pause of a
loaded machine (CI's 2 cores, other jobs) on one run only, so the fastest of a few runs is
what is compared."""

from __future__ import annotations

import time

from verzek.signals.parser import parse_message


def fastest_parse_s(text: str, runs: int = 3) -> float:
    """The fastest of `runs` parses of `text`, in seconds."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        parse_message(text)
        best = min(best, time.perf_counter() - started)
    return best
