"""Round 3 against the real Bot API's answers, through the real python-telegram-bot client and
the fake Bot API on 127.0.0.1: what each refusal is about (the group or the member), which
calls count against a group's message limit, and more."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from datetime import timedelta

import pytest
from telegram import Bot

from verzek.clock import ManualClock
from verzek.domain.models import PlanName
from verzek.engine.telegram_links import TelegramLinkService
from verzek.store.docstore import DocumentStore
from verzek.store.repos import PositionRepository, UserRepository
from verzek.telegram.bot import MessageRateLimiter

from .conftest import NOW, RecordingTrading, make_user
from .harness import ADMIN, TRIAL, VIP, Gate, Harness, running_bot
from .test_bot import EXPECTED, SIGNAL

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
JOINER = 8801


def _expired_vip_member(h: Harness, users: UserRepository, tg_clock: ManualClock,
                        telegram_user_id: int) -> None:
    users.create(make_user(f"x{telegram_user_id}", plan=PlanName.VIP,
                           expires=NOW + timedelta(days=1)))
    h.access.on_member(VIP, telegram_user_id, f"u:x{telegram_user_id}", True)
    with h.api.cond:
        h.api.members.setdefault(VIP, set()).add(telegram_user_id)
    tg_clock.advance(2 * 86400)  # the plan ended


@pytest.mark.parametrize("refusal", [
    (403, "Forbidden: bot was kicked from the supergroup chat"),
    (400, "Bad Request: not enough rights to restrict/unrestrict chat member"),
    (400, "Bad Request: chat not found"),
])
def test_a_sweep_refused_because_of_the_group_keeps_the_member_for_the_next_sweep(
        harness: Harness, users: UserRepository, tg_clock: ManualClock,
        refusal: tuple[int, str]) -> None:
    """A ban refused because of the group (the bot removed from it, demoted, the chat gone) is
    no verdict on the member: forgetting them would leave an unpaid member in the group for
    good once an admin puts the bot back. Only a refusal about the member (an administrator,
    the owner) is final."""
    h = harness
    _expired_vip_member(h, users, tg_clock, 931)
    status, description = refusal
    h.api.fail_next("banChatMember", status, description, chat_id=VIP)
    [first] = h.access.sweep()
    assert not first.removed
    assert description.split(": ", 1)[1].lower() in (first.error or "").lower()
    assert h.access.members()["VIP"] == {"931": "x931"}  # kept: tried again
    [second] = h.access.sweep()  # the bot is back
    assert second.removed and 931 not in h.api.members[VIP]
    assert h.access.members()["VIP"] == {}


def test_a_sweep_refused_because_of_the_member_forgets_them(
        harness: Harness, users: UserRepository, tg_clock: ManualClock) -> None:
    h = harness
    _expired_vip_member(h, users, tg_clock, 932)
    h.api.fail_next("banChatMember", 400, "Bad Request: user is an administrator of the chat",
                    chat_id=VIP)
    [first] = h.access.sweep()
    assert not first.removed and h.access.members()["VIP"] == {}
    assert h.access.sweep() == []


def test_calls_that_post_nothing_leave_a_groups_message_budget_to_the_signals(
        harness: Harness, users: UserRepository) -> None:
    """Telegram limits the messages a bot posts to a group (20 a minute); PTB's AIORateLimiter
    counts every call naming the group. Invite links (/join), bans and getChat of a sweep would
    use up the VIP group's budget and hold the next signal back for minutes."""
    h = harness
    app = h.bot._app
    assert app is not None
    limiter = app.bot.rate_limiter
    assert isinstance(limiter, MessageRateLimiter)
    for n in range(3):
        users.create(make_user(f"v{n}", plan=PlanName.VIP, expires=NOW + timedelta(days=9)))
        h.access.invite_link(f"v{n}")
    h.bot.call(lambda bot: bot.get_chat(VIP))
    assert len(h.api.calls_of("createChatInviteLink")) == 3
    assert VIP not in limiter._group_limiters  # nothing counted against VIP's 20 a minute
    h.publish(SIGNAL)
    assert h.api.wait_for(lambda: h.api.sent(VIP) == [EXPECTED])
    assert VIP in limiter._group_limiters  # the post is


def test_a_flood_wait_on_a_join_invite_never_holds_back_an_admins_signal(
        store: DocumentStore, users: UserRepository, positions: PositionRepository,
        trading: RecordingTrading, links: TelegramLinkService, tg_clock: ManualClock) -> None:
    """/join asks Telegram for an invite link (createChatInviteLink); a 429 on it is waited
    out. Run on the update loop (updates are handled one at a time), that wait held back every
    other update — an admin's signal — until the call gave up. Commands run in their chat's
    turn, off the loop, in order."""
    gate = Gate()
    users.create(make_user("uj", plan=PlanName.VIP, expires=NOW + timedelta(days=9),
                           telegram_user_id=JOINER))
    with running_bot(store=store, users=users, positions=positions, trading=trading,
                     links=links, clock=tg_clock, send_sleep=gate) as h:
        h.access.call_timeout_s = 5  # bounds the wait if the update loop is held
        h.api.fail_next("createChatInviteLink", 429, "Too Many Requests: retry after 300",
                        chat_id=VIP, parameters={"retry_after": 300})
        h.api.inject_private_text(JOINER, "/join")
        assert gate.wait_asked(1) and gate.asked == [300.0]
        h.api.inject_private_text(JOINER, "/status")  # waits for the /join answer
        h.api.inject_private_text(ADMIN, SIGNAL)
        assert h.api.wait_for(lambda: h.api.sent(VIP) == [EXPECTED]
                              and h.api.sent(ADMIN) == ["✅ Published (signal)."])
        assert h.api.sent(JOINER) == []
        gate.open()
        assert h.api.wait_for(lambda: len(h.api.sent(JOINER)) == 2)
        join, status = h.api.sent(JOINER)
        assert join.startswith("🔗 Your one-time invite to the VIP group")
        assert status.startswith("📋 Status")


def test_a_call_its_caller_gave_up_on_does_not_go_on_unseen(harness: Harness) -> None:
    """`BotService.call` (group access from other threads) gives up after its timeout and
    reports the call as not done; the call itself waited on (a flood wait of minutes on
    createChatInviteLink) must not be carried out afterwards: an invite link nobody gets, a
    ban the sweep reported as not done."""
    h = harness
    started, cancelled = threading.Event(), threading.Event()

    async def waits_on_telegram(bot: Bot) -> None:
        started.set()
        try:
            await asyncio.Event().wait()  # a flood wait that outlasts the caller
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(concurrent.futures.TimeoutError):
        h.bot.call(waits_on_telegram, timeout_s=0)
    h.bot.call(lambda bot: bot.get_me())  # the loop has run the call (and its cancellation)
    assert cancelled.is_set() or not started.is_set()


def test_a_signal_is_not_posted_after_a_flood_wait_longer_than_its_freshness(
        harness: Harness) -> None:
    """A 429's `retry_after` may be minutes; a call posted that late as a "New Signal Alert"
    has the members enter a trade the engine already skips as stale (300 s). The flood wait
    is not waited when it would post the copy too late; the other group's copy goes on."""
    h = harness
    h.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 400", chat_id=VIP,
                    parameters={"retry_after": 400})
    h.publish(SIGNAL)
    assert h.api.wait_for(lambda: h.api.sent(TRIAL) == [EXPECTED]
                          and h.broadcaster.counters["group_failures"] == 1)
    assert h.api.sent(VIP) == [] and 400.0 not in h.sleeps
    assert len([c for c in h.api.calls_of("sendMessage") if c["chat_id"] == VIP]) == 1
    assert "too late" in (h.broadcaster.last_error or "")
    assert h.bot.status()["groups_down"] == {}  # a rate limit says nothing about the group


def test_a_copy_that_waited_its_turn_past_its_freshness_is_not_posted(
        store: DocumentStore, users: UserRepository, positions: PositionRepository,
        trading: RecordingTrading, links: TelegramLinkService, tg_clock: ManualClock) -> None:
    """The copies queued behind a flood wait in a group's lane age meanwhile."""
    gate = Gate()
    with running_bot(store=store, users=users, positions=positions, trading=trading,
                     links=links, clock=tg_clock, send_sleep=gate) as h:
        h.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 250", chat_id=VIP,
                        parameters={"retry_after": 250})
        h.publish(SIGNAL, received_at=tg_clock.now())
        assert gate.wait_asked(1)
        late = "#BTC/USDT LONG\nEntry 60000\nTP 62000\nSL 59000"
        h.publish(late, message_id=2, received_at=tg_clock.now() - timedelta(seconds=200))
        assert h.api.wait_for(lambda: len(h.api.sent(TRIAL)) == 2)  # TRIAL goes on
        tg_clock.advance(250)
        gate.open()
        assert h.api.wait_for(lambda: h.broadcaster.counters["too_old"] == 1)
        assert h.api.sent(VIP) == [EXPECTED]  # the first, 250 s old; not the second (450 s)
