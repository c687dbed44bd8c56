"""Repositories: users and per-user positions, closes moved to history, crash recovery."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verzek.domain.models import (
    ExchangeName,
    MarketType,
    Position,
    PositionStatus,
    Side,
    TradingMode,
    User,
)
from verzek.errors import Conflict, NotFound
from verzek.store.docstore import DocumentStore
from verzek.store.repos import PositionRepository, UserRepository

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _position(pid: str, user: str = "u1", status: PositionStatus = PositionStatus.OPEN,
              qty: str = "1") -> Position:
    return Position(id=pid, user_id=user, account_id="a1", exchange=ExchangeName.BINANCE,
                    market_type=MarketType.SPOT, mode=TradingMode.DEMO, symbol="BTC/USDT",
                    side=Side.LONG, status=status, quantity=Decimal(qty), opened_at=NOW)


def test_users_create_get_update_and_email_index(tmp_path: Path) -> None:
    repo = UserRepository(DocumentStore(tmp_path))
    repo.create(User(id="u1", email="A@x.io", created_at=NOW))
    with pytest.raises(Conflict):
        repo.create(User(id="u2", email="a@X.io", created_at=NOW))
    updated = repo.update("u1", lambda u: u.model_copy(update={"name": "Ann"}))
    assert updated.name == "Ann"
    assert repo.by_email("a@x.io") is not None
    reopened = UserRepository(DocumentStore(tmp_path))
    assert reopened.get("u1").name == "Ann"
    with pytest.raises(NotFound):
        reopened.get("nobody")
    with pytest.raises(NotFound):
        reopened.get("../etc")


def test_close_moves_position_to_history(tmp_path: Path) -> None:
    repo = PositionRepository(DocumentStore(tmp_path))
    repo.save(_position("p1"))
    repo.save(_position("p2"))
    closed = _position("p1", status=PositionStatus.CLOSED, qty="0")
    repo.save(closed)
    assert [p.id for p in repo.open_positions("u1")] == ["p2"]
    assert [p.id for p in repo.closed_positions("u1")] == ["p1"]
    assert repo.get("u1", "p1").status == PositionStatus.CLOSED


def test_interrupted_close_is_finished_at_start(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    repo = PositionRepository(store)
    repo.save(_position("p1"))
    # The crash came after the first step: the document holds the closed position.
    repo._write(repo._rel("u1"), [_position("p1", status=PositionStatus.CLOSED, qty="0")])
    assert repo.open_positions("u1") == []  # an archiving position is not listed as open
    fresh = PositionRepository(DocumentStore(tmp_path))
    assert fresh.recover() == 1
    assert [p.id for p in fresh.closed_positions("u1")] == ["p1"]
    assert fresh.recover() == 0  # idempotent, and never archived twice
    assert len(fresh.closed_positions("u1")) == 1


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["p1", "p2", "p3"]), st.booleans()), max_size=12))
def test_every_position_is_open_or_archived_exactly_once(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[str, bool]],
) -> None:
    root = tmp_path_factory.mktemp("repo")
    repo = PositionRepository(DocumentStore(root))
    seen: set[str] = set()
    for n, (pid, close) in enumerate(ops):
        uid = f"{pid}-{n}" if close else pid
        status = PositionStatus.CLOSED if close else PositionStatus.OPEN
        repo.save(_position(uid, status=status))
        seen.add(uid)
    open_ids = [p.id for p in repo.open_positions("u1")]
    closed_ids = [p.id for p in repo.closed_positions("u1")]
    assert len(open_ids) == len(set(open_ids))
    assert len(closed_ids) == len(set(closed_ids))
    assert set(open_ids) | set(closed_ids) == seen
    assert not set(open_ids) & set(closed_ids)
