"""What an outside checker probes: hostile bodies, HTTP semantics, values sent back unchanged,
and secrets — each answered with a clear JSON error that changes nothing."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import ADMIN_TOKEN, AuthActions
from tests.api.helpers import snapshot, user_files
from verzek.errors import CorruptFile, DiskFault, StoreError
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


# --- hostile bodies: 4xx, never a 500, and nothing changes -----------------------------------


@pytest.mark.parametrize("raw", [
    b'{"name": ' + b"[" * 5000 + b"]" * 5000 + b"}",  # RecursionError in the parser
    b'{"name": ' + b"[" * 40 + b"]" * 40 + b"}",
    b'{"name": "\\ud800"}',  # a lone UTF-16 surrogate: no file or response can hold it
    b'{"name": "ok", "\\udfff": 1}',
    b'{"name": "first", "name": "second"}',  # which one counts depends on the parser
    b'{"name": ' + b"9" * 5000 + b"}",
])
def test_hostile_json_is_400_and_changes_nothing(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, raw: bytes) -> None:
    user_id, headers = auth.user("hostile@example.com")
    before = snapshot(runtime.settings.data_dir)
    resp = client.patch(f"/api/users/{user_id}", data=raw, headers=headers, content_type=JSON)
    error = _error(resp, 400, "malformed_json")
    assert "sys." not in error["message"]  # no interpreter advice in an API answer
    assert snapshot(runtime.settings.data_dir) == before


def test_surrogate_inside_a_list_is_400_not_500(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    user_id, headers = auth.user("surrogate@example.com")
    before = user_files(runtime.settings.data_dir, user_id)
    resp = client.put(f"/api/users/{user_id}/settings/risk", headers=headers,
                      data=b'{"symbol_whitelist": ["\\ud83d"]}', content_type=JSON)
    _error(resp, 400, "malformed_json")
    assert user_files(runtime.settings.data_dir, user_id) == before


def test_a_json_string_body_is_not_parsed_as_a_second_document(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    user_id, headers = auth.user("twice@example.com")
    before = user_files(runtime.settings.data_dir, user_id)
    inner = '{"position_size_usdt": 7, "position_size_usdt": 8}'
    resp = client.put(f"/api/users/{user_id}/settings/risk", headers=headers,
                      data=json.dumps(inner), content_type=JSON)
    _error(resp, 422, "validation_error")
    assert user_files(runtime.settings.data_dir, user_id) == before


# --- HTTP semantics --------------------------------------------------------------------------


def test_options_answers_allow_without_a_token(client: FlaskClient) -> None:
    for path, methods in (("/api/users", {"GET", "POST"}), ("/health", {"GET"}),
                          ("/api/users/u_x/settings/risk", {"GET", "PUT"})):
        resp = client.options(path)
        assert resp.status_code == 204, (path, resp.get_data())
        assert resp.get_data() == b"" and "Content-Type" not in resp.headers
        assert set(resp.headers["Allow"].split(", ")) >= methods | {"OPTIONS"}
    _error(client.options("/api/nope"), 404, "not_found")


def test_head_answers_like_get_without_a_body(client: FlaskClient, auth: AuthActions) -> None:
    resp = client.head("/api/users", headers=auth.admin())
    assert resp.status_code == 200 and resp.mimetype == JSON and resp.get_data() == b""
    resp = client.head("/api/users")
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"] == "Bearer"


def test_routing_errors_say_what_to_change(client: FlaskClient, auth: AuthActions,
                                           runtime: Runtime) -> None:
    error = _error(client.get("/api/nope", headers=auth.admin()), 404, "not_found")
    assert "/api/nope" in error["message"]
    resp = client.delete("/api/users", headers=auth.admin())
    error = _error(resp, 405, "method_not_allowed")
    assert "DELETE" in error["message"] and "GET" in error["message"]
    assert {"GET", "POST"} <= set(resp.headers["Allow"].split(", "))
    big = b'{"name": "' + b"x" * runtime.settings.max_body_bytes + b'"}'
    error = _error(client.post("/api/auth/login", data=big, content_type=JSON), 413)
    assert str(runtime.settings.max_body_bytes) in error["message"]


@pytest.mark.parametrize("settings_overrides", [{"admin_tokens": ()}])
def test_admin_routes_without_an_admin_token_configured_are_401(
        client: FlaskClient, settings_overrides: dict[str, Any]) -> None:
    for method, path in (("GET", "/api/users"), ("GET", "/api/system/status"),
                         ("POST", "/api/safety/kill-switch"), ("GET", "/api/signals")):
        for headers in ({}, {"Authorization": f"Bearer {ADMIN_TOKEN}"},
                        {"Authorization": "Bearer "}):
            resp = client.open(path, method=method, headers=headers, json={"active": True})
            _error(resp, 401, "unauthorized")


def test_every_documented_operation_answers_json(client: FlaskClient,
                                                 auth: AuthActions) -> None:
    user_id, headers = auth.user("json@example.com")
    doc = client.get("/openapi.json").get_json()
    for path, ops in doc["paths"].items():
        url = path.replace("{user_id}", user_id).replace("{account_id}", "a_x") \
            .replace("{position_id}", "p_x").replace("{signal_id}", "s_x") \
            .replace("{secret}", "nope")
        for method in ops:
            for who in (headers, auth.admin(), {}):
                resp = client.open(url, method=method.upper(), headers=who)
                assert resp.mimetype == JSON, (method, path, resp.status_code)
                assert resp.status_code < 500, (method, path, resp.get_data()[:300])


class _FailingStats:
    """The engine, except that `user_stats` raises the given error."""

    def __init__(self, real: Any, error: Exception) -> None:
        self._real, self._error = real, error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def user_stats(self, user_id: str) -> Any:
        raise self._error


@pytest.mark.parametrize(("error", "status", "code"), [
    (CorruptFile("data file /srv/verzek/database/users/u1.json does not parse",
                 details={"file": "/srv/verzek/database/users/u1.json"}), 500, "internal_error"),
    (StoreError("cannot replace /srv/verzek/database/x.json"), 500, "internal_error"),
    (DiskFault("[Errno 28] No space left on device: '/srv/verzek/database/x.tmp'",
               details={"path": "/srv/verzek/database/x.tmp"}), 503, "disk_fault"),
])
def test_store_failures_answer_without_paths_and_are_logged(
        client: FlaskClient, auth: AuthActions, runtime: Runtime,
        caplog: pytest.LogCaptureFixture, error: Exception, status: int, code: str) -> None:
    user_id, headers = auth.user("disk@example.com")
    real = runtime.trading  # type: ignore[attr-defined]
    runtime.trading = _FailingStats(real, error)  # type: ignore[attr-defined]
    try:
        resp = client.get(f"/api/users/{user_id}/stats", headers=headers)
    finally:
        runtime.trading = real  # type: ignore[attr-defined]
    body = _error(resp, status, code)
    assert "/srv/" not in json.dumps(body) and body["details"] is None
    assert any("/srv/verzek" in r.getMessage() for r in caplog.records)


def test_exchange_errors_are_documented_502(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json()
    close = doc["paths"]["/api/users/{user_id}/positions/{position_id}/close"]["post"]
    assert "502" in close["responses"]


# --- numbers: bounded before any conversion, answered in the form accepted back --------------


def test_a_whole_number_with_a_huge_exponent_is_refused_by_size(
        client: FlaskClient, auth: AuthActions) -> None:
    # int(Decimal("1.5e999999")) keeps a request thread busy for about a minute
    user_id, headers = auth.user("exponent@example.com")
    resp = client.put(f"/api/users/{user_id}/settings/risk", headers=headers,
                      data=b'{"max_leverage": 1.5e99999}', content_type=JSON)
    error = _error(resp, 422, "validation_error")
    assert "in size" in error["details"]["errors"][0]["msg"]


@pytest.mark.parametrize(("sent", "answered"), [
    (b"1E2", "100"), (b"1e-7", "0.0000001"), (b"0.00000012345", "0.00000012345"),
    (b"2.0000000000000000000001", "2"), (b"100.0", "100"),
])
def test_decimals_are_answered_plain_and_accepted_back(
        client: FlaskClient, auth: AuthActions, sent: bytes, answered: str) -> None:
    user_id, headers = auth.user("plain@example.com")
    url = f"/api/users/{user_id}/settings/risk"
    resp = client.put(url, headers=headers, content_type=JSON,
                      data=b'{"position_size_usdt": ' + sent + b"}")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["settings"]["position_size_usdt"] == answered
    stored = client.get(url, headers=headers).get_json()["settings"]
    assert stored["position_size_usdt"] == answered
    resp = client.put(url, headers=headers, json=stored)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["settings"] == stored


def test_positive_numbers_below_the_smallest_step_are_refused(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    user_id, headers = auth.user("tiny@example.com")
    before = user_files(runtime.settings.data_dir, user_id)
    resp = client.put(f"/api/users/{user_id}/settings/risk", headers=headers,
                      content_type=JSON, data=b'{"position_size_usdt": 1e-20}')
    _error(resp, 422, "validation_error")
    assert user_files(runtime.settings.data_dir, user_id) == before
    doc = client.get("/openapi.json").get_json()
    # an amount of USDT is bounded by what the engine orders (test_api_round4); a positive
    # decimal without a bound of its own by the smallest step and 10^15
    number = doc["components"]["schemas"]["DcaSettingsIn"]["properties"][
        "deviation_pct"]["anyOf"][0]
    assert number["minimum"] == Decimal("1e-18") and number["exclusiveMaximum"] == 10**15


def test_demo_prices_are_answered_plain(client: FlaskClient, auth: AuthActions) -> None:
    resp = client.put("/api/demo/prices", headers=auth.admin(), content_type=JSON,
                      data=b'{"prices": {"PEPE/USDT": 1e-7, "BTC/USDT": 6.5E4}}')
    assert resp.status_code == 200, resp.get_json()
    # PEPE's perpetual trades 1000 of them (a price set for none of the paper markets'
    # symbols, "PEPE/USDT:USDT", is not made up)
    assert resp.get_json()["prices"] == {"PEPE/USDT": "0.0000001", "BTC/USDT": "65000",
                                         "1000PEPE/USDT:USDT": "0.0001",
                                         "BTC/USDT:USDT": "65000"}


# --- text and lists: one line without control characters, bounded lengths -------------------


@pytest.mark.parametrize("name", ["nul\u0000byte", "two\nlines", "esc\u001b[31m", "del\u007f"])
def test_control_characters_in_names_are_refused(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, name: str) -> None:
    user_id, headers = auth.user("ctrl@example.com")
    before = user_files(runtime.settings.data_dir, user_id)
    _error(client.patch(f"/api/users/{user_id}", json={"name": name}, headers=headers), 422)
    assert user_files(runtime.settings.data_dir, user_id) == before
    resp = client.patch(f"/api/users/{user_id}", json={"name": "Zoë 🚀 שלום ok"},
                        headers=headers)
    # unicode text is fine (right-to-left scripts too), only control characters are not (bidi
    # overrides included: see test_probe_journey7)
    assert resp.status_code == 200


@pytest.mark.parametrize("risk", [
    {"symbol_whitelist": ["X" * 5000]},
    {"symbol_blacklist": ["BTC/USDT"] * 501},
    {"symbol_whitelist": ["BTC\u0000/USDT"]},
])
def test_unbounded_domain_fields_are_bounded_in_requests(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, risk: dict[str, Any]) -> None:
    user_id, headers = auth.user("bounds@example.com")
    before = user_files(runtime.settings.data_dir, user_id)
    resp = client.put(f"/api/users/{user_id}/settings/risk", json=risk, headers=headers)
    _error(resp, 422, "validation_error")
    assert user_files(runtime.settings.data_dir, user_id) == before


# --- secrets ---------------------------------------------------------------------------------


def test_secrets_appear_in_no_answer_error_log_line_or_file(
        client: FlaskClient, auth: AuthActions, runtime: Runtime,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    user_id, headers = auth.user("vault@example.com")
    key, secret, phrase = "KEYvisibleABCDEFGH1234", "SECRETvalueQRSTUVW987", "PHRASEvalue555"
    creds = {"exchange": "binance", "api_key": key, "api_secret": secret,
             "passphrase": phrase}
    base = f"/api/users/{user_id}/exchanges"
    bodies = [
        json.dumps({**creds, "mode": "bogus"}).encode(),  # 422
        json.dumps({**creds, "plan": "vip"}).encode(),  # 422 unknown field
        json.dumps({**creds, "mode": "live"}).encode(),  # 409 master key required
        json.dumps(creds).encode()[:-1],  # 400 malformed
        json.dumps(creds).encode().replace(b"}", b', "api_key": "x"}'),  # 400 repeated key
        json.dumps({**creds, "api_secret": secret + "\ud800"}).encode(),  # 400 surrogate
        json.dumps(creds).encode(),  # 201
    ]
    answers = [client.post(base, data=body, headers=headers, content_type=JSON)
               for body in bodies]
    assert [a.status_code for a in answers] == [422, 422, 409, 400, 400, 400, 201]
    account_id = answers[-1].get_json()["id"]
    answers += [client.get(f"{base}/{account_id}", headers=headers),
                client.post(f"{base}/{account_id}/verify", headers=headers),
                client.get("/api/system/status", headers=auth.admin())]
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    files = b"".join(snapshot(runtime.settings.data_dir).values())
    for clear in (key[:-4], secret, phrase):
        for answer in answers:
            assert clear.encode() not in answer.get_data()
        assert clear not in logged
        assert clear.encode() not in files
