"""An expected call or follow-up, and the check of a message's parse against it (the
lower-case, full-name and real-world rounds share them)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from verzek.domain.models import MarketType, Side
from verzek.signals import parse, parse_message


@dataclass(frozen=True)
class Call:
    symbol: str
    side: str
    entries: tuple[str, ...]
    targets: tuple[str, ...]
    stop: str | None
    leverage: int | None = None


def assert_parses_as(text: str, want: Call) -> None:
    result = parse_message(text)
    assert result.signal is not None, (result.kind, result.invalid_reason)
    got = result.signal
    assert got.symbol == want.symbol
    assert got.side is Side(want.side)
    assert [str(p) for p in got.entries] == list(want.entries)
    assert [str(p) for p in got.targets] == list(want.targets)
    assert (str(got.stop_loss) if got.stop_loss is not None else None) == want.stop
    assert got.leverage == want.leverage


@dataclass(frozen=True)
class Sig:
    """A trade call as a trader reads it; prices as written, in written order."""

    symbol: str
    side: str
    entries: tuple[str, ...]
    targets: tuple[str, ...]
    stop: str | None
    leverage: int | None = None
    at_market: bool = False
    market: MarketType | None = None


@dataclass(frozen=True)
class Upd:
    """A follow-up on an earlier call."""

    symbol: str | None
    action: str
    index: int | None = None
    new_stop: str | None = None
    breakeven: bool = False
    stop_to_target: int | None = None


def check_signal(text: str, want: Sig) -> None:
    result = parse_message(text)
    assert result.signal is not None, (result.kind, result.invalid_reason, result.update)
    got = result.signal
    assert got.symbol == want.symbol
    assert got.side is Side(want.side)
    assert [str(p) for p in got.entries] == list(want.entries)
    assert [str(p) for p in got.targets] == list(want.targets)
    assert (str(got.stop_loss) if got.stop_loss is not None else None) == want.stop
    assert got.leverage == want.leverage
    assert got.entry_is_market is want.at_market
    assert got.market is want.market


def check_update(text: str, want: Upd) -> None:
    result = parse_message(text)
    assert result.kind == "update" and result.update is not None, result
    got = result.update
    assert (got.symbol, got.action, got.target_index) == (want.symbol, want.action, want.index)
    assert got.new_stop == (Decimal(want.new_stop) if want.new_stop else None)
    assert got.to_breakeven is want.breakeven
    assert got.stop_to_target == want.stop_to_target
    assert result.signal is None


def check_noise(text: str) -> str | None:
    """`text` reads as no trade (no call, no follow-up); its reason."""
    result = parse_message(text)
    assert result.kind == "noise" and result.signal is None and result.update is None, result
    assert parse(text) is None
    return result.invalid_reason
