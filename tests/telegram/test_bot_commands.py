"""Commands through the real client and the fake Bot API: private chats only, the bot's
@username suffix, unknown commands, unlinked users, and answers longer than one message."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from verzek.engine.notifier import Event, EventKind
from verzek.store.repos import PositionRepository, UserRepository
from verzek.telegram.commands import NOT_LINKED
from verzek.telegram.format import MAX_MESSAGE_UNITS, utf16_len
from verzek.telegram.notify import TelegramNotifier

from .conftest import RecordingTrading, make_position
from .fake_bot_api import BOT_USER
from .harness import ADMIN, TRIAL, VIP, Harness

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
OTHER_GROUP = -1003333


def test_commands_answer_in_private_only_and_honour_the_suffix(
        harness: Harness, users: UserRepository, trading: RecordingTrading) -> None:
    h = harness
    h.links.consume(h.links.issue_code("u1").code, 555)
    h.api.add_group(OTHER_GROUP)
    member = {"id": 555, "is_bot": False, "first_name": "U"}
    h.api.inject_group_text(OTHER_GROUP, "/status", from_user=member)
    h.api.inject_group_text(OTHER_GROUP, f"/pause@{BOT_USER['username']}", from_user=member)
    h.api.inject_private_text(555, "/status@some_other_bot")  # not for us: no answer
    h.api.inject_private_text(555, f"/STATUS@{BOT_USER['username'].upper()}")
    assert h.api.wait_for(lambda: len(h.api.sent(555)) == 1)
    assert h.api.sent(555)[0].startswith("📋 Status")
    assert h.api.sent(OTHER_GROUP) == [] and not trading.is_paused("u1")
    h.api.inject_private_text(555, "/balance")
    assert h.api.wait_for(lambda: len(h.api.sent(555)) == 2)
    assert h.api.sent(555)[1].startswith("Unknown command /balance.\nCommands:")
    assert len(h.api.sent(555)) == 2 and h.api.refused == []


def test_unlinked_users_are_told_how_to_link(harness: Harness) -> None:
    h = harness
    h.api.inject_private_text(4242, "/positions")
    h.api.inject_private_text(4242, "hi")
    h.api.inject_private_text(4242, "/start")
    assert h.api.wait_for(lambda: len(h.api.sent(4242)) == 3)
    first, second, third = h.api.sent(4242)
    assert first == NOT_LINKED and second == NOT_LINKED and third.endswith(NOT_LINKED)


def test_a_long_positions_list_is_sent_in_several_messages(
        harness: Harness, positions: PositionRepository) -> None:
    h = harness
    h.links.consume(h.links.issue_code("u2").code, 556)
    for i in range(80):
        positions.save(make_position(f"pos_{i:03d}_" + "x" * 20, "u2"))
    h.api.inject_private_text(556, "/positions")
    assert h.api.wait_for(lambda: len(h.api.sent(556)) >= 2 and h.bot.poller.counters[
        "updates"] >= 1)
    assert h.api.wait_for(lambda: sum(t.count("BTC/USDT LONG") for t in h.api.sent(556)) == 80)
    assert all(utf16_len(t) <= MAX_MESSAGE_UNITS for t in h.api.sent(556))
    assert h.api.refused == []  # nothing "message is too long"


MARKUP_SIGNAL = ("#SOL/USDT LONG (scalp) [x10] ~ `fast` > #1 + tight\\stop\n"
                 "Entry: 150.5 - 152.0 | {zone}\nTargets: 155.0, 160.0 = +5%!\n"
                 "Stop: 145 <b>unsure</b> & _risky_ *bold*")


def test_every_message_is_valid_plain_text_whatever_its_characters(
        harness: Harness, users: UserRepository) -> None:
    h = harness
    h.publish(MARKUP_SIGNAL)
    assert h.api.wait_for(lambda: len(h.api.sent(VIP)) == 1 and len(h.api.sent(TRIAL)) == 1)
    assert MARKUP_SIGNAL in h.api.sent(VIP)[0]  # verbatim: nothing escaped, nothing lost
    h.api.inject_private_text(ADMIN, MARKUP_SIGNAL.replace("SOL", "AVAX"))
    assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 1)
    users.update("u1", lambda u: u.model_copy(update={"telegram_user_id": 557}))
    h.api.inject_private_text(557, "/status")  # the user writes first, as Telegram requires
    assert h.api.wait_for(lambda: len(h.api.sent(557)) == 1)
    notifier = TelegramNotifier(bot=h.bot, find_user=users.find)
    notifier.notify(Event(EventKind.ATTENTION, "u1", datetime(2026, 1, 1, tzinfo=UTC),
                          "Order *rejected*: [binance] -2010 <insufficient> & _margin_ (x.y)!",
                          {"symbol": "SOL/USDT", "reason": "a_b*c"}))
    assert h.api.wait_for(lambda: len(h.api.sent(557)) == 2)
    sent = h.api.calls_of("sendMessage")
    assert all("parse_mode" not in c for c in sent)  # plain text: markup can never fail
    assert h.api.refused == []
