"""User notifications through the real client and the fake Bot API: a user who blocked the
bot or cannot be found is logged with their user id, tried once, paused until they come back,
and never costs another user their notification."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from verzek.domain.models import PlanName
from verzek.engine.notifier import Event, EventKind
from verzek.store.repos import UserRepository
from verzek.telegram.notify import TelegramNotifier

from .conftest import make_user
from .harness import Harness

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
AT = datetime(2026, 1, 1, tzinfo=UTC)
BLOCKER, GHOST, FINE = 801, 802, 803


def _event(user_id: str, n: int) -> Event:
    return Event(EventKind.TARGET_HIT, user_id, AT, f"target {n} hit", {"symbol": "BTC/USDT"})


def test_unreachable_users_are_logged_paused_and_never_block_others(
        harness: Harness, users: UserRepository, caplog: pytest.LogCaptureFixture) -> None:
    h = harness
    caplog.set_level(logging.WARNING, logger="verzek.telegram")
    for user_id, tg in (("ub", BLOCKER), ("ug", GHOST), ("uf", FINE)):
        users.create(make_user(user_id, plan=PlanName.PRO, telegram_user_id=tg))
    for tg in (BLOCKER, FINE):
        h.api.inject_private_text(tg, "/help")  # they started the bot; GHOST never did
    assert h.api.wait_for(lambda: len(h.api.sent(BLOCKER)) == 1 and len(h.api.sent(FINE)) == 1)
    notifier = TelegramNotifier(bot=h.bot, find_user=users.find)
    h.bot.on_reachable = notifier.set_reachable
    h.api.blocked_by.add(BLOCKER)  # blocked; Telegram's my_chat_member comes later

    for user_id in ("ub", "ug", "uf"):
        notifier.notify(_event(user_id, 1))
    assert h.api.wait_for(lambda: notifier.counters["sent"] + notifier.counters["failed"] == 3)
    assert h.api.sent(FINE)[-1].startswith("🎯 target 1 hit")
    assert notifier.counters == {**notifier.counters, "sent": 1, "failed": 2}
    refused = {r[1]["chat_id"]: r[2] for r in h.api.refused}
    assert refused == {BLOCKER: "Forbidden: bot was blocked by the user",
                       GHOST: "Bad Request: chat not found"}
    assert h.bot.sender.counters["network_retries"] == 0 and h.sleeps == []  # no retries
    messages = [r.getMessage() for r in caplog.records]
    assert any("user ub" in m and "blocked" in m for m in messages)
    assert any("user ug" in m and "chat_not_found" in m for m in messages)

    for user_id in ("ub", "ug", "uf"):
        notifier.notify(_event(user_id, 2))  # paused: no call for nothing
    assert h.api.wait_for(lambda: notifier.counters["sent"] == 2)
    assert notifier.counters["unreachable"] == 2 and len(h.api.refused) == 2
    assert notifier.status()["paused_chats"] == 2

    h.api.unblock_bot(BLOCKER)  # Telegram tells the bot through my_chat_member
    h.api.inject_private_text(GHOST, "/start")  # the ghost finally writes to the bot
    assert h.api.wait_for(lambda: notifier.unreachable() == {})
    for user_id in ("ub", "ug"):
        notifier.notify(_event(user_id, 3))
    assert h.api.wait_for(lambda: notifier.counters["sent"] == 4)
    assert h.api.sent(BLOCKER)[-1].startswith("🎯 target 3 hit")
    assert h.api.sent(GHOST)[-1].startswith("🎯 target 3 hit")


def test_blocking_seen_through_my_chat_member_pauses_at_once(
        harness: Harness, users: UserRepository) -> None:
    h = harness
    users.create(make_user("ub", plan=PlanName.PRO, telegram_user_id=BLOCKER))
    notifier = TelegramNotifier(bot=h.bot, find_user=users.find)
    h.bot.on_reachable = notifier.set_reachable
    h.api.block_bot(BLOCKER)
    assert h.api.wait_for(lambda: BLOCKER in notifier.unreachable())
    notifier.notify(_event("ub", 1))
    assert notifier.counters["unreachable"] == 1 and h.api.calls_of("sendMessage") == []
