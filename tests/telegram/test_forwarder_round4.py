"""The forwarder against a fourth round of real-channel behaviour, with constructed Telethon
messages and updates dispatched as Telethon does (its event builders and filters): a chat's
messages reach the bus in id order, a source group upgraded to a supergroup is followed, a
source whose updates Telegram does not push is read while its calls are fresh, names are
resolved once and a flood wait on one never stops the others, and a reposted or an edited
message carries the date its text was written."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from telethon import events
from telethon.errors import FloodWaitError
from telethon.tl import patched, types
from telethon.tl.custom import Message
from telethon.tl.patched import MessageService
from telethon.tl.types import (
    Chat,
    ChatPhotoEmpty,
    InputChannel,
    MessageActionChannelMigrateFrom,
    MessageActionChatMigrateTo,
    MessageFwdHeader,
    PeerChannel,
    PeerChat,
    UpdateEditChannelMessage,
    UpdateEditMessage,
    UpdateNewChannelMessage,
    UpdateNewMessage,
)

from verzek.clock import ManualClock
from verzek.domain.models import RiskSettings
from verzek.engine.bus import BusMessage, SignalBus
from verzek.store.docstore import DocumentStore
from verzek.telegram.forwarder import Forwarder
from verzek.telegram.progress import SourceProgress
from verzek.telegram.sources import telethon_client_factory

from .test_forwarder import BASE, CHAT, FakeClient, Rig, msg, run, signal

SECOND = -1000000000666  # a second source (channel 666)
OLD = -4242  # a basic group, as Telethon marks it
NEW_CHANNEL = 777  # the supergroup it is upgraded to
NEW = -1000000000777
CLOSE = "Close BTC now"
MAX_AGE_S = RiskSettings().max_signal_age_s  # what the engine and the broadcaster accept


class TelethonClient(FakeClient):
    """Delivers updates the way Telethon dispatches them: each handler's event builder builds
    its event from the raw update (NewMessage leaves service messages out) and its filter
    (`chats=`) decides; counts the names it is asked to resolve."""

    def __init__(self, history: dict[int, list[Message]], *,
                 flood: dict[str, int] | None = None, **kwargs: Any) -> None:
        super().__init__(history, **kwargs)
        self.flood = flood or {}
        self.asked: list[str] = []
        self.dialogs: list[Any] = []

    async def get_peer_id(self, source: str) -> int:
        self.asked.append(source)
        if source in self.flood:
            raise FloodWaitError(request=None, capture=self.flood[source])
        return await super().get_peer_id(source)

    async def get_dialogs(self) -> list[Any]:
        self.dialogs_read = True
        return self.dialogs

    async def send(self, message: Any, *, edited: bool = False) -> None:
        """Telegram delivers the update of `message`."""
        message = on_the_wire(message)
        channel = isinstance(message.peer_id, PeerChannel)
        kind = ((UpdateEditChannelMessage if channel else UpdateEditMessage) if edited
                else (UpdateNewChannelMessage if channel else UpdateNewMessage))
        update = kind(message=message, pts=0, pts_count=0)
        for callback, builder in list(self.handlers):
            event = type(builder).build(update, None, None)
            if not event:
                continue
            await builder.resolve(self)
            if builder.filter(event):
                await callback(event)

    def watched_chats(self) -> list[set[int]]:
        """The chats of each NewMessage handler, in the order they were added."""
        return [set(b.chats) for _, b in self.handlers if type(b) is events.NewMessage]


def on_the_wire(message: Any) -> Any:
    """The message as Telethon reads it from Telegram: of its `patched` class, the one its
    event builders take (`types.Message`)."""
    if isinstance(message, (types.Message, types.MessageService)):
        return message
    return patched.Message(**{name: getattr(message, name) for name in (
        "id", "peer_id", "date", "message", "out", "post", "from_id", "fwd_from", "reply_to",
        "media", "edit_date", "grouped_id")})


async def in_session(fw: Forwarder, client: FakeClient,
                     steps: Callable[[], Awaitable[None]]) -> None:
    """One connection: `steps` run while the forwarder watches, then the connection drops."""
    task = asyncio.ensure_future(fw.run_session(client))
    while fw.state != "running" and not task.done():
        await asyncio.sleep(0)
    try:
        await steps()
        await fw.idle()
    finally:
        client.disconnected.set()
        await task


def published(rig: Rig) -> list[tuple[int | None, int | None]]:
    """(chat, message) of what reached the bus, once every subscriber handled it."""
    rig.bus.drain_once()
    return [(m.source.chat_id, m.source.message_id) for m in rig.got]


# --- 1. a chat's messages reach the bus in id order --------------------------------------------

class LiveDuringRead(TelethonClient):
    """Telegram pushes `live` while the catch-up's history request is on the network (after
    the answer's messages were taken, so the read does not hold it)."""

    def __init__(self, history: dict[int, list[Message]], live: Message) -> None:
        super().__init__(history)
        self.live: Message | None = live

    async def iter_messages(self, chat_id: int, **kw: Any) -> AsyncIterator[Message]:
        async for m in super().iter_messages(chat_id, **kw):
            if self.live is not None and kw.get("reverse"):
                live, self.live = self.live, None
                self.history[chat_id].append(live)
                await asyncio.ensure_future(self.send(live))  # Telethon's update loop
            yield m


def test_a_live_follow_up_waits_for_the_call_being_caught_up(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    """The handlers are registered before the catch-up (so nothing falls between them): a
    follow-up pushed while the call it replies to is being caught up is held until the call
    went on, then published after it."""
    SourceProgress(store=DocumentStore(store.root)).settle(CHAT, 99)  # an earlier session
    rig = Rig(store, tg_clock)
    client = LiveDuringRead({CHAT: [msg(100, signal(100), date=tg_clock.now())]},
                            msg(101, CLOSE, reply_to=100, date=tg_clock.now()))
    fw = rig.forwarder()

    async def nothing() -> None:
        pass

    run(in_session(fw, client, nothing))
    assert rig.published() == [100, 101]
    assert rig.got[1].source.reply_to_id == 100
    assert fw.counters["held"] == 1


def test_a_live_message_after_one_never_pushed_waits_for_a_history_read(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    """A channel's ids have no holes but deleted messages: a live follow-up whose call never
    arrived (Telegram did not push it) goes on after a read of the history that publishes the
    call first, not before it (the watchdog's later catch-up would put the call after)."""
    SourceProgress(store=DocumentStore(store.root)).settle(CHAT, 10)
    rig = Rig(store, tg_clock)
    history: dict[int, list[Message]] = {CHAT: []}
    client = TelethonClient(history)
    fw = rig.forwarder()

    async def steps() -> None:
        call = msg(11, signal(11), date=tg_clock.now())
        follow_up = msg(12, CLOSE, reply_to=11, date=tg_clock.now())
        history[CHAT] += [call, follow_up]  # 11 is never pushed
        await client.send(follow_up)
        await fw.idle()
        await client.send(msg(13, signal(13), date=tg_clock.now()))  # in order: straight on

    run(in_session(fw, client, steps))
    assert rig.published() == [11, 12, 13]
    assert client.reads == [(CHAT, 10), (CHAT, 10)]  # the start's catch-up, then the gap's
    assert fw.progress.last_seen(CHAT) == 13


class RefusesOnce(SignalBus):
    """A bus with no room for the message ids in `full`, once each."""

    def __init__(self, full: set[int]) -> None:
        super().__init__()
        self.full = full

    def publish(self, message: BusMessage, *, wait_s: float | None = None) -> bool:
        if message.source.message_id in self.full:
            self.full.discard(message.source.message_id)
            return False
        return super().publish(message, wait_s=wait_s)


def test_a_full_bus_pausing_the_catch_up_never_lets_a_newer_message_overtake(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    """The catch-up pauses where the bus had no room; a live message held meanwhile is not
    published before the older one the bus refused: the watchdog reads both, in order."""
    bus = RefusesOnce({11})
    got: list[BusMessage] = []
    bus.subscribe("engine", got.append)
    progress = SourceProgress(store=DocumentStore(store.root))
    progress.settle(CHAT, 9)
    history = {CHAT: [msg(10, signal(10)), msg(11, signal(11))]}
    client = LiveDuringRead(history, msg(12, CLOSE, reply_to=11))
    fw = Forwarder(client_factory=lambda: client, sources=("@signals",), bus=bus,
                   progress=progress, clock=tg_clock, publish_timeout_s=0.0)

    async def steps() -> None:
        bus.drain_once()
        assert [m.source.message_id for m in got] == [10]  # 12 waits behind 11
        assert fw.progress.has_gap(CHAT)
        await fw.run_once(client, tg_clock.monotonic())

    run(in_session(fw, client, steps))
    bus.drain_once()
    assert [m.source.message_id for m in got] == [10, 11, 12]
    assert fw.progress.last_seen(CHAT) == 12


def test_telethon_clients_handle_updates_one_after_the_other() -> None:
    """Telethon's default runs each update's handlers in a task of its own, so a follow-up's
    handler can reach the bus before its call's."""
    async def make() -> Any:
        return telethon_client_factory(api_id=1, api_hash="0" * 32, session="")()

    client = run(make())
    assert client._sequential_updates is True and client._catch_up is False


# --- 2. a source group upgraded to a supergroup ------------------------------------------------

def migrate_to(mid: int, clock: ManualClock) -> MessageService:
    return MessageService(id=mid, peer_id=PeerChat(-OLD), date=clock.now(),
                          action=MessageActionChatMigrateTo(channel_id=NEW_CHANNEL))


def migrate_from(clock: ManualClock) -> MessageService:
    return MessageService(id=1, peer_id=PeerChannel(NEW_CHANNEL), date=clock.now(),
                          action=MessageActionChannelMigrateFrom(title="Signals",
                                                                 chat_id=-OLD))


def in_new(mid: int, text: str, clock: ManualClock) -> Message:
    return Message(id=mid, peer_id=PeerChannel(NEW_CHANNEL), date=clock.now(), message=text)


def test_a_source_group_upgraded_live_is_followed_to_its_supergroup(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    """The group's last message says where it went (a service message NewMessage never
    delivers): the supergroup is watched from its first message, so a call posted there
    before we followed is read too, and the new id is what the status shows and what a
    restart watches (the configured id still names the old group)."""
    progress = SourceProgress(store=DocumentStore(store.root))
    progress.settle(OLD, 9)
    rig = Rig(store, tg_clock)
    history: dict[int, list[Message]] = {OLD: [], NEW: []}
    client = TelethonClient(history)
    fw = Forwarder(client_factory=lambda: client, sources=(str(OLD),), bus=rig.bus,
                   progress=progress, clock=tg_clock, sleep=rig.sleep)

    async def steps() -> None:
        upgrade = migrate_to(10, tg_clock)
        history[OLD].append(upgrade)
        history[NEW] += [migrate_from(tg_clock), in_new(2, signal(2), tg_clock)]
        await client.send(upgrade)
        await fw.idle()
        call = in_new(3, signal(3), tg_clock)
        history[NEW].append(call)
        await client.send(call)

    run(in_session(fw, client, steps))
    assert published(rig) == [(NEW, 2), (NEW, 3)]
    assert fw.status()["sources"] == [NEW] and fw.status()["unresolved_sources"] == {}
    assert client.watched_chats() == [{OLD}, {NEW}]
    assert SourceProgress(store=DocumentStore(store.root)).last_seen(NEW) == 3
    assert run(Forwarder(client_factory=lambda: None, sources=(str(OLD),), bus=rig.bus,
                         progress=SourceProgress(store=DocumentStore(store.root)),
                         clock=tg_clock).resolve_sources(TelethonClient({}))) == [NEW]


def test_a_source_group_upgraded_while_away_is_followed_by_the_catch_up(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    """The upgrade happened while the forwarder was down: the catch-up of the old group reads
    its last message, and the supergroup is read and watched in the same session."""
    progress = SourceProgress(store=DocumentStore(store.root))
    progress.settle(OLD, 9)
    rig = Rig(store, tg_clock)
    history = {OLD: [migrate_to(10, tg_clock)],
               NEW: [migrate_from(tg_clock), in_new(2, signal(2), tg_clock)]}
    client = TelethonClient(history)
    fw = Forwarder(client_factory=lambda: client, sources=(str(OLD),), bus=rig.bus,
                   progress=progress, clock=tg_clock, sleep=rig.sleep)

    async def steps() -> None:
        call = in_new(3, signal(3), tg_clock)
        history[NEW].append(call)
        await client.send(call)

    run(in_session(fw, client, steps))
    assert published(rig) == [(NEW, 2), (NEW, 3)]
    assert fw.chat_ids == [NEW]


def test_an_upgraded_group_in_the_dialogs_is_watched_as_its_supergroup(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    """At resolution, a basic group whose dialog entity says `migrated_to` is its supergroup;
    a group seen for the first time leaves the supergroup seen for the first time too."""
    rig = Rig(store, tg_clock)
    fw = Forwarder(client_factory=lambda: None, sources=(str(OLD), "@signals"), bus=rig.bus,
                   progress=SourceProgress(store=store), clock=tg_clock)
    client = TelethonClient({})
    client.dialogs = [SimpleNamespace(id=OLD, entity=Chat(
        id=-OLD, title="Signals", photo=ChatPhotoEmpty(), participants_count=1, date=BASE,
        version=1, deactivated=True,
        migrated_to=InputChannel(channel_id=NEW_CHANNEL, access_hash=1)))]
    assert run(fw.resolve_sources(client)) == [NEW, CHAT]
    assert fw.progress.last_seen(NEW) is None


# --- 3. a source whose updates Telegram does not push ------------------------------------------

def quiet_setup(store: DocumentStore, clock: ManualClock,
                chats: list[int]) -> tuple[Rig, FakeClient, Forwarder, dict[int, list[Message]]]:
    progress = SourceProgress(store=DocumentStore(store.root))
    for chat in chats:
        progress.settle(chat, 49)
    rig = Rig(store, clock)
    call = Message(id=50, peer_id=PeerChannel(666), date=clock.now(), message=signal(50))
    history = {CHAT: [], SECOND: [call]}  # in history, never pushed as an update
    fw = Forwarder(client_factory=lambda: None, sources=("@signals",), bus=rig.bus,
                   progress=progress, clock=clock, sleep=rig.sleep)
    fw.chat_ids = list(chats)
    return rig, FakeClient(history), fw, history


def test_a_quiet_source_is_read_while_another_is_active(store: DocumentStore,
                                                       tg_clock: ManualClock) -> None:
    """Silence is measured per source: another source's traffic never keeps a quiet one from
    being read, and it is read while its call is fresh, only above its `last_seen`."""
    rig, client, fw, history = quiet_setup(store, tg_clock, [CHAT, SECOND])

    async def ten_minutes() -> None:
        for step in range(20):  # the watchdog's 30 s period
            tg_clock.advance(30)
            m = msg(50 + step, f"#BTC/USDT Target {step % 3 + 1} reached ✅",
                    date=tg_clock.now())
            history[CHAT].append(m)
            await fw.on_new_message(events.NewMessage.Event(m))  # busy: pushed live
            await fw.run_once(client, tg_clock.monotonic())
            rig.bus.drain_once()

    run(ten_minutes())
    quiet = [m for m in rig.got if m.source.chat_id == SECOND]
    assert [m.source.message_id for m in quiet] == [50]  # once, however often it is read
    assert (quiet[0].meta["catch_up"], quiet[0].received_at) == (True, BASE)
    reads = [r for r in client.reads if r[0] == SECOND]
    assert reads[:2] == [(SECOND, 49), (SECOND, 50)] and len(reads) == 10  # each minute
    assert all(r[0] != CHAT for r in client.reads)  # the busy one is never read


def test_alone_a_quiet_source_is_read_before_its_call_is_stale(store: DocumentStore,
                                                               tg_clock: ManualClock) -> None:
    rig, client, fw, _ = quiet_setup(store, tg_clock, [SECOND])

    async def watch() -> None:
        while not rig.got:
            tg_clock.advance(30)
            await fw.run_once(client, tg_clock.monotonic())
            rig.bus.drain_once()

    run(watch())
    [got] = rig.got
    assert (tg_clock.now() - got.received_at).total_seconds() <= 60 < MAX_AGE_S


# --- 4. names resolved once; a flood wait on one never stops the others ------------------------

def test_names_are_resolved_once_across_reconnects_and_restarts(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    """Every reconnect is a fresh session with an empty entity cache: a name resolved before is
    taken by its id (the dialogs put it in the cache) instead of asking resolveUsername again,
    which Telegram answers with flood waits of hours."""
    rig = Rig(store, tg_clock)
    peers = {"@signals": CHAT, "@second": SECOND}
    fw = Forwarder(client_factory=lambda: None, sources=("@signals", "@second"), bus=rig.bus,
                   progress=SourceProgress(store=DocumentStore(store.root)), clock=tg_clock)
    clients = [TelethonClient({CHAT: [], SECOND: []}, peers=peers) for _ in range(4)]
    for client in clients[:3]:
        client.disconnected.set()  # each session ends as soon as it watches
        run(fw.run_session(client))
    restarted = Forwarder(client_factory=lambda: None, sources=("@signals", "@second"),
                          bus=rig.bus, progress=SourceProgress(store=DocumentStore(store.root)),
                          clock=tg_clock)
    clients[3].disconnected.set()
    run(restarted.run_session(clients[3]))
    assert [c.asked for c in clients] == [["@signals", "@second"], [], [], []]
    assert all(c.dialogs_read for c in clients[1:])
    assert restarted.chat_ids == [CHAT, SECOND] == fw.chat_ids


def test_a_flood_wait_on_one_name_leaves_the_others_watched_and_is_retried_after_it(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    rig = Rig(store, tg_clock)
    history: dict[int, list[Message]] = {CHAT: [msg(1, signal(1))], SECOND: [
        Message(id=5, peer_id=PeerChannel(666), date=BASE, message=signal(5))]}
    client = TelethonClient(history, peers={"@signals": CHAT, "@second": SECOND},
                            flood={"@second": 5400})
    fw = Forwarder(client_factory=lambda: client, sources=("@signals", "@second"), bus=rig.bus,
                   progress=SourceProgress(store=DocumentStore(store.root)), clock=tg_clock,
                   sleep=rig.sleep)

    async def steps() -> None:
        assert fw.chat_ids == [CHAT] and fw.state == "running"
        assert fw.status()["unresolved_sources"]["@second"].startswith("FloodWait 5400 s")
        tg_clock.advance(5399)
        await fw.run_once(client, tg_clock.monotonic())
        assert client.asked == ["@signals", "@second"]  # not asked before the wait is over
        client.flood = {}
        tg_clock.advance(1)
        await fw.run_once(client, tg_clock.monotonic())
        assert fw.chat_ids == [CHAT, SECOND] and fw.status()["unresolved_sources"] == {}
        live = Message(id=6, peer_id=PeerChannel(666), date=tg_clock.now(), message=signal(6))
        history[SECOND].append(live)
        await client.send(live)

    run(in_session(fw, client, steps))
    assert client.watched_chats() == [{CHAT}, {SECOND}]
    assert published(rig) == [(SECOND, 6)]  # watched from its newest message on, like any new
    assert rig.sleeps == [] and fw.counters["reconnects"] == 0


def test_a_session_whose_every_name_waits_out_a_flood_goes_on_and_retries(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    rig = Rig(store, tg_clock)
    client = TelethonClient({SECOND: []}, peers={"@second": SECOND}, flood={"@second": 900})
    fw = Forwarder(client_factory=lambda: client, sources=("@second",), bus=rig.bus,
                   progress=SourceProgress(store=DocumentStore(store.root)), clock=tg_clock)

    async def steps() -> None:
        assert fw.state == "running" and fw.chat_ids == []
        client.flood = {}
        tg_clock.advance(900)
        await fw.run_once(client, tg_clock.monotonic())

    run(in_session(fw, client, steps))
    assert fw.chat_ids == [SECOND] and client.watched_chats() == [{SECOND}]


# --- 5. and 6. the date a message's text was written --------------------------------------------

def test_a_reposted_old_call_keeps_its_original_date(store: DocumentStore,
                                                     tg_clock: ManualClock) -> None:
    """A channel forwarding yesterday's call (to show it hit its targets) posts it now; its
    text was written when the original was posted (`fwd_from.date`), so it is recorded but
    skipped as stale, and not broadcast as a new alert. A call forwarded as it comes is
    fresh."""
    rig = Rig(store, tg_clock)
    fw = rig.forwarder()
    now = tg_clock.now()

    def repost(mid: int, original_s: int) -> Message:
        return Message(id=mid, peer_id=PeerChannel(555), date=now, message=signal(mid),
                       fwd_from=MessageFwdHeader(date=now - timedelta(seconds=original_s),
                                                 from_id=PeerChannel(999), channel_post=77))

    async def scenario() -> None:
        await fw.on_new_message(events.NewMessage.Event(repost(10, 86400)))
        await fw.on_new_message(events.NewMessage.Event(repost(11, 5)))

    run(scenario())
    assert rig.published() == [10, 11]
    old, fresh = rig.got
    assert old.received_at == now - timedelta(days=1)
    assert old.meta["forward_date"] == (now - timedelta(days=1)).isoformat()
    assert fresh.received_at == now - timedelta(seconds=5)


def test_a_teaser_edited_into_a_call_while_away_is_dated_by_its_edit(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    """Posted and edited into a call while the forwarder was disconnected: the catch-up reads
    the edited text, which was written at the edit, and the look for missed edits does not
    publish it again. An old call edited to show its results keeps its post date."""
    rig = Rig(store, tg_clock)
    history = {CHAT: [msg(1, "good morning")]}
    fw = rig.forwarder(history)
    client = FakeClient(history)
    now = tg_clock.now()

    def edited(mid: int, text: str, posted_s: int, edited_s: int) -> Message:
        return Message(id=mid, peer_id=PeerChannel(555), date=now + timedelta(seconds=posted_s),
                       message=text, edit_date=now + timedelta(seconds=edited_s))

    async def scenario() -> None:
        await fw.catch_up(client, CHAT)  # first sight: from 1 on
        history[CHAT] += [edited(2, signal(2), 60, 360),  # "big call soon 👀", then the call
                          edited(3, signal(3) + "\n✅ TP1", -86400 * 2, 400)]
        tg_clock.advance(420)
        assert await fw.catch_up(client, CHAT) == 2
        rig.bus.drain_once()
        assert await fw.catch_up_edits(client, CHAT) == 0

    run(scenario())
    teaser, old = rig.got
    assert teaser.received_at == now + timedelta(seconds=360)  # 60 s old: a fresh call
    assert (tg_clock.now() - teaser.received_at).total_seconds() < MAX_AGE_S
    assert old.received_at == now - timedelta(days=2)
