"""The labelled corpus: size, variety, per-field accuracy and no noise read as a trade."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.data.signals.build_corpus import build
from tests.signals.corpus_eval import Score
from verzek.signals import parse, parse_message


def test_corpus_is_large_and_varied(corpus: list[dict[str, Any]]) -> None:
    kinds = Counter(row["kind"] for row in corpus)
    formats = {row["format"] for row in corpus if row["kind"] == "signal"}
    assert kinds["signal"] >= 150
    assert len(formats) >= 30
    assert kinds["update"] >= 30
    assert sum(1 for row in corpus if row["format"] == "noise") >= 30


def test_corpus_file_matches_its_generator(corpus: list[dict[str, Any]]) -> None:
    assert build() == corpus, "run `python -m tests.data.signals.build_corpus` to regenerate"


def test_signals_are_read_exactly(corpus_score: Score) -> None:
    print(corpus_score.report())
    assert corpus_score.signals_exact / corpus_score.signals >= 0.98, corpus_score.report()


def test_no_noise_or_update_is_an_executable_signal(corpus_score: Score) -> None:
    assert corpus_score.false_signals == []


def test_noise_and_invalid_calls_read_as_noise(corpus_score: Score) -> None:
    assert corpus_score.noise_ok == corpus_score.noise, corpus_score.report()


def test_updates_are_read(corpus_score: Score) -> None:
    assert corpus_score.updates_exact / corpus_score.updates >= 0.95, corpus_score.report()


def test_invalid_calls_carry_a_reason_and_never_trade(corpus: list[dict[str, Any]]) -> None:
    invalid = [row for row in corpus if row.get("invalid")]
    assert invalid
    for row in invalid:
        result = parse_message(row["text"])
        assert result.kind == "noise" and result.invalid_reason, row["id"]
        assert parse(row["text"]) is None


def test_signal_keeps_its_raw_text_and_a_confidence(corpus: list[dict[str, Any]]) -> None:
    for row in corpus:
        result = parse_message(row["text"])
        if result.signal is not None:
            assert result.signal.raw_text == row["text"]
            assert 0.0 <= result.signal.confidence <= 1.0
