"""SignalBus: fan-out, bounded queues, a slow or failing subscriber never blocks the others."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from verzek.domain.models import SignalSource
from verzek.engine.bus import BusMessage, SignalBus

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _msg(text: str) -> BusMessage:
    return BusMessage(text=text, source=SignalSource(kind="api"), received_at=NOW, origin="api")


def test_every_subscriber_gets_every_message() -> None:
    bus = SignalBus()
    got_a: list[str] = []
    got_b: list[str] = []
    bus.subscribe("a", lambda m: got_a.append(m.text))
    bus.subscribe("b", lambda m: got_b.append(m.text))
    for i in range(5):
        bus.publish(_msg(str(i)))
    assert bus.drain_once() == 10
    assert got_a == got_b == ["0", "1", "2", "3", "4"]


def test_full_subscriber_drops_and_counts_without_blocking_others() -> None:
    bus = SignalBus()
    fast: list[str] = []
    bus.subscribe("slow", lambda m: None, maxsize=2)
    bus.subscribe("fast", lambda m: fast.append(m.text), maxsize=100)
    for i in range(10):
        bus.publish(_msg(str(i)))
    status = bus.status()["subscribers"]
    assert status["slow"]["dropped"] == 8
    assert status["fast"]["dropped"] == 0
    bus.drain_once()
    assert len(fast) == 10


def test_failing_handler_is_logged_and_counted_and_the_next_message_goes_through() -> None:
    bus = SignalBus()
    seen: list[str] = []

    def handler(m: BusMessage) -> None:
        if m.text == "bad":
            raise ValueError("boom")
        seen.append(m.text)

    bus.subscribe("h", handler)
    bus.publish(_msg("bad"))
    bus.publish(_msg("good"))
    bus.drain_once()
    assert seen == ["good"]
    assert bus.status()["subscribers"]["h"]["failed"] == 1


def test_threads_deliver_and_stop_cleanly() -> None:
    bus = SignalBus()
    done = threading.Event()
    seen: list[str] = []

    def handler(m: BusMessage) -> None:
        seen.append(m.text)
        if len(seen) == 3:
            done.set()

    bus.subscribe("t", handler)
    bus.start()
    for i in range(3):
        bus.publish(_msg(str(i)))
    assert done.wait(10)
    bus.stop(5)
    assert seen == ["0", "1", "2"]
    assert bus.status()["state"] == "stopped"
