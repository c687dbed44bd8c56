"""getUpdates long polling against the fake Bot API: offsets confirmed after handling, nothing
handled twice across a restart, a webhook deleted only when set, 409 Conflict and 5xx backed
off on the injected sleeper with a clear log, allowed_updates and edits."""

from __future__ import annotations

import logging

import pytest

from verzek.clock import ManualClock
from verzek.engine.telegram_links import TelegramLinkService
from verzek.store.docstore import DocumentStore
from verzek.store.repos import PositionRepository, UserRepository
from verzek.telegram.handlers import ALLOWED_UPDATES
from verzek.telegram.state import UpdateLog

from .conftest import RecordingTrading
from .fake_bot_api import CONFLICT_OTHER, FakeBotApi
from .harness import ADMIN, VIP, Gate, Harness, running_bot

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def test_polls_with_allowed_updates_and_confirms_offsets(harness: Harness) -> None:
    h = harness
    first = h.api.inject_private_text(ADMIN, "hello there")
    assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 1)
    assert h.api.wait_for(lambda: h.api.confirmed_offset() == first + 1)
    polls = h.api.calls_of("getUpdates")
    assert all(p["allowed_updates"] == ALLOWED_UPDATES for p in polls)
    assert "chat_member" in ALLOWED_UPDATES  # never sent unless asked for by name
    assert h.api.calls_of("deleteWebhook") == []  # no webhook was set: nothing to delete
    assert h.bot.status()["polling"]["state"] == "polling"


def test_an_update_handled_before_a_restart_is_not_handled_again(
        harness: Harness, tg_clock: ManualClock) -> None:
    h = harness
    update_id = h.api.inject_private_text(ADMIN, "hello there")
    assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 1)
    h.bot.stop(10)
    h.api.replay(update_id)  # Telegram never saw it confirmed (a crash, a lost last call)
    h.bot.start()
    assert h.bot.wait_ready(10)
    assert h.api.wait_for(lambda: h.api.calls_of("getUpdates")[-1].get("offset")
                          == update_id + 1)
    h.api.inject_private_text(ADMIN, "second message")
    assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 2)

    # Days later ids may restart at random, so a stale offset is not used; the ids handled
    # recently are still skipped.
    h.bot.stop(10)
    h.api.replay(update_id)
    tg_clock.advance(7 * 86400)
    polls_before = len(h.api.calls_of("getUpdates"))
    h.bot.start()
    assert h.bot.wait_ready(10)
    # skipped (once, or again if the busy machine's first polls both came before the offset
    # moved: both are skips; what matters is that it is never handled a second time)
    assert h.api.wait_for(lambda: h.bot.poller.counters["replayed"] >= 1)
    # the first poll after the restart (more may follow on a busy machine)
    assert "offset" not in h.api.calls_of("getUpdates")[polls_before]
    assert len(h.api.sent(ADMIN)) == 2


def test_update_log_survives_a_restart(store: DocumentStore, tg_clock: ManualClock) -> None:
    log = UpdateLog(store=store, clock=tg_clock, keep=3)
    assert log.next_offset() is None
    for update_id in (10, 11, 12, 13):
        log.record(update_id)
    again = UpdateLog(store=DocumentStore(store.root), clock=tg_clock, keep=3)
    assert again.next_offset() == 14
    assert again.is_done(13) and not again.is_done(10)  # only the newest `keep`
    tg_clock.advance(again.fresh_s + 1)
    assert again.next_offset() is None


def test_a_webhook_left_set_is_deleted_and_pending_updates_kept(
        store: DocumentStore, users: UserRepository, positions: PositionRepository,
        trading: RecordingTrading, links: TelegramLinkService, tg_clock: ManualClock) -> None:
    def setup(api: FakeBotApi) -> None:
        api.webhook_url = "https://old-deployment.example/hook"
        api.inject_private_text(ADMIN, "sent while the webhook was set")

    with running_bot(store=store, users=users, positions=positions, trading=trading,
                     links=links, clock=tg_clock, setup=setup) as h:
        assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 1)
        assert h.api.calls_of("deleteWebhook") == [{"drop_pending_updates": False}]
        assert h.api.webhook_url == ""
        assert h.bot.poller.counters["webhooks_deleted"] == 1
        assert not [r for r in h.api.refused if r[0] == "getUpdates"]


def test_conflict_with_another_consumer_backs_off_and_recovers(
        store: DocumentStore, users: UserRepository, positions: PositionRepository,
        trading: RecordingTrading, links: TelegramLinkService, tg_clock: ManualClock,
        caplog: pytest.LogCaptureFixture) -> None:
    gate = Gate()
    caplog.set_level(logging.WARNING, logger="verzek.telegram.polling")
    with running_bot(store=store, users=users, positions=positions, trading=trading,
                     links=links, clock=tg_clock, poll_sleep=gate) as h:
        for round_ in (1, 2):
            assert h.api.wait_for(lambda: h.api.waiting_polls == 1)
            assert h.api.rival_poll() == 200  # a second instance polls: ours gets a 409
            assert gate.wait_asked(round_)
            status = h.bot.status()
            assert status["state"] == "running" and h.bot.is_alive()
            assert status["polling"]["state"] == "conflict"
            assert "another getUpdates consumer" in status["polling"]["last_error"]
            gate.open()
        assert gate.asked == [1.0, 2.0]  # exponential back-off, not a hot loop
        conflicts = [r for r in h.api.refused if r[2] == CONFLICT_OTHER]
        assert len(conflicts) == 2
        logged = [r for r in caplog.records if "409 Conflict" in r.getMessage()]
        assert len(logged) == 1 and logged[0].levelno == logging.ERROR  # throttled
        h.api.inject_private_text(ADMIN, "still there?")
        assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 1)
        assert h.bot.status()["polling"]["state"] == "polling"


def test_server_errors_on_get_updates_are_retried_with_back_off(harness: Harness) -> None:
    h = harness
    for _ in range(3):
        h.api.fail_next("getUpdates", 502, "Bad Gateway")
    h.api.inject_private_text(ADMIN, "one")  # ends the poll under way; the next ones fail
    assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 1)
    h.api.inject_private_text(ADMIN, "two")
    assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 2)
    assert h.poll_sleeps == [1.0, 2.0, 4.0]
    assert h.bot.poller.counters["errors"] == 3 and h.bot.is_alive()


def test_edits_are_never_acted_on(harness: Harness, users: UserRepository,
                                  trading: RecordingTrading) -> None:
    h = harness
    h.links.consume(h.links.issue_code("u1").code, 555)
    edit = {"message_id": 9, "date": 1, "edit_date": 2,
            "chat": {"id": 555, "type": "private", "first_name": "U"},
            "from": {"id": 555, "is_bot": False, "first_name": "U"}, "text": "/pause",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}
    assert h.api.wait_for(lambda: h.api.allowed_updates == ALLOWED_UPDATES)
    h.api.inject({"edited_message": edit})  # not in allowed_updates: never delivered
    assert len(h.api.dropped_updates) == 1
    h.api.inject({"edited_message": edit}, force=True)  # made before the setting took effect
    admin_edit = {**edit, "chat": {"id": ADMIN, "type": "private", "first_name": "A"},
                  "from": {"id": ADMIN, "is_bot": False, "first_name": "A"},
                  "text": "#BTC/USDT LONG\nEntry 60000\nTP 62000\nSL 59000", "entities": []}
    h.api.inject({"edited_message": admin_edit}, force=True)
    h.api.inject_private_text(555, "/help")
    assert h.api.wait_for(lambda: len(h.api.sent(555)) == 1)
    assert h.api.sent(555)[0].startswith("Commands:")
    assert not trading.is_paused("u1")
    assert h.bot.counters["admin_signals"] == 0 and h.api.sent(ADMIN) == []
    assert h.api.sent(VIP) == []


def test_a_bot_api_without_get_webhook_info_still_polls(
        store: DocumentStore, users: UserRepository, positions: PositionRepository,
        trading: RecordingTrading, links: TelegramLinkService, tg_clock: ManualClock) -> None:
    """A Bot API server that answers getWebhookInfo 404 (PTB's InvalidToken, though getMe
    just worked) is polled anyway, and a webhook it has set is deleted at the 409."""
    def setup(api: FakeBotApi) -> None:
        api.fail_next("getWebhookInfo", 404, "Not Found")
        api.webhook_url = "https://old-deployment.example/hook"
        api.inject_private_text(ADMIN, "sent while the webhook was set")

    with running_bot(store=store, users=users, positions=positions, trading=trading,
                     links=links, clock=tg_clock, setup=setup) as h:
        assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 1)
        assert h.bot.status()["state"] == "running"
        assert h.api.calls_of("deleteWebhook") == [{"drop_pending_updates": False}]
        assert h.bot.poller.counters["webhooks_deleted"] == 1


def test_a_webhook_set_while_polling_is_deleted(harness: Harness) -> None:
    h = harness
    assert h.api.wait_for(lambda: h.api.waiting_polls == 1)
    with h.api.cond:
        h.api.webhook_url = "https://someone-else.example/hook"
    h.api.inject_private_text(ADMIN, "ends the poll under way")  # the next one gets a 409
    assert h.api.wait_for(lambda: h.api.webhook_url == "")
    h.api.inject_private_text(ADMIN, "after the webhook")
    assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 2)
    assert h.bot.poller.counters["webhooks_deleted"] == 1
    assert [r for r in h.api.refused if r[0] == "getUpdates"]  # the 409 that told it
    assert h.bot.status()["polling"]["state"] == "polling"
