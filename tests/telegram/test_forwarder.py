"""The forwarder with constructed Telethon events and a fake client: screening, publishing,
edits, reply-to, the watchdog's catch-up after a disconnect, a gap or silence, and restarts."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from telethon import events
from telethon.errors import FloodWaitError, UsernameNotOccupiedError
from telethon.tl.custom import Message
from telethon.tl.types import MessageReplyHeader, PeerChannel, PeerUser

from verzek.clock import ManualClock
from verzek.engine.bus import BusMessage, SignalBus
from verzek.store.docstore import DocumentStore
from verzek.telegram.forwarder import Forwarder
from verzek.telegram.progress import SourceProgress

CHANNEL = 555
CHAT = -1000000000555  # Telethon's marked id of channel 555
SIGNAL = "#BTC/USDT LONG\nEntry 60000\nTP 62000\nSL 59000"
BASE = datetime(2026, 1, 1, tzinfo=UTC)


def msg(mid: int, text: str, *, reply_to: int | None = None, edited_s: int | None = None,
        sender: int | None = None, channel: int = CHANNEL,
        date: datetime = BASE) -> Message:
    return Message(id=mid, peer_id=PeerChannel(channel), date=date, message=text,
                   reply_to=MessageReplyHeader(reply_to_msg_id=reply_to) if reply_to else None,
                   edit_date=BASE + timedelta(seconds=edited_s) if edited_s else None,
                   from_id=PeerUser(sender) if sender else None)


def signal(n: int) -> str:
    return f"#BTC/USDT LONG\nEntry {60000 + n}\nTP {62000 + n}\nSL {59000 + n}"


class FakeClient:
    """What the forwarder uses of a TelegramClient; history shared between 'connections'."""

    def __init__(self, history: dict[int, list[Message]], *, fail_connect: bool = False,
                 flood_once: bool = False, authorized: bool = True,
                 flood_connect: bool = False, peers: dict[str, int] | None = None) -> None:
        self.history = history
        self.peers = {"@signals": CHAT} if peers is None else peers
        self.fail_connect = fail_connect
        self.flood_connect = flood_connect
        self.authorized = authorized
        self.flood_once = flood_once
        self.handlers: list[tuple[Any, Any]] = []
        self.disconnected = asyncio.Event()
        self.subscribed = threading.Event()
        self.reads: list[tuple[int, int]] = []
        self.edit_reads: list[tuple[int, int]] = []
        self.dialogs_read = False

    async def connect(self) -> None:
        if self.fail_connect:
            raise ConnectionError("network is down")
        if self.flood_connect:
            raise FloodWaitError(request=None, capture=30)

    async def is_user_authorized(self) -> bool:
        return self.authorized

    async def get_dialogs(self) -> list[Any]:
        self.dialogs_read = True
        return []

    async def get_peer_id(self, source: str) -> int:
        if source == "@taken_down":
            raise UsernameNotOccupiedError(request=None)
        if source not in self.peers:  # what Telethon says for a name it cannot find
            raise ValueError(f'No user has "{source.lstrip("@")}" as username')
        return self.peers[source]

    def add_event_handler(self, callback: Any, builder: Any) -> None:
        self.handlers.append((callback, builder))
        if len(self.handlers) == 2:
            self.subscribed.set()

    async def iter_messages(self, chat_id: int, *, limit: int | None = None, min_id: int = 0,
                            max_id: int = 0, reverse: bool = False) -> AsyncIterator[Message]:
        if self.flood_once:
            self.flood_once = False
            raise FloodWaitError(request=None, capture=17)
        if max_id:  # Telethon: ids >= max_id are left out (the edits' look back)
            self.edit_reads.append((chat_id, max_id))
        else:
            self.reads.append((chat_id, min_id))
        found = sorted((m for m in self.history.get(chat_id, [])
                        if m.id > min_id and (not max_id or m.id < max_id)),
                       key=lambda m: m.id, reverse=not reverse)
        for m in found[:limit]:
            yield m

    async def run_until_disconnected(self) -> None:
        await self.disconnected.wait()

    async def disconnect(self) -> None:
        self.disconnected.set()

    async def push(self, message: Message, *, edited: bool = False) -> None:
        """Telegram delivers an update to the registered handlers."""
        for callback, builder in self.handlers:
            if isinstance(builder, events.MessageEdited) == edited:
                event_type = events.MessageEdited.Event if edited else events.NewMessage.Event
                await callback(event_type(message))


class Rig:
    def __init__(self, store: DocumentStore, clock: ManualClock) -> None:
        self.store = store
        self.clock = clock
        self.bus = SignalBus()
        self.got: list[BusMessage] = []
        self.bus.subscribe("recorder", self.got.append)
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(0)

    def forwarder(self, history: dict[int, list[Message]] | None = None,
                  **kwargs: Any) -> Forwarder:
        return Forwarder(client_factory=lambda: FakeClient(history or {}),
                         sources=("@signals",), bus=self.bus,
                         progress=SourceProgress(store=DocumentStore(self.store.root)),
                         clock=self.clock, sleep=self.sleep, **kwargs)

    async def session(self, client: FakeClient, forwarder: Forwarder,
                      history: dict[int, list[Message]], live: list[Message]) -> None:
        """One connection: catch up, take `live` as Telegram delivers it, then drop."""
        forwarder.state = "connecting"  # "running" again once this session caught up
        task = asyncio.ensure_future(forwarder.run_session(client))
        while not client.subscribed.is_set() or forwarder.state != "running":
            await asyncio.sleep(0)
        for m in live:
            history[CHAT].append(m)
            await client.push(m)
        client.disconnected.set()  # the connection drops
        await task
        self.bus.drain_once()  # the subscribers handle (and acknowledge) what came

    def published(self) -> list[int | None]:
        self.bus.drain_once()
        return [m.source.message_id for m in self.got]


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 10))


def test_new_message_is_screened_and_published_with_its_source_and_reply_to(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    rig = Rig(store, tg_clock)
    fw = rig.forwarder(exclude_chat_ids=frozenset({-1000000009999}),
                       ignore_sender_ids=frozenset({42}))

    async def scenario() -> None:
        await fw.on_new_message(events.NewMessage.Event(msg(10, SIGNAL)))
        await fw.on_new_message(events.NewMessage.Event(
            msg(11, "#BTC/USDT Target 1 reached ✅", reply_to=10)))
        await fw.on_new_message(events.NewMessage.Event(msg(12, "good morning everyone")))
        await fw.on_new_message(events.NewMessage.Event(msg(13, "Join our VIP t.me/+x giveaway")))
        await fw.on_new_message(events.NewMessage.Event(
            msg(14, "🚨 New Signal Alert\n\n" + SIGNAL)))
        await fw.on_new_message(events.NewMessage.Event(msg(15, SIGNAL, sender=42)))
        await fw.on_new_message(events.NewMessage.Event(msg(3, SIGNAL, channel=9999)))
        await fw.on_new_message(events.NewMessage.Event(msg(10, SIGNAL)))  # delivered twice

    run(scenario())
    assert rig.published() == [10, 11]
    first, update = rig.got
    assert first.text == SIGNAL and first.origin == "telegram"
    assert first.source.kind == "telegram" and first.source.chat_id == CHAT
    assert first.received_at == tg_clock.now() and first.meta["edited"] is False
    assert update.source.reply_to_id == 10
    assert fw.counters["filtered"] == 5 and fw.counters["duplicates"] == 1
    assert fw.progress.last_seen(CHAT) == 15


def test_edits_are_published_once_per_edit(store: DocumentStore, tg_clock: ManualClock) -> None:
    rig = Rig(store, tg_clock)
    fw = rig.forwarder()

    async def scenario() -> None:
        await fw.on_new_message(events.NewMessage.Event(msg(20, "BTC soon, stay tuned")))
        await fw.on_edited(events.MessageEdited.Event(msg(20, SIGNAL, edited_s=5)))
        await fw.on_edited(events.MessageEdited.Event(msg(20, SIGNAL, edited_s=5)))  # repeat
        await fw.on_edited(events.MessageEdited.Event(msg(20, signal(1), edited_s=9)))

    run(scenario())
    assert rig.published() == [20, 20]
    assert [m.text for m in rig.got] == [SIGNAL, signal(1)]
    assert all(m.meta["edited"] for m in rig.got)
    assert rig.got[1].meta["edit_date"] == (BASE + timedelta(seconds=9)).isoformat()


def test_no_message_lost_or_doubled_across_a_disconnect_and_a_restart(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    rig = Rig(store, tg_clock)
    history: dict[int, list[Message]] = {CHAT: [msg(i, signal(i)) for i in (1, 2, 3)]}
    fw = rig.forwarder(history)

    async def session(client: FakeClient, forwarder: Forwarder,
                      live: list[Message]) -> None:
        await rig.session(client, forwarder, history, live)

    async def scenario() -> None:
        # First start: the history before us is not replayed; live 4 is published.
        await session(FakeClient(history), fw, [msg(4, signal(4))])
        # While disconnected: 5, 6 (noise) and 7 are posted.
        history[CHAT] += [msg(5, signal(5)), msg(6, "lunch break"), msg(7, signal(7))]
        # Reconnect: catch-up reads from 4; Telegram also replays 7 live; 8 arrives live.
        await session(FakeClient(history), fw, [msg(7, signal(7)), msg(8, signal(8))])
        # The process restarts (fresh forwarder, progress from disk); 9 came meanwhile.
        history[CHAT].append(msg(9, signal(9)))
        again = rig.forwarder(history)
        await session(FakeClient(history), again, [])

    run(scenario())
    assert rig.published() == [4, 5, 7, 8, 9]
    assert all(m.meta["catch_up"] for m in rig.got if m.source.message_id in (5, 7, 9))


def test_an_edit_made_while_disconnected_is_caught_up_once(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    """Telegram does not replay edits made while we were away, and the history read after a
    reconnect only holds newer messages: a teaser edited into a call meanwhile is read again
    and goes on as an edit, once; an edit older than the look-back does not."""
    rig = Rig(store, tg_clock)
    history = {CHAT: [msg(1, "good morning"), msg(2, "big call in 10 minutes 👀")]}
    fw = rig.forwarder(history)
    clients: list[FakeClient] = []

    async def session(live: list[Message]) -> None:
        clients.append(FakeClient(history))
        await rig.session(clients[-1], fw, history, live)

    async def scenario() -> None:
        await session([msg(3, signal(3))])  # first sight: starts at 2, no edits read
        tg_clock.advance(7200)
        # while away: the teaser becomes a call; "good morning" was edited long before
        history[CHAT][0] = msg(1, signal(1), edited_s=60)
        history[CHAT][1] = msg(2, signal(2), edited_s=7100)
        await session([])
        await session([])  # and again: the edit was taken already

    run(scenario())
    assert rig.published() == [3, 2]
    edit = rig.got[1]
    assert edit.meta["edited"] and edit.meta["catch_up"] and edit.text == signal(2)
    assert edit.received_at == BASE + timedelta(seconds=7100)  # when it became a call
    assert clients[0].edit_reads == []
    assert clients[1].edit_reads == [(CHAT, 4)] == clients[2].edit_reads


def test_watchdog_closes_a_gap_in_message_ids(store: DocumentStore,
                                              tg_clock: ManualClock) -> None:
    rig = Rig(store, tg_clock)
    history = {CHAT: [msg(i, signal(i)) for i in range(1, 11)]}
    fw = rig.forwarder(history)
    client = FakeClient(history)

    async def scenario() -> None:
        fw.chat_ids = [CHAT]
        await fw.catch_up(client, CHAT)  # first sight: start at 10
        history[CHAT] += [msg(11, signal(11)), msg(12, "chit-chat"), msg(13, signal(13))]
        await fw.on_new_message(events.NewMessage.Event(msg(13, signal(13))))  # 11, 12 missed
        assert fw.progress.has_gap(CHAT)
        assert await fw.run_once(client, tg_clock.monotonic()) == 1
        assert not fw.progress.has_gap(CHAT)
        assert await fw.run_once(client, tg_clock.monotonic()) == 0

    run(scenario())
    assert rig.published() == [13, 11]
    assert fw.progress.last_seen(CHAT) == 13
    assert client.reads == [(CHAT, 0), (CHAT, 10)]  # first sight, then one read from 10


def test_watchdog_catches_up_after_silence_and_waits_out_flood(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    rig = Rig(store, tg_clock)
    history = {CHAT: [msg(1, signal(1))]}
    fw = rig.forwarder(history, silence_s=600)
    client = FakeClient(history)

    async def scenario() -> None:
        fw.chat_ids = [CHAT]
        await fw.catch_up(client, CHAT)
        history[CHAT].append(msg(2, signal(2)))  # its update never arrived
        tg_clock.advance(599)
        assert await fw.run_once(client, tg_clock.monotonic()) == 0
        assert client.reads == [(CHAT, 0)]
        tg_clock.advance(1)
        client.flood_once = True
        assert await fw.run_once(client, tg_clock.monotonic()) == 1

    run(scenario())
    assert rig.published() == [2]
    assert rig.sleeps == [17.0]
    assert fw.counters["flood_waits"] == 1


def test_service_reconnects_with_backoff_honours_flood_wait_and_stops_cleanly(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    rig = Rig(store, tg_clock)
    history = {CHAT: [msg(1, signal(1))]}
    clients = [FakeClient(history, fail_connect=True), FakeClient(history, flood_connect=True),
               FakeClient(history, fail_connect=True), FakeClient(history, authorized=False),
               FakeClient(history)]
    made: list[FakeClient] = []
    errors: list[str | None] = []

    def factory() -> FakeClient:
        errors.append(fw.last_error)
        made.append(clients[len(made)])
        return made[-1]

    fw = Forwarder(client_factory=factory, sources=("@signals",), bus=rig.bus,
                   progress=SourceProgress(store=store), clock=tg_clock, sleep=rig.sleep,
                   backoff_s=1.0)
    fw.start()
    try:
        assert clients[4].subscribed.wait(10)
        assert fw.is_alive()
    finally:
        fw.stop(10)
    assert not fw.is_alive()
    # back-off doubles on failures; a FloodWait waits what Telegram asked, back-off unchanged
    assert rig.sleeps == [1.0, 30.0, 2.0, 4.0]
    assert "telegram login" in (errors[4] or "")  # the unauthorised session said what to do
    assert fw.counters["reconnects"] == 4 and fw.counters["flood_waits"] == 1
    assert fw.status()["state"] == "stopped"
    assert fw.status()["sources"] == [CHAT]


def test_sources_resolve_and_our_own_groups_are_never_watched(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    rig = Rig(store, tg_clock)
    fw = Forwarder(client_factory=lambda: None, sources=("@signals", " -1000000000777", "-5"),
                   bus=rig.bus, progress=SourceProgress(store=store), clock=tg_clock,
                   exclude_chat_ids=frozenset({-1000000000777}))
    client = FakeClient({})
    assert run(fw.resolve_sources(client)) == [CHAT, -5]
    assert client.dialogs_read
