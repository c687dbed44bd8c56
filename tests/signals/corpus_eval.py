"""Score the parser against the labelled corpus: per-field accuracy and every miss, by id."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from verzek.signals import parse_message

CORPUS = Path(__file__).parents[1] / "data" / "signals" / "corpus.jsonl"
SIGNAL_FIELDS = ("symbol", "side", "entries", "entry_is_market", "targets", "stop_loss",
                 "leverage", "market")
UPDATE_FIELDS = ("symbol", "action", "target_index")


def load_corpus() -> list[dict[str, Any]]:
    with CORPUS.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def signal_fields(result: Any) -> dict[str, Any]:
    s = result.signal
    return {
        "symbol": s.symbol, "side": s.side.value, "entries": s.entries,
        "entry_is_market": s.entry_is_market, "targets": s.targets, "stop_loss": s.stop_loss,
        "leverage": s.leverage, "market": s.market.value if s.market else None,
    }


def _as_expected(name: str, value: Any) -> Any:
    if name in ("entries", "targets"):
        return [Decimal(v) for v in value]
    if name == "stop_loss" and value is not None:
        return Decimal(value)
    return value


@dataclass
class Score:
    signals: int = 0
    signals_exact: int = 0
    field_hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SIGNAL_FIELDS, 0))
    updates: int = 0
    updates_exact: int = 0
    update_hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(UPDATE_FIELDS, 0))
    noise: int = 0
    noise_ok: int = 0
    false_signals: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    formats: set[str] = field(default_factory=set)

    def report(self) -> str:
        lines = [f"signals: {self.signals_exact}/{self.signals} exactly right "
                 f"({100 * self.signals_exact / max(1, self.signals):.1f}%) "
                 f"in {len(self.formats)} formats"]
        for name, hits in self.field_hits.items():
            lines.append(f"  {name:<16} {100 * hits / max(1, self.signals):6.1f}%")
        lines.append(f"updates: {self.updates_exact}/{self.updates} exactly right")
        for name, hits in self.update_hits.items():
            lines.append(f"  {name:<16} {100 * hits / max(1, self.updates):6.1f}%")
        lines.append(f"noise/invalid: {self.noise_ok}/{self.noise} read as noise")
        lines.append(f"noise or updates read as an executable signal: {len(self.false_signals)}")
        lines.extend(f"  MISS {m}" for m in self.misses)
        return "\n".join(lines)


def evaluate(rows: list[dict[str, Any]]) -> Score:
    score = Score()
    for row in rows:
        result = parse_message(row["text"])
        kind = row["kind"]
        if kind != "signal" and result.kind == "signal":
            score.false_signals.append(row["id"])
        if kind == "signal":
            score.signals += 1
            score.formats.add(row["format"])
            got = signal_fields(result) if result.kind == "signal" else {}
            wrong = []
            for name in SIGNAL_FIELDS:
                if got.get(name, "<none>") == _as_expected(name, row["expect"][name]):
                    score.field_hits[name] += 1
                else:
                    wrong.append(f"{name}={got.get(name, '<none>')!r}")
            if wrong:
                why = result.invalid_reason or result.kind
                score.misses.append(f"{row['id']}: {why}: {', '.join(wrong)}")
            else:
                score.signals_exact += 1
        elif kind == "update":
            score.updates += 1
            u = result.update
            got_u = {"symbol": u.symbol, "action": u.action, "target_index": u.target_index} \
                if u is not None else {}
            wrong = [n for n in UPDATE_FIELDS if got_u.get(n, "<none>") != row["expect"][n]]
            for n in UPDATE_FIELDS:
                score.update_hits[n] += n not in wrong
            if wrong:
                score.misses.append(f"{row['id']}: {result.kind}: {got_u} {row['text'][:50]!r}")
            else:
                score.updates_exact += 1
        else:
            score.noise += 1
            if result.kind == "noise":
                score.noise_ok += 1
            else:
                score.misses.append(f"{row['id']}: {result.kind} {row['text'][:50]!r}")
    return score


if __name__ == "__main__":
    print(evaluate(load_corpus()).report())
