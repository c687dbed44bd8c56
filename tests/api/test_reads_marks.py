"""An open position is answered with `mark_price` and `unrealised_pnl_usdt` from the price
monitor's last prices (nothing in the positions API told them before); null while the monitor
has no fresh price for the symbol, and for a closed position. Read from memory: a request
never asks the exchange."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import AuthActions
from verzek.errors import ExchangeUnavailable
from verzek.runtime import Runtime

SHORT = {"symbol": "ETH/USDT", "side": "short", "entries": ["3000"], "targets": ["2900"],
         "stop_loss": "3300", "leverage": 5}


def _price(client: FlaskClient, auth: AuthActions, price: str) -> None:
    resp = client.put("/api/demo/prices", headers=auth.admin(),
                      json={"prices": {"ETH/USDT": price}})
    assert resp.status_code == 200, resp.get_json()


def _short(client: FlaskClient, auth: AuthActions) -> tuple[str, dict[str, str], str]:
    user_id, headers = auth.user("marks@example.com")
    assert client.put(f"/api/users/{user_id}/settings/general", headers=headers,
                      json={"mode": "demo", "auto_trade": True}).status_code == 200
    _price(client, auth, "3000")
    resp = client.post("/api/signals", headers=auth.admin(), json={"signal": SHORT})
    (decision,) = resp.get_json()["decisions"]
    assert decision["outcome"] == "executed", decision
    return user_id, headers, decision["position_id"]


def _listed(client: FlaskClient, user_id: str, headers: dict[str, str]) -> dict[str, Any]:
    resp = client.get(f"/api/users/{user_id}/positions", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    (item,) = resp.get_json()["items"]
    return dict(item)


def test_open_positions_carry_their_mark_and_unrealised_pnl(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    assert runtime.trading is not None
    user_id, headers, position_id = _short(client, auth)
    item = _listed(client, user_id, headers)
    assert (item["mark_price"], item["unrealised_pnl_usdt"]) == (None, None)  # no pass yet
    runtime.trading.monitor.run_once()
    _price(client, auth, "2950")  # the feed moves; the answer follows the monitor's passes
    assert _listed(client, user_id, headers)["mark_price"] == "3000"
    runtime.trading.monitor.run_once()
    item = _listed(client, user_id, headers)
    entry, quantity = Decimal(item["average_entry"]), Decimal(item["quantity"])
    assert item["mark_price"] == "2950"
    assert Decimal(item["unrealised_pnl_usdt"]) == (entry - Decimal(2950)) * quantity > 0
    one = client.get(f"/api/users/{user_id}/positions/{position_id}", headers=headers)
    assert one.status_code == 200
    assert (one.get_json()["mark_price"], one.get_json()["unrealised_pnl_usdt"]) == \
        (item["mark_price"], item["unrealised_pnl_usdt"])
    admin = client.get(f"/api/positions?user_id={user_id}", headers=auth.admin()).get_json()
    assert admin["items"][0]["mark_price"] == "2950"

    closed = client.post(f"/api/users/{user_id}/positions/{position_id}/close",
                         headers=headers)
    assert closed.status_code == 200, closed.get_json()
    history = client.get(f"/api/users/{user_id}/positions?status=closed",
                         headers=headers).get_json()["items"]
    assert [(p["mark_price"], p["unrealised_pnl_usdt"]) for p in history] == [(None, None)]
    one = client.get(f"/api/users/{user_id}/positions/{position_id}", headers=headers)
    assert one.get_json()["mark_price"] is None


def test_a_stale_price_is_no_mark_and_no_request_asks_the_exchange(
        client: FlaskClient, auth: AuthActions, runtime: Runtime,
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert runtime.trading is not None
    monitor = runtime.trading.monitor
    user_id, headers, _ = _short(client, auth)
    monitor.run_once()
    feed = runtime.trading.pool.price_feed

    def away(symbol: str) -> Decimal:
        raise ExchangeUnavailable("the feed is down")

    monkeypatch.setattr(feed, "price", away)  # from now on, any request to it fails
    assert _listed(client, user_id, headers)["mark_price"] == "3000"  # from memory
    monitor.run_once()
    monitor.run_once()
    assert _listed(client, user_id, headers)["mark_price"] == "3000"  # missed twice: kept
    monitor.run_once()  # missed three times: stale
    assert _listed(client, user_id, headers)["unrealised_pnl_usdt"] is None
    assert _listed(client, user_id, headers)["mark_price"] is None


def test_a_price_from_a_monitor_that_stopped_is_no_mark(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    assert runtime.trading is not None
    user_id, headers, _ = _short(client, auth)
    runtime.trading.monitor.run_once()
    assert _listed(client, user_id, headers)["mark_price"] == "3000"
    runtime.clock.advance(3600)  # type: ignore[attr-defined]  # no pass for an hour
    assert _listed(client, user_id, headers)["mark_price"] is None


def test_the_document_shows_the_marks(client: FlaskClient) -> None:
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    for name in ("PositionSummary", "PositionOut"):
        assert {"mark_price", "unrealised_pnl_usdt"} <= set(schemas[name]["properties"]), name
    path = client.get("/openapi.json").get_json()["paths"][
        "/api/users/{user_id}/positions/{position_id}"]["get"]
    assert path["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] \
        .endswith("/PositionOut")
