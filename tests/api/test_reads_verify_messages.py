"""A failed key check stores and answers a message chosen by the error's class, never the
exchange's own words, which may echo the request (a URL with its signature, a key); the raw
text goes to the operator's log, redacted. It used to become the account's
`status_message`, which its owner reads."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask.testing import FlaskClient

from tests.api.conftest import AuthActions
from verzek.engine.pool import is_paper_client
from verzek.engine.verification import UNEXPECTED
from verzek.errors import (
    AuthError,
    ExchangeUnavailable,
    InvalidOrder,
    NetworkError,
    RateLimited,
    TransientExchangeError,
)
from verzek.runtime import Runtime

KEY = "vmPUZE6mv9SD5VNHk4HlWFPOr9fMOSyLbTxdqyVsXUc2HWbcbq5ykjDEZgsM4BaL"
RAW = (f'binance {{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}} '
       f"GET https://api.binance.com/api/v3/account?timestamp=1767225600000&recvWindow=10000"
       f"&signature=3f1c0d9e8b7a6f5e4d3c2b1a09f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a190 "
       f"X-MBX-APIKEY: {KEY}")


class RefusingExchange:
    """A client whose key check fails with `error`; everything else is the inner client's."""

    def __init__(self, inner: Any, error: Exception) -> None:
        self._inner = inner
        self._error = error

    def verify_credentials(self) -> Any:
        raise self._error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@pytest.mark.parametrize(("error", "expected"), [
    (AuthError(RAW), "the exchange refused the API key: check it and its permissions"),
    (RateLimited(RAW, retry_after_s=60), "slow down"),
    (NetworkError(RAW), "could not be reached"),
    (ExchangeUnavailable(RAW), "unavailable or in maintenance"),
    (InvalidOrder(RAW), "the exchange refused the check"),
    (RuntimeError(RAW), UNEXPECTED),
], ids=["auth", "rate_limited", "network", "unavailable", "other_exchange_error", "bug"])
def test_a_failed_check_tells_the_owner_a_safe_message_and_logs_the_raw_one_redacted(
        client: FlaskClient, auth: AuthActions, runtime: Runtime,
        caplog: pytest.LogCaptureFixture, error: Exception, expected: str) -> None:
    assert runtime.trading is not None
    user_id, headers = auth.user("keys@example.com")
    base = f"/api/users/{user_id}/exchanges"
    created = client.post(base, headers=headers, json={"exchange": "bybit",
                                                       "market_type": "spot"})
    assert created.status_code == 201, created.get_json()
    account_id = created.get_json()["id"]
    runtime.trading.pool.wrap = lambda inner: RefusingExchange(inner, error)

    with caplog.at_level(logging.WARNING, logger="verzek.engine.verification"):
        resp = client.post(f"{base}/{account_id}/verify", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    # an exchange away or throttling says nothing of the keys: their status stays as it was
    kept = isinstance(error, TransientExchangeError)
    assert body["result"]["ok"] is False
    assert body["account"]["status"] == ("unverified" if kept else "failed")
    assert expected in body["account"]["status_message"]
    assert body["result"]["message"] == body["account"]["status_message"]
    listed = client.get(base, headers=headers).get_data(as_text=True)
    for answer in (resp.get_data(as_text=True), listed):
        for leak in ("binance", "-2015", "signature", "timestamp", KEY, "api.binance.com"):
            assert leak not in answer, leak

    (record,) = [r for r in caplog.records if account_id in r.getMessage()]
    logged = record.getMessage()
    assert user_id in logged and type(error).__name__ in logged
    assert "Invalid API-key, IP, or permissions for action." in logged  # for the operator
    assert KEY not in logged and "3f1c0d9e8b7a" not in logged and "recvWindow" not in logged


def test_a_key_check_that_passes_keeps_the_reports_own_message(
        client: FlaskClient, auth: AuthActions) -> None:
    user_id, headers = auth.user("fine@example.com")
    base = f"/api/users/{user_id}/exchanges"
    account_id = client.post(base, headers=headers, json={"exchange": "bybit"}).get_json()["id"]
    body = client.post(f"{base}/{account_id}/verify", headers=headers).get_json()
    assert body["result"]["ok"] is True and body["account"]["status"] == "verified"
    assert body["account"]["status_message"] == "paper account: no exchange keys involved"


@pytest.mark.parametrize("settings_overrides",
                         [{"master_keys": (Fernet.generate_key().decode(),)}])
def test_a_live_account_of_a_user_in_demo_mode_has_its_own_keys_checked(
        client: FlaskClient, auth: AuthActions, runtime: Runtime,
        settings_overrides: dict[str, Any]) -> None:
    """The user trades in demo (the default) and adds a live account: its keys are checked
    against the exchange, not "verified" on paper with no key involved (a status it kept
    once they went live)."""
    assert runtime.trading is not None
    user_id, headers = auth.user("livedemo@example.com")
    client.post(f"/api/users/{user_id}/subscription", headers=auth.admin(),
                json={"action": "activate", "plan": "pro"})
    created = client.post(f"/api/users/{user_id}/exchanges", headers=headers, json={
        "exchange": "binance", "api_key": "KEYabcdefgh1234", "api_secret": "SECRETabcdefgh99",
        "mode": "live"})
    assert created.status_code == 201, created.get_json()
    built: list[bool] = []

    def wrap(inner: Any) -> Any:
        built.append(is_paper_client(inner))
        return RefusingExchange(inner, AuthError(RAW))

    runtime.trading.pool.wrap = wrap
    resp = client.post(f"/api/users/{user_id}/exchanges/{created.get_json()['id']}/verify",
                       headers=headers)
    body = resp.get_json()
    assert built == [False]  # the real exchange's client, never a paper one
    assert (body["result"]["ok"], body["account"]["status"]) == (False, "failed")
    assert "refused the API key" in body["account"]["status_message"]
