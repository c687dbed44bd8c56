"""Probes of what arrives on the wire: a chunked body past the limit, JSON that is not UTF-8,
and integer query parameters that only Python's int() would read."""

from __future__ import annotations

import io
from typing import Any

from flask.testing import FlaskClient

from tests.api.conftest import AuthActions
from tests.api.helpers import user_files
from verzek.runtime import Runtime

JSON = "application/json"
# what a server that de-chunks bodies itself (waitress) tells the app
TERMINATED = {"wsgi.input_terminated": True}


def _error(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.get_data()[:500]
    assert resp.mimetype == JSON
    body: dict[str, Any] = resp.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def _chunked(client: FlaskClient, path: str, body: bytes, headers: dict[str, str],
             content_type: str = JSON) -> Any:
    return client.patch(path, input_stream=io.BytesIO(body), content_type=content_type,
                        headers={**headers, "Transfer-Encoding": "chunked"},
                        environ_overrides=TERMINATED)


def test_a_chunked_body_past_the_limit_is_413_not_a_parse_of_its_first_bytes(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    user_id, headers = auth.user("chunked@example.com")
    limit = runtime.settings.max_body_bytes
    before = user_files(runtime.settings.data_dir, user_id)
    # valid JSON padded with blanks: cut at the limit it still parses, and would be taken
    padded = b'{"name": "cut"}' + b" " * limit
    error = _error(_chunked(client, f"/api/users/{user_id}", padded, headers), 413,
                   "request_entity_too_large")
    assert str(limit) in error["message"]
    too_long = b'{"name": "' + b"x" * limit + b'"}'
    _error(_chunked(client, f"/api/users/{user_id}", too_long, headers), 413,
           "request_entity_too_large")
    assert user_files(runtime.settings.data_dir, user_id) == before
    # exactly the limit is read whole
    exact = b'{"name": "whole"}'
    exact += b" " * (limit - len(exact))
    resp = _chunked(client, f"/api/users/{user_id}", exact, headers)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["name"] == "whole"


def test_a_chunked_text_alert_past_the_limit_is_413(
        client: FlaskClient, runtime: Runtime) -> None:
    from tests.api.conftest import TV_SECRET

    alert = b"BTC/USDT LONG " * (runtime.settings.max_body_bytes // 10)
    resp = client.post(f"/api/webhooks/tradingview/{TV_SECRET}", content_type="text/plain",
                       input_stream=io.BytesIO(alert), headers={"Transfer-Encoding": "chunked"},
                       environ_overrides=TERMINATED)
    _error(resp, 413, "request_entity_too_large")


def test_json_that_is_not_utf8_is_400(client: FlaskClient, auth: AuthActions,
                                      runtime: Runtime) -> None:
    user_id, headers = auth.user("utf16@example.com")
    before = user_files(runtime.settings.data_dir, user_id)
    for encoding in ("utf-16", "utf-16-be", "utf-32", "utf-32-le"):
        resp = client.patch(f"/api/users/{user_id}", headers=headers, content_type=JSON,
                            data='{"name": "wide"}'.encode(encoding))
        _error(resp, 400, "malformed_json")
    assert user_files(runtime.settings.data_dir, user_id) == before
    # UTF-8 with a byte order mark is still read (RFC 8259 lets a parser ignore it)
    resp = client.patch(f"/api/users/{user_id}", headers=headers, content_type=JSON,
                        data=b'\xef\xbb\xbf{"name": "bom"}')
    assert resp.status_code == 200 and resp.get_json()["name"] == "bom"


def test_an_integer_query_parameter_is_digits(client: FlaskClient, auth: AuthActions) -> None:
    user_id, headers = auth.user("query@example.com")
    routes = (("/api/users", auth.admin()), (f"/api/users/{user_id}/positions", headers),
              ("/api/positions", auth.admin()), ("/api/signals", auth.admin()))
    # Python's int() reads each of these; none is an integer in a query string
    for value in ("1_0", "+5", " 5", "5 ", "5.0"):
        for path, who in routes:
            for name in ("limit", "offset"):
                resp = client.get(path, headers=who, query_string={name: value})
                error = _error(resp, 422, "validation_error")
                assert error["details"]["errors"][0]["loc"] == [name], (path, value)
    resp = client.get("/api/users?limit=1&offset=0", headers=auth.admin())
    assert resp.status_code == 200
    assert (resp.get_json()["limit"], resp.get_json()["offset"]) == (1, 0)
    _error(client.get("/api/users?limit=-1", headers=auth.admin()), 422, "validation_error")
    _error(client.get("/api/users?limit=" + "9" * 30, headers=auth.admin()), 422,
           "validation_error")
