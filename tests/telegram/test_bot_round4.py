"""Round 4 on the bot side, through the real python-telegram-bot client and the fake Bot API:
the broadcast window tells a follow-up repeated from a follow-up of another call (the same words,
another call: both reach the groups), and an admin's signal is answered with what became of it
("Published" only when it went to the groups)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest

from verzek.clock import ManualClock
from verzek.domain.models import SignalSource
from verzek.engine.bus import BusMessage
from verzek.store.docstore import DocumentStore
from verzek.telegram.alerts import signal_answer
from verzek.telegram.broadcaster import window_keys
from verzek.telegram.state import BroadcastWindow, UpdateLog

from .harness import ADMIN, TRIAL, VIP, Harness
from .test_bot import EXPECTED, SIGNAL

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

UPDATE = "#BTC/USDT Target 1 reached ✅"
CALL = "#BTC/USDT LONG\nEntry 60000\nTP 62000\nSL 59000"
MARKER = "#SOL/USDT LONG\nEntry 150\nTP 160\nSL 140"
SOURCE = -100555
OTHER_SOURCE = -100777
PUBLISHED = "✅ Published (signal)."
LATE_CALL = ("⚠️ Not posted to the groups: the message is 15 min old (limit 5 min); it reached "
             "the bot late. The engine recorded it but opens no trade for a user whose signal "
             "age limit (5 min unless they changed it) is under 15 min.")


def _publish(h: Harness, text: str, *, at: datetime, chat_id: int | None = SOURCE,
             message_id: int | None = None, reply_to: int | None = None,
             kind: str = "telegram", meta: dict[str, Any] | None = None) -> None:
    source = SignalSource(kind=kind, chat_id=chat_id,  # type: ignore[arg-type]
                          message_id=message_id, reply_to_id=reply_to)
    h.bus.publish(BusMessage(text=text, source=source, received_at=at, origin=kind,
                             meta=meta or {}))


def _vip_before_marker(h: Harness, clock: ManualClock) -> list[str]:
    """What the VIP group got before a last call: the bus and each group's lane keep order,
    so once the marker is posted everything published before it was decided and sent."""
    _publish(h, MARKER, at=clock.now(), chat_id=-100999, message_id=1)
    assert h.api.wait_for(lambda: any("SOL/USDT" in t for t in h.api.sent(VIP)))
    sent = h.api.sent(VIP)
    assert "SOL/USDT" in sent[-1]
    return sent[:-1]


# --- 1. the broadcast window and follow-ups ----------------------------------------------------


def test_the_same_follow_up_words_for_a_later_call_reach_the_groups(
        harness: Harness, tg_clock: ManualClock) -> None:
    """A channel's "Target 1 reached" for today's second BTC call, six hours after the one for
    the first: another message, another call, the same words. screening.SignalScreen keeps no
    duplicate window for exactly this; the broadcast window must not drop it either."""
    h = harness
    _publish(h, UPDATE, at=tg_clock.now(), message_id=11)
    assert h.api.wait_for(lambda: len(h.api.sent(VIP)) == 1)
    tg_clock.advance(6 * 3600)
    _publish(h, UPDATE, at=tg_clock.now(), message_id=57)
    assert len(_vip_before_marker(h, tg_clock)) == 2
    assert h.api.wait_for(lambda: len(h.api.sent(TRIAL)) == 3)
    assert h.broadcaster.counters["duplicates"] == 0


def test_a_follow_up_is_posted_once_per_message_and_per_call_it_replies_to(
        harness: Harness, tg_clock: ManualClock) -> None:
    h = harness
    _publish(h, UPDATE, at=tg_clock.now(), message_id=20, reply_to=10)
    assert h.api.wait_for(lambda: len(h.api.sent(VIP)) == 1)
    tg_clock.advance(60)
    # the same message again (read again by a catch-up after a restart)
    _publish(h, UPDATE, at=tg_clock.now() - timedelta(seconds=60), message_id=20, reply_to=10)
    # the channel posted the same words about the same call twice
    _publish(h, UPDATE, at=tg_clock.now(), message_id=21, reply_to=10)
    # the same words about another call of the channel, and about a call of another channel
    _publish(h, UPDATE, at=tg_clock.now(), message_id=22, reply_to=15)
    _publish(h, UPDATE, at=tg_clock.now(), chat_id=OTHER_SOURCE, message_id=22, reply_to=10)
    assert len(_vip_before_marker(h, tg_clock)) == 3
    assert h.broadcaster.counters["duplicates"] == 2


def test_a_follow_up_the_engine_ran_is_posted_once_per_run(
        harness: Harness, tg_clock: ManualClock) -> None:
    """`POST /api/signals` runs a follow-up and publishes it with its record id (the engine took
    a repeat about the same call as a duplicate and published nothing): two runs of the same
    words are two follow-ups; the same run published twice is one."""
    h = harness
    for record_id in ("s1", "s2", "s1"):
        _publish(h, UPDATE, at=tg_clock.now(), chat_id=None, kind="api",
                 meta={"processed": True, "signal_id": record_id})
    assert len(_vip_before_marker(h, tg_clock)) == 2
    assert h.broadcaster.counters["duplicates"] == 1


def test_a_follow_up_with_nothing_to_tell_it_apart_keeps_the_content_window(
        harness: Harness, tg_clock: ManualClock) -> None:
    """No source message and no call it concerns: its words are all there is to go by."""
    h = harness
    _publish(h, UPDATE, at=tg_clock.now(), chat_id=None, kind="api")
    assert h.api.wait_for(lambda: len(h.api.sent(VIP)) == 1)  # before the clock moves on
    tg_clock.advance(3600)
    _publish(h, UPDATE, at=tg_clock.now(), chat_id=None, kind="api")
    assert len(_vip_before_marker(h, tg_clock)) == 1
    assert h.broadcaster.counters["duplicates"] == 1


def test_a_new_call_keeps_the_content_window(harness: Harness, tg_clock: ManualClock) -> None:
    """The same call cross-posted by another channel hours later is posted once."""
    h = harness
    _publish(h, CALL, at=tg_clock.now(), message_id=5)
    assert h.api.wait_for(lambda: len(h.api.sent(VIP)) == 1)  # before the clock moves on
    tg_clock.advance(6 * 3600)
    _publish(h, CALL, at=tg_clock.now(), chat_id=OTHER_SOURCE, message_id=90)
    assert len(_vip_before_marker(h, tg_clock)) == 1
    assert h.broadcaster.counters["duplicates"] == 1


def test_the_window_takes_a_follow_up_repeat_as_a_repeat_after_a_restart(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    def message(message_id: int) -> BusMessage:
        return BusMessage(text=UPDATE, received_at=tg_clock.now(),
                          source=SignalSource(kind="telegram", chat_id=SOURCE,
                                              message_id=message_id))

    assert BroadcastWindow(store=store, clock=tg_clock).claim(*window_keys(message(11), "update"))
    restarted = BroadcastWindow(store=DocumentStore(store.root), clock=tg_clock)
    assert not restarted.claim(*window_keys(message(11), "update"))
    assert restarted.claim(*window_keys(message(57), "update"))


# --- 2. what an admin is told about their signal ------------------------------------------------


def test_a_late_admin_signal_is_answered_that_it_was_not_posted(
        harness: Harness, tg_clock: ManualClock) -> None:
    """The bot was down: Telegram delivers the admin's call 15 minutes late with its original
    date; too old for the groups (and for the engine at the default age limit)."""
    h = harness
    sent_at = tg_clock.now() - timedelta(minutes=15)
    h.api.inject_private_text(ADMIN, SIGNAL, extra={"date": int(sent_at.timestamp())})
    assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 1)
    assert h.api.sent(ADMIN) == [LATE_CALL]
    h.api.inject_private_text(ADMIN, MARKER)  # a fresh one: posted, and shows what went before
    assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 2)
    assert h.api.sent(ADMIN)[1] == PUBLISHED
    assert h.api.wait_for(lambda: len(h.api.sent(VIP)) == 1 and len(h.api.sent(TRIAL)) == 1)
    assert all("SOL/USDT" in t for t in h.api.sent(VIP) + h.api.sent(TRIAL))
    assert h.broadcaster.counters["too_old"] == 1


def test_a_late_admin_follow_up_is_answered_that_the_engine_still_applies_it(
        harness: Harness, tg_clock: ManualClock) -> None:
    h = harness
    sent_at = tg_clock.now() - timedelta(minutes=15)
    h.api.inject_private_text(ADMIN, "Close BTC now", extra={"date": int(sent_at.timestamp())})
    assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 1)
    assert h.api.sent(ADMIN) == [
        "⚠️ Not posted to the groups: the message is 15 min old (limit 5 min); it reached the "
        "bot late. The engine still applies it to the open positions it concerns: a "
        "follow-up has no age limit."]


def test_an_admin_call_posted_already_is_answered_that_it_was_not_posted_again(
        harness: Harness) -> None:
    h = harness
    h.api.inject_private_text(ADMIN, SIGNAL)
    h.api.inject_private_text(ADMIN, SIGNAL)  # sent twice by mistake
    assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 2)
    assert h.api.sent(ADMIN) == [
        PUBLISHED, "⚠️ Not posted to the groups: this call was posted already (within the "
                   "last 24 h)."]
    assert h.api.wait_for(lambda: len(h.api.sent(TRIAL)) == 1)
    assert h.api.sent(VIP) == [EXPECTED] and h.api.sent(TRIAL) == [EXPECTED]


def test_a_late_admin_signal_is_still_answered_only_once_every_subscriber_handled_it(
        harness: Harness, store: DocumentStore, tg_clock: ManualClock) -> None:
    """The broadcaster decides at once; the answer and the update's confirmation wait for the
    engine all the same."""
    h = harness
    busy, engine_has_it = threading.Event(), threading.Event()

    def engine(message: BusMessage) -> None:
        if message.origin == "bot":
            engine_has_it.set()
            assert busy.wait(10)

    h.bus.subscribe("engine", engine)
    sent_at = tg_clock.now() - timedelta(minutes=15)
    update_id = h.api.inject_private_text(ADMIN, SIGNAL,
                                          extra={"date": int(sent_at.timestamp())})
    assert engine_has_it.wait(10)
    assert _vip_before_marker(h, tg_clock) == []  # the broadcaster has decided: not posted
    assert h.broadcaster.counters["too_old"] == 1
    assert h.api.sent(ADMIN) == []  # not answered: the engine has not finished
    assert not UpdateLog(store=DocumentStore(store.root), clock=tg_clock).is_done(update_id)
    assert h.api.confirmed_offset() <= update_id
    busy.set()
    assert h.api.wait_for(lambda: h.api.sent(ADMIN) == [LATE_CALL])
    assert h.api.wait_for(lambda: h.api.confirmed_offset() > update_id)


def test_without_a_broadcaster_the_answer_says_nothing_was_posted() -> None:
    assert signal_answer("signal", None) == (
        "✅ Taken (signal) by the engine; no broadcaster is running, so nothing was posted to "
        "the groups.")
