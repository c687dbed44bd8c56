"""What the bot takes in and what it keeps out, through the real PTB client and the fake Bot API
server: admin calls sent as a photo's caption, our header from any source (the loop guard),
an admin signal confirmed to Telegram only once the bus handled it, and PTB's rate limiter."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from telegram.ext import AIORateLimiter

from verzek.clock import ManualClock
from verzek.domain.models import SignalSource
from verzek.engine.bus import BusMessage
from verzek.store.docstore import DocumentStore
from verzek.telegram.commands import NOT_LINKED
from verzek.telegram.state import UpdateLog

from .harness import ADMIN, TRIAL, VIP, Harness
from .test_bot import EXPECTED, SIGNAL

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
PUBLISHED = "✅ Published (signal)."


def test_an_admin_photo_with_the_call_as_its_caption_is_published(harness: Harness) -> None:
    h = harness
    h.api.inject_private_photo(ADMIN, SIGNAL)
    assert h.api.wait_for(lambda: len(h.api.sent(VIP)) == 1 and len(h.api.sent(TRIAL)) == 1)
    assert h.api.sent(VIP) == [EXPECTED] and h.api.sent(TRIAL) == [EXPECTED]
    assert h.api.wait_for(lambda: h.api.sent(ADMIN) == [PUBLISHED])
    bot_messages = [m for m in h.published if m.origin == "bot"]
    assert [m.text for m in bot_messages] == [SIGNAL]
    h.api.inject_private_photo(4444, "my chart")  # not an admin: told how to link
    assert h.api.wait_for(lambda: h.api.sent(4444) == [NOT_LINKED])


def test_our_header_published_from_outside_our_groups_is_never_broadcast(
        harness: Harness) -> None:
    """Broadcaster.decide's own header check: a REST publisher has no chat id to exclude."""
    h = harness
    handled = threading.Event()
    h.bus.publish(BusMessage(text=EXPECTED, source=SignalSource(kind="api"),
                             received_at=datetime(2026, 1, 1, tzinfo=UTC), origin="api",
                             on_handled=handled.set))
    assert handled.wait(10)
    h.publish(SIGNAL)  # the next broadcast shows what went before it (lanes keep order)
    assert h.api.wait_for(lambda: len(h.api.sent(VIP)) == 1 and len(h.api.sent(TRIAL)) == 1)
    assert h.api.sent(VIP) == [EXPECTED] and h.api.sent(TRIAL) == [EXPECTED]
    assert h.broadcaster.counters["own"] == 1


def test_an_admin_message_carrying_our_header_is_ignored_by_the_guard(harness: Harness) -> None:
    """is_own's header check: a copy of our broadcast (text or caption) is not even answered."""
    h = harness
    h.api.inject_private_text(ADMIN, EXPECTED)
    h.api.inject_private_photo(ADMIN, EXPECTED)
    h.api.inject_private_text(ADMIN, "hello there")  # answered: shows the two went before
    assert h.api.wait_for(lambda: "Not published: no keyword." in h.api.sent(ADMIN))
    assert h.api.sent(ADMIN) == ["Not published: no keyword."]
    assert h.bot.counters["ignored_own"] == 2
    assert [m for m in h.published if m.origin == "bot"] == []


def test_an_admin_signal_is_confirmed_only_once_the_bus_handled_it(
        harness: Harness, store: DocumentStore, tg_clock: ManualClock) -> None:
    h = harness
    busy = threading.Event()
    engine_saw: list[int | None] = []

    def engine(message: BusMessage) -> None:  # still at work when the bot is stopped
        if message.origin == "bot":
            engine_saw.append(message.source.message_id)
            assert busy.wait(10)

    h.bus.subscribe("engine", engine)
    update_id = h.api.inject_private_text(ADMIN, SIGNAL)
    assert h.api.wait_for(lambda: len(h.api.sent(VIP)) == 1)
    assert h.api.sent(ADMIN) == []  # not answered: the engine has not finished
    h.bot.stop(10)
    assert not h.bot.is_alive()
    assert not UpdateLog(store=DocumentStore(store.root), clock=tg_clock).is_done(update_id)
    assert h.api.confirmed_offset() <= update_id  # Telegram still holds it
    busy.set()
    h.bot.start()  # Telegram offers the update again: published again, handled as a repeat
    assert h.bot.wait_ready(10)
    assert h.api.wait_for(lambda: h.api.sent(ADMIN) == [PUBLISHED])
    assert engine_saw == [engine_saw[0]] * 2  # the same message: the engine's key drops it
    assert h.api.sent(VIP) == [EXPECTED]  # and the broadcaster's window: posted once
    assert h.api.wait_for(lambda: h.api.confirmed_offset() > update_id)  # handled now


def test_the_application_keeps_to_telegrams_limits_with_ptbs_rate_limiter(
        harness: Harness) -> None:
    app = harness.bot._app
    assert app is not None
    limiter = app.bot.rate_limiter
    assert isinstance(limiter, AIORateLimiter)
    assert limiter._max_retries == 0  # a 429 goes on to the Sender, which waits it out
