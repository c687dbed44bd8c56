"""Fixtures of the Telegram tests: a store, users, a recording trading port, the link service."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from verzek.clock import ManualClock
from verzek.domain.models import (
    ExchangeName,
    MarketType,
    PlanName,
    Position,
    PositionStatus,
    Side,
    Subscription,
    TradingMode,
    User,
)
from verzek.engine.telegram_links import TelegramLinkService
from verzek.store.docstore import DocumentStore
from verzek.store.repos import PositionRepository, UserRepository

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class RecordingTrading:
    """The engine facade's calls the bot makes, recorded; canned answers."""

    def __init__(self, users: UserRepository) -> None:
        self.users = users
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.user_pause: dict[str, dict[str, Any]] = {}
        self.tripped: list[dict[str, Any]] = []  # users' own tripped breakers
        self.platform_reason: str | None = None  # why the platform opens nothing, if it does not

    def user_stats(self, user_id: str) -> dict[str, Any]:
        self.calls.append(("user_stats", {"user_id": user_id}))
        row = {"trades": 3, "wins": 2, "losses": 1, "win_rate": 66.7,
               "realised_pnl_usdt": "12.50", "volume_usdt": "300"}
        return {"today": row, "all_time": {**row, "trades": 10, "realised_pnl_usdt": "-4.2"},
                "daily": []}

    def set_pause(self, *, paused: bool, until: datetime | None, reason: str,
                  user_id: str | None = None) -> dict[str, Any]:
        self.calls.append(("set_pause", {"paused": paused, "user_id": user_id}))
        assert user_id is not None
        if paused:  # kept where the real engine keeps it: the safety state, not the user
            self.user_pause[user_id] = {"active": True, "until": until, "reason": reason}
        else:
            self.user_pause.pop(user_id, None)
        return {"paused": paused}

    def safety_status(self) -> dict[str, Any]:  # the engine's shape (SafetyService.status)
        return {"platform_kill": {"active": False}, "user_kill": {},
                "platform_pause": {"active": False, "in_force": False},
                "user_pause": {uid: {**p, "in_force": True} for uid, p in self.user_pause.items()},
                "tripped_user_breakers": list(self.tripped),
                "platform_new_positions_allowed": self.platform_reason is None,
                "platform_reason": self.platform_reason}

    def is_paused(self, user_id: str) -> bool:
        return user_id in self.user_pause


def make_user(user_id: str, *, plan: PlanName = PlanName.FREE, created: datetime = NOW,
              expires: datetime | None = None, telegram_user_id: int | None = None) -> User:
    sub = Subscription(plan=plan, started_at=created, expires_at=expires,
                       trial_ends_at=created + timedelta(days=3) if plan is PlanName.FREE
                       else None)
    return User(id=user_id, email=f"{user_id}@example.com", created_at=created,
                subscription=sub, telegram_user_id=telegram_user_id)


def make_position(pid: str, user_id: str) -> Position:
    return Position(id=pid, user_id=user_id, account_id="a1", exchange=ExchangeName.BINANCE,
                    market_type=MarketType.FUTURES, mode=TradingMode.DEMO, symbol="BTC/USDT",
                    side=Side.LONG, status=PositionStatus.OPEN, quantity=Decimal("0.5"),
                    average_entry=Decimal("60000"), leverage=5, opened_at=NOW)


@pytest.fixture
def tg_clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def store(tmp_path: Path) -> DocumentStore:
    return DocumentStore(tmp_path / "db")


@pytest.fixture
def users(store: DocumentStore) -> UserRepository:
    repo = UserRepository(store)
    repo.create(make_user("u1"))
    repo.create(make_user("u2", plan=PlanName.PRO))
    return repo


@pytest.fixture
def positions(store: DocumentStore) -> PositionRepository:
    return PositionRepository(store)


@pytest.fixture
def trading(users: UserRepository) -> RecordingTrading:
    return RecordingTrading(users)


@pytest.fixture
def links(store: DocumentStore, users: UserRepository,
          tg_clock: ManualClock) -> TelegramLinkService:
    return TelegramLinkService(store=store, users=users, clock=tg_clock)


@pytest.fixture
def harness(store: DocumentStore, users: UserRepository, positions: PositionRepository,
            trading: RecordingTrading, links: TelegramLinkService,
            tg_clock: ManualClock) -> Iterator[Any]:
    from .harness import running_bot

    with running_bot(store=store, users=users, positions=positions, trading=trading,
                     links=links, clock=tg_clock) as h:
        yield h


def set_auto_trade_in(users: UserRepository) -> Any:
    """What the REST settings route does for `general.auto_trade` (stand-in)."""
    def set_auto_trade(user_id: str, enabled: bool) -> None:
        def apply(user: User) -> User:
            general = user.settings.general.model_copy(update={"auto_trade": enabled})
            settings = user.settings.model_copy(update={"general": general})
            return user.model_copy(update={"settings": settings})

        users.update(user_id, apply)

    return set_auto_trade
