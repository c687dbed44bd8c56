"""flaskr-style fixtures: a runtime on a temp data dir, the app, a client and an auth helper."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.fake_trading import FakeTrading
from verzek.api.app import create_app
from verzek.clock import ManualClock
from verzek.config import Settings
from verzek.runtime import Runtime, build_runtime

ADMIN_TOKEN = "admin-token-0123456789abcdef"
TV_SECRET = "tv-secret-0123456789"


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"data_dir": data_dir, "admin_tokens": (ADMIN_TOKEN,),
                              "price_feed": "sim", "tradingview_secret": TV_SECRET}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def runtime(tmp_path: Path, clock: ManualClock,
            settings_overrides: dict[str, Any]) -> Iterator[Runtime]:
    settings = make_settings(tmp_path / "data", **settings_overrides)
    rt = build_runtime(settings, clock=clock)
    if getattr(rt, "trading", None) is None:
        # Until the runtime wires the engine (`verzek.engine.trading.TradingService`), the
        # in-test fake stands in for it; once it does, these tests run against the real one.
        rt.trading = FakeTrading(users=rt.users,  # type: ignore[attr-defined]
                                 positions=rt.positions, clock=clock)
    rt.accepting.set()  # taking signals, without starting the background threads
    yield rt
    rt.stop()


@pytest.fixture
def app(runtime: Runtime) -> Any:
    application = create_app(runtime, runtime.settings)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app: Any) -> FlaskClient:
    return app.test_client()


@dataclass
class AuthActions:
    """Create users, log in and build headers."""

    client: FlaskClient

    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    def create_user(self, email: str, password: str = "correct horse 1",
                    name: str = "A User") -> dict[str, Any]:
        resp = self.client.post("/api/users", json={"email": email, "password": password,
                                                     "name": name}, headers=self.admin())
        assert resp.status_code == 201, resp.get_json()
        body: dict[str, Any] = resp.get_json()
        return body

    def login(self, email: str, password: str = "correct horse 1") -> dict[str, Any]:
        resp = self.client.post("/api/auth/login", json={"email": email, "password": password})
        assert resp.status_code == 200, resp.get_json()
        body: dict[str, Any] = resp.get_json()
        return body

    def user(self, email: str) -> tuple[str, dict[str, str]]:
        """A new user's id and bearer headers."""
        user_id = self.create_user(email)["id"]
        token = self.login(email)["token"]
        return user_id, {"Authorization": f"Bearer {token}"}


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)
