"""Found by an end-to-end review of the running service (journey 7): one code for an e-mail
taken at sign-up and at a change, no bidi controls in a name, and a pair's filter that names
its perpetual too."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import AuthActions
from tests.api.helpers import make_position
from verzek.clock import ManualClock
from verzek.domain.models import MarketType
from verzek.runtime import Runtime


@pytest.mark.parametrize("settings_overrides", [{"allow_signup": True}])
def test_an_email_taken_has_one_code_at_signup_and_at_a_change(
        client: FlaskClient, auth: AuthActions, settings_overrides: dict[str, Any]) -> None:
    body = {"email": "taken@example.com", "password": "long enough", "name": "T"}
    assert client.post("/api/users", json=body).status_code == 201
    again = client.post("/api/users", json=body)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "email_taken"
    user_id, headers = auth.user("other@example.com")
    change = client.patch(f"/api/users/{user_id}", headers=headers,
                          json={"email": "taken@example.com",
                                "current_password": "correct horse 1"})
    assert change.status_code == 409 and change.get_json()["error"]["code"] == "email_taken"


@pytest.mark.parametrize("name", ["\u202egnp.exe", "a\u2066b", "x\u202ay"])
def test_a_name_with_bidi_controls_is_refused(client: FlaskClient, auth: AuthActions,
                                              name: str) -> None:
    user_id, headers = auth.user("bidi@example.com")
    resp = client.patch(f"/api/users/{user_id}", headers=headers, json={"name": name})
    assert resp.status_code == 422, resp.get_json()
    assert client.get(f"/api/users/{user_id}", headers=headers).get_json()["name"] != name


def test_filtering_positions_by_a_pair_lists_its_perpetual_too(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    user_id, headers = auth.user("filter@example.com")
    now = runtime.clock.now()
    futures = make_position(user_id, "p_fut", now).model_copy(
        update={"symbol": "BTC/USDT:USDT"})
    spot = make_position(user_id, "p_spot", now).model_copy(
        update={"symbol": "BTC/USDT", "market_type": MarketType.SPOT})
    other = make_position(user_id, "p_eth", now).model_copy(update={"symbol": "ETH/USDT:USDT"})
    for p in (futures, spot, other):
        runtime.positions.save(p)
    url = f"/api/users/{user_id}/positions"

    def ids(symbol: str) -> set[str]:
        resp = client.get(url, headers=headers, query_string={"symbol": symbol})
        assert resp.status_code == 200, resp.get_json()
        return {row["id"] for row in resp.get_json()["items"]}

    assert ids("BTC/USDT") == {"p_fut", "p_spot"}
    assert ids("BTC/USDT:USDT") == {"p_fut"}


def test_a_breaker_loss_threshold_above_100_percent_is_refused(
        client: FlaskClient, auth: AuthActions) -> None:
    """1000 % was accepted: a loss above the whole capital never happens, so the loss trip
    was silently off."""
    url = "/api/safety/circuit-breaker"
    resp = client.put(url, headers=auth.admin(), json={"loss_pct": 1000})
    assert resp.status_code == 422, resp.get_json()
    assert client.put(url, headers=auth.admin(), json={"loss_pct": 100}).status_code == 200


def test_feed_prices_are_answered_as_they_can_be_sent_back(
        client: FlaskClient, auth: AuthActions, clock: ManualClock) -> None:
    url = "/api/demo/prices"
    assert client.put(url, headers=auth.admin(), json={
        "prices": {"DOGE/USDT": "0.000000000000000001"}}).status_code == 200
    clock.advance(30)  # the walk moves it to 8 significant digits, 26 decimals
    prices = client.get(url, headers=auth.admin()).get_json()["prices"]
    for price in prices.values():
        assert "." not in price or len(price.split(".")[1]) <= 18, price
    resp = client.put(url, headers=auth.admin(), json={"prices": {"DOGE/USDT": "0.5"}})
    assert resp.status_code == 200
