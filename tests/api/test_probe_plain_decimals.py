"""Probe: every decimal the API answers is in the plain notation it accepts back — also those
the engine and the store hand over as strings already written by pydantic ("1E-7")."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient

from tests.api.conftest import AuthActions
from tests.api.helpers import make_position
from verzek.runtime import Runtime

TINY = "0.0000001"  # str(Decimal(TINY)) and pydantic's JSON form are "1E-7"
EXPONENT = re.compile(r'"-?[0-9.]+E[+-]?[0-9]+"')


def _no_exponent(resp: Any) -> dict[str, Any]:
    assert resp.status_code == 200, resp.get_json()
    text = resp.get_data(as_text=True)
    assert not EXPONENT.search(text), text[:600]
    body: dict[str, Any] = resp.get_json()
    return body


def test_a_demo_balance_answered_can_be_sent_back(
        client: FlaskClient, auth: AuthActions) -> None:
    user_id, headers = auth.user("tinybalance@example.com")
    url = f"/api/users/{user_id}/demo/balance"
    answered = _no_exponent(client.put(url, headers=headers, json={"usdt": TINY}))
    free = answered["accounts"][0]["usdt"]["free"]
    assert free == TINY
    again = _no_exponent(client.get(url, headers=headers))
    assert again["accounts"][0]["usdt"]["free"] == TINY
    assert client.put(url, headers=headers, json={"usdt": free}).status_code == 200


def test_breaker_thresholds_answered_can_be_sent_back(
        client: FlaskClient, auth: AuthActions) -> None:
    admin = auth.admin()
    url = "/api/safety/circuit-breaker"
    answered = _no_exponent(client.put(url, headers=admin, json={"loss_pct": TINY}))
    assert answered["thresholds"]["loss_pct"] == TINY
    status = _no_exponent(client.get("/api/safety/status", headers=admin))
    resp = client.put(url, headers=admin, json={"loss_pct": status["thresholds"]["loss_pct"]})
    assert resp.status_code == 200, resp.get_json()


def test_stored_positions_are_answered_in_plain_notation(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    user_id, headers = auth.user("tinyposition@example.com")
    position = make_position(user_id, "p_tiny", runtime.clock.now())
    position = position.model_copy(update={"fees_usdt": Decimal(TINY)})
    runtime.positions.save(position)
    listed = _no_exponent(client.get(f"/api/users/{user_id}/positions", headers=headers))
    assert listed["items"][0]["fees_usdt"] == TINY
    _no_exponent(client.get("/api/positions", headers=auth.admin()))
    one = _no_exponent(client.get(f"/api/users/{user_id}/positions/p_tiny", headers=headers))
    assert one["fees_usdt"] == TINY


def test_signals_are_answered_in_plain_notation(client: FlaskClient, auth: AuthActions) -> None:
    admin = auth.admin()
    signal = {"symbol": "SHIB/USDT", "side": "long", "entries": [TINY],
              "targets": ["0.0000002"], "stop_loss": "0.00000005"}
    submitted = client.post("/api/signals", headers=admin, json={"signal": signal})
    assert submitted.status_code == 200, submitted.get_json()
    signal_id = submitted.get_json()["signal_id"]
    listed = _no_exponent(client.get("/api/signals", headers=admin))
    assert listed["items"][0]["signal"]["entries"] == [TINY]
    one = _no_exponent(client.get(f"/api/signals/{signal_id}", headers=admin))
    assert one["signal"]["stop_loss"] == "0.00000005"
    # the signal as answered is a structured signal the API takes back
    resent = {k: one["signal"][k] for k in ("symbol", "side", "entries", "targets", "stop_loss")}
    resp = client.post("/api/signals", headers=admin, json={"signal": resent})
    assert resp.status_code == 200, resp.get_json()


def test_decimals_past_18_places_are_answered_rounded_to_what_the_api_accepts(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    """A paper balance answered "9957.446864500000000000000000", which the balance route then
    refused as input (at most 18 decimals); an average entry had 26."""
    user_id, headers = auth.user("longdecimals@example.com")
    position = make_position(user_id, "p_long", runtime.clock.now())
    position = position.model_copy(update={
        "fees_usdt": Decimal("9957.446864500000000000000000"),
        "average_entry": Decimal("97.17374243733794295592048401"),
        "realised_pnl_usdt": Decimal("-39.28763399999999999999999999")})
    runtime.positions.save(position)
    one = _no_exponent(client.get(f"/api/users/{user_id}/positions/p_long", headers=headers))
    assert one["fees_usdt"] == "9957.4468645"
    assert one["average_entry"] == "97.173742437337942956"
    assert one["realised_pnl_usdt"] == "-39.287634"
    url = f"/api/users/{user_id}/demo/balance"
    assert client.put(url, headers=headers, json={"usdt": one["fees_usdt"]}).status_code == 200
