"""The start-up check of the history journals: all checked, torn tails cut and reported, a bad
line elsewhere refused; a journal known good since the last start or clean stop is not read
again, and any change to it (an append, an edit, a restore) makes it read again."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from verzek.domain.models import (
    ExchangeName,
    MarketType,
    Position,
    PositionStatus,
    Side,
    TradingMode,
)
from verzek.errors import CorruptFile
from verzek.store.docstore import DocumentStore
from verzek.store.journal_check import MEMO_NAME, VerifiedJournals
from verzek.store.repos import PositionRepository

LINE = b'{"position":{"id":"p"}}\n'
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _folder(tmp_path: Path, files: dict[str, bytes]) -> Path:
    folder = tmp_path / "history"
    folder.mkdir(exist_ok=True)
    for name, body in files.items():
        (folder / name).write_bytes(body)
    return folder


def test_every_journal_is_checked_and_then_remembered(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {f"u{i}.jsonl": LINE * 3 for i in range(5)})
    first = VerifiedJournals(folder).check()
    assert (first.journals, first.read, first.repaired) == (5, 5, [])
    assert (folder / MEMO_NAME).exists()
    second = VerifiedJournals(folder).check()
    assert (second.journals, second.read) == (5, 0)  # unchanged since known good


def test_torn_tail_is_cut_and_reported_naming_the_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    folder = _folder(tmp_path, {"u1.jsonl": LINE + b'{"posi', "u2.jsonl": LINE})
    with caplog.at_level(logging.WARNING):
        result = VerifiedJournals(folder).check()
    assert result.repaired == ["u1.jsonl"]
    assert (folder / "u1.jsonl").read_bytes() == LINE
    assert str(folder / "u1.jsonl") in caplog.text
    assert VerifiedJournals(folder).check().read == 0  # remembered as repaired


def test_bad_middle_line_stops_the_check_naming_the_file(tmp_path: Path) -> None:
    body = LINE + b"garbage\n" + LINE
    folder = _folder(tmp_path, {"u1.jsonl": LINE, "u2.jsonl": body})
    with pytest.raises(CorruptFile) as info:
        VerifiedJournals(folder).check()
    assert str(folder / "u2.jsonl") in info.value.message and "line 2" in info.value.message
    assert (folder / "u2.jsonl").read_bytes() == body


def test_a_journal_changed_after_it_was_remembered_is_read_again(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"u1.jsonl": LINE * 2, "u2.jsonl": LINE})
    VerifiedJournals(folder).check()
    # an edit of the same size in the middle (only the ctime tells): still caught
    path = folder / "u1.jsonl"
    st = path.stat()
    with open(path, "r+b") as fh:
        fh.write(b"x" * (len(LINE) - 1))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # even with the mtime put back
    with pytest.raises(CorruptFile, match=r"u1\.jsonl line 1"):
        VerifiedJournals(folder).check()


def test_an_unreadable_memory_means_every_journal_is_read(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"u1.jsonl": LINE, "u2.jsonl": LINE})
    VerifiedJournals(folder).check()
    (folder / MEMO_NAME).write_bytes(b"{torn")
    assert VerifiedJournals(folder).check().read == 2


def test_journals_closed_cleanly_are_not_read_at_the_next_start(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    repo = PositionRepository(store)
    assert repo.check_history().journals == 0
    for user in ("u1", "u2"):
        position = Position(id=f"p-{user}", user_id=user, account_id="a1",
                            exchange=ExchangeName.BINANCE, market_type=MarketType.SPOT,
                            mode=TradingMode.DEMO, symbol="BTC/USDT", side=Side.LONG,
                            status=PositionStatus.CLOSED, quantity=Decimal(0), opened_at=NOW)
        repo.save(position)  # archived: appends to history/<user>.jsonl
    repo.close_journals()
    again = PositionRepository(DocumentStore(tmp_path)).check_history()
    assert (again.journals, again.read) == (2, 0)
    # a crash (no clean close) after an append: read again
    crashed = PositionRepository(DocumentStore(tmp_path))
    crashed.history("u1").append({"position": {"id": "x"}})
    assert PositionRepository(DocumentStore(tmp_path)).check_history().read == 1
