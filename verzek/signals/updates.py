"""Follow-up posts on an earlier signal: target hit, stop hit, stop moved, close, cancel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from verzek.signals import keywords as kw
from verzek.signals.numbers import read_token

_ACTION_ORDER = ("stop_hit", "cancel", "move_sl", "close", "target_hit", "other")


@dataclass(frozen=True, slots=True)
class UpdateFinding:
    """What the update detector saw; `is_result` means a past-tense outcome, not an instruction."""

    action: str
    target_index: int | None = None
    new_stop: Decimal | None = None
    to_breakeven: bool = False
    is_result: bool = False


def _max_index(regex: re.Pattern[str], text: str) -> int | None:
    best: int | None = None
    for match in regex.finditer(text):
        raw = match.group("i1") or match.group("i2")
        if raw is not None:
            best = max(best or 0, int(raw))
    return best


def detect_update(text: str) -> UpdateFinding | None:
    """The update a message announces, or None; several cues resolve by `_ACTION_ORDER`."""
    found: dict[str, UpdateFinding] = {}
    if kw.STOP_HIT_RE.search(text):
        found["stop_hit"] = UpdateFinding("stop_hit", is_result=True)
    cancel = kw.CANCEL_RE.search(text)
    if cancel:
        found["cancel"] = UpdateFinding("cancel", is_result=cancel.group().lower() != "cancel")
    move = kw.MOVE_SL_RE.search(text)
    if move:
        found["move_sl"] = _move_finding(move)
    close = kw.CLOSE_RE.search(text)
    if close:
        said = close.group().lower()
        found["close"] = UpdateFinding("close", is_result="closed" in said or "закрыт" in said)
    index = _max_index(kw.TARGET_HIT_RE, text)
    if index is not None:
        found["target_hit"] = UpdateFinding("target_hit", target_index=index, is_result=True)
    elif kw.ALL_TARGETS_RE.search(text):
        found["target_hit"] = UpdateFinding("target_hit", is_result=True)
    if not found and kw.ENTRY_FILLED_RE.search(text):
        found["other"] = UpdateFinding("other", is_result=True)
    if not found:
        return None
    if "target_hit" in found and "close" in found and found["target_hit"].target_index is None:
        del found["close"]  # "all targets achieved, trade closed" is a target post
    for action in _ACTION_ORDER:
        if action in found:
            best = found[action]
            hit = found.get("target_hit")
            if hit is not None and action != "target_hit":
                best = UpdateFinding(best.action, hit.target_index, best.new_stop,
                                     best.to_breakeven, best.is_result or hit.is_result)
            return best
    return None


def _move_finding(match: re.Match[str]) -> UpdateFinding:
    new_stop: Decimal | None = None
    raw = match.group("num1") or match.group("num2") or match.group("num3")
    to_breakeven = bool(match.group("be1") or match.group("be2") or match.group("be3"))
    if raw:
        read = read_token(raw.rstrip(".,"))
        if read is not None and not isinstance(read, list):
            new_stop = read.value
    return UpdateFinding("move_sl", new_stop=new_stop, to_breakeven=to_breakeven)
