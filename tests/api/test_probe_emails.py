"""Probe: one e-mail address in two Unicode forms (precomposed and decomposed) is one account."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.api.conftest import AuthActions

PASSWORD = "correct horse 1"
COMPOSED = "j\u00fcrgen@example.com"  # "ü" as one code point
DECOMPOSED = "ju\u0308rgen@example.com"  # "u" + combining diaeresis: the same address


def test_an_address_in_another_normal_form_is_the_same_account(
        client: FlaskClient, auth: AuthActions) -> None:
    created = auth.create_user(DECOMPOSED)
    assert created["email"] == COMPOSED  # stored and answered in NFC (RFC 6532)
    resp = client.post("/api/users", headers=auth.admin(),
                       json={"email": COMPOSED.upper(), "password": PASSWORD})
    assert resp.status_code == 409, resp.get_json()
    for form in (COMPOSED, DECOMPOSED, DECOMPOSED.upper()):
        resp = client.post("/api/auth/login", json={"email": form, "password": PASSWORD})
        assert resp.status_code == 200, (form, resp.get_json())
        assert resp.get_json()["user_id"] == created["id"]
    other_id, headers = auth.user("other@example.com")
    resp = client.patch(f"/api/users/{other_id}", headers=headers,
                        json={"email": DECOMPOSED, "current_password": "correct horse 1"})
    assert resp.status_code == 409, resp.get_json()
    assert resp.get_json()["error"]["code"] == "email_taken"
