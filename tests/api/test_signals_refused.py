"""An admin's structured signal whose prices cannot be traded as written (a target or stop on
the wrong side of the entries, targets out of order, a misread price) is refused naming the
field, and nothing is stored or traded; it used to answer 200 `noise`. A chat text that reads
as no trade stays 200 `noise` (a message may be anything).

The status is 409 (`inconsistent_signal`), not 422: the body conforms to its JSON schema (no
schema can compare one field with another), and the API answers such a body 409 naming the
field, as it does for `tp_distribution_pcts` that do not sum to 100 (`shares_not_100`);
Schemathesis' positive-data check holds every schema-valid body to that."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import ADMIN_TOKEN, TV_SECRET, AuthActions
from tests.api.helpers import snapshot
from verzek.runtime import Runtime

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LONG = {"symbol": "ETH/USDT", "side": "long", "entries": ["3000"], "targets": ["3100", "3200"],
        "stop_loss": "2900"}

CASES = [
    pytest.param({"stop_loss": "3050"}, "stop_loss",
                 "stop loss 3050 is at or above the entry for a long", id="stop_above"),
    pytest.param({"entries": ["200"], "targets": ["180"], "stop_loss": "190"}, "targets",
                 "target 180 is at or below the entry for a long", id="review_example"),
    pytest.param({"targets": ["2900"]}, "targets",
                 "target 2900 is at or below the entry for a long", id="target_below"),
    pytest.param({"targets": ["3200", "3100"]}, "targets", "targets out of order",
                 id="targets_out_of_order"),
    pytest.param({"side": "short", "targets": ["2900"], "stop_loss": "2950"}, "stop_loss",
                 "stop loss 2950 is at or below the entry for a short", id="short_stop_below"),
    pytest.param({"entries": ["3000", "9000"]}, "entries", "entries differ by more than 2x",
                 id="entries_misread"),
    pytest.param({"targets": ["3100", "90000"]}, "targets", "prices differ by more than 20x",
                 id="target_misread"),
]


def _trader(client: FlaskClient, auth: AuthActions) -> str:
    user_id, headers = auth.user("refused@example.com")
    assert client.put(f"/api/users/{user_id}/settings/general", headers=headers,
                      json={"mode": "demo", "auto_trade": True}).status_code == 200
    assert client.put("/api/demo/prices", headers=ADMIN,
                      json={"prices": {"ETH/USDT": 3000}}).status_code == 200
    return user_id


@pytest.mark.parametrize("form", ["flat", "structured"])
@pytest.mark.parametrize(("change", "field", "reason"), CASES)
def test_a_structured_signal_on_the_wrong_side_is_refused_naming_the_field(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, form: str,
        change: dict[str, Any], field: str, reason: str) -> None:
    user_id = _trader(client, auth)
    signal = {**LONG, **change}
    body = signal if form == "flat" else {"signal": signal}
    before = snapshot(runtime.settings.data_dir)
    resp = client.post("/api/signals", headers=ADMIN, json=body)
    assert resp.status_code == 409, resp.get_json()
    error = resp.get_json()["error"]
    assert error["code"] == "inconsistent_signal" and reason in error["message"]
    assert error["details"]["field"] == field
    assert error["details"]["loc"] == ([field] if form == "flat" else ["signal", field])
    assert snapshot(runtime.settings.data_dir) == before  # nothing stored, nothing traded
    assert client.get("/api/signals", headers=ADMIN).get_json()["total"] == 0
    assert client.get(f"/api/users/{user_id}/positions", headers=ADMIN).get_json()["total"] == 0


def test_a_consistent_structured_signal_still_trades(client: FlaskClient,
                                                     auth: AuthActions) -> None:
    _trader(client, auth)
    resp = client.post("/api/signals", headers=ADMIN, json={"signal": LONG})
    assert resp.status_code == 200 and resp.get_json()["kind"] == "signal"
    assert resp.get_json()["decisions"][0]["outcome"] == "executed"


def test_a_text_on_the_wrong_side_stays_noise(client: FlaskClient, auth: AuthActions) -> None:
    _trader(client, auth)
    text = "#ETH/USDT LONG\nEntry: 3000\nTargets: 2900\nStop: 2800"
    resp = client.post("/api/signals", headers=ADMIN, json={"text": text})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["kind"] == "noise" and resp.get_json()["decisions"] == []
    assert "target 2900" in resp.get_json()["invalid_reason"]


def test_a_webhooks_structured_signal_on_the_wrong_side_is_recorded_as_noise(
        client: FlaskClient) -> None:
    """TradingView reads no answer: its alert is kept, with the reason, for the operator."""
    resp = client.post(f"/api/webhooks/tradingview/{TV_SECRET}",
                       json={**LONG, "targets": ["2900"]})
    assert resp.status_code == 200 and resp.get_json()["kind"] == "noise"
    assert client.get("/api/signals", headers=ADMIN).get_json()["total"] == 1


def test_the_document_tells_the_refusal(client: FlaskClient) -> None:
    operation = client.get("/openapi.json").get_json()["paths"]["/api/signals"]["post"]
    assert "409" in operation["responses"]
    assert "inconsistent_signal" in operation["description"]
