"""Persisted group ids (migrations), the broadcast window, and the screen in front of the bus."""

from __future__ import annotations

from verzek.clock import ManualClock
from verzek.signals import FilterSettings, MessageFilter
from verzek.store.docstore import DocumentStore
from verzek.telegram.screening import Screening, SignalScreen
from verzek.telegram.state import BroadcastWindow, GroupDirectory

from .conftest import NOW


def test_group_directory_follows_and_persists_migrations(store: DocumentStore) -> None:
    groups = GroupDirectory(store=store, vip_chat_id=-1, trial_chat_id=-2)
    assert groups.configured() == {"VIP": -1, "TRIAL": -2}
    groups.record_migration(-1, -1001)
    again = GroupDirectory(store=DocumentStore(store.root), vip_chat_id=-1, trial_chat_id=-2)
    assert again.chat_id("VIP") == -1001
    assert again.own_chat_ids() == {-1, -1001, -2}
    assert GroupDirectory(store=store, vip_chat_id=None, trial_chat_id=-2).configured() == {
        "TRIAL": -2}


def test_window_claims_once_per_window_and_survives_restart(
        store: DocumentStore, tg_clock: ManualClock) -> None:
    window = BroadcastWindow(store=store, clock=tg_clock, window_s=3600)
    assert window.claim("h1", "-100:5")
    assert not window.claim("h1")
    assert not window.claim("h2", "-100:5")  # the same source message, edited
    restarted = BroadcastWindow(store=DocumentStore(store.root), clock=tg_clock, window_s=3600)
    assert not restarted.claim("h1")
    tg_clock.advance(3601)
    assert restarted.claim("h1")
    assert len(restarted) == 1


def test_window_is_bounded(store: DocumentStore, tg_clock: ManualClock) -> None:
    window = BroadcastWindow(store=store, clock=tg_clock, max_entries=3)
    for i in range(5):
        tg_clock.advance(1)
        assert window.claim(f"h{i}")
    assert len(window) == 3
    assert window.claim("h0")  # the oldest fell out


def test_screen_accepts_signals_and_updates_rejects_spam_header_and_chat() -> None:
    screen = SignalScreen()

    def check(text: str, sender: int | None = None) -> Screening:
        return screen(text, now=NOW, sender=sender)

    assert check("#BTC/USDT LONG\nEntry 60000\nTP 62000\nSL 59000") == Screening(True, "signal")
    assert check("BTC/USDT Target 1 reached ✅").accepted
    assert check("#ETH closed manually in profit") == Screening(True, "update")  # no keyword
    assert check("BTC/USDT Target 1 reached ✅").accepted  # a repeat is not this screen's job
    assert check("🚨 New Signal Alert\n\nBTC LONG entry 1 tp 2 sl 0.5") == Screening(
        False, "carries our broadcast header")
    assert check("Join our VIP channel t.me/+abc, long BTC!").reason.startswith("invite link")
    assert check("Huge giveaway for our long-term members").reason == "promotion (giveaway)"
    assert check("good morning, markets look calm") == Screening(False, "no keyword")
    assert not check("").accepted
    assert not check("entry " * 2000).accepted


def test_screen_uses_the_signals_filter_settings() -> None:
    screen = SignalScreen(message_filter=MessageFilter(settings=FilterSettings(
        blocked_senders=frozenset({"42"}), duplicate_window_s=0)))
    text = "#BTC/USDT LONG\nEntry 60000\nTP 62000\nSL 59000"
    assert screen(text, now=NOW, sender=42).reason.startswith("blocked sender")
    assert screen(text, now=NOW, sender=43).accepted
