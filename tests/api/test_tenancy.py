"""Tenancy and privilege matrices: another user's ids answer like missing ones and change
nothing; a user token on an admin route answers 403 and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import AuthActions
from tests.api.helpers import add_positions, seed_paper, snapshot, user_files
from verzek.runtime import Runtime

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
CEX_BODY = {"exchange": "binance", "api_key": "KEYabcdefgh1234", "api_secret": "SECRETabcdefgh99"}
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", "/api/users/{user_id}"): {"name": "Mallory"},
    ("PUT", "/api/users/{user_id}/settings/general"): {"mode": "demo", "auto_trade": True},
    ("PUT", "/api/users/{user_id}/settings/risk"): {"max_leverage": 3},
    ("PUT", "/api/users/{user_id}/settings/strategy"): {"entry_type": "limit"},
    ("PUT", "/api/users/{user_id}/settings/dca"): {"enabled": True},
    ("POST", "/api/users/{user_id}/subscription"): {"action": "cancel"},
    ("POST", "/api/users/{user_id}/exchanges"): CEX_BODY,
    ("PATCH", "/api/users/{user_id}/exchanges/{account_id}"): {"label": "mine now"},
    ("POST", "/api/users/{user_id}/pause"): {"paused": True, "reason": "x"},
    ("POST", "/api/users/{user_id}/kill-switch"): {"active": True, "close_positions": True},
    ("PUT", "/api/users/{user_id}/demo/balance"): {"usdt": 5},
}
ADMIN_ROUTES = [
    ("GET", "/api/users", None), ("GET", "/api/positions", None),
    ("GET", "/api/safety/status", None),
    ("POST", "/api/safety/kill-switch", {"active": True, "close_positions": True}),
    ("POST", "/api/safety/pause", {"paused": True}),
    ("POST", "/api/safety/circuit-breaker/reset", None),
    ("PUT", "/api/safety/circuit-breaker", {"loss_pct": 1}),
    ("POST", "/api/signals", {"text": "BTC/USDT long entry 65000 tp 66000 sl 64000"}),
    ("GET", "/api/signals", None), ("GET", "/api/signals/{signal_id}", None),
    ("POST", "/api/parser", {"text": "#BTC/USDT long entry 65000 tp 66000 sl 64000"}),
    ("PUT", "/api/demo/prices", {"prices": {"BTC/USDT": 1}}),
    ("GET", "/api/system/status", None),
    ("POST", "/api/users/{own_id}/subscription", {"action": "activate", "plan": "vip"}),
]


@pytest.fixture
def two_users(client: FlaskClient, auth: AuthActions, runtime: Runtime) -> dict[str, Any]:
    ids: dict[str, Any] = {}
    for name in ("a", "b"):
        user_id, headers = auth.user(f"{name}@example.com")
        resp = client.post(f"/api/users/{user_id}/exchanges", json=CEX_BODY, headers=headers)
        assert resp.status_code == 201
        account_id = resp.get_json()["id"]
        positions = add_positions(runtime.positions, user_id, runtime.clock.now(), 2)
        seed_paper(runtime, user_id)
        resp = client.post(f"/api/users/{user_id}/positions/{positions[1]}/close",
                           headers=headers)
        assert resp.status_code == 200  # one open, one in the history
        ids[name] = {"id": user_id, "headers": headers, "account": account_id,
                     "positions": positions}
    return ids


def _id_routes(client: FlaskClient) -> list[str]:
    doc = client.get("/openapi.json").get_json()
    return [p for p in doc["paths"] if "{user_id}" in p or "{account_id}" in p
            or "{position_id}" in p]


def test_another_users_ids_never_succeed_and_change_nothing(
        client: FlaskClient, two_users: dict[str, Any], runtime: Runtime) -> None:
    a, b = two_users["a"], two_users["b"]
    before = user_files(runtime.settings.data_dir, b["id"])
    assert before  # the victim has a user, auth, positions and history file
    tried = 0
    for template in _id_routes(client):
        for user_id in (b["id"], a["id"]):  # B's path, and A's path with B's sub-ids
            for position_id in b["positions"]:
                path = (template.replace("{user_id}", user_id)
                        .replace("{account_id}", b["account"])
                        .replace("{position_id}", position_id))
                if user_id == a["id"] and path == template.replace("{user_id}", a["id"]):
                    continue  # A's own resource without any of B's ids
                for method in METHODS:
                    body = BODIES.get((method, template))
                    resp = client.open(path, method=method, json=body, headers=a["headers"])
                    tried += 1
                    assert resp.status_code in (403, 404, 405), (method, path, resp.status_code)
                    if resp.status_code == 404:
                        assert resp.get_json()["error"]["code"] in ("not_found",)
    # B's ids in A's bodies and queries
    resp = client.put(f"/api/users/{a['id']}/settings/general", headers=a["headers"],
                      json={"default_account_id": b["account"]})
    assert resp.status_code == 409
    resp = client.get(f"/api/positions?user_id={b['id']}", headers=a["headers"])
    assert resp.status_code == 403
    assert tried > 100
    assert user_files(runtime.settings.data_dir, b["id"]) == before


def test_another_user_looks_exactly_like_a_missing_one(
        client: FlaskClient, two_users: dict[str, Any]) -> None:
    a, b = two_users["a"], two_users["b"]
    other = client.get(f"/api/users/{b['id']}/positions", headers=a["headers"])
    missing = client.get("/api/users/u_doesnotexist/positions", headers=a["headers"])
    assert (other.status_code, other.get_data()) == (missing.status_code, missing.get_data())


def test_admin_reaches_every_user(client: FlaskClient, two_users: dict[str, Any],
                                  auth: AuthActions) -> None:
    b = two_users["b"]
    resp = client.get(f"/api/users/{b['id']}/positions/{b['positions'][0]}",
                      headers=auth.admin())
    assert resp.status_code == 200 and resp.get_json()["orders"]
    resp = client.get(f"/api/users/{b['id']}/exchanges/{b['account']}", headers=auth.admin())
    assert resp.status_code == 200


def test_user_token_on_admin_routes_is_403_and_changes_nothing(
        client: FlaskClient, two_users: dict[str, Any], auth: AuthActions,
        runtime: Runtime) -> None:
    a = two_users["a"]
    signal = client.post("/api/signals", json={"text": "hello"}, headers=auth.admin())
    signal_id = signal.get_json()["signal_id"]
    trading: Any = runtime.trading  # type: ignore[attr-defined]
    before_files = snapshot(runtime.settings.data_dir)
    before_state = (trading.safety_status(), len(trading.recent_signals(500, 0)))
    for method, template, body in ADMIN_ROUTES:
        path = template.replace("{signal_id}", signal_id).replace("{own_id}", a["id"])
        resp = client.open(path, method=method, json=body, headers=a["headers"])
        assert resp.status_code == 403, (method, path, resp.status_code)
        assert resp.get_json()["error"]["code"] == "admin_only"
    assert snapshot(runtime.settings.data_dir) == before_files
    assert (trading.safety_status(), len(trading.recent_signals(500, 0))) == before_state


def test_every_api_route_refuses_a_missing_or_bad_token(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if not op.get("security") or {} in op["security"]:
                continue
            url = path.replace("{user_id}", "u_x").replace("{account_id}", "a_x") \
                .replace("{position_id}", "p_x").replace("{signal_id}", "s_x")
            for headers in ({}, {"Authorization": "Bearer nope"},
                            {"Authorization": "Basic dXNlcjpwYXNz"}):
                resp = client.open(url, method=method.upper(), headers=headers)
                assert resp.status_code == 401, (method, path, headers)
