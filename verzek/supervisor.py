"""Background services behind one small interface, and a supervisor that restarts crashed ones."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from verzek.clock import Clock
from verzek.logs import Throttle

logger = logging.getLogger(__name__)


class Service(Protocol):
    """A background part of the process: started once, stopped once, asked for its state."""

    name: str

    def start(self) -> None: ...

    def stop(self, timeout_s: float = 10.0) -> None: ...

    def is_alive(self) -> bool: ...

    def status(self) -> dict[str, Any]: ...


class LoopService:
    """A thread that calls `step()` every `interval_s` until stopped.

    A failing step is logged (throttled) and the loop goes on; tests call `run_once()`.
    """

    def __init__(
        self, name: str, step: Callable[[], Any], *, interval_s: float, clock: Clock,
    ) -> None:
        self.name = name
        self._step = step
        self.interval_s = interval_s
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._throttle = Throttle(60.0, clock)
        self.runs = 0
        self.failures = 0
        self.last_error: str | None = None
        self.last_run_at: str | None = None

    def run_once(self) -> None:
        try:
            self._step()
            self.last_error = None
        except Exception as exc:  # a loop survives a failing step
            self.failures += 1
            self.last_error = f"{type(exc).__name__}: {exc}"
            allowed, held = self._throttle.allow(type(exc).__name__)
            if allowed:
                logger.exception("%s: step failed (%d similar held back)", self.name, held)
        finally:
            self.runs += 1
            self.last_run_at = self._clock.now().isoformat()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval_s)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def status(self) -> dict[str, Any]:
        return {"state": "running" if self.is_alive() else "stopped", "runs": self.runs,
                "failures": self.failures, "last_error": self.last_error,
                "last_run_at": self.last_run_at}


class Supervisor:
    """Starts services, restarts any whose thread died (with backoff), stops them in order."""

    def __init__(self, *, clock: Clock, check_interval_s: float = 1.0,
                 max_backoff_s: float = 60.0) -> None:
        self._clock = clock
        self._services: list[Service] = []
        self._disabled: dict[str, str] = {}
        self._restarts: dict[str, int] = {}
        self._next_try: dict[str, float] = {}
        self._last_error: dict[str, str] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.check_interval_s = check_interval_s
        self.max_backoff_s = max_backoff_s
        self._lock = threading.Lock()

    def add(self, service: Service) -> None:
        self._services.append(service)

    def disable(self, name: str, reason: str) -> None:
        """Record a part that is off on purpose (no credentials, say) for the status page."""
        self._disabled[name] = reason
        logger.warning("%s is off: %s", name, reason)

    def start(self) -> None:
        for service in self._services:
            self._start_one(service)
        self._thread = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._thread.start()

    def _start_one(self, service: Service) -> None:
        try:
            service.start()
            logger.info("%s started", service.name)
        except Exception as exc:
            self._last_error[service.name] = f"{type(exc).__name__}: {exc}"
            logger.exception("%s failed to start", service.name)

    def check_once(self) -> None:
        """Restart each service whose thread died, no sooner than its backoff allows."""
        now = self._clock.monotonic()
        with self._lock:
            for service in self._services:
                if self._stopping.is_set() or service.is_alive():
                    continue
                if now < self._next_try.get(service.name, 0.0):
                    continue
                count = self._restarts.get(service.name, 0) + 1
                self._restarts[service.name] = count
                backoff = min(self.max_backoff_s, 2.0 ** min(count, 10))
                self._next_try[service.name] = now + backoff
                logger.error("%s is not running; restart #%d (next no sooner than %.0f s)",
                             service.name, count, backoff)
                self._start_one(service)

    def _watch(self) -> None:
        while not self._stopping.wait(self.check_interval_s):
            try:
                self.check_once()
            except Exception:
                logger.exception("supervisor check failed")

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Stop every service, last added first, all within `timeout_s` together: one
        deadline, and each service gets what is left of it (those after a slow one may get
        0 s: they are told to stop and not waited for; their threads are daemons). True when
        every service stopped; False when one was still busy at the deadline (cut off)."""
        deadline = self._clock.monotonic() + timeout_s

        def left() -> float:
            return max(0.0, deadline - self._clock.monotonic())

        self._stopping.set()
        for service in reversed(self._services):
            try:
                service.stop(left())
            except Exception:
                logger.exception("%s failed to stop cleanly", service.name)
        if self._thread is not None:
            self._thread.join(left())
        busy = [s.name for s in self._services if s.is_alive()]
        if busy:
            logger.warning("the services' %.1f s to stop ran out; still busy, cut off: %s",
                           timeout_s, ", ".join(busy))
        return not busy

    def status(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for service in self._services:
            entry = dict(service.status())
            entry["restarts"] = self._restarts.get(service.name, 0)
            if service.name in self._last_error and not entry.get("last_error"):
                entry["last_error"] = self._last_error[service.name]
            out[service.name] = entry
        for name, reason in self._disabled.items():
            out[name] = {"state": "off", "reason": reason}
        return out
