"""A results tally that names no coin ("Results today: 5 wins, 1 loss, 1 SL hit", "1 SL hit
today, 5 TP hit") was read as a stop hit; a follow-up naming no coin acts on the chat's latest
call, and a stop hit closes its positions at market. A tally is noise; a stop hit said alone or
on a coin is still one."""

from __future__ import annotations

import pytest

from tests.signals.calls import Upd, check_noise, check_update


@pytest.mark.parametrize("text", [
    "Results today: 5 wins, 1 loss, 1 SL hit",
    "1 SL hit today, 5 TP hit",
    "Today results: 4 TP hit, 2 SL hit",
    "Today's results: SL hit on DOGE, TP2 on ETH",
    "Results this week: 12 wins, 3 losses",
    "Yesterday: 2 SL hits, 6 TP hits 💪",
])
def test_a_tally_is_no_stop_hit(text: str) -> None:
    check_noise(text)


@pytest.mark.parametrize("text", ["SL hit", "Stop loss hit ❌", "Stop hit on this one 😢"])
def test_a_stop_hit_said_alone_is_still_one(text: str) -> None:
    check_update(text, Upd(None, "stop_hit"))


def test_a_stop_hit_on_a_coin_is_still_one() -> None:
    check_update("#ETH SL hit", Upd("ETH/USDT", "stop_hit"))


def test_a_misspelt_targest_label_keeps_the_targets() -> None:
    from decimal import Decimal

    from verzek.signals import parse_message

    result = parse_message("#ETH/USDT LONG\nEntry: 3000\nTargest: 3060 3120\nStop: 2900")
    assert result.signal is not None
    assert result.signal.targets == [Decimal("3060"), Decimal("3120")]


@pytest.mark.parametrize(("text", "action"), [
    ("Stop hit, 1 loss", "stop_hit"), ("Closed with 1 loss", "close"),
    ("1 TP hit ✅", "target_hit"), ("2 TP hit", "target_hit")])
def test_one_count_alone_is_the_calls_own(text: str, action: str) -> None:
    """One count is no tally: "Stop hit, 1 loss" under a call is its stop hit."""
    check_update(text, Upd(None, action))
