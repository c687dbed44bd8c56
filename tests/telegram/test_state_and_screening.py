"""Persisted group ids (migrations), the broadcast window, and the screen in front of the bus."""

from __future__ import annotations

from verzek.clock import ManualClock
from verzek.store.docstore import DocumentStore
from verzek.telegram.screening import screen
from verzek.telegram.state import BroadcastWindow, GroupDirectory


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
    assert screen("#BTC/USDT LONG\nEntry 60000\nTP 62000\nSL 59000").accepted
    assert screen("BTC/USDT Target 1 reached ✅").accepted
    assert not screen("🚨 New Signal Alert\n\nBTC LONG entry 1 tp 2 sl 0.5").accepted
    assert screen("Join our VIP channel t.me/+abc, giveaway!").reason == "spam"
    assert not screen("good morning, markets look calm").accepted
    assert not screen("").accepted
    assert not screen("x" * 9000).accepted
