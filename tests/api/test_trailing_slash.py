"""A trailing slash names the same route: no 404, no redirect a JSON client would not follow."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.api.conftest import AuthActions


def test_a_trailing_slash_reaches_the_same_route(client: FlaskClient, auth: AuthActions) -> None:
    user_id, headers = auth.user("slash@example.com")
    plain = client.get(f"/api/users/{user_id}", headers=headers)
    slashed = client.get(f"/api/users/{user_id}/", headers=headers)
    assert plain.status_code == slashed.status_code == 200
    assert plain.get_json() == slashed.get_json()
    assert client.get("/api/users/", headers=auth.admin()).status_code == 200
    resp = client.post("/api/auth/login/", json={"email": "slash@example.com",
                                                 "password": "wrong-password-1"})
    assert resp.status_code == 401  # the login route itself answered, not a 404 or 308
    assert client.get("/api/nothing-here/", headers=headers).status_code == 404
