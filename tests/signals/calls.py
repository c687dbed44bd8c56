"""An expected call, and the check of a message's parse against it (the lower-case and
full-name tests share them)."""

from __future__ import annotations

from dataclasses import dataclass

from verzek.domain.models import Side
from verzek.signals import parse_message


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
