"""Users: listing, changing, deleting, mass assignment refused, secrets never shown."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask.testing import FlaskClient

from tests.api.conftest import AuthActions
from tests.api.helpers import user_files
from verzek.runtime import Runtime


def test_admin_lists_users_paginated(client: FlaskClient, auth: AuthActions) -> None:
    for i in range(5):
        auth.create_user(f"list{i}@example.com")
    page = client.get("/api/users?limit=2&offset=1", headers=auth.admin()).get_json()
    assert page["total"] == 5 and len(page["items"]) == 2 and page["offset"] == 1
    assert all("password_hash" not in u for u in page["items"])
    assert client.get("/api/users?limit=0", headers=auth.admin()).status_code == 422
    assert client.get("/api/users?limit=501", headers=auth.admin()).status_code == 422


def test_user_changes_own_name_and_email(client: FlaskClient, auth: AuthActions) -> None:
    user_id, headers = auth.user("me@example.com")
    auth.create_user("taken@example.com")
    resp = client.patch(f"/api/users/{user_id}", json={
        "name": "New", "email": "ME2@example.com", "current_password": "correct horse 1"},
        headers=headers)
    assert resp.status_code == 200
    assert resp.get_json()["name"] == "New" and resp.get_json()["email"] == "me2@example.com"
    resp = client.patch(f"/api/users/{user_id}", json={
        "email": "taken@example.com", "current_password": "correct horse 1"}, headers=headers)
    assert resp.status_code == 409
    # a name alone needs no password; an admin changes an e-mail without one
    assert client.patch(f"/api/users/{user_id}", json={"name": "Newer"},
                        headers=headers).status_code == 200
    assert client.patch(f"/api/users/{user_id}", json={"email": "me3@example.com"},
                        headers=auth.admin()).status_code == 200
    auth.login("me3@example.com")


@pytest.mark.parametrize("field,value", [
    ("plan", "vip"), ("role", "admin"), ("id", "u_other"),
    ("subscription", {"plan": "vip"}), ("exchange_accounts", []), ("paused", True),
    ("password_hash", "scrypt$1$1$1$x$y"), ("deleted", True), ("settings", {}),
])
def test_mass_assignment_is_refused_and_changes_nothing(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, field: str,
        value: Any) -> None:
    user_id, headers = auth.user("mass@example.com")
    before = user_files(runtime.settings.data_dir, user_id)
    resp = client.patch(f"/api/users/{user_id}", json={"name": "Changed", field: value},
                        headers=headers)
    assert resp.status_code == 403
    assert resp.get_json()["error"] == {"code": "forbidden_field",
                                        "message": "these fields are not yours to set",
                                        "details": {"fields": [field]}}
    assert user_files(runtime.settings.data_dir, user_id) == before
    # an admin cannot set them through PATCH either (plans go through /subscription)
    resp = client.patch(f"/api/users/{user_id}", json={field: value}, headers=auth.admin())
    assert resp.status_code == 403
    assert user_files(runtime.settings.data_dir, user_id) == before


def test_unknown_fields_are_422(client: FlaskClient, auth: AuthActions) -> None:
    user_id, headers = auth.user("unknown@example.com")
    resp = client.patch(f"/api/users/{user_id}", json={"nickname": "x"}, headers=headers)
    assert resp.status_code == 422


def test_secrets_never_leave(client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    user_id, headers = auth.user("sec@example.com")
    key, secret, phrase = "APIKEYvisibleWXYZ", "TOPSECRETvalue123", "PASSPHRASE987"
    resp = client.post(f"/api/users/{user_id}/exchanges", headers=headers, json={
        "exchange": "bybit", "market_type": "spot", "testnet": True, "label": "main",
        "api_key": key, "api_secret": secret, "passphrase": phrase})
    assert resp.status_code == 201
    account = resp.get_json()
    assert account["key_last4"] == "WXYZ" and account["testnet"] is True
    assert set(account) == {"id", "exchange", "market_type", "mode", "testnet", "enabled",
                            "status", "status_message", "key_last4", "label", "created_at"}
    base = f"/api/users/{user_id}/exchanges"
    answers = [resp.get_data(),
               client.get(base, headers=headers).get_data(),
               client.get(f"{base}/{account['id']}", headers=headers).get_data(),
               client.patch(f"{base}/{account['id']}", json={"label": "x"},
                            headers=headers).get_data(),
               client.post(f"{base}/{account['id']}/verify", headers=headers).get_data(),
               client.get(f"/api/users/{user_id}", headers=headers).get_data(),
               client.get("/api/users", headers=auth.admin()).get_data(),
               client.get("/api/system/status", headers=auth.admin()).get_data()]
    for body in answers:
        for clear in (secret, phrase, "correct horse 1", "scrypt$", "credentials_ciphertext",
                      key[:-4]):
            assert clear.encode() not in body
    stored = b"".join(user_files(runtime.settings.data_dir, user_id).values())
    assert secret.encode() not in stored and phrase.encode() not in stored


def test_stats(client: FlaskClient, auth: AuthActions) -> None:
    user_id, headers = auth.user("stats@example.com")
    stats = client.get(f"/api/users/{user_id}/stats", headers=headers).get_json()
    assert set(stats) == {"today", "all_time", "daily"} and len(stats["daily"]) == 30


KEYS = {"exchange": "bybit", "market_type": "futures", "testnet": True, "label": "main",
        "api_key": "APIKEYsameSAME1234", "api_secret": "TOPSECRETvalue123"}


def test_under_the_generated_demo_key_no_exchange_key_is_stored(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    """Without VERZEK_MASTER_KEYS the only key sits in the data directory: a key stored under
    it could be read from a copy of that directory, so a demo account keeps none."""
    user_id, headers = auth.user("demokeys@example.com")
    resp = client.post(f"/api/users/{user_id}/exchanges", headers=headers, json=KEYS)
    assert resp.status_code == 201 and resp.get_json()["key_last4"] == "1234"
    (account,) = runtime.users.get(user_id).exchange_accounts
    assert account.credentials_ciphertext is None


@pytest.mark.parametrize("settings_overrides",
                         [{"master_keys": (Fernet.generate_key().decode(),)}])
def test_the_same_api_key_twice_on_one_market_is_refused(
        client: FlaskClient, auth: AuthActions, settings_overrides: dict[str, Any],
        runtime: Runtime) -> None:
    user_id, headers = auth.user("dupkey@example.com")
    client.post(f"/api/users/{user_id}/subscription", headers=auth.admin(),
                json={"action": "activate", "plan": "vip"})
    url = f"/api/users/{user_id}/exchanges"
    first = client.post(url, headers=headers, json=KEYS)
    assert first.status_code == 201
    again = client.post(url, headers=headers, json={**KEYS, "label": "again"})
    assert again.status_code == 409
    error = again.get_json()["error"]
    assert error["code"] == "duplicate_account" and first.get_json()["id"] in error["message"]
    assert KEYS["api_key"][:-4].encode() not in again.get_data()
    # the same key on the spot market, or another key, is another account
    assert client.post(url, headers=headers, json={**KEYS, "market_type": "spot"}
                       ).status_code == 201
    assert client.post(url, headers=headers, json={**KEYS, "api_key": "OTHERkeyOTHER9876"}
                       ).status_code == 201
    assert len(runtime.users.get(user_id).exchange_accounts) == 3


@pytest.mark.parametrize("settings_overrides",
                         [{"master_keys": (Fernet.generate_key().decode(),)}])
def test_a_deleted_user_keeps_no_password_hash_and_no_exchange_keys(
        client: FlaskClient, auth: AuthActions, settings_overrides: dict[str, Any],
        runtime: Runtime) -> None:
    user_id, headers = auth.user("gone@example.com")
    assert client.post(f"/api/users/{user_id}/exchanges", headers=headers,
                       json=KEYS).status_code == 201
    assert b"credentials_ciphertext" in b"".join(
        user_files(runtime.settings.data_dir, user_id).values())
    assert client.delete(f"/api/users/{user_id}", headers=headers).status_code == 200
    stored = b"".join(user_files(runtime.settings.data_dir, user_id).values())
    assert b"scrypt$" not in stored and b'"credentials_ciphertext":"' not in stored
    assert b"gAAAA" not in stored  # no Fernet token at all
