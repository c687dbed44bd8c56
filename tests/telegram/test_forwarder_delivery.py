"""The forwarder never loses a message to the bus: progress moves only past acknowledged
messages (a restart offers the rest again), a burst waits for room instead of being dropped,
every message keeps its post date, a deleted id never holds progress back, and one source
that cannot be resolved never costs the others."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

import pytest
from telethon import events

from verzek.clock import ManualClock
from verzek.engine.bus import BusMessage, SignalBus
from verzek.store.docstore import DocumentStore
from verzek.telegram.forwarder import Forwarder, SourcesUnresolved
from verzek.telegram.progress import SourceProgress
from verzek.telegram.screening import Screening, SignalScreen

from .test_forwarder import BASE, CHAT, FakeClient, Rig, msg, run, signal


def _forwarder(bus: SignalBus, store: DocumentStore, clock: ManualClock,
               **kwargs: object) -> Forwarder:
    return Forwarder(client_factory=lambda: None, sources=("@signals",), bus=bus,
                     progress=SourceProgress(store=DocumentStore(store.root)), clock=clock,
                     **kwargs)  # type: ignore[arg-type]


def test_a_message_published_but_never_handled_is_published_again_after_a_restart(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    history = {CHAT: [msg(1, signal(1))]}
    # First life: 2 goes onto the bus, and the process dies before any subscriber ran.
    dying = SignalBus()
    dying.subscribe("engine", lambda m: pytest.fail("the process died before this"))
    first = _forwarder(dying, store, tg_clock)

    async def first_life() -> None:
        await first.catch_up(FakeClient(history), CHAT)  # first sight: from 1 on
        history[CHAT].append(msg(2, signal(2)))
        await first.on_new_message(events.NewMessage.Event(history[CHAT][-1]))

    run(first_life())
    assert dying.status()["subscribers"]["engine"]["queued"] == 1
    on_disk = SourceProgress(store=DocumentStore(store.root))
    assert on_disk.last_seen(CHAT) == 1  # never past the message nobody handled

    # Second life on the same data directory: the catch-up offers 2 again, once.
    rig = Rig(store, tg_clock)
    second = rig.forwarder(history)
    assert run(second.catch_up(FakeClient(history), CHAT)) == 1
    assert rig.published() == [2]
    assert second.progress.last_seen(CHAT) == 2  # acknowledged by every subscriber
    # Third life: handled means never offered again.
    third = rig.forwarder(history)
    assert run(third.catch_up(FakeClient(history), CHAT)) == 0
    assert rig.published() == [2]


class _Waits(logging.Handler):
    """Sets `waiting` when the bus reports a publisher waiting for room."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.waiting = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "waits for room" in record.getMessage():
            self.waiting.set()


def test_a_catch_up_burst_larger_than_the_bus_queue_loses_nothing(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    bus = SignalBus()
    got: list[int | None] = []
    waits = _Waits()

    def engine(message: BusMessage) -> None:
        got.append(message.source.message_id)
        if len(got) == 1:  # busy with the first until the forwarder has to wait for room
            assert waits.waiting.wait(10)

    bus.subscribe("engine", engine, maxsize=3)
    history = {CHAT: [msg(i, signal(i)) for i in range(1, 21)]}
    fw = _forwarder(bus, store, tg_clock)
    fw.progress.settle(CHAT, 0)  # watched from the start: all 20 are new
    logger = logging.getLogger("verzek.engine.bus")
    logger.addHandler(waits)
    bus.start()
    try:
        assert run(fw.catch_up(FakeClient(history), CHAT)) == 20
    finally:
        bus.stop(10)
        logger.removeHandler(waits)
    assert got == list(range(1, 21))
    status = bus.status()
    assert status["subscribers"]["engine"]["dropped"] == 0 and status["waited_for_room"] >= 1
    assert fw.progress.last_seen(CHAT) == 20


def test_a_live_message_the_bus_cannot_take_is_read_again_by_the_watchdog(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    bus = SignalBus()
    got: list[int | None] = []
    bus.subscribe("engine", lambda m: got.append(m.source.message_id), maxsize=1)
    fw = _forwarder(bus, store, tg_clock, publish_timeout_s=0.0)  # no waiting: full is full
    history = {CHAT: [msg(1, signal(1))]}
    client = FakeClient(history)

    async def scenario() -> None:
        fw.chat_ids = [CHAT]
        await fw.catch_up(client, CHAT)
        for m in (msg(2, signal(2)), msg(3, signal(3))):
            history[CHAT].append(m)
            await fw.on_new_message(events.NewMessage.Event(m))  # 3 finds the queue full
        assert fw.counters["bus_full"] == 1 and "no room" in (fw.last_error or "")
        assert fw.progress.has_gap(CHAT)
        bus.drain_once()
        assert fw.progress.last_seen(CHAT) == 2  # not past 3
        assert await fw.run_once(client, tg_clock.monotonic()) == 1
        bus.drain_once()

    run(scenario())
    assert got == [2, 3]
    assert fw.progress.last_seen(CHAT) == 3 and not fw.progress.has_gap(CHAT)


def test_every_message_carries_its_post_date_not_the_time_it_was_read(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    rig = Rig(store, tg_clock)
    history = {CHAT: [msg(1, signal(1))]}
    fw = rig.forwarder(history)
    client = FakeClient(history)
    outage_call = BASE + timedelta(hours=1)
    live_call = BASE + timedelta(hours=6)

    async def scenario() -> None:
        await fw.catch_up(client, CHAT)
        history[CHAT].append(msg(2, signal(2), date=outage_call))  # posted while we were down
        tg_clock.advance(6 * 3600)
        await fw.catch_up(client, CHAT)
        await fw.on_new_message(events.NewMessage.Event(msg(3, signal(3), date=live_call)))
        await fw.on_edited(events.MessageEdited.Event(
            msg(4, signal(4), date=live_call, edited_s=6 * 3600 + 30)))

    run(scenario())
    assert rig.published() == [2, 3, 4]
    assert [m.received_at for m in rig.got] == [
        outage_call, live_call, BASE + timedelta(seconds=6 * 3600 + 30)]  # an edit: its date
    assert all(m.received_at.utcoffset() == timedelta(0) for m in rig.got)
    assert tg_clock.now() - rig.got[0].received_at == timedelta(hours=5)  # stays 5 h old


def test_a_gap_history_cannot_fill_still_settles(store: DocumentStore,
                                                 tg_clock: ManualClock) -> None:
    rig = Rig(store, tg_clock)
    history = {CHAT: [msg(i, signal(i)) for i in range(1, 11)]}
    fw = rig.forwarder(history)
    client = FakeClient(history)

    async def scenario() -> None:
        fw.chat_ids = [CHAT]
        await fw.catch_up(client, CHAT)  # first sight: from 10 on
        history[CHAT] += [msg(11, signal(11)), msg(13, signal(13))]  # 12 was deleted
        await fw.on_new_message(events.NewMessage.Event(msg(13, signal(13))))
        rig.bus.drain_once()
        assert fw.progress.has_gap(CHAT)
        assert await fw.run_once(client, tg_clock.monotonic()) == 1  # 11; 12 is nowhere
        rig.bus.drain_once()
        assert not fw.progress.has_gap(CHAT)
        assert await fw.run_once(client, tg_clock.monotonic()) == 0

    run(scenario())
    assert rig.published() == [13, 11]
    assert fw.progress.last_seen(CHAT) == 13
    assert SourceProgress(store=DocumentStore(store.root)).last_seen(CHAT) == 13
    assert client.reads == [(CHAT, 0), (CHAT, 10)]


def test_a_source_that_cannot_be_resolved_is_reported_and_the_others_are_watched(
        store: DocumentStore, tg_clock: ManualClock, caplog: pytest.LogCaptureFixture) -> None:
    rig = Rig(store, tg_clock)
    fw = Forwarder(client_factory=lambda: None, sources=("@gone", "@signals", "@taken_down"),
                   bus=rig.bus, progress=SourceProgress(store=store), clock=tg_clock)
    client = FakeClient({CHAT: [msg(1, signal(1))]})
    client.disconnected.set()  # the session ends as soon as it watches

    with caplog.at_level(logging.ERROR, logger="verzek.telegram.sources"):
        run(fw.run_session(client))
    assert fw.state == "running" and fw.chat_ids == [CHAT]
    assert [b.chats for _, b in client.handlers] == [[CHAT], [CHAT]]
    unresolved = fw.status()["unresolved_sources"]
    assert set(unresolved) == {"@gone", "@taken_down"}
    assert unresolved["@gone"].startswith("ValueError")
    assert unresolved["@taken_down"].startswith("UsernameNotOccupiedError")
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "@gone" in logged and "@taken_down" in logged

    # Nothing resolvable at all: the session fails (and is retried with back-off).
    lonely = Forwarder(client_factory=lambda: None, sources=("@gone",), bus=rig.bus,
                       progress=SourceProgress(store=store), clock=tg_clock)
    with pytest.raises(SourcesUnresolved, match="@gone"):
        run(lonely.run_session(FakeClient({})))
    assert set(lonely.status()["unresolved_sources"]) == {"@gone"}


def test_a_message_that_trips_a_bug_is_skipped_and_the_catch_up_goes_on(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    def screen(text: str, *, now: datetime, sender: int | str | None = None) -> Screening:
        if "boom" in text:
            raise RuntimeError("a bug in the screen")
        return SignalScreen()(text, now=now, sender=sender)

    rig = Rig(store, tg_clock)
    history = {CHAT: [msg(1, signal(1)), msg(2, "boom"), msg(3, signal(3))]}
    fw = rig.forwarder(history, screen_text=screen)
    fw.progress.settle(CHAT, 0)
    assert run(fw.catch_up(FakeClient(history), CHAT)) == 2
    assert rig.published() == [1, 3]
    assert fw.progress.last_seen(CHAT) == 3  # not read again and again
    assert "a bug in the screen" in (fw.last_error or "")
