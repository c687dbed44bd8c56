"""Pure text shaping for Telegram: the broadcast header, cleaned signal text, parsed summary,
event notifications and the 4096-character limit (counted in UTF-16 code units, as Telegram does).

Everything here is plain text: the bot sends with no parse mode, so `<`, `>`, `&`, `_` and `*`
in a signal can never cause a formatting error that drops it.
"""

from __future__ import annotations

import re
from decimal import Decimal

from verzek.domain.models import Signal, SignalUpdate
from verzek.engine.notifier import Event, EventKind
from verzek.signals import ParseResult, normalise_content
from verzek.signals.render import decimal_text, field_lines

HEADER = "🚨 New Signal Alert"
UPDATE_HEADER = "🔔 Signal Update"
MAX_MESSAGE_UNITS = 4096  # https://core.telegram.org/bots/api#sendmessage: 1-4096 characters
ELLIPSIS = "…"

_HEADER_KEYS = (normalise_content(HEADER), normalise_content(UPDATE_HEADER))
_INVISIBLE = str.maketrans({"\u200b": None, "\u2060": None, "\ufeff": None, "\u2800": " ",
                            "\r": None, "\u00a0": " "})
_TRAILING_SPACE_RE = re.compile(r"[ \t]+\n")
_BLANK_LINES_RE = re.compile(r"\n{3,}")

_EVENT_ICONS = {
    EventKind.ENTRY_PLACED: "⏳",
    EventKind.POSITION_OPENED: "🟢",
    EventKind.DCA_FILLED: "➕",
    EventKind.TARGET_HIT: "🎯",
    EventKind.STOP_HIT: "🛑",
    EventKind.POSITION_CLOSED: "🏁",
    EventKind.SIGNAL_SKIPPED: "⏭",
    EventKind.BREAKER_TRIPPED: "⚠️",
    EventKind.ATTENTION: "❗",
}


def has_header(text: str) -> bool:
    """Whether `text` carries one of our headers in its first lines (loop prevention).

    Compared after normalisation, so a copy whose emoji, case or spacing changed on the way
    (a forward, a copy-paste) is still recognised.
    """
    lines = [line for line in text.splitlines() if line.strip()][:3]
    return any(normalise_content(line) in _HEADER_KEYS for line in lines)


def clean_text(text: str) -> str:
    """The message without invisible characters, trailing spaces and runs of blank lines."""
    text = text.translate(_INVISIBLE)
    text = _TRAILING_SPACE_RE.sub("\n", text + "\n")
    return _BLANK_LINES_RE.sub("\n\n", text).strip()


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def truncate(text: str, limit: int = MAX_MESSAGE_UNITS) -> str:
    """`text` cut to `limit` UTF-16 units, ending with an ellipsis when cut; never splits a
    surrogate pair."""
    if utf16_len(text) <= limit:
        return text
    budget = limit - utf16_len(ELLIPSIS)
    out: list[str] = []
    used = 0
    for ch in text:
        size = 2 if ord(ch) > 0xFFFF else 1
        if used + size > budget:
            break
        out.append(ch)
        used += size
    return "".join(out).rstrip() + ELLIPSIS


def split_text(text: str, limit: int = MAX_MESSAGE_UNITS) -> list[str]:
    """`text` as messages of at most `limit` UTF-16 units, cut between lines where it can
    (a line longer than a message is cut inside); joined with newlines they give `text` back,
    except for the newlines at the cuts."""
    if utf16_len(text) <= limit:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for line in text.split("\n"):
        size = utf16_len(line)
        while size > limit:  # a line no message holds: cut it at the limit
            if current:
                parts.append("\n".join(current))
                current, used = [], 0
            head = _prefix_within(line, limit) or line[:1]
            parts.append(head)
            line = line[len(head):]
            size = utf16_len(line)
        extra = size + (1 if current else 0)
        if current and used + extra > limit:
            parts.append("\n".join(current))
            current, used, extra = [], 0, size
        current.append(line)
        used += extra
    if current:
        parts.append("\n".join(current))
    return [part for part in parts if part.strip()] or [truncate(text, limit)]


def _prefix_within(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` UTF-16 units (never half a surrogate)."""
    used = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return text[:index]
    return text


def signal_summary(signal: Signal) -> str:
    """The parsed fields of a signal, one per line."""
    return "\n".join(["📊 Summary", f"Pair: {signal.symbol}",
                      f"Side: {signal.side.value.upper()}",
                      *field_lines(signal, stop_label="Stop loss")])


def update_summary(update: SignalUpdate) -> str:
    """The parsed fields of a follow-up, on one line."""
    action = update.action.replace("_", " ")
    if update.action == "target_hit" and update.target_index is not None:
        action = f"target {update.target_index} hit"
    if update.action == "move_sl":
        action = "stop moved to " + (
            "break-even" if update.to_breakeven
            else decimal_text(update.new_stop) if update.new_stop is not None else "a new level")
    if update.close_share is not None:
        share = f"{decimal_text((update.close_share * 100).quantize(Decimal('0.01')))}% closed"
        action = share if update.action == "close" else f"{share}, {action}"
    if update.all_positions:
        side = f" {update.all_side.value}" if update.all_side is not None else ""
        return f"📊 Update: close all{side} positions"
    return f"📊 {update.symbol or 'Update'}: {action}"


def broadcast_text(text: str, result: ParseResult, *, with_body: bool = True) -> str | None:
    """The group message for a parsed message: header, cleaned text, summary; None when the
    message is neither a valid signal nor an update (nothing to broadcast). Without
    `with_body` (a structured signal with no message of its own): header and summary."""
    if result.signal is not None:
        header, summary = HEADER, signal_summary(result.signal)
    elif result.update is not None:
        header, summary = UPDATE_HEADER, update_summary(result.update)
    else:
        return None
    if not with_body:
        return truncate(f"{header}\n\n{summary}")
    body = clean_text(text)
    frame = utf16_len(header) + utf16_len(summary) + 4  # two blank-line separators
    body = truncate(body, max(MAX_MESSAGE_UNITS - frame, 0))
    return truncate(f"{header}\n\n{body}\n\n{summary}")


def event_text(event: Event) -> str:
    """A user notification for an engine event."""
    icon = _EVENT_ICONS.get(event.kind, "ℹ️")
    lines = [f"{icon} {event.message}"]
    data = event.data
    details = [(label, data.get(key)) for key, label in (
        ("symbol", "Pair"), ("side", "Side"), ("price", "Price"), ("quantity", "Quantity"),
        ("pnl_usdt", "PnL (USDT)"), ("reason", "Reason"), ("position_id", "Position"))]
    lines.extend(f"{label}: {value}" for label, value in details if value not in (None, ""))
    return truncate("\n".join(lines))
