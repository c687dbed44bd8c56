"""Faults of the real Bot API peer, through the real python-telegram-bot client against the fake
Bot API on 127.0.0.1: the HTML error pages of the gateway in front of it (a 504 whose call was
carried out anyway), and a group the bot can no longer post to."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from .harness import ADMIN, TRIAL, VIP, Harness
from .test_bot import EXPECTED, SIGNAL

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
OTHER_SIGNAL = "#SOL/USDT LONG\nEntry 150\nTP 160\nSL 140"


def _signal(n: int) -> str:
    return f"#BTC/USDT LONG\nEntry {60000 + n}\nTP {62000 + n}\nSL {59000 + n}"


def test_a_gateway_timeout_on_a_broadcast_is_never_posted_twice(harness: Harness) -> None:
    """A 504 is the gateway giving up on the Bot API server, which goes on and posts the message
    (it answers sendMessage only once the message is sent): sending it again would post it
    twice. It fails as "uncertain", like a lost answer; a 502 is sent again (not reached)."""
    h = harness
    h.api.gateway_error_next("sendMessage", 504, carried_out=True, chat_id=VIP)
    h.api.gateway_error_next("sendMessage", 502, carried_out=False, chat_id=TRIAL)
    h.publish(SIGNAL)
    assert h.api.wait_for(lambda: len(h.api.sent(TRIAL)) == 1
                          and h.broadcaster.counters["group_failures"] == 1)
    assert h.api.sent(VIP) == [EXPECTED]  # posted once, by the call the gateway gave up on
    assert len([c for c in h.api.calls_of("sendMessage") if c["chat_id"] == VIP]) == 1
    assert h.api.sent(TRIAL) == [EXPECTED] and h.sleeps == [1.0]  # the 502: once more
    assert h.bot.sender.counters["uncertain"] == 1
    assert "may have arrived" in (h.broadcaster.last_error or "")
    assert "(504)" in (h.broadcaster.last_error or "")
    h.publish(OTHER_SIGNAL, message_id=2)
    assert h.api.wait_for(lambda: len(h.api.sent(VIP)) == 2)  # the next one goes as usual


def test_gateway_pages_on_get_updates_back_off_without_a_traceback_each(
        harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    """The gateway's 502 page is no JSON: read as a transient failure with its status, logged
    once by the poller (throttled), not as an exception with the whole page at each poll."""
    h = harness
    caplog.set_level(logging.INFO)
    for _ in range(2):
        h.api.gateway_error_next("getUpdates", 502, carried_out=False)
    h.api.inject_private_text(ADMIN, "one")  # ends the poll under way; the next ones fail
    assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 1)
    h.api.inject_private_text(ADMIN, "two")
    assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 2)
    assert h.poll_sleeps == [1.0, 2.0] and h.bot.poller.counters["errors"] == 2
    assert "Bad Gateway (502)" in caplog.text
    assert [r for r in caplog.records if r.exc_info is not None] == []
    assert "<html>" not in caplog.text


def _break_by_removal(h: Harness) -> None:
    h.api.remove_bot(VIP)  # Telegram also tells the bot (my_chat_member)


def _break_by_a_vanished_chat(h: Harness) -> None:
    with h.api.cond:
        del h.api.chats[VIP]  # "Bad Request: chat not found", learnt from a refused post only


@pytest.mark.parametrize("break_group", [_break_by_removal, _break_by_a_vanished_chat])
def test_a_group_the_bot_cannot_post_to_is_told_to_the_admins_once(
        harness: Harness, caplog: pytest.LogCaptureFixture,
        break_group: Callable[[Harness], None]) -> None:
    """A permanent refusal for a group (403 kicked, 400 chat not found) is not retried, and is
    told once — an error log and a message to each admin — not at every signal; posting to it
    working again is told once too."""
    h = harness
    caplog.set_level(logging.INFO)
    break_group(h)
    for n in range(3):
        h.publish(_signal(n), message_id=10 + n)
        assert h.api.wait_for(lambda n=n: len(h.api.sent(TRIAL)) == n + 1
                              and h.broadcaster.counters["group_failures"] == n + 1)
    assert h.api.wait_for(lambda: len(h.api.sent(ADMIN)) == 1)
    alert = h.api.sent(ADMIN)[0]
    assert alert.startswith(f"⚠️ I cannot post to the VIP group ({VIP})")
    assert h.bot.status()["groups_down"].keys() == {"VIP"}
    assert h.bot.health.alerts == 1 and h.sleeps == []  # never retried
    down_logs = [r for r in caplog.records if "cannot post to the VIP group" in r.getMessage()]
    assert len(down_logs) == 1 and down_logs[0].levelno == logging.ERROR

    if break_group is _break_by_removal:
        h.api.add_bot_back(VIP)
    else:
        h.api.add_group(VIP)
    h.publish(_signal(9), message_id=30)
    assert h.api.wait_for(lambda: len(h.api.sent(VIP)) == 1 and len(h.api.sent(ADMIN)) == 2)
    assert h.api.sent(ADMIN)[1] == f"✅ Posting to the VIP group ({VIP}) works again."
    assert h.bot.status()["groups_down"] == {} and len(h.api.sent(ADMIN)) == 2
