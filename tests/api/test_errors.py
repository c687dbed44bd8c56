"""Every error is JSON with the right status; bad input changes nothing."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import AuthActions
from tests.api.helpers import user_files
from verzek.runtime import Runtime


def _is_error(resp: object, status: int, code: str | None = None) -> None:
    assert resp.status_code == status, resp.get_data()  # type: ignore[attr-defined]
    body = resp.get_json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    if code:
        assert body["error"]["code"] == code


def test_unknown_route_and_method(client: FlaskClient, auth: AuthActions) -> None:
    _is_error(client.get("/nope"), 404, "not_found")
    _is_error(client.get("/api/nope", headers=auth.admin()), 404, "not_found")
    resp = client.put("/api/users", headers=auth.admin(), json={})
    _is_error(resp, 405, "method_not_allowed")
    assert set(resp.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_body_too_large_is_413(client: FlaskClient, auth: AuthActions,
                               runtime: Runtime) -> None:
    user_id, headers = auth.user("big@example.com")
    big = {"name": "x" * (runtime.settings.max_body_bytes + 10)}
    _is_error(client.patch(f"/api/users/{user_id}", json=big, headers=headers), 413)


def test_wrong_content_type_is_415(client: FlaskClient, auth: AuthActions) -> None:
    user_id, headers = auth.user("ct@example.com")
    resp = client.patch(f"/api/users/{user_id}", data="name=x", headers=headers,
                        content_type="application/x-www-form-urlencoded")
    _is_error(resp, 415, "unsupported_media_type")


@pytest.mark.parametrize("raw", [b"{", b'{"name": NaN}', b'{"name": Infinity}',
                                 b'{"max_leverage": -Infinity}', b"\xff\xfe"])
def test_malformed_json_and_non_finite_literals_are_400(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, raw: bytes) -> None:
    user_id, headers = auth.user("nan@example.com")
    before = user_files(runtime.settings.data_dir, user_id)
    resp = client.put(f"/api/users/{user_id}/settings/risk", data=raw, headers=headers,
                      content_type="application/json")
    _is_error(resp, 400, "malformed_json")
    assert user_files(runtime.settings.data_dir, user_id) == before


def test_huge_numbers_are_422_not_infinity(client: FlaskClient, auth: AuthActions) -> None:
    user_id, headers = auth.user("huge@example.com")
    resp = client.put(f"/api/users/{user_id}/settings/risk", headers=headers,
                      data=b'{"position_size_usdt": 1e400}', content_type="application/json")
    _is_error(resp, 422, "validation_error")


def test_a_write_is_validated_whole_before_anything_changes(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    user_id, headers = auth.user("whole@example.com")
    before = user_files(runtime.settings.data_dir, user_id)
    resp = client.patch(f"/api/users/{user_id}", headers=headers,
                        json={"name": "fine", "email": "not an email"})
    _is_error(resp, 422)
    assert user_files(runtime.settings.data_dir, user_id) == before


def test_missing_body_is_422(client: FlaskClient, auth: AuthActions) -> None:
    _is_error(client.post("/api/signals", headers=auth.admin()), 422, "validation_error")


def test_401_names_the_scheme(client: FlaskClient) -> None:
    resp = client.get("/api/users")
    _is_error(resp, 401, "unauthorized")
    assert resp.headers["WWW-Authenticate"] == "Bearer"


def test_a_field_of_the_wrong_form_is_told_in_words_not_as_a_regex(
        client: FlaskClient, auth: AuthActions) -> None:
    resp = client.post("/api/users", headers=auth.admin(),
                       json={"email": "not-an-email", "password": "long enough pw"})
    _is_error(resp, 422, "validation_error")
    (error,) = resp.get_json()["error"]["details"]["errors"]
    assert error == {"loc": ["email"], "msg": "not a valid e-mail address",
                     "type": "string_pattern_mismatch"}
    user_id, headers = auth.user("form@example.com")
    resp = client.patch(f"/api/users/{user_id}", json={"name": "two\nlines"}, headers=headers)
    (error,) = resp.get_json()["error"]["details"]["errors"]
    assert error["msg"] == "must be one line, without control characters"
    resp = client.put("/api/demo/prices", headers=auth.admin(), json={"prices": {"btc": "1"}})
    assert "BASE/QUOTE" in str(resp.get_json()["error"]), resp.get_json()


def test_a_missing_or_unknown_kind_names_the_field_and_the_choices(
        client: FlaskClient, auth: AuthActions) -> None:
    user_id, headers = auth.user("kinds@example.com")
    resp = client.post(f"/api/users/{user_id}/subscription", json={"plan": "vip"},
                       headers=headers)
    (error,) = resp.get_json()["error"]["details"]["errors"]
    assert resp.status_code == 422 and error["msg"] == "'action' is required", error
    resp = client.post(f"/api/users/{user_id}/exchanges", headers=headers, json={
        "exchange": "kraken", "market_type": "futures", "mode": "live",
        "api_key": "abcd", "api_secret": "efgh"})
    (error,) = resp.get_json()["error"]["details"]["errors"]
    assert error["msg"].startswith("'kraken' is not one of") and "binance" in error["msg"]
    assert "(the field 'exchange')" in error["msg"], error
    resp = client.put(f"/api/users/{user_id}/settings/risk", headers=headers,
                      json={"position_size_pct": "-5"})
    (error,) = resp.get_json()["error"]["details"]["errors"]
    assert "a number above 0" in error["msg"] and "pattern" not in error["msg"], error
