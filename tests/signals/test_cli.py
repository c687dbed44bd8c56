"""`python -m verzek parse`: JSON lines in and out, and the readable --text form."""

from __future__ import annotations

import io
import json

import pytest

from verzek.__main__ import main as verzek_main
from verzek.cli.parse import main


def run_lines(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
              lines: list[str]) -> list[dict[str, object]]:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main([]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_json_lines(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    out = run_lines(monkeypatch, capsys, [
        json.dumps({"id": 1, "text": "#PEPE/USDT LONG\nEntry: 0.00001234\nTP: 0.0000130\n"
                                     "SL: 0.0000110\nCross 20x"}),
        json.dumps({"id": "u", "text": "TP2 ✅ #ETH"}),
        json.dumps({"id": 3, "text": "gm everyone"}),
        json.dumps({"id": 4, "text": "#BTC/USDT LONG\nEntry: 100\nTP: 90\nSL: 80"}),
    ])
    assert [o["kind"] for o in out] == ["signal", "update", "noise", "noise"]
    assert out[0]["id"] == 1 and out[0]["update"] is None
    assert out[0]["signal"] == {
        "symbol": "PEPE/USDT", "side": "long", "entries": [0.00001234], "targets": [0.000013],
        "stop_loss": 0.000011, "leverage": 20, "market": "futures", "entry_is_market": False,
        "confidence": 1.0,
    }
    assert out[1]["update"]["action"] == "target_hit" and out[1]["update"]["target_index"] == 2
    assert out[1]["update"]["symbol"] == "ETH/USDT"
    assert out[2]["signal"] is None and out[2]["update"] is None
    assert "target 90" in out[3]["invalid"]


def test_numbers_are_exact_json_numbers(monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    text = "#PEPE/USDT LONG\nEntry: 0.00001234\nTP: 0.0000130\nSL: 0.0000110"
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps({"id": 1, "text": text}) + "\n"))
    main([])
    raw = capsys.readouterr().out
    assert '"entries": [0.00001234]' in raw and '"targets": [0.0000130]' in raw


def test_bad_lines_still_answer(monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    out = run_lines(monkeypatch, capsys, ["not json", json.dumps([1, 2]),
                                          json.dumps({"id": 9})])
    assert [o["kind"] for o in out] == ["noise", "noise", "noise"]
    assert "error" in out[0] and "error" in out[1] and out[2]["id"] == 9


def test_text_prints_readably(capsys: pytest.CaptureFixture[str]) -> None:
    assert verzek_main(["parse", "--text", "Short #SOL\nEntry: 150\nTargets: 145, 140\n"
                                           "Stop: 158\nLeverage 10x"]) == 0
    out = capsys.readouterr().out
    assert "kind:" in out and "signal" in out and "SOL/USDT" in out and "145, 140" in out
