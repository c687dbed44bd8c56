"""What an outside checker probes: hostile bodies, HTTP semantics, values sent back unchanged,
and secrets — each answered with a clear JSON error that changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import AuthActions
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
