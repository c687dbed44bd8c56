"""SignalBus acknowledgements and waiting publishers: `on_handled` fires once every subscriber
handled a message (delivered, or failed and logged), never for a drop or a `NotHandled`; a
waiting publish gets room instead of dropping, and gives up once the bus stops."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from verzek.domain.models import SignalSource
from verzek.engine.bus import BusMessage, NotHandled, SignalBus

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _msg(text: str, on_handled: Callable[[], None] | None = None) -> BusMessage:
    return BusMessage(text=text, source=SignalSource(kind="telegram", chat_id=1, message_id=1),
                      received_at=NOW, on_handled=on_handled)


def test_acknowledged_once_after_every_subscriber_delivered_or_failed() -> None:
    bus = SignalBus()
    acks: list[str] = []
    order: list[str] = []
    bus.subscribe("engine", lambda m: order.append("engine"))

    def broken(m: BusMessage) -> None:
        order.append("broken")
        raise RuntimeError("a bug in one subscriber")

    bus.subscribe("broadcaster", broken)
    assert bus.publish(_msg("a", lambda: acks.append("a"))) is True
    assert acks == []  # queued is not handled
    bus.drain_once()
    assert order == ["engine", "broken"] and acks == ["a"]  # failed and logged counts
    assert bus.status()["subscribers"]["broadcaster"]["failed"] == 1


def test_no_acknowledgement_for_a_drop_or_a_message_not_handled_now() -> None:
    bus = SignalBus()
    acks: list[str] = []

    def engine(m: BusMessage) -> None:
        if m.text == "later":
            raise NotHandled("shutting down")

    bus.subscribe("engine", engine, maxsize=1)
    assert bus.publish(_msg("first", lambda: acks.append("first")))
    assert bus.publish(_msg("dropped", lambda: acks.append("dropped"))) is False  # full
    bus.drain_once()
    assert bus.publish(_msg("later", lambda: acks.append("later")))
    bus.drain_once()
    assert acks == ["first"]
    status = bus.status()["subscribers"]["engine"]
    assert status["dropped"] == 1 and status["not_handled"] == 1 and status["failed"] == 0


def test_a_message_nobody_subscribed_to_is_acknowledged_at_once() -> None:
    acks: list[str] = []
    assert SignalBus().publish(_msg("x", lambda: acks.append("x")))
    assert acks == ["x"]


def test_a_waiting_publish_gets_room_instead_of_dropping() -> None:
    bus = SignalBus()
    release = threading.Event()
    got: list[str] = []

    def slow(m: BusMessage) -> None:
        got.append(m.text)
        if m.text == "0":
            assert release.wait(10)

    bus.subscribe("slow", slow, maxsize=1)
    bus.start()
    try:
        results: list[bool] = []

        def publisher() -> None:  # a worker thread, as the forwarder's publishes are
            for i in range(5):
                results.append(bus.publish(_msg(str(i)), wait_s=30))

        thread = threading.Thread(target=publisher)
        thread.start()
        release.set()
        thread.join(10)
    finally:
        bus.stop(10)
    assert results == [True] * 5 and got == ["0", "1", "2", "3", "4"]
    assert bus.status()["subscribers"]["slow"]["dropped"] == 0


def test_a_waiting_publish_gives_up_once_the_bus_is_stopped() -> None:
    bus = SignalBus()
    bus.subscribe("never", lambda m: None, maxsize=1)
    assert bus.publish(_msg("fills it"))
    bus.stop(1)  # never started: nothing drains
    assert bus.publish(_msg("no room"), wait_s=600) is False  # at once, not after 600 s


def test_a_message_the_engine_refuses_while_shutting_down_stays_unacknowledged(
        engine: Any) -> None:
    """TradingService.on_bus_message: a stop (or a disk fault) is no reason to lose a message;
    offered again after the restart, it is handled once."""
    bus = engine.runtime.bus
    acks: list[int] = []
    message = BusMessage(text="#BTC/USDT LONG\nEntry 60000\nTP 62000\nSL 59000",
                         source=SignalSource(kind="telegram", chat_id=-100777, message_id=5),
                         received_at=engine.clock.now(), on_handled=lambda: acks.append(1))
    engine.runtime.accepting.clear()  # shutting down
    bus.publish(message)
    bus.drain_once()
    assert acks == [] and bus.status()["subscribers"]["orchestrator"]["not_handled"] == 1
    assert engine.trading.signals.by_message(-100777, 5) is None
    engine.runtime.accepting.set()  # the restart's catch-up offers it again
    bus.publish(message)
    bus.drain_once()
    assert acks == [1] and engine.trading.signals.by_message(-100777, 5) is not None
