"""Probes of 29 November: doubled slashes, line breaks beyond C0, authorization before
validation, and error locations in tagged-union bodies."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import TV_SECRET, AuthActions
from tests.api.helpers import snapshot, user_files
from verzek.runtime import Runtime

JSON = "application/json"


def _error(resp: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.get_data()[:500]
    assert resp.mimetype == JSON
    body: dict[str, Any] = resp.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


# --- a doubled slash is no route: a JSON 404, not werkzeug's HTML 308 ------------------------


def test_a_doubled_slash_is_a_json_404_not_an_html_redirect(
        client: FlaskClient, auth: AuthActions) -> None:
    user_id, headers = auth.user("slashes@example.com")
    for method, path, who in (("GET", "/api//users", auth.admin()),
                              ("GET", f"/api/users//{user_id}", headers),
                              ("PUT", f"/api/users/{user_id}//settings/risk", headers),
                              ("GET", "/api/users/%2F", auth.admin())):
        resp = client.open(path, method=method, headers=who, json={"max_leverage": 3})
        error = _error(resp, 404, "not_found")
        assert "Location" not in resp.headers
        assert "//" in error["message"]
    resp = client.post("/api//auth/login", json={"email": "slashes@example.com",
                                                 "password": "correct horse 1"})
    _error(resp, 404, "not_found")


# --- one line means no C1 control and no Unicode line or paragraph separator -----------------


@pytest.mark.parametrize("text", ["next\u0085line", "line\u2028separator",
                                  "para\u2029graph", "csi\u009b31m"])
def test_line_breaks_beyond_c0_are_refused_in_one_line_fields(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, text: str) -> None:
    user_id, headers = auth.user("lines@example.com")
    before = user_files(runtime.settings.data_dir, user_id)
    resp = client.patch(f"/api/users/{user_id}", json={"name": text}, headers=headers)
    (error,) = _error(resp, 422, "validation_error")["details"]["errors"]
    assert error["loc"] == ["name"]
    assert error["msg"] == "must be one line, without control characters"
    resp = client.post(f"/api/users/{user_id}/exchanges", headers=headers, json={
        "exchange": "binance", "api_key": "KEYabcdefgh1234", "api_secret": "SECRETabcdefgh99",
        "label": text})
    _error(resp, 422, "validation_error")
    resp = client.post(f"/api/users/{user_id}/kill-switch", headers=headers,
                       json={"active": True, "reason": text})
    _error(resp, 422, "validation_error")
    assert user_files(runtime.settings.data_dir, user_id) == before


def test_the_schema_states_the_wider_one_line_rule(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json()
    pattern = doc["components"]["schemas"]["UserPatch"]["properties"]["name"]["anyOf"][0][
        "pattern"]
    assert "\\x7f-\\x9f" in pattern and "\\u2028\\u2029" in pattern


# --- authorization comes before validation ---------------------------------------------------


@pytest.mark.parametrize(("method", "path", "data"), [
    ("POST", "/api/safety/kill-switch", None),
    ("POST", "/api/safety/kill-switch", b"{}"),
    ("POST", "/api/safety/pause", b'{"paused": "yes"}'),
    ("PUT", "/api/safety/circuit-breaker", b"{"),
    ("POST", "/api/signals", None),
    ("POST", "/api/parser", b'{"text": ""}'),
    ("PUT", "/api/demo/prices", b"[]"),
    ("GET", "/api/users?limit=abc", None),
    ("GET", "/api/positions?status=bogus", None),
    ("GET", "/api/signals?limit=-1", None),
    ("GET", "/api/signals/..", None),
])
def test_a_user_on_an_admin_route_is_403_whatever_they_send(
        client: FlaskClient, auth: AuthActions, runtime: Runtime,
        method: str, path: str, data: bytes | None) -> None:
    _, headers = auth.user("nosy@example.com")
    before = snapshot(runtime.settings.data_dir)
    resp = client.open(path, method=method, headers=headers, data=data, content_type=JSON)
    error = _error(resp, 403, "admin_only")
    assert error["details"] is None  # nothing about the admin request's form
    assert snapshot(runtime.settings.data_dir) == before


@pytest.mark.parametrize(("method", "suffix", "body"), [
    ("PUT", "/settings/risk", {"max_leverage": 1000}),
    ("PATCH", "", {"name": "two\nlines"}),
    ("POST", "/exchanges", {"exchange": "kraken"}),
    ("POST", "/pause", {}),
    ("PUT", "/demo/balance", {"usdt": -1}),
    ("GET", "/positions?limit=0", None),
    ("GET", "/positions/..", None),
])
def test_another_users_id_is_404_before_the_request_is_validated(
        client: FlaskClient, auth: AuthActions, runtime: Runtime,
        method: str, suffix: str, body: dict[str, Any] | None) -> None:
    _, a_headers = auth.user("a@example.com")
    b_id, _ = auth.user("b@example.com")
    before = user_files(runtime.settings.data_dir, b_id)
    other = client.open(f"/api/users/{b_id}{suffix}", method=method, json=body,
                        headers=a_headers)
    missing = client.open(f"/api/users/u_doesnotexist{suffix}", method=method, json=body,
                          headers=a_headers)
    _error(other, 404, "not_found")
    assert other.get_data() == missing.get_data()
    _error(client.open(f"/api/users/u_doesnotexist{suffix}", method=method, json=body,
                       headers=auth.admin()), 404, "not_found")
    assert user_files(runtime.settings.data_dir, b_id) == before


def test_the_owner_and_admins_still_get_the_validation_answer(
        client: FlaskClient, auth: AuthActions) -> None:
    user_id, headers = auth.user("owner@example.com")
    for who in (headers, auth.admin()):
        resp = client.put(f"/api/users/{user_id}/settings/risk", json={"max_leverage": 1000},
                          headers=who)
        _error(resp, 422, "validation_error")
    _error(client.post("/api/safety/kill-switch", json={}, headers=auth.admin()), 422)


# --- errors in a tagged-union body point at the body's own fields ----------------------------


def _only_error(resp: Any) -> dict[str, Any]:
    (error,) = _error(resp, 422, "validation_error")["details"]["errors"]
    assert not error["msg"].startswith("Value error"), error
    return error


def test_tagged_union_errors_name_the_fields_the_client_sent(
        client: FlaskClient, auth: AuthActions) -> None:
    user_id, headers = auth.user("tags@example.com")
    resp = client.post(f"/api/users/{user_id}/exchanges", headers=headers, json={
        "exchange": "binance", "api_key": "has space", "api_secret": "SECRETabcdefgh99"})
    assert _only_error(resp)["loc"] == ["api_key"]
    resp = client.post(f"/api/users/{user_id}/subscription", headers=auth.admin(),
                       json={"action": "refund"})
    assert _only_error(resp)["loc"] == ["action"]
    resp = client.post(f"/api/users/{user_id}/subscription", headers=auth.admin(),
                       json={"plan": "vip"})
    error = _only_error(resp)
    assert error["loc"] == ["action"] and error["msg"] == "'action' is required"
    resp = client.post(f"/api/users/{user_id}/subscription", headers=auth.admin(),
                       json={"action": "extend", "days": "30"})
    error = _only_error(resp)
    assert error == {"loc": ["days"], "msg": "must be a JSON integer", "type": "value_error"}
    resp = client.post("/api/signals", headers=auth.admin(),
                       json={"symbol": "BTC/USDT", "side": "long", "leverage": 0})
    assert _only_error(resp)["loc"] == ["leverage"]
    resp = client.post("/api/signals", headers=auth.admin(),
                       json={"signal": {"symbol": "BTC/USDT", "side": "sideways"}})
    assert _only_error(resp)["loc"] == ["signal", "side"]
    resp = client.post(f"/api/webhooks/tradingview/{TV_SECRET}", data=b"   ",
                       content_type="text/plain")
    assert _only_error(resp)["loc"] == ["text"]


def test_plain_bodies_keep_their_locations(client: FlaskClient, auth: AuthActions) -> None:
    user_id, headers = auth.user("plain-loc@example.com")
    resp = client.post("/api/parser", headers=auth.admin(), json={"text": ""})
    assert _only_error(resp)["loc"] == ["text"]
    resp = client.put(f"/api/users/{user_id}/settings/risk", headers=headers,
                      json={"position_size_usdt": 0})
    error = _only_error(resp)
    assert error["loc"] == ["position_size_usdt"] and error["msg"].startswith("must be > 0")
