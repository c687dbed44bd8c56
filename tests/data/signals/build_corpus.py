"""Regenerate corpus.jsonl: templated signals in every layout plus the hand-written messages.

Run from the repository root: `python -m tests.data.signals.build_corpus`. Deterministic.
"""

from __future__ import annotations

import decimal
import json
import random
from decimal import Decimal
from pathlib import Path

from tests.data.signals import handwritten
from tests.signals.templates import COINS, SCALES, TEMPLATES, expected, make_spec

PER_TEMPLATE = 5
OUT = Path(__file__).with_name("corpus.jsonl")


def build() -> list[dict[str, object]]:
    # The default decimal context, whatever another library did to this thread's one.
    with decimal.localcontext(decimal.Context()):
        return _build()


def _build() -> list[dict[str, object]]:
    rng = random.Random(20261127)
    rows: list[dict[str, object]] = []
    for n, template in enumerate(TEMPLATES):
        for i in range(PER_TEMPLATE):
            base = rng.choice(COINS)
            scale = Decimal(SCALES[(n + i) % len(SCALES)])
            spec = make_spec(rng, template, base, scale)
            rows.append({"id": f"sig-{template.name}-{i}", "format": template.name,
                         "kind": "signal", "text": template.render(spec),
                         "expect": expected(template, spec)})
    for name, text, expect in handwritten.SIGNALS:
        rows.append({"id": f"sig-{name}", "format": f"hand:{name}", "kind": "signal",
                     "text": text, "expect": expect})
    for name, text in handwritten.INVALID:
        rows.append({"id": f"invalid-{name}", "format": "invalid", "kind": "noise",
                     "text": text, "invalid": True})
    for i, (text, expect) in enumerate(handwritten.UPDATES):
        rows.append({"id": f"upd-{i}", "format": "update", "kind": "update", "text": text,
                     "expect": expect})
    for i, text in enumerate(handwritten.NOISE):
        rows.append({"id": f"noise-{i}", "format": "noise", "kind": "noise", "text": text})
    return rows


def main() -> None:
    rows = build()
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} messages to {OUT}")


if __name__ == "__main__":
    main()
