"""Forwarder filters: each rule on its own, and the duplicate window with an injected time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from verzek.errors import InvalidInput
from verzek.signals.filters import FilterSettings, MessageFilter

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SIGNAL = "#BTC/USDT LONG\nEntry: 65000\nTargets: 66000 - 67000\nStop: 64000"


def make(**overrides: object) -> MessageFilter:
    return MessageFilter(settings=FilterSettings(**overrides))  # type: ignore[arg-type]


def test_a_plain_signal_passes() -> None:
    decision = make().check(SIGNAL, now=T0)
    assert decision.allowed and decision.reason is None


def test_keyword_detection_is_configurable() -> None:
    assert make().has_keyword("LONG btc now")
    assert not make().has_keyword("good morning everyone")
    assert make().check("good morning everyone", now=T0).reason == "no_keyword"
    custom = make(keywords=("moon",))
    assert custom.check("BTC to the moon soon", now=T0).allowed
    assert custom.check(SIGNAL, now=T0).reason == "no_keyword"
    assert make(keywords=()).check("good morning everyone", now=T0).allowed


def test_keywords_match_whole_words_only() -> None:
    assert not make(keywords=("sl",)).has_keyword("island vibes all day")


def test_promotional_phrases_are_refused() -> None:
    decision = make().check("Join our VIP today, LONG signals every day!", now=T0)
    assert (decision.allowed, decision.reason) == (False, "promotion")
    assert make(promo_phrases=("moon boys",)).check("LONG with the Moon  Boys", now=T0).reason \
        == "promotion"
    assert make(promo_phrases=()).check("Join our VIP today, LONG signals", now=T0).allowed


def test_invite_links_are_refused_by_default() -> None:
    for link in ("https://t.me/+AbCdEf", "t.me/joinchat/XYZ", "discord.gg/abc",
                 "https://chat.whatsapp.com/xyz"):
        assert make().check(f"{SIGNAL}\n{link}", now=T0).reason == "invite_link"
    assert make(block_invite_links=False).check(f"{SIGNAL}\nt.me/+AbC", now=T0).allowed


def test_links_are_refused_when_configured_except_allowed_domains() -> None:
    text = f"{SIGNAL}\nchart: https://www.tradingview.com/x/abc"
    assert make().check(text, now=T0).allowed
    assert make(block_links=True).check(text, now=T0).reason == "link"
    allowed = make(block_links=True, allowed_link_domains=("tradingview.com",))
    assert allowed.check(text, now=T0).allowed
    assert make(block_links=True).check(f"{SIGNAL}\nvisit scam.xyz", now=T0).reason == "link"


def test_blocked_senders_by_id_or_username() -> None:
    rules = make(blocked_senders=frozenset({"12345", "@SpamBot"}))
    assert rules.check(SIGNAL, now=T0, sender=12345).reason == "blocked_sender"
    assert rules.check(SIGNAL, now=T0, sender="spambot").reason == "blocked_sender"
    assert rules.check(SIGNAL, now=T0, sender=999).allowed


def test_length_limits() -> None:
    assert make(min_length=10).check("LONG", now=T0).reason == "too_short"
    assert make(max_length=20).check(SIGNAL, now=T0).reason == "too_long"


def test_same_content_within_the_window_is_a_duplicate() -> None:
    rules = make(duplicate_window_s=60)
    assert rules.check(SIGNAL, now=T0).allowed
    copy = "🚀 " + SIGNAL.upper().replace("\n", "  \n") + " ✅"
    assert rules.check(copy, now=T0 + timedelta(seconds=30)).reason == "duplicate"
    assert rules.check(SIGNAL, now=T0 + timedelta(seconds=59)).reason == "duplicate"
    assert rules.check(SIGNAL, now=T0 + timedelta(seconds=60)).allowed  # window ran out
    assert rules.check(SIGNAL + "\nLeverage 10x", now=T0 + timedelta(seconds=61)).allowed


def test_window_memory_is_bounded_and_can_be_off() -> None:
    rules = make(duplicate_window_s=3600, max_remembered=2)
    for i in range(3):
        assert rules.check(f"{SIGNAL}\nid {i}", now=T0).allowed
    assert rules.check(f"{SIGNAL}\nid 0", now=T0).allowed  # forgotten: the oldest went first
    off = make(duplicate_window_s=0)
    assert off.check(SIGNAL, now=T0).allowed and off.check(SIGNAL, now=T0).allowed


def test_refused_messages_are_not_remembered() -> None:
    rules = make()
    assert rules.check(SIGNAL, now=T0, sender="bad").allowed
    blocked = make(blocked_senders=frozenset({"bad"}))
    assert blocked.check(SIGNAL, now=T0, sender="bad").reason == "blocked_sender"
    assert blocked.check(SIGNAL, now=T0, sender="good").allowed


@pytest.mark.parametrize(
    "bad", [{"min_length": -1}, {"min_length": 50, "max_length": 10}, {"duplicate_window_s": -1}]
)
def test_settings_are_validated(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        FilterSettings(**bad)  # type: ignore[arg-type]
