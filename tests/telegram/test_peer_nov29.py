"""What the real Bot API does that the bot must survive, through the real python-telegram-bot
client against the fake Bot API on 127.0.0.1: an update this client cannot read, updates of
kinds it does not know, and one private chat's flood control and order."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from verzek.clock import ManualClock
from verzek.domain.models import PlanName
from verzek.engine.notifier import Event, EventKind
from verzek.engine.telegram_links import TelegramLinkService
from verzek.store.docstore import DocumentStore
from verzek.store.repos import PositionRepository, UserRepository
from verzek.telegram.notify import TelegramNotifier

from .conftest import RecordingTrading, make_user
from .fake_bot_api import BOT_USER, FakeBotApi, _chat, _member
from .harness import ADMIN, TRIAL, VIP, Gate, Harness, running_bot
from .test_bot import EXPECTED, SIGNAL

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
AT = datetime(2026, 1, 1, tzinfo=UTC)
TRADER = 811
CHANNEL = {"id": -100777, "type": "channel", "title": "Some channel"}
FLOODED, OTHER = 4242, 4343


def _event(n: int) -> Event:
    return Event(EventKind.TARGET_HIT, "ut", AT, f"target {n} hit", {"symbol": "BTC/USDT"})


def test_an_update_the_client_cannot_read_is_skipped_not_a_poison(harness: Harness) -> None:
    """PTB fails a whole getUpdates answer on one update it cannot read (a shape newer than it
    knows); polled again from the same offset it would fail forever and hold back every update
    after it. It is skipped, confirmed and logged, like the kinds the bot did not ask for
    ("unwanted updates may be received for a short period"); the others are handled."""
    h = harness
    user = {"id": FLOODED, "is_bot": False, "first_name": "U"}
    restricted = _member("restricted", BOT_USER)  # the bot restricted in some group, by a
    del restricted["can_edit_tag"]  # server that does not send a field PTB 22.8 requires
    bad = h.api.inject({"my_chat_member": {
        "chat": _chat(-1004444), "from": user, "date": 1,
        "old_chat_member": _member("member", BOT_USER), "new_chat_member": restricted}})
    for update in ({"some_future_kind": {"x": 1}},
                   {"channel_post": {"message_id": 3, "date": 1, "chat": CHANNEL,
                                     "text": "/start@verzek_test_bot"}},
                   {"edited_channel_post": {"message_id": 3, "date": 1, "edit_date": 2,
                                            "chat": CHANNEL, "text": SIGNAL}},
                   {"callback_query": {"id": "1", "chat_instance": "1", "data": "x",
                                       "from": user}}):
        h.api.inject(update, force=True)
    good = h.api.inject_private_text(ADMIN, "hello there")
    assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 1)
    assert h.api.wait_for(lambda: h.api.confirmed_offset() == good + 1 > bad)
    assert h.bot.poller.counters["unreadable"] == 1
    assert h.api.sent(FLOODED) == [] and h.api.sent(CHANNEL["id"]) == []
    assert h.api.sent(VIP) == [] and h.bot.counters["commands"] == 0
    assert h.bot.status()["polling"]["state"] == "polling"


@contextmanager
def _trader_bot(store: DocumentStore, users: UserRepository, positions: PositionRepository,
                trading: RecordingTrading, links: TelegramLinkService,
                clock: ManualClock) -> Iterator[tuple[Harness, TelegramNotifier, Gate]]:
    """A bot whose Sender waits on a gate, and a linked user who has written to it."""
    gate = Gate()
    users.create(make_user("ut", plan=PlanName.PRO, telegram_user_id=TRADER))
    with running_bot(store=store, users=users, positions=positions, trading=trading,
                     links=links, clock=clock, send_sleep=gate) as h:
        h.api.inject_private_text(TRADER, "/help")
        assert h.api.wait_for(lambda: len(h.api.sent(TRADER)) == 1)
        notifier = TelegramNotifier(bot=h.bot, find_user=users.find)
        h.bot.on_reachable = notifier.set_reachable
        yield h, notifier, gate


def _second_is_under_way(h: Harness, notifier: TelegramNotifier) -> None:
    """Notify a second event, then wait until it either reached the server or waits its turn
    (a lane wait is counted before it waits; the getMe after it runs on the loop after the
    second delivery started, so the lane wait, if any, is counted by then)."""
    waits = h.bot.lanes.waits
    notifier.notify(_event(2))
    h.bot.call(lambda bot: bot.get_me())
    assert h.api.wait_for(lambda: h.bot.lanes.waits == waits + 1 or len(
        [c for c in h.api.calls_of("sendMessage") if c["chat_id"] == TRADER]) == 3)


def _notifications(h: Harness) -> list[str]:
    return [t.split("\n")[0] for t in h.api.sent(TRADER) if t.startswith("🎯")]


def test_one_chats_notifications_keep_their_order_through_its_flood_control(
        store: DocumentStore, users: UserRepository, positions: PositionRepository,
        trading: RecordingTrading, links: TelegramLinkService, tg_clock: ManualClock) -> None:
    """A 429 for a private chat (about one message a second) holds that chat's later messages
    back: concurrent requests would reach the user in any order."""
    with _trader_bot(store, users, positions, trading, links, tg_clock) as (h, notifier, gate):
        h.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", chat_id=TRADER,
                        parameters={"retry_after": 3})
        notifier.notify(_event(1))
        assert gate.wait_asked(1)  # the first waits out its 3 s
        _second_is_under_way(h, notifier)
        gate.open()
        assert h.api.wait_for(lambda: notifier.counters["sent"] == 2)
        assert _notifications(h) == ["🎯 target 1 hit", "🎯 target 2 hit"]
        assert gate.asked == [3.0]


def test_messages_queued_for_a_chat_that_turns_out_blocked_are_not_sent(
        store: DocumentStore, users: UserRepository, positions: PositionRepository,
        trading: RecordingTrading, links: TelegramLinkService, tg_clock: ManualClock) -> None:
    with _trader_bot(store, users, positions, trading, links, tg_clock) as (h, notifier, gate):
        h.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", chat_id=TRADER,
                        parameters={"retry_after": 3})
        notifier.notify(_event(1))
        assert gate.wait_asked(1)
        with h.api.cond:
            h.api.blocked_by.add(TRADER)  # blocked meanwhile
        _second_is_under_way(h, notifier)
        gate.open()
        assert h.api.wait_for(lambda: notifier.counters["failed"] == 1
                              and notifier.counters["unreachable"] == 1)
        calls = [c for c in h.api.calls_of("sendMessage") if c["chat_id"] == TRADER]
        assert len(calls) == 3  # the /help answer, the 429, the 403: nothing after it
        assert [r[2] for r in h.api.refused] == ["Forbidden: bot was blocked by the user"]
        assert notifier.unreachable() == {TRADER: "blocked"}


def test_a_flood_wait_on_one_users_answer_never_holds_back_other_updates(
        store: DocumentStore, users: UserRepository, positions: PositionRepository,
        trading: RecordingTrading, links: TelegramLinkService, tg_clock: ManualClock) -> None:
    """Updates are handled one at a time: an answer waiting out its chat's 429 on the update
    loop would hold back every other chat's updates, an admin's signal with them. Answers go
    in their chat's turn, in order, off the loop."""
    gate = Gate()
    with running_bot(store=store, users=users, positions=positions, trading=trading,
                     links=links, clock=tg_clock, send_sleep=gate) as h:
        h.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 30",
                        chat_id=FLOODED, parameters={"retry_after": 30})
        h.api.inject_private_text(FLOODED, "/help")
        assert gate.wait_asked(1)  # its answer waits out 30 s
        h.api.inject_private_text(FLOODED, "/start")
        h.api.inject_private_text(ADMIN, SIGNAL)
        h.api.inject_private_text(OTHER, "/help")
        assert h.api.wait_for(lambda: h.api.sent(VIP) == [EXPECTED]
                              and h.api.sent(TRIAL) == [EXPECTED])
        assert h.api.wait_for(lambda: h.api.sent(ADMIN) == ["✅ Published (signal)."]
                              and len(h.api.sent(OTHER)) == 1)
        assert h.api.sent(FLOODED) == []
        gate.open()
        assert h.api.wait_for(lambda: len(h.api.sent(FLOODED)) == 2)
        first, second = h.api.sent(FLOODED)
        assert first.startswith("Commands:") and second.startswith("👋 Welcome")  # in order
        assert gate.asked == [30.0]


def test_a_flood_wait_on_the_command_menu_never_delays_the_start(
        store: DocumentStore, users: UserRepository, positions: PositionRepository,
        trading: RecordingTrading, links: TelegramLinkService, tg_clock: ManualClock) -> None:
    """setMyCommands is called at every start; a 429 on it (a restart loop) is waited out in
    the background while the bot polls and broadcasts."""
    gate = Gate()

    def setup(api: FakeBotApi) -> None:
        api.fail_next("setMyCommands", 429, "Too Many Requests: retry after 300",
                      parameters={"retry_after": 300})

    with running_bot(store=store, users=users, positions=positions, trading=trading,
                     links=links, clock=tg_clock, send_sleep=gate, setup=setup) as h:
        h.publish(SIGNAL)
        assert h.api.wait_for(lambda: h.api.sent(VIP) == [EXPECTED]
                              and h.api.sent(TRIAL) == [EXPECTED])
        assert gate.wait_asked(1) and gate.asked == [300.0]
        assert len(h.api.calls_of("setMyCommands")) == 1
        gate.open()
        assert h.api.wait_for(lambda: len(h.api.calls_of("setMyCommands")) == 2)


def test_a_restricted_user_who_comes_back_by_link_is_known_and_swept(
        harness: Harness, users: UserRepository, tg_clock: ManualClock) -> None:
    """A user an admin restricted stays "restricted" when they leave and when they come back
    through a link; only `is_member` changes (https://core.telegram.org/bots/api#chatmember
    restricted). Seen as a join, they are removed when their plan ends."""
    h = harness
    h.api.now = lambda: tg_clock.now().timestamp()
    users.create(make_user("ur", plan=PlanName.VIP, expires=tg_clock.now() + timedelta(days=2)))
    link = h.access.invite_link("ur")  # asked for in the app: no Telegram account linked
    with h.api.cond:
        h.api.members.setdefault(VIP, set())
        h.api.restricted[VIP] = {902}
    h.api.join_by_link(link.url, 902)
    assert h.api.wait_for(lambda: h.access.members()["VIP"] == {"902": "ur"})
    tg_clock.advance(2 * 86400 + 1)
    assert [(r.telegram_user_id, r.removed) for r in h.access.sweep()] == [(902, True)]

    users.create(make_user("uq", plan=PlanName.VIP, telegram_user_id=903))
    h.access.invite_link("uq")  # a linked account: known from the link it was given
    assert h.access.members()["VIP"] == {"903": "uq"}
    member = {"id": 903, "is_bot": False, "first_name": "Q"}
    h.api.inject({"chat_member": {  # they leave while restricted
        "chat": _chat(VIP), "from": member, "date": 1,
        "old_chat_member": _member("restricted", member, is_member=True),
        "new_chat_member": _member("restricted", member, is_member=False)}})
    assert h.api.wait_for(lambda: h.access.members()["VIP"] == {})
