"""TradingView alerts whose message is JSON in an alert template's shape ({"ticker", "action",
"price", "tp", "sl"}): read as the one-line call they stand for. They were a 422, and nothing
was recorded."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import ADMIN_TOKEN, TV_SECRET
from verzek.api.tradingview import alert_text, is_alert

URL = f"/api/webhooks/tradingview/{TV_SECRET}"


@pytest.mark.parametrize(("body", "line"), [
    ({"ticker": "BINANCE:BTCUSDT.P", "action": "buy", "price": "65000", "tp": 66000,
      "sl": 64000}, "BINANCE:BTCUSDT.P buy 65000 TP 66000 SL 64000"),
    ({"Ticker": "ETHUSDT", "Side": "SHORT", "entry": 3000, "take_profit": [2950, 2900],
      "stop_loss": "3050", "leverage": "10x"},
     "ETHUSDT SHORT 3000 TP 2950 2900 SL 3050 Leverage 10x"),
    ({"ticker": "SOLUSDT", "action": "sell", "price": {"bad": 1}, "sl": True},
     "SOLUSDT sell"),
    ({"symbol": "BTCUSDT", "side": "buy", "price": 65000, "tp": 66000, "sl": 64000},
     "BTCUSDT buy 65000 TP 66000 SL 64000"),
])
def test_an_alert_reads_as_its_one_line_call(body: dict[str, Any], line: str) -> None:
    assert is_alert(body) and alert_text(body) == line


@pytest.mark.parametrize("body", [{"text": "x", "ticker": "BTC", "action": "buy"},
                                  {"symbol": "BTC/USDT", "side": "long"},
                                  {"signal": {"symbol": "BTC/USDT"}, "ticker": "BTCUSDT"},
                                  {"ticker": "BTCUSDT"}, ["ticker", "action"]])
def test_our_own_shapes_and_others_are_not_alerts(body: Any) -> None:
    assert not is_alert(body)


def test_an_alert_with_unquoted_decimal_prices_is_read(client: FlaskClient) -> None:
    """{{close}} without quotes is a JSON number with decimals, which the service reads as a
    Decimal: such values were dropped and the alert was noise."""
    resp = client.post(URL, data=b'{"ticker": "BINANCE:BTCUSDT.P", "action": "buy", '
                                 b'"price": 65000.5, "tp": 66000.5, "sl": 64000.5}',
                       content_type="application/json")
    assert resp.status_code == 200 and resp.get_json()["kind"] == "signal", resp.get_json()


def test_a_stale_token_does_not_refuse_the_webhook_or_a_login(client: FlaskClient) -> None:
    stale = {"Authorization": "Bearer not-a-live-token"}
    resp = client.post(URL, headers=stale, json={"ticker": "ETHUSDT", "action": "sell",
                                                 "price": "3000", "tp": "2900", "sl": "3100"})
    assert resp.status_code == 200, resp.get_json()
    resp = client.post("/api/auth/login", headers=stale,
                       json={"email": "nobody@example.com", "password": "whatever1"})
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] != "unauthorized"


def test_a_json_alert_is_taken_by_the_webhook(client: FlaskClient) -> None:
    resp = client.post(URL, json={"ticker": "BINANCE:BTCUSDT.P", "action": "buy",
                                  "price": "65000", "tp": "66000", "sl": "64000"})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["kind"] == "signal" and body["signal_id"]
    # an alert the parser cannot trade is recorded as noise with its reason, not a 422
    resp = client.post(URL, json={"ticker": "BTCUSDT", "action": "buy"})
    assert resp.status_code == 200 and resp.get_json()["kind"] == "noise"
    assert resp.get_json()["invalid_reason"]
    # the operator sees what came in
    record = client.get(f"/api/signals/{resp.get_json()['signal_id']}",
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).get_json()
    assert record["text"] == "BTCUSDT buy"
