"""The forwarder against what real source chats send, with constructed Telethon messages and a
fake client: updates that are not edits (a reaction, a link preview filled in), edits of old
messages, a message caught up together with its edit, albums, replies to another chat's or a
topic's message, a source given by its bare id, and a source that becomes unavailable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from telethon import events
from telethon.errors import ChannelPrivateError
from telethon.tl.custom import Message
from telethon.tl.types import (
    MessageMediaPhoto,
    MessageReplyHeader,
    PeerChannel,
    Photo,
)

from verzek.clock import ManualClock
from verzek.store.docstore import DocumentStore
from verzek.telegram.forwarder import Forwarder, SourcesUnresolved
from verzek.telegram.progress import SourceProgress

from .test_forwarder import BASE, CHANNEL, CHAT, SIGNAL, FakeClient, Rig, msg, run, signal

SECOND = -1000000000666  # a second source (channel 666)
UPDATE = "#BTC/USDT Target 1 reached ✅"


def photo(mid: int, caption: str, *, album: int, date: datetime = BASE) -> Message:
    return Message(id=mid, peer_id=PeerChannel(CHANNEL), date=date, message=caption,
                   grouped_id=album, media=MessageMediaPhoto(photo=Photo(
                       id=mid, access_hash=1, file_reference=b"", date=date, sizes=[],
                       dc_id=1)))


def edited(mid: int, text: str, *, date: datetime, edit_date: datetime | None) -> Message:
    return Message(id=mid, peer_id=PeerChannel(CHANNEL), date=date, message=text,
                   edit_date=edit_date)


class PrivateAfter(FakeClient):
    """A client on which the chats in `private` answer CHANNEL_SECOND, as Telegram does for a
    channel that banned us or went private."""

    def __init__(self, history: dict[int, list[Message]], *, private: set[int],
                 **kwargs: Any) -> None:
        super().__init__(history, peers={"@signals": CHAT, "@gone_private": SECOND}, **kwargs)
        self.private = private

    async def iter_messages(self, chat_id: int, **kwargs: Any) -> AsyncIterator[Message]:
        if chat_id in self.private:
            raise ChannelPrivateError(request=None)
        async for m in super().iter_messages(chat_id, **kwargs):
            yield m


def test_an_update_that_is_not_an_edit_is_not_published_again(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    """Telegram sends an edit update for a reaction, a link preview filled in, a view count:
    the message was never edited (no edit date), or was edited long ago. Its text is the one
    already read, so it is not published a second time."""
    rig = Rig(store, tg_clock)
    fw = rig.forwarder()
    now = tg_clock.now()

    async def scenario() -> None:
        await fw.on_new_message(events.NewMessage.Event(msg(10, SIGNAL)))
        await fw.on_edited(events.MessageEdited.Event(  # a reaction on the call
            edited(10, SIGNAL, date=BASE, edit_date=None)))
        # after a restart: a reaction on a message edited two hours ago
        await again.on_edited(events.MessageEdited.Event(edited(
            11, signal(1), date=now - timedelta(hours=3), edit_date=now - timedelta(hours=2))))

    again = rig.forwarder()
    run(scenario())
    assert rig.published() == [10]
    assert fw.counters["edits"] == 0 == again.counters["edits"]
    assert fw.counters["ignored_edits"] == 1 == again.counters["ignored_edits"]


def test_an_edit_of_an_old_message_is_not_a_new_call(store: DocumentStore,
                                                     tg_clock: ManualClock) -> None:
    """Channels edit old calls to show their results ("✅ TP1 ✅ TP2"). The text still reads
    as a call; taken as posted at the edit it would be traded (and broadcast) as a new call,
    days late. A teaser edited into a call the same day still counts."""
    rig = Rig(store, tg_clock)
    fw = rig.forwarder()
    now = tg_clock.now()

    async def scenario() -> None:
        await fw.on_edited(events.MessageEdited.Event(edited(
            7, SIGNAL + "\n\n✅ TP1 hit", date=now - timedelta(days=3), edit_date=now)))
        await fw.on_edited(events.MessageEdited.Event(edited(
            8, signal(8), date=now - timedelta(hours=3), edit_date=now)))  # a teaser

    run(scenario())
    assert rig.published() == [8]
    assert fw.counters["ignored_edits"] == 1


def test_a_message_caught_up_with_its_edit_is_published_once(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    """A teaser posted and edited into a call while we were away is read by the catch-up with
    its edited text; the look for missed edits must not publish it again as an edit."""
    rig = Rig(store, tg_clock)
    history = {CHAT: [msg(1, "good morning")]}
    fw = rig.forwarder(history)
    client = FakeClient(history)
    now = tg_clock.now()

    async def scenario() -> None:
        await fw.catch_up(client, CHAT)  # first sight: from 1 on
        history[CHAT].append(edited(2, signal(2), date=now, edit_date=now + timedelta(minutes=5)))
        tg_clock.advance(600)
        assert await fw.catch_up(client, CHAT) == 1
        rig.bus.drain_once()  # acknowledged: last_seen is 2
        assert await fw.catch_up_edits(client, CHAT) == 0

    run(scenario())
    assert rig.published() == [2]
    assert client.edit_reads == [(CHAT, 3)]


def test_an_album_caption_is_read_once(store: DocumentStore, tg_clock: ManualClock) -> None:
    """An album is one message per photo with one `grouped_id`; some posters put the caption
    on every photo. The call is read once; the captionless photos are filtered quietly."""
    rig = Rig(store, tg_clock)
    fw = rig.forwarder()

    async def scenario() -> None:
        for m in (photo(20, SIGNAL, album=5), photo(21, SIGNAL, album=5),
                  photo(22, SIGNAL, album=5), photo(23, signal(1), album=6),
                  photo(24, "", album=6), photo(25, "", album=6),
                  photo(26, SIGNAL, album=7)):  # another album: another post
            await fw.on_new_message(events.NewMessage.Event(m))

    run(scenario())
    assert rig.published() == [20, 23, 26]
    assert fw.counters["duplicates"] == 2 and fw.last_error is None
    assert fw.progress.last_seen(CHAT) == 26  # every photo handled


def test_a_reply_to_another_chats_or_a_topics_message_has_no_reply_to(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    """`reply_to_msg_id` of a reply to a message in another chat is that chat's id, and in a
    forum topic every message "replies" to the topic's first message: neither is a message of
    this chat the update could be about (the engine would apply it to the wrong call)."""
    rig = Rig(store, tg_clock)
    fw = rig.forwarder()
    elsewhere = MessageReplyHeader(reply_to_msg_id=10, reply_to_peer_id=PeerChannel(999))
    here = MessageReplyHeader(reply_to_msg_id=10, reply_to_peer_id=PeerChannel(CHANNEL))
    in_topic = MessageReplyHeader(reply_to_msg_id=3, forum_topic=True)
    reply_in_topic = MessageReplyHeader(reply_to_msg_id=10, reply_to_top_id=3,
                                        forum_topic=True)

    async def scenario() -> None:
        for mid, header in ((11, elsewhere), (12, here), (13, in_topic), (14, reply_in_topic)):
            await fw.on_new_message(events.NewMessage.Event(Message(
                id=mid, peer_id=PeerChannel(CHANNEL), date=BASE, message=UPDATE,
                reply_to=header)))

    run(scenario())
    assert rig.published() == [11, 12, 13, 14]
    assert [m.source.reply_to_id for m in rig.got] == [None, 10, None, 10]


def test_a_source_given_by_its_bare_id_is_watched_under_its_marked_id(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    """A channel's id written without -100 (as some tools show it): its messages carry the
    marked id, so progress, gaps and catch-up must use that one."""
    rig = Rig(store, tg_clock)
    fw = Forwarder(client_factory=lambda: None, sources=(str(CHANNEL), "-5", "42"),
                   bus=rig.bus, progress=SourceProgress(store=store), clock=tg_clock)
    client = FakeClient({})

    async def dialogs() -> list[Any]:
        client.dialogs_read = True
        return [SimpleNamespace(id=CHAT), SimpleNamespace(id=-5), SimpleNamespace(id=-42)]

    client.get_dialogs = dialogs  # type: ignore[method-assign]
    assert run(fw.resolve_sources(client)) == [CHAT, -5, -42]


def test_a_source_that_becomes_unavailable_never_stops_the_others(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    """A channel that bans us or goes private answers CHANNEL_SECOND to every read: it is
    logged and listed with why, and the other sources are still caught up and watched (at
    the start of a session, and when the watchdog reads history)."""
    rig = Rig(store, tg_clock)
    history = {CHAT: [msg(1, signal(1))], SECOND: []}
    fw = Forwarder(client_factory=lambda: None, sources=("@gone_private", "@signals"),
                   bus=rig.bus, progress=SourceProgress(store=store), clock=tg_clock)
    client = PrivateAfter(history, private={SECOND})
    client.disconnected.set()  # the session ends as soon as it watches
    run(fw.run_session(client))
    assert fw.state == "running" and fw.chat_ids == [CHAT]
    assert "ChannelPrivateError" in fw.status()["unresolved_sources"][str(SECOND)]

    # Mid-session: @signals goes private while another source has a gap to close.
    fw.chat_ids = [CHAT, SECOND]
    fw.progress.settle(SECOND, 1)
    history[SECOND] = [Message(id=i, peer_id=PeerChannel(666), date=BASE, message=signal(i))
                        for i in (2, 3)]

    async def watchdog() -> int:
        await fw.on_new_message(events.NewMessage.Event(history[SECOND][1]))  # 2 missed
        tg_clock.advance(fw.silence_s)  # silence: every source is read, the gap closed
        return await fw.run_once(client, tg_clock.monotonic())

    client.private = {CHAT}
    assert run(watchdog()) == 1
    assert rig.published() == [3, 2]
    assert fw.chat_ids == [SECOND]
    assert str(CHAT) in fw.status()["unresolved_sources"]

    # No source readable at all: the session fails, and is tried again with back-off.
    nothing = PrivateAfter(history, private={CHAT, SECOND})
    with pytest.raises(SourcesUnresolved, match=str(SECOND)):
        run(fw.run_session(nothing))
