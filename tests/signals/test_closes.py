"""Partial closes a follow-up states (verzek/signals/closes.py): a close verb with a share is a
close of that share, even beside "near entry" ("CLOSED HALF NEAR ENTRY ✅" is no filled entry)
or with "partial" before the amount ("CLOSE PARTIAL 50%")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from verzek.signals import parse_message
from verzek.signals.parser import NOTHING_FOUND

_NOT_SAID = "a partial close that does not say how much: nothing is closed"


def _close_share(text: str) -> tuple[str | None, str, Decimal | None]:
    result = parse_message(text)
    assert result.update is not None, (text, result.kind, result.invalid_reason)
    return result.update.symbol, result.update.action, result.update.close_share


@pytest.mark.parametrize(("text", "share"), [
    pytest.param("CLOSED HALF NEAR ENTRY ✅", "0.5", id="capitals_with_check"),
    pytest.param("closed half near entry", "0.5", id="lower_case"),
    pytest.param("Closed half near entry, rest running", "0.5", id="rest_running"),
    pytest.param("closed 50% near entry", "0.5", id="percent"),
    pytest.param("Closed 30% near entry ✅", "0.3", id="thirty_percent_with_check"),
    pytest.param("closed 1/3 of the position near entry", "0.3333333333333333333333333333",
                 id="fraction"),
])
def test_a_close_of_a_share_near_entry_is_a_partial_close(text: str, share: str) -> None:
    assert _close_share(text) == (None, "close", Decimal(share))


def test_a_close_of_a_share_near_entry_keeps_a_tagged_coin() -> None:
    assert _close_share("#SOL/USDT\nCLOSED HALF NEAR ENTRY ✅") == (
        "SOL/USDT", "close", Decimal("0.5"))


@pytest.mark.parametrize("text", [
    "Entry filled ✅", "entry filled near entry ✅", "#BTC/USDT entry ✅",
])
def test_a_filled_entry_stays_a_filled_entry(text: str) -> None:
    result = parse_message(text)
    assert result.update is not None, (result.kind, result.invalid_reason)
    assert (result.update.action, result.update.close_share) == ("other", None)


@pytest.mark.parametrize("text", ["Filled near entry", "Entry zone reached", "ENTERED NEAR ENTRY"])
def test_an_entry_without_a_filled_cue_is_still_no_close(text: str) -> None:
    result = parse_message(text)
    assert result.update is None or result.update.action != "close", result


@pytest.mark.parametrize("text", [
    "TP1 hit ✅ closed 50%",  # the target's own order took the share
    "closed 45% in profit ✅",  # a gain told, not a share
    "closed 150% profit",
    "not closed half yet",
])
def test_a_closed_share_does_not_override_a_hit_or_read_a_gain(text: str) -> None:
    result = parse_message(text)
    assert result.update is None or result.update.action != "close", result


@pytest.mark.parametrize(("text", "share"), [
    pytest.param("CLOSE PARTIAL 50%", "0.5", id="capitals"),
    pytest.param("close partial 30%", "0.3", id="lower_case"),
    pytest.param("Take partial 50% now", "0.5", id="take_partial"),
    pytest.param("partial close 25%", "0.25", id="partial_first"),
    pytest.param("Close partially 50% of the position", "0.5", id="partially"),
])
def test_partial_before_the_amount_keeps_the_share(text: str, share: str) -> None:
    assert _close_share(text) == (None, "close", Decimal(share))


@pytest.mark.parametrize(("text", "reason"), [
    ("close partial", _NOT_SAID), ("CLOSE PARTIAL", _NOT_SAID), ("partial close", None),
])
def test_a_partial_close_without_an_amount_closes_nothing(text: str, reason: str | None) -> None:
    result = parse_message(text)
    assert (result.kind, result.update, result.invalid_reason) == (
        "noise", None, reason or NOTHING_FOUND)
