"""Misreadings found by probing the reader with channel messages as traders meet them: a side
said by the entry's own label ("Buy zone:"), stops as a percentage range ("SL: 3-5%"),
numbered percentage targets, advice and talk about many trades that named no coin (and so
would have acted on the chat's latest call), and follow-ups worded the way channels word them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from verzek.domain.models import Side, Signal, SignalUpdate
from verzek.signals import parse_message

_TALK = "talk or advice about many trades, not a follow-up on one call"


def _signal(text: str) -> Signal:
    result = parse_message(text)
    assert result.signal is not None, (result.kind, result.invalid_reason)
    return result.signal


def _update(text: str) -> SignalUpdate:
    result = parse_message(text)
    assert result.update is not None, (result.kind, result.invalid_reason)
    return result.update


def _prices(values: list[Decimal]) -> list[str]:
    return [str(v) for v in values]


# --- the entry's label says the side ----------------------------------------------------------

def test_buy_at_cmp_is_a_long_at_market() -> None:
    got = _signal("#MATIC/USDT\nBuy at CMP\nTargets: 0.75 - 0.78 - 0.82\nSL: 0.68")
    assert (got.symbol, got.side, got.entry_is_market) == ("MATIC/USDT", Side.LONG, True)
    assert _prices(got.targets) == ["0.75", "0.78", "0.82"]
    assert got.stop_loss == Decimal("0.68")


def test_buying_zone_without_a_stop_is_a_long() -> None:
    got = _signal("#FET/USDT\nBuying zone: 1.40 - 1.45\nTargets: 1.55 - 1.68")
    assert (got.side, _prices(got.entries), _prices(got.targets)) == (
        Side.LONG, ["1.40", "1.45"], ["1.55", "1.68"])


# --- stops and targets as percentages ---------------------------------------------------------

@pytest.mark.parametrize(("text", "side", "stop"), [
    pytest.param("#OP/USDT LONG\nEntry: 1.85\nTP: 1.92 / 2.00\nSL: 3-5%", Side.LONG, "1.7945",
                 id="range_takes_the_nearer_end"),
    pytest.param(
        "⚡️⚡️ #DOGE/USDT ⚡️⚡️\nExchanges: ByBit USDT\nSignal Type: Regular (Short)\n"
        "Leverage: Cross (25X)\n\nEntry Targets:\n0.1620\n\nTake-Profit Targets:\n1) 0.1600\n"
        "2) 0.1580\n3) 0.1550\n\nStop Targets:\n5-10%", Side.SHORT, "0.1701",
        id="cornix_stop_targets_range_on_its_own_line"),
    pytest.param(
        "#ETH/USDT\nSignal Type: Regular (Long)\nEntry Targets:\n1) 3100\n"
        "Take-Profit Targets:\n1) 3150\n2) 3200\nStop Targets:\n1) 5%", Side.LONG, "2945",
        id="cornix_numbered_stop_percentage"),
])
def test_a_stop_written_as_a_percentage(text: str, side: Side, stop: str) -> None:
    got = _signal(text)
    assert (got.side, got.stop_loss) == (side, Decimal(stop))


def test_a_market_entry_keeps_a_percentage_range_stop_as_a_distance() -> None:
    got = _signal("#OP/USDT LONG\nEntry: market\nTP: 2% 4%\nSL: 3-5%")
    assert (got.stop_loss, got.stop_pct) == (None, Decimal("3"))


@pytest.mark.parametrize(("text", "targets"), [
    pytest.param("#ALT LONG\nEntry: 0.21\nTargets: 1) 3% 2) 6% 3) 10%\nSL: 0.195",
                 ["0.2163", "0.2226", "0.231"], id="numbered_on_one_line"),
    pytest.param("#SOL/USDT LONG\nEntry: 150\nTargets:\n1) 2%\n2) 4%\n3) 7%\nStop: 144",
                 ["153", "156", "160.5"], id="numbered_under_the_label"),
])
def test_numbered_percentage_targets(text: str, targets: list[str]) -> None:
    assert _prices(_signal(text).targets) == targets


def test_numbered_percentage_targets_at_market_stay_percentages() -> None:
    got = _signal("#SOL/USDT SHORT\nEntry: market\nTP:\n1. 2%\n2. 4%\nSL: 3%")
    assert got.target_pcts == [Decimal("2"), Decimal("4")]


# --- no coin named: advice and talk of many trades act on no call -----------------------------

@pytest.mark.parametrize("text", [
    pytest.param("Don't forget to set your stop loss!", id="set_your_stop_loss"),
    pytest.param("Reminder: Always set SL, use Leverage 5x max, TP partially at each target.",
                 id="rules_reminder"),
])
def test_setting_a_stop_without_saying_where_moves_nothing(text: str) -> None:
    result = parse_message(text)
    assert result.update is None and result.signal is None, result


@pytest.mark.parametrize("text", [
    pytest.param("Tip: always move SL to entry after TP1 hits", id="always_advice"),
    pytest.param("How to use our signals: enter in the zone, take profit at each target, "
                 "move SL to breakeven after TP1.", id="how_to"),
    pytest.param("Hope everyone closed in profit today 🙏", id="a_wish"),
    pytest.param("SL hit on 2 trades today, the rest are running fine.", id="counted_trades"),
    pytest.param("This week: 18 signals, 15 TP hit, 3 SL hit. Net +124% 🔥",
                 id="weekly_counts"),
    pytest.param("Today's results:\nTP1 ✅ 12 signals\nSL ❌ 2 signals", id="results_counts"),
    pytest.param("We will cancel the VIP subscription if you share signals.",
                 id="subscription"),
    pytest.param("Congrats to everyone who followed, TP3 hit on most of our calls 🎉",
                 id="most_of_our_calls"),
])
def test_talk_about_many_trades_is_no_follow_up(text: str) -> None:
    result = parse_message(text)
    # ("Today's results" is read as a results summary first: noise all the same)
    assert (result.kind, result.invalid_reason) in (
        ("noise", _TALK), ("noise", "a results summary, not a follow-up on one call"))


# --- follow-ups as channels word them ---------------------------------------------------------

def test_update_sl_with_a_colon_moves_it_there() -> None:
    got = _update("#ETH update SL: 3150")
    assert (got.symbol, got.action, got.new_stop, got.to_breakeven) == (
        "ETH/USDT", "move_sl", Decimal("3150"), False)


@pytest.mark.parametrize("text", [
    pytest.param("Manually close #AVAX at 35.2", id="at_a_price"),
    pytest.param("#AVAX/USDT\nManually close at 35.2 ✅", id="on_its_own_line"),
])
def test_manually_close_is_a_close(text: str) -> None:
    got = _update(text)
    assert (got.symbol, got.action, got.close_share) == ("AVAX/USDT", "close", None)


@pytest.mark.parametrize("text", [
    pytest.param("#KAVA/USDT SL -5% hit 😢", id="loss_before_hit"),
    pytest.param("#KAVA/USDT Stop loss (-12.5%) hit", id="loss_in_brackets"),
])
def test_a_stop_hit_with_its_loss_between(text: str) -> None:
    got = _update(text)
    assert (got.symbol, got.action) == ("KAVA/USDT", "stop_hit")


@pytest.mark.parametrize("text", [
    pytest.param("#BTC стоп в бу", id="v_bu"),
    pytest.param("#ETH стоп на точку входа", id="na_tochku_vhoda"),
])
def test_russian_verbless_stop_to_breakeven(text: str) -> None:
    got = _update(text)
    assert (got.action, got.to_breakeven, got.new_stop) == ("move_sl", True, None)


@pytest.mark.parametrize("text", [
    pytest.param("#BNB/USDT\nشراء\nالدخول: 580\nالهدف: 600\nوقف: 565", id="waqf"),
    pytest.param("#BNB/USDT شراء\nالدخول: 580\nالأهداف: 600 - 620\nستوب: 565", id="stob"),
])
def test_arabic_short_stop_labels(text: str) -> None:
    got = _signal(text)
    assert (got.side, got.stop_loss) == (Side.LONG, Decimal("565"))
