"""The broadcast bot end to end: the real python-telegram-bot client against the fake Bot API
server on 127.0.0.1 (TELEGRAM_BOT_API_URL), the real SignalBus and the real store."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from verzek.clock import ManualClock
from verzek.engine.notifier import Event, EventKind
from verzek.engine.telegram_links import TelegramLinkService
from verzek.store.docstore import DocumentStore
from verzek.store.repos import PositionRepository, UserRepository
from verzek.telegram.bot import SEND_READ_TIMEOUT_S
from verzek.telegram.commands import NOT_LINKED
from verzek.telegram.format import HEADER
from verzek.telegram.notify import TelegramNotifier

from .conftest import RecordingTrading
from .fake_bot_api import BOT_ID, BOT_USER
from .harness import ADMIN, TRIAL, VIP, Gate, Harness, running_bot

# PTB 22.8's RetryAfter warns about its own retry_after type on construction.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

SIGNAL = "#ETH/USDT SHORT\nEntry: 3000 - 3050\nTargets: 2900, 2800\nStop: 3150 <tight> & fast"
EXPECTED = (f"{HEADER}\n\n{SIGNAL}\n\n📊 Summary\nPair: ETH/USDT\nSide: SHORT\n"
            "Entry: 3000 - 3050\nTargets: 2900, 2800\nStop loss: 3150")


def test_bus_signal_goes_to_vip_and_trial_with_exact_text(harness: Harness) -> None:
    h = harness
    h.publish(SIGNAL)
    assert h.api.wait_for(lambda: len(h.api.sent(TRIAL)) == 1 and len(h.api.sent(VIP)) == 1)
    assert h.api.sent(VIP) == [EXPECTED]
    assert h.api.sent(TRIAL) == [EXPECTED]
    sent = h.api.calls_of("sendMessage")
    assert all("parse_mode" not in c for c in sent)  # plain text: < > & never break it
    assert h.bot.status()["state"] == "running"
    menu = h.api.calls_of("setMyCommands")[0]["commands"]
    assert [c["command"] for c in menu][:3] == ["status", "positions", "pnl"]


def test_a_call_posted_longer_ago_than_the_trading_age_limit_is_not_broadcast_as_new(
        harness: Harness, tg_clock: ManualClock) -> None:
    """A catch-up after an outage carries the post date: an hours-old call would have group
    members enter late, so it is not posted as a "New Signal Alert"; a fresh one is."""
    h = harness
    posted = tg_clock.now()
    tg_clock.advance(h.broadcaster.max_age_s + 1)
    h.publish(SIGNAL, message_id=7, received_at=posted)
    h.publish(SIGNAL.replace("3150", "3160"), message_id=8, received_at=tg_clock.now())
    assert h.api.wait_for(lambda: len(h.api.sent(VIP)) == 1 and len(h.api.sent(TRIAL)) == 1)
    h.wait_idle()
    assert all("3160" in text for text in h.api.sent(VIP) + h.api.sent(TRIAL))
    assert h.broadcaster.counters["too_old"] == 1
    assert h.broadcaster.max_age_s == 300  # the engine's default max_signal_age_s


def test_own_broadcast_fed_back_is_never_broadcast_again(harness: Harness) -> None:
    h = harness
    h.publish(SIGNAL)
    assert h.api.wait_for(lambda: len(h.api.sent(TRIAL)) == 1)
    # Telegram shows the bot its own group post; an admin forwards the broadcast privately.
    h.api.inject_group_text(VIP, EXPECTED, from_user=BOT_USER)
    h.api.inject_private_text(ADMIN, EXPECTED, extra={"forward_origin": {
        "type": "chat", "date": 1, "sender_chat": {"id": VIP, "type": "supergroup",
                                                   "title": "VIP"}}})
    h.api.inject_group_text(TRIAL, SIGNAL, from_user={"id": ADMIN, "is_bot": False,
                                                      "first_name": "Admin"})
    h.api.inject_private_text(ADMIN, SIGNAL, extra={"forward_origin": {
        "type": "user", "date": 1, "sender_user": BOT_USER}})  # the bot's own text, forwarded
    assert h.api.wait_for(lambda: h.bot.counters["ignored_own"] >= 4), h.bot.counters
    h.publish(EXPECTED, chat_id=VIP, message_id=50)  # and if it reached the bus anyway
    h.publish(SIGNAL, message_id=2)  # the same content again, from another message
    h.wait_idle()
    assert h.api.sent(VIP) == [EXPECTED] and h.api.sent(TRIAL) == [EXPECTED]
    assert h.broadcaster.counters["own"] == 1 and h.broadcaster.counters["duplicates"] == 1
    assert [m.origin for m in h.published] == ["telegram", "telegram", "telegram"]
    assert h.api.sent(ADMIN) == []  # nothing answered to the forwarded copy


def test_admin_private_signal_is_published_and_broadcast(harness: Harness) -> None:
    h = harness
    h.api.inject_private_text(ADMIN, SIGNAL)
    assert h.api.wait_for(lambda: len(h.api.sent(TRIAL)) == 1 and len(h.api.sent(VIP)) == 1)
    assert h.api.sent(VIP) == [EXPECTED]
    assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 1)
    assert h.api.sent(ADMIN) == ["✅ Published (signal)."]
    bot_messages = [m for m in h.published if m.origin == "bot"]
    assert len(bot_messages) == 1
    assert bot_messages[0].source.kind == "bot" and bot_messages[0].source.chat_id == ADMIN
    h.api.inject_private_text(ADMIN, "hello there")
    h.api.inject_private_text(4444, SIGNAL)  # not an admin
    assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 2 and len(h.api.sent(4444)) == 1)
    assert h.api.sent(ADMIN)[1] == "Not published: no keyword."
    assert h.api.sent(4444) == [NOT_LINKED]  # not an admin, not linked: how to link
    assert len([m for m in h.published if m.origin == "bot"]) == 1


def test_rate_limit_is_waited_out_with_the_injected_sleeper(harness: Harness) -> None:
    h = harness
    h.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", chat_id=VIP,
                    parameters={"retry_after": 7})
    h.publish(SIGNAL)
    assert h.api.wait_for(lambda: len(h.api.sent(VIP)) == 1 and len(h.api.sent(TRIAL)) == 1)
    assert 7.0 in h.sleeps
    vip_calls = [c for c in h.api.calls_of("sendMessage") if c["chat_id"] == VIP]
    assert len(vip_calls) == 2  # refused once, then delivered once
    assert h.bot.sender.counters["retry_after"] == 1


def test_a_broadcast_whose_answer_is_lost_is_posted_once(harness: Harness) -> None:
    h = harness
    h.api.drop_answer_next("sendMessage", chat_id=VIP)  # posted, then the connection drops
    h.publish(SIGNAL)
    assert h.api.wait_for(lambda: len(h.api.sent(TRIAL)) == 1
                          and h.broadcaster.counters["group_failures"] == 1)
    assert h.api.sent(VIP) == [EXPECTED]  # once: never sent again after the lost answer
    assert len([c for c in h.api.calls_of("sendMessage") if c["chat_id"] == VIP]) == 1
    assert h.bot.sender.counters["uncertain"] == 1
    assert "may have arrived" in (h.broadcaster.last_error or "")
    assert h.bot._app is not None  # sends wait long for an answer before it counts as lost
    assert h.bot._app.bot.request.read_timeout == SEND_READ_TIMEOUT_S == 20.0
    h.publish("#BTC/USDT LONG\nEntry 60000\nTP 62000\nSL 59000", message_id=2)
    assert h.api.wait_for(lambda: len(h.api.sent(VIP)) == 2)  # the next one goes as usual


def test_migrated_group_is_followed_and_remembered(harness: Harness) -> None:
    h = harness
    new_trial = -1009999
    h.api.migrate_group(TRIAL, new_trial, announce=False)  # learnt from a refused send only
    h.publish(SIGNAL)
    assert h.api.wait_for(lambda: len(h.api.sent(new_trial)) == 1 and len(h.api.sent(VIP)) == 1)
    assert h.groups.chat_id("TRIAL") == new_trial
    h.publish("#BTC/USDT LONG\nEntry 60000\nTP 62000\nSL 59000", message_id=2)
    assert h.api.wait_for(lambda: len(h.api.sent(new_trial)) == 2)
    assert len(h.api.sent(TRIAL)) == 0
    assert new_trial in h.bot.groups.own_chat_ids()


def test_migration_announced_in_an_update_is_recorded(harness: Harness) -> None:
    h = harness
    new_vip = -1007777
    h.api.migrate_group(VIP, new_vip)  # both service messages: migrate_to and migrate_from
    assert h.api.wait_for(lambda: h.bot.counters["ignored_own"] == 2)
    assert h.groups.chat_id("VIP") == new_vip
    h.publish(SIGNAL)
    assert h.api.wait_for(lambda: len(h.api.sent(new_vip)) == 1)
    assert h.api.refused == []  # the old id was never tried again
    assert h.bot.deep_link("ABC") == "https://t.me/verzek_test_bot?start=ABC"


def test_migration_seen_only_from_the_new_supergroup_is_recorded(harness: Harness) -> None:
    h = harness
    new_trial = -1008888
    h.api.add_group(new_trial)
    h.api.inject({"message": {"message_id": 1, "date": 1, "chat": {
        "id": new_trial, "type": "supergroup", "title": "TRIAL"},
        "from": {"id": 1, "is_bot": False, "first_name": "Owner"},
        "migrate_from_chat_id": TRIAL}})
    assert h.api.wait_for(lambda: h.bot.counters["ignored_own"] == 1)
    assert h.groups.chat_id("TRIAL") == new_trial
    assert {TRIAL, new_trial} <= h.groups.own_chat_ids()


def test_failure_to_one_group_never_blocks_the_other(harness: Harness) -> None:
    h = harness
    h.api.fail_next("sendMessage", 403, "Forbidden: bot was kicked from the supergroup chat",
                    chat_id=VIP)
    for _ in range(5):
        h.api.fail_next("sendMessage", 502, "Bad Gateway", chat_id=TRIAL)
    h.publish(SIGNAL)
    assert h.api.wait_for(lambda: h.broadcaster.counters["group_failures"] == 2, 10)
    assert h.api.sent(VIP) == [] and h.api.sent(TRIAL) == []
    h.publish("#BTC/USDT LONG\nEntry 60000\nTP 62000\nSL 59000", message_id=2)
    assert h.api.wait_for(lambda: len(h.api.sent(VIP)) == 1 and len(h.api.sent(TRIAL)) == 1)
    assert h.bot.sender.counters["forbidden"] == 1
    assert h.bot.sender.counters["network_retries"] >= 4


def test_linking_flow_commands_and_notifications(harness: Harness, users: UserRepository,
                                                 trading: RecordingTrading) -> None:
    h = harness
    code = h.links.issue_code("u1").code
    h.api.inject_private_text(555, "/start WRONG")
    h.api.inject_private_text(555, f"/start {code}")
    assert h.api.wait_for(lambda: len(h.api.sent(555)) == 2)
    assert h.api.sent(555)[0].startswith("❌ this link code is unknown, used or expired")
    assert h.api.sent(555)[1].startswith("✅ Linked to u1@example.com")
    assert users.get("u1").telegram_user_id == 555
    h.api.inject_private_text(555, "/pause")
    h.api.inject_private_text(555, f"/autotrade@{BOT_USER['username']} on")
    assert h.api.wait_for(lambda: len(h.api.sent(555)) == 4)
    assert h.api.sent(555)[2].startswith("⏸ Trading paused")
    assert h.api.sent(555)[3] == "🤖 Auto-trade switched on."
    assert trading.is_paused("u1") and users.get("u1").settings.general.auto_trade
    assert ("set_pause", {"paused": True, "user_id": "u1"}) in trading.calls

    notifier = TelegramNotifier(bot=h.bot, find_user=users.find,
                                admin_chat_ids=frozenset({ADMIN}))
    at = datetime(2026, 1, 1, tzinfo=UTC)
    notifier.notify(Event(EventKind.TARGET_HIT, "u1", at, "BTC/USDT target 1 hit",
                          {"symbol": "BTC/USDT", "price": "62000"}))
    notifier.notify(Event(EventKind.SIGNAL_SKIPPED, "u2", at, "skipped"))  # u2 not linked
    notifier.notify(Event(EventKind.BREAKER_TRIPPED, None, at, "daily loss breaker tripped"))
    assert h.api.wait_for(lambda: len(h.api.sent(555)) == 5 and len(h.api.sent(ADMIN)) == 1)
    assert h.api.sent(555)[4] == "🎯 BTC/USDT target 1 hit\nPair: BTC/USDT\nPrice: 62000"
    assert h.api.sent(ADMIN) == ["⚠️ daily loss breaker tripped"]
    assert h.api.wait_for(lambda: notifier.counters["sent"] == 2)
    assert notifier.counters["unlinked"] == 1

    h.api.inject_private_text(555, "/unlink")
    assert h.api.wait_for(lambda: len(h.api.sent(555)) == 6)
    assert users.get("u1").telegram_user_id is None


def test_bot_stops_cleanly_and_restarts(harness: Harness) -> None:
    h = harness
    h.bot.stop(10)
    assert not h.bot.is_alive() and h.bot.status()["state"] == "stopped"
    assert h.bot.bot_id == BOT_ID
    h.bot.start()
    assert h.bot.wait_ready(10)
    h.publish(SIGNAL)
    assert h.api.wait_for(lambda: len(h.api.sent(VIP)) == 1)


def test_trial_copy_waits_for_its_delay_without_holding_back_vip(
        store: DocumentStore, users: UserRepository, positions: PositionRepository,
        trading: RecordingTrading, links: TelegramLinkService, tg_clock: ManualClock) -> None:
    gate = Gate()
    with running_bot(store=store, users=users, positions=positions, trading=trading,
                     links=links, clock=tg_clock, trial_delay_s=45, delay_sleep=gate) as h:
        h.publish(SIGNAL)
        assert gate.wait_asked(1)
        assert h.api.wait_for(lambda: len(h.api.sent(VIP)) == 1)
        assert h.api.sent(TRIAL) == []
        gate.open()
        assert h.api.wait_for(lambda: len(h.api.sent(TRIAL)) == 1)
        assert h.api.sent(TRIAL) == [EXPECTED]
        second = "#BTC/USDT LONG\nEntry 60000\nTP 62000\nSL 59000"
        h.publish(second, message_id=2)
        assert gate.wait_asked(2)
        assert h.api.wait_for(lambda: len(h.api.sent(VIP)) == 2)  # VIP is never held back
        assert len(h.api.sent(TRIAL)) == 1
        gate.open()
        assert h.api.wait_for(lambda: len(h.api.sent(TRIAL)) == 2)
        assert h.api.sent(TRIAL) == h.api.sent(VIP)
        assert gate.asked == [45, 45]


def test_bot_removed_from_a_group_is_reported_and_the_other_group_still_served(
        harness: Harness) -> None:
    h = harness
    h.api.remove_bot(VIP)
    assert h.api.wait_for(lambda: "removed from the VIP group" in (h.bot.last_error or ""))
    h.publish(SIGNAL)
    assert h.api.wait_for(lambda: len(h.api.sent(TRIAL)) == 1)
    assert h.api.wait_for(lambda: h.broadcaster.counters["group_failures"] == 1)
    assert h.api.refused[-1][2] == "Forbidden: bot was kicked from the supergroup chat"
    assert h.bot.sender.counters["forbidden"] == 1 and h.sleeps == []  # not retried


def test_a_rate_limited_group_never_holds_back_the_other_across_signals(
        store: DocumentStore, users: UserRepository, positions: PositionRepository,
        trading: RecordingTrading, links: TelegramLinkService, tg_clock: ManualClock) -> None:
    gate = Gate()
    with running_bot(store=store, users=users, positions=positions, trading=trading,
                     links=links, clock=tg_clock, send_sleep=gate) as h:
        h.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 30", chat_id=VIP,
                        parameters={"retry_after": 30})
        second = "#BTC/USDT LONG\nEntry 60000\nTP 62000\nSL 59000"
        h.publish(SIGNAL)
        assert gate.wait_asked(1)  # VIP waits out its 30 s
        h.publish(second, message_id=2)
        assert h.api.wait_for(lambda: len(h.api.sent(TRIAL)) == 2)  # TRIAL goes on
        assert h.api.sent(VIP) == []
        gate.open()
        assert h.api.wait_for(lambda: len(h.api.sent(VIP)) == 2)
        assert h.api.sent(VIP) == h.api.sent(TRIAL)  # and each group keeps the order
        assert gate.asked == [30.0]


def test_stop_during_a_trial_delay_is_prompt_and_reports_the_lost_copy(
        store: DocumentStore, users: UserRepository, positions: PositionRepository,
        trading: RecordingTrading, links: TelegramLinkService, tg_clock: ManualClock,
        caplog: pytest.LogCaptureFixture) -> None:
    gate = Gate()  # never opened: the TRIAL copy is still waiting when the bot stops
    caplog.set_level(logging.WARNING)
    with running_bot(store=store, users=users, positions=positions, trading=trading,
                     links=links, clock=tg_clock, trial_delay_s=600, delay_sleep=gate) as h:
        h.bot.drain_timeout_s = 60  # a wait for the delay would block the stop for a minute
        h.publish(SIGNAL)
        assert gate.wait_asked(1) and h.api.wait_for(lambda: len(h.api.sent(VIP)) == 1)
        h.bot.stop(10)
        assert not h.bot.is_alive() and h.bot.status()["state"] == "stopped"
    assert h.broadcaster.counters["group_failures"] == 1
    messages = [r.getMessage() for r in caplog.records]
    assert any("broadcast to the TRIAL group lost" in m for m in messages)
    assert not any("destroyed but it is pending" in m or "never retrieved" in m
                   for m in messages)
    assert not any("did not stop" in m for m in messages)
