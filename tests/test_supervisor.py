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


class _Slow(_Crashy):
    """Takes the whole time it is given to stop (it advances the clock by it)."""

    def __init__(self, name: str, clock: ManualClock, needs_s: float) -> None:
        super().__init__()
        self.name = name
        self._clock = clock
        self.needs_s = needs_s
        self.given: list[float] = []

    def stop(self, timeout_s: float = 10.0) -> None:
        self.given.append(timeout_s)
        self._clock.advance(min(timeout_s, self.needs_s))
        self.alive = self.needs_s > timeout_s


def test_stop_shares_one_deadline_across_every_service(clock: ManualClock) -> None:
    sup = Supervisor(clock=clock)
    first, hung, last = (_Slow("first", clock, 1), _Slow("hung", clock, 100),
                         _Slow("last", clock, 2))
    for svc in (first, hung, last):
        sup.add(svc)
    started = clock.monotonic()
    assert sup.stop(10) is False  # the hung one was cut off: not a clean stop
    # stopped last-added first, each given what is left of the one 10 s deadline; after the
    # hung one used it up, the first is still told to stop but not waited for
    assert last.given == [10] and hung.given == [8] and first.given == [0]
    assert clock.monotonic() - started == 10  # not 10 s per service


def test_stop_is_clean_only_when_every_service_stopped(clock: ManualClock) -> None:
    sup = Supervisor(clock=clock)
    for svc in (_Slow("a", clock, 1), _Slow("b", clock, 9)):
        sup.add(svc)
        svc.start()
    assert sup.stop(10) is True  # 10 s of the deadline used up exactly, but nothing left busy
