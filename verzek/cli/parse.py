"""`python -m verzek parse`: signal messages in (JSON lines or --text), their parse out."""

from __future__ import annotations

import argparse
import json
import re
import sys
from decimal import Decimal
from typing import Any, TextIO

from verzek.signals import ParseResult, parse_message

# Decimals travel through json.dumps as tagged strings, then become bare JSON numbers written
# exactly as parsed ("0.00001234", never 1.234e-05 or a rounded float).
_TAG = "\u0000dec:"
_TAGGED_RE = re.compile(r'"\\u0000dec:([0-9.]+)"')


def _num(value: Decimal | None) -> str | None:
    return None if value is None else _TAG + format(value, "f")


def result_to_dict(result: ParseResult) -> dict[str, Any]:
    """The JSON shape of one parse: kind, signal or update, and why an invalid call is noise."""
    out: dict[str, Any] = {"kind": result.kind, "signal": None, "update": None}
    if result.signal is not None:
        s = result.signal
        out["signal"] = {
            "symbol": s.symbol, "side": s.side.value, "entries": [_num(e) for e in s.entries],
            "targets": [_num(t) for t in s.targets], "stop_loss": _num(s.stop_loss),
            "leverage": s.leverage, "market": s.market.value if s.market else None,
            "entry_is_market": s.entry_is_market, "confidence": s.confidence,
        }
    if result.update is not None:
        u = result.update
        out["update"] = {
            "symbol": u.symbol, "action": u.action, "target_index": u.target_index,
            "new_stop": _num(u.new_stop), "to_breakeven": u.to_breakeven,
        }
    if result.invalid_reason is not None:
        out["invalid"] = result.invalid_reason
    return out


def dumps(record: dict[str, Any]) -> str:
    """One JSON line with Decimals as exact JSON numbers."""
    return _TAGGED_RE.sub(r"\1", json.dumps(record, ensure_ascii=False))


def _line_record(line: str) -> dict[str, Any]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"id": None, "kind": "noise", "signal": None, "update": None,
                "error": f"invalid JSON: {exc.msg}"}
    if not isinstance(item, dict) or not isinstance(item.get("text", ""), str):
        ident = item.get("id") if isinstance(item, dict) else None
        return {"id": ident, "kind": "noise", "signal": None, "update": None,
                "error": 'expected an object {"id": ..., "text": "..."}'}
    ident = item.get("id")
    if isinstance(ident, str):
        ident = ident.replace("\u0000", "")  # the Decimal tag must never come from input
    return {"id": ident, **result_to_dict(parse_message(item.get("text") or ""))}


def run_stream(source: TextIO, sink: TextIO) -> int:
    """Parse every JSON line of `source`; one output line per non-blank input line."""
    for line in source:
        if line.strip():
            sink.write(dumps(_line_record(line)) + "\n")
    sink.flush()
    return 0


def describe(result: ParseResult) -> str:
    """A readable account of one parse, for a person at a terminal."""
    data = result_to_dict(result)
    lines = [f"{'kind:':<17}{result.kind}"]
    for section in ("signal", "update"):
        for key, value in (data[section] or {}).items():
            if isinstance(value, list):
                value = ", ".join(v.removeprefix(_TAG) for v in value) or "-"
            elif isinstance(value, str):
                value = value.removeprefix(_TAG)
            lines.append(f"{key + ':':<17}{'-' if value is None else value}")
    if result.invalid_reason:
        lines.append(f"{'invalid:':<17}{result.invalid_reason}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m verzek parse",
        description="Parse Telegram signal messages. Without --text, read JSON lines "
        '{"id": ..., "text": ...} on stdin and write one JSON line per input.',
    )
    parser.add_argument("--text", help="parse this one message and print it readably")
    args = parser.parse_args(argv)
    if args.text is not None:
        print(describe(parse_message(args.text)))
        return 0
    return run_stream(sys.stdin, sys.stdout)
