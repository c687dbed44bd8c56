"""Pure formatting: header, cleaned text, summary, loop markers and the 4096-unit limit."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from verzek.engine.notifier import Event, EventKind
from verzek.signals import parse_message
from verzek.telegram.format import (
    HEADER,
    MAX_MESSAGE_UNITS,
    broadcast_text,
    clean_text,
    event_text,
    has_header,
    split_text,
    truncate,
    utf16_len,
)

SIGNAL = """#BTC/USDT LONG\u200b

Entry: 60000 - 61000\t\x20
Targets: 62000, 63000 <fast> & _easy_ *bold*



Stop loss: 59000
Leverage: 10x"""


def test_broadcast_text_is_header_cleaned_text_and_summary() -> None:
    text = broadcast_text(SIGNAL, parse_message(SIGNAL))
    assert text == (
        "🚨 New Signal Alert\n\n"
        "#BTC/USDT LONG\n\nEntry: 60000 - 61000\nTargets: 62000, 63000 <fast> & _easy_ *bold*"
        "\n\nStop loss: 59000\nLeverage: 10x\n\n"
        "📊 Summary\nPair: BTC/USDT\nSide: LONG\nEntry: 60000 - 61000\n"
        "Targets: 62000, 63000\nStop loss: 59000\nLeverage: 10x\nMarket: futures"
    )


def test_noise_is_not_broadcast_and_update_gets_its_own_header() -> None:
    assert broadcast_text("good morning traders", parse_message("good morning traders")) is None
    update = "#BTC/USDT Target 1 reached ✅"
    text = broadcast_text(update, parse_message(update))
    assert text is not None and text.startswith("🔔 Signal Update\n\n")
    assert has_header(text)


def test_has_header_survives_emoji_case_and_spacing_changes() -> None:
    assert has_header(f"{HEADER}\n\nbody")
    assert has_header("\n  NEW   signal alert \nbody")
    assert has_header("Forwarded\n🚨New Signal Alert\nbody")
    assert not has_header("BTC long\nnew signal alert is what we send later\n\n\nx")
    assert not has_header("BTC LONG entry 1 tp 2 sl 0.5")


def test_clean_text_drops_invisibles_and_blank_runs() -> None:
    assert clean_text("a\u200b \r\n\n\n\nb  \n") == "a\n\nb"


def test_long_signal_is_truncated_within_the_limit_keeping_header_and_summary() -> None:
    long_signal = SIGNAL + "\n" + ("🚀 moon " * 2000)
    text = broadcast_text(long_signal, parse_message(long_signal))
    assert text is not None
    assert utf16_len(text) <= MAX_MESSAGE_UNITS
    assert text.startswith(HEADER) and text.endswith("Market: futures")
    assert "…" in text


@given(st.text(min_size=0, max_size=6000), st.integers(min_value=1, max_value=5000))
def test_truncate_never_exceeds_and_never_splits_a_surrogate(text: str, limit: int) -> None:
    out = truncate(text, limit)
    assert utf16_len(out) <= max(limit, 1)
    out.encode("utf-16-le").decode("utf-16-le")  # a split pair would not round-trip
    if utf16_len(text) <= limit:
        assert out == text


def test_event_text_names_the_details() -> None:
    event = Event(kind=EventKind.POSITION_CLOSED, user_id="u1",
                  at=datetime(2026, 1, 1, tzinfo=UTC), message="BTC/USDT long closed",
                  data={"symbol": "BTC/USDT", "pnl_usdt": "12.5", "position_id": "p1"})
    assert event_text(event) == ("🏁 BTC/USDT long closed\nPair: BTC/USDT\nPnL (USDT): 12.5\n"
                                 "Position: p1")


@given(st.text(alphabet=st.sampled_from(["a", "é", "🚀", "\n", " ", "\U0001f600"]),
               max_size=3000), st.integers(min_value=2, max_value=600))
def test_split_text_keeps_every_character_within_the_limit(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert parts and all(utf16_len(p) <= limit for p in parts)
    for part in parts:
        part.encode("utf-16-le").decode("utf-16-le")
    if text.strip():
        assert re.sub(r"\s", "", "".join(parts)) == re.sub(r"\s", "", text)
    if utf16_len(text) <= limit:
        assert parts == [text]


def test_split_text_cuts_between_lines() -> None:
    text = "\n".join(f"line {i:02d}" for i in range(10))  # 7 units a line
    assert split_text(text, 20) == ["line 00\nline 01", "line 02\nline 03", "line 04\nline 05",
                                    "line 06\nline 07", "line 08\nline 09"]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_summaries_say_a_breakout_and_a_partial_close() -> None:
    from verzek.signals import parse_message
    from verzek.telegram.format import signal_summary, update_summary

    call = parse_message("#BTC/USDT LONG above 65500\nTP 66500\nSL 64800").signal
    assert call is not None and "Entry: on a cross above 65500" in signal_summary(call)
    update = parse_message("Close 50% of #BTC now").update
    assert update is not None and update_summary(update) == "📊 BTC/USDT: 50% closed"
    both = parse_message("Take 30% profit on #ETH and move SL to entry").update
    assert both is not None
    assert update_summary(both) == "📊 ETH/USDT: 30% closed, stop moved to break-even"
    every = parse_message("Close all longs now").update
    assert every is not None and update_summary(every) == "📊 Update: close all long positions"


def test_a_summary_says_targets_and_stop_written_as_percentages() -> None:
    from verzek.signals import parse_message
    from verzek.telegram.format import signal_summary

    call = parse_message("🟢 LONG #APT/USDT\nEntry: CMP\nTP: 2% 4% 6%\nSL: 3%").signal
    assert call is not None
    summary = signal_summary(call)
    assert "Entry: market" in summary
    assert "Targets: +2%, +4%, +6% from the entry" in summary
    assert "Stop loss: 3% from the entry" in summary
