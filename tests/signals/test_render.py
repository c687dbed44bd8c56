"""A signal's rendered fields read back as the same trade (groups are shown this text)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from verzek.domain.models import MarketType, Side, Signal
from verzek.signals import parse_message
from verzek.signals.render import decimal_text, field_lines

D = Decimal


def _signal(**fields: object) -> Signal:
    base: dict[str, object] = {"symbol": "ETH/USDT", "side": Side.SHORT, "entries": [D("3000")],
                               "targets": [D("2900"), D("2800.50")], "stop_loss": D("3100")}
    return Signal.model_validate({**base, **fields})


@pytest.mark.parametrize("stop_label", ["Stop", "Stop loss"])
@pytest.mark.parametrize("fields", [
    {}, {"leverage": 5}, {"market": MarketType.SPOT, "side": Side.LONG, "entries": [D("0.0215")],
                          "targets": [D("0.03")], "stop_loss": D("0.0105")},
    {"entries": [D("2950"), D("3000")]},
])
def test_rendered_fields_read_back_as_the_same_trade(fields: dict[str, object],
                                                     stop_label: str) -> None:
    signal = _signal(**fields)
    text = "\n".join([f"#{signal.symbol} {signal.side.value.upper()}",
                      *field_lines(signal, stop_label=stop_label)])
    back = parse_message(text).signal
    assert back is not None, text
    assert (back.symbol, back.side, back.entries, back.targets, back.stop_loss) == (
        signal.symbol, signal.side, signal.entries, signal.targets, signal.stop_loss)
    assert back.leverage == signal.leverage


def test_percent_exits_and_numbers_as_written() -> None:
    signal = _signal(targets=[], target_pcts=[D("2"), D("4.50")], stop_loss=None,
                     stop_pct=D("3"))
    assert field_lines(signal) == ["Entry: 3000", "Targets: +2%, +4.5% from the entry",
                                   "Stop: 3% from the entry"]
    assert [decimal_text(D(v)) for v in ("1E+2", "65000.000", "0.00002150")] == [
        "100", "65000", "0.0000215"]
