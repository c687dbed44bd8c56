"""Supervisor and loop services: a failing step survives; a dead service is restarted."""

from __future__ import annotations

from typing import Any

from verzek.clock import ManualClock
from verzek.supervisor import LoopService, Supervisor


def test_loop_service_survives_a_failing_step(clock: ManualClock) -> None:
    calls = []

    def step() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")

    svc = LoopService("demo", step, interval_s=1, clock=clock)
    svc.run_once()
    svc.run_once()
    assert svc.failures == 1 and svc.runs == 2 and svc.last_error is None


class _Crashy:
    name = "crashy"

    def __init__(self) -> None:
        self.alive = False
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        self.alive = True

    def stop(self, timeout_s: float = 10.0) -> None:
        self.alive = False

    def is_alive(self) -> bool:
        return self.alive

    def status(self) -> dict[str, Any]:
        return {"state": "running" if self.alive else "stopped"}


def test_dead_service_is_restarted_with_backoff(clock: ManualClock) -> None:
    sup = Supervisor(clock=clock)
    svc = _Crashy()
    sup.add(svc)
    svc.start()
    svc.alive = False  # it crashed
    sup.check_once()
    assert svc.starts == 2 and sup.status()["crashy"]["restarts"] == 1
    svc.alive = False
    sup.check_once()  # too soon: backoff
    assert svc.starts == 2
    clock.advance(5)
    sup.check_once()
    assert svc.starts == 3


def test_disabled_parts_show_in_status(clock: ManualClock) -> None:
    sup = Supervisor(clock=clock)
    sup.disable("telegram_bot", "TELEGRAM_BOT_TOKEN is not set")
    assert sup.status()["telegram_bot"] == {"state": "off",
                                            "reason": "TELEGRAM_BOT_TOKEN is not set"}
