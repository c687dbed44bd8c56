"""Fast paths find exactly what the plain patterns find: gates, prefilters, literal-first forms."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from verzek.signals import closes, keywords, numbers, sections, updates
from verzek.signals.text import normalise

CORPUS = Path(__file__).resolve().parents[1] / "data" / "signals" / "corpus.jsonl"
_PHRASES = (
    "tp1 hit ✅", "target 2 reached", "тейк 1 достигнут", "цель 2 взята", "objetivo 1 alcanzado",
    "alvo 2 atingido", "hedef 1 ulaşıldı", "mục tiêu 1 đạt", "✅ tp 3", "hit tp2", "sl hit",
    "stop loss was hit", "стоп сработал", "stopped out", "closed at sl", "move sl to entry",
    "переносим стоп на 100", "new sl: 0.5", "sl moved to be", "cancelled", "отменен", "iptal",
    "hủy", "closed", "закрыта", "all entry targets filled", "вход ✅", "all targets done",
    "все цели достигнуты", "todos los objetivos alcanzados", "tüm hedefler ulaşıldı",
    "long now", "buy at market", "entry: cmp", "по рынку", "giá thị trường", "20x", "x20",
    "3.0x", "cross 25 x", "1 x 2", "x 5", "×10", "10х", "0.5 usdt", "1,000.5%", ".5", "12 34",
    "take profit now", "book profits here", "ziel 1 erreicht", "sl kena", "tp2 tercapai",
    "buy stop: 1", "sell-stop 2", "buy 📥 1", "покупка: 1", "продажа 2", "jual: 3", "beli 4",
    "cut loss hit", "cắt lỗ ❌", "geser sl ke entry", "stop girişe çekildi", "sl now 5",
    "стоп переносим на 5", "2nd target hit", "4/4 targets done", "الهدف الأول ✅",
    "cerrar operación ahora", "signal is invalid now", "don't move sl", "will we hit tp2?",
)


def _texts() -> list[str]:
    rng = random.Random(11)
    with CORPUS.open(encoding="utf-8") as fh:
        corpus = [normalise(json.loads(line)["text"]).lower() for line in fh]
    mixed = [" ".join(rng.sample(_PHRASES, 4)) for _ in range(400)]
    noise = ["".join(rng.choice("x×х0123456789 .,\n#$:-abtp✅") for _ in range(rng.randint(1, 30)))
             for _ in range(3000)]
    return corpus + list(_PHRASES) + mixed + noise


TEXTS = _texts()


Found = list[tuple[tuple[int, int], tuple[str | None, ...]]]


def _found(regex: re.Pattern[str], text: str) -> Found:
    return [(m.span(), m.groups()) for m in regex.finditer(text)]


def _without_prefilter(regex: re.Pattern[str]) -> re.Pattern[str]:
    prefix = re.match(r"\(\?=\[[^\]]+\]\)", regex.pattern)
    assert prefix is not None, regex.pattern
    return re.compile(regex.pattern[prefix.end():], regex.flags)


@pytest.mark.parametrize("name", ["TARGET_HIT_RE", "STOP_HIT_RE", "MOVE_SL_RE"])
def test_first_character_prefilters_change_no_match(name: str) -> None:
    fast = getattr(updates, name)
    plain = _without_prefilter(fast)
    for text in TEXTS:
        assert _found(fast, text) == _found(plain, text), text


def test_leverage_x_matches_is_finditer() -> None:
    for text in TEXTS:
        fast = [(m.span(), m.groups()) for m in keywords.leverage_x_matches(text)]
        assert fast == _found(keywords.LEVERAGE_X_RE, text), text


@pytest.mark.parametrize("words", [keywords.LONG_WORDS + keywords.SHORT_WORDS,
                                   ("cancel(?:l?ed)?", "cancelling", r"отмен\w*", "iptal")])
def test_guarded_is_a_word_start_lookbehind(words: tuple[str, ...]) -> None:
    fast = re.compile(f"(?:{keywords.guarded(words)})(?!\\w)")
    plain = re.compile(f"(?<!\\w)(?:{'|'.join(words)})(?!\\w)")
    for text in TEXTS:
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]


@pytest.mark.parametrize(("fast", "plain"), [
    (numbers._TOKEN_RE, r"(?<![\w.,])(\d[\d.,]*\d|\d|[.,]\d+)(\s*%|[^\W\d_]+|\.(?=[ \t]+\.?\d))?"),
    (sections._PRICE_START_RE, r"(?<![\w.,])(?:\d[\d.,]*\d|\d)(?![\w%]|[.,]\d|\s*%)"),
    (sections._LETTERS_RE, r"[^\W\d_]{2,}"),
    (sections._SIMPLE_NUMBER_RE, r"\d+(?:[.,]\d+)?"),
    (keywords.FIELD_RE, None),
])
def test_literal_first_forms_match_the_plain_ones(fast: re.Pattern[str], plain: str | None) -> None:
    if plain is None:  # the field keywords: the same words with the lookahead outside the groups
        words = sorted((*keywords.ENTRY_WORDS, *keywords.SHORT_ENTRY_WORDS, *keywords.TARGET_WORDS,
                        *keywords.STOP_WORDS, *keywords.BUY_LIMIT_WORDS,
                        *keywords.SELL_LIMIT_WORDS, *keywords.LABEL_WORDS,
                        *keywords.STOP_ORDER_WORDS), key=lambda w: -len(w))
        plain = ("(?:" + keywords.alternation(words) + r")(?![^\W\d_])|🎯|🛑|⛔"
                 r"|@(?=\s*\$?\s*\d)|at(?!\w)(?=\s*\$?\s*\d)")
    plain_re = re.compile(plain)
    for text in TEXTS:
        assert _found(fast, text) == _found(plain_re, text), text


def test_a_tagged_ticker_that_is_also_a_reference_word_is_a_ticker() -> None:
    # Found by hypothesis: "#NEAR Entry" read as "near entry" (a mention, not a field).
    from verzek.signals import parse_message

    result = parse_message("SHORT #NEAR Entry 1141-1158.1\nTargets 1100 1050\nStop 1200\n25x")
    assert result.kind == "signal" and result.signal is not None
    assert result.signal.symbol == "NEAR/USDT"
    assert [str(e) for e in result.signal.entries] == ["1141", "1158.1"]
    mention = parse_message("LONG #ETH/USDT 5% below entry (2945)\nEntry 3000\n"
                            "Targets 3100\nStop 2900")
    assert mention.signal is not None and [str(e) for e in mention.signal.entries] == ["3000"]


def _close_texts() -> list[str]:
    rng = random.Random(5)
    words = ("close", "closed", "closing", "exit", "please", "manually", "trade", "position",
             "signal", "now", "all", "the", "#btc", "btc/usdt", "in profit", "закрыт", "вручную",
             "закрываем", "kapat", "✅", "-", " ", "  ", "\n", "\n- ", ".", "xclose", "_exit")
    return [" ".join(rng.choice(words) for _ in range(rng.randint(1, 8))) for _ in range(4000)]


def test_close_search_is_close_re_search() -> None:
    for text in TEXTS + _close_texts():
        fast, plain = closes.close_search(text), closes.CLOSE_RE.search(text)
        assert (fast and (fast.span(), fast.group())) == (plain and (plain.span(), plain.group()))


def test_literal_first_target_hit_is_target_hit_re() -> None:
    fast = updates._TARGET_HIT_FAST_RE
    for text in TEXTS:
        plain = updates.TARGET_HIT_RE.finditer(text)
        want = [(m.span(), m.group("i1") or m.group("i2")) for m in plain]
        assert [(m.span(), m[m.lastindex or 0]) for m in fast.finditer(text)] == want, text


def test_sentence_start_is_the_last_sentence_end() -> None:
    from verzek.signals import followup

    rng = random.Random(3)
    for _ in range(20000):
        text = "".join(rng.choice("ab .!?\n\t\u00a0\u2003\x1c.") for _ in range(rng.randint(0, 14)))
        at = rng.randint(0, len(text))
        ends = followup._SENTENCE_END_RE.finditer(text, 0, at)
        assert followup.sentence_start(text, at) == max((m.end() for m in ends), default=0), text


def test_grouped_not_a_call_words_match_the_plain_alternation() -> None:
    plain = re.compile(f"(?:{'|'.join(keywords.NOT_A_CALL_WORDS)})(?!\\w)")
    for text in TEXTS:
        assert _found(keywords.NOT_A_CALL_RE, text) == _found(plain, text), text
