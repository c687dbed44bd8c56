"""Round 4 of the API's fixes, one section per finding of the journey-11 probe:

- the TradingView webhook's answer named every user's decision (ids, reasons telling balances,
  sizes and lists) to whoever holds its URL: it now counts the outcomes, nothing more;
- an amount of USDT in the settings was taken up to 1e15 while the engine orders at most 1e12
  (the DCA planner then refused every signal with an internal message);
- in the breaker thresholds body, null kept every value but `transient_error_burst`'s;
- decimals were answered in several forms ("100.0", "100.000000000000000000", "-85.6497763850
  00000000") where the API promises one;
- `key_last4` showed the whole of a 4-character key.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import ADMIN_TOKEN, TV_SECRET, AuthActions
from tests.api.helpers import make_position
from verzek.api.plain import plain_decimal
from verzek.api.schemas import canonical_decimal
from verzek.domain.dca_bounds import MAX_ORDER_USDT, MIN_ORDER_USDT
from verzek.domain.models import PositionStatus
from verzek.runtime import Runtime

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
WEBHOOK = f"/api/webhooks/tradingview/{TV_SECRET}"
TEXT = "#ETH/USDT LONG\nEntry: 3000\nTargets: 3100 3200\nStop: 2900"
LONG = {"symbol": "ETH/USDT", "side": "long", "entries": ["3000"], "targets": ["3100"],
        "stop_loss": "2900"}


def _trader(client: FlaskClient, auth: AuthActions, email: str) -> tuple[str, dict[str, str]]:
    user_id, headers = auth.user(email)
    resp = client.put(f"/api/users/{user_id}/settings/general", headers=headers,
                      json={"mode": "demo", "auto_trade": True})
    assert resp.status_code == 200, resp.get_json()
    resp = client.put("/api/demo/prices", headers=ADMIN, json={"prices": {"ETH/USDT": 3000}})
    assert resp.status_code == 200, resp.get_json()
    return user_id, headers


def _only_error(resp: Any) -> dict[str, Any]:
    assert resp.status_code == 422, resp.get_json()
    (error,) = resp.get_json()["error"]["details"]["errors"]
    return dict(error)


# --- 1. the webhook tells no one's decision ------------------------------------------------


@pytest.mark.parametrize("body", [{"text": TEXT}, LONG, {"ticker": "ETHUSDT", "action": "buy",
                                                          "price": 3000, "tp": 3100,
                                                          "sl": 2900}],
                         ids=["text", "structured", "alert"])
def test_the_webhook_answer_names_no_user_account_position_or_reason(
        client: FlaskClient, auth: AuthActions, body: dict[str, Any]) -> None:
    trader_id, _ = _trader(client, auth, "tv-trader@example.com")
    # a whitelist without ETH: skipped, with a reason that names the list
    idle_id, headers = _trader(client, auth, "tv-listed@example.com")
    resp = client.patch(f"/api/users/{idle_id}/settings/risk", headers=headers,
                        json={"symbol_whitelist": ["DOGE/USDT"]})
    assert resp.status_code == 200, resp.get_json()
    resp = client.post(WEBHOOK, json=body)  # no bearer token: the path secret only
    assert resp.status_code == 200, resp.get_json()
    answer = resp.get_json()
    assert set(answer) == {"signal_id", "kind", "invalid_reason", "duplicate_of", "outcomes"}
    assert answer["kind"] == "signal" and answer["duplicate_of"] is None
    assert answer["outcomes"] == {"executed": 1, "skipped": 1, "failed": 0}
    text = resp.get_data(as_text=True)
    record = client.get(f"/api/signals/{answer['signal_id']}", headers=ADMIN).get_json()
    decisions = record["decisions"]  # the admin still reads each user's decision
    assert {d["user_id"] for d in decisions} == {trader_id, idle_id}
    assert any("DOGE" in d["reason"] for d in decisions) and "DOGE" not in text
    for decision in decisions:
        for value in (decision["user_id"], decision.get("position_id"),
                      decision.get("account_id"), decision["reason"]):
            assert not value or value not in text, (value, text)


def test_the_webhook_answers_a_duplicate_and_noise_without_decisions(
        client: FlaskClient, auth: AuthActions) -> None:
    _trader(client, auth, "tv-dup@example.com")
    first = client.post(WEBHOOK, data=TEXT, content_type="text/plain").get_json()
    again = client.post(WEBHOOK, data=TEXT, content_type="text/plain")
    assert again.status_code == 200
    assert again.get_json() == {"signal_id": first["signal_id"], "kind": "duplicate",
                                "duplicate_of": first["signal_id"], "invalid_reason": None,
                                "outcomes": {"executed": 0, "skipped": 0, "failed": 0}}
    noise = client.post(WEBHOOK, json={**LONG, "targets": ["2800"]}).get_json()
    assert noise["kind"] == "noise" and noise["invalid_reason"]
    assert "decisions" not in noise


def test_an_admins_signal_still_answers_every_decision(
        client: FlaskClient, auth: AuthActions) -> None:
    user_id, _ = _trader(client, auth, "tv-admin@example.com")
    resp = client.post("/api/signals", headers=ADMIN, json={"signal": LONG})
    assert resp.status_code == 200, resp.get_json()
    (decision,) = resp.get_json()["decisions"]
    assert decision["user_id"] == user_id and decision["outcome"] == "executed"
    assert decision["position_id"] and decision["account_id"]


def test_the_document_states_the_webhooks_answer(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json()
    answer = doc["paths"]["/api/webhooks/tradingview/{secret}"]["post"]["responses"]["200"]
    ref = answer["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert set(schema["properties"]) == {"signal_id", "kind", "invalid_reason",
                                         "duplicate_of", "outcomes"}
    admin = doc["paths"]["/api/signals"]["post"]["responses"]["200"]
    assert "decisions" in json.dumps(doc["components"]["schemas"][
        admin["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]])


# --- 2. an amount of USDT the engine cannot order is refused where it is set ----------------


@pytest.mark.parametrize(("section", "field"), [
    ("risk", "position_size_usdt"), ("risk", "max_position_usdt"),
    ("risk", "max_symbol_exposure_usdt"), ("risk", "max_total_exposure_usdt"),
    ("dca", "safety_order_usdt"), ("dca", "max_investment_usdt")])
@pytest.mark.parametrize("value", [2_000_000_000_000, "2000000000000", 1e12 + 1,
                                   "1000000000000.000000000000000001", 5.5e14,
                                   "0.0000000000009", 1e-13])
def test_a_usdt_amount_outside_the_engines_orders_is_422_naming_the_field(
        client: FlaskClient, auth: AuthActions, section: str, field: str, value: Any) -> None:
    user_id, headers = auth.user("huge@example.com")
    url = f"/api/users/{user_id}/settings/{section}"
    before = client.get(url, headers=headers).get_json()
    error = _only_error(client.patch(url, headers=headers, json={field: value}))
    assert error["loc"] == [field], error
    bound = "0.000000000001" if Decimal(str(value)) < 1 else "1000000000000"
    assert bound in error["msg"], error
    assert client.get(url, headers=headers).get_json() == before


@pytest.mark.parametrize("value", ["1000000000000", 1e12, "0.000000000001", 1e-12, "250.5"])
def test_a_usdt_amount_the_engine_orders_is_taken(
        client: FlaskClient, auth: AuthActions, value: Any) -> None:
    user_id, headers = auth.user("bounds@example.com")
    url = f"/api/users/{user_id}/settings/dca"
    resp = client.patch(url, headers=headers, json={"safety_order_usdt": value})
    assert resp.status_code == 200, resp.get_json()
    assert Decimal(resp.get_json()["settings"]["safety_order_usdt"]) == Decimal(str(value))


def test_the_schema_states_the_engines_bounds(client: FlaskClient) -> None:
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    size = schemas["RiskSettingsIn"]["properties"]["position_size_usdt"]
    number, string = size["anyOf"]
    assert number["maximum"] == int(MAX_ORDER_USDT)
    assert Decimal(str(number["minimum"])) == MIN_ORDER_USDT
    assert string["type"] == "string" and "1000000000000" in string["pattern"]


# --- 3. null keeps every threshold ---------------------------------------------------------


def test_null_keeps_every_threshold_and_0_turns_the_transient_trip_off(
        client: FlaskClient) -> None:
    url = "/api/safety/circuit-breaker"
    resp = client.put(url, headers=ADMIN, json={"transient_error_burst": 25, "loss_pct": 7})
    assert resp.status_code == 200, resp.get_json()
    before = resp.get_json()["thresholds"]
    nulls = {name: None for name in before}
    resp = client.put(url, headers=ADMIN, json=nulls)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["thresholds"] == before
    assert before["transient_error_burst"] == 25
    # 0: the transient-failure trip is off, shown as the domain's null
    off = client.put(url, headers=ADMIN, json={"transient_error_burst": 0}).get_json()
    assert off["thresholds"] == {**before, "transient_error_burst": None}
    # the thresholds as answered are a body that changes nothing
    again = client.put(url, headers=ADMIN, json=off["thresholds"])
    assert again.status_code == 200 and again.get_json()["thresholds"] == off["thresholds"]
    for bad in (-1, 1.5, "5", True, 10_001):
        assert client.put(url, headers=ADMIN,
                          json={"transient_error_burst": bad}).status_code == 422, bad


# --- 4. one plain form for every decimal answered -----------------------------------------


@pytest.mark.parametrize(("written", "plain"), [
    ("100.000000000000000000", "100"), ("100.0", "100"), ("1E+2", "100"), ("1E2", "100"),
    ("5.5E+14", "550000000000000"), ("550000000000000.0", "550000000000000"),
    ("-85.649776385000000000", "-85.649776385"), ("1E-7", "0.0000001"),
    ("1E-18", "0.000000000000000001"),
    ("0.3542107112201646035778905566", "0.354210711220164604"), ("-0", "0"), ("-0.000", "0"),
    ("0E-7", "0"), ("-1E-20", "0"), ("0.0000000000000000005", "0"), ("12", "12"),
    ("1E+30", "1000000000000000000000000000000"), ("-3.50", "-3.5")])
def test_the_one_plain_form(written: str, plain: str) -> None:
    assert plain_decimal(written) == plain
    assert plain_decimal(Decimal(written)) == plain
    assert plain_decimal(canonical_decimal(Decimal(written))) == plain


def test_what_is_no_decimal_is_left_as_it_is() -> None:
    assert [plain_decimal(v) for v in ("NaN", "abc", "", None, 3, 0.5)] == \
        ["NaN", "abc", "", None, 3, 0.5]


@pytest.mark.parametrize(("sent", "answered"), [
    ("100.0", "100"), ('"100.0"', "100"), ("1E2", "100"), ('"100.000000000000000000"', "100"),
    ("100.0000000000000000001", "100"), ('"0.50"', "0.5"), ("0.1e1", "1")])
def test_settings_echo_one_form(client: FlaskClient, auth: AuthActions,
                                sent: str, answered: str) -> None:
    user_id, headers = auth.user("echo@example.com")
    url = f"/api/users/{user_id}/settings/risk"
    resp = client.patch(url, headers=headers, data=f'{{"position_size_usdt": {sent}}}',
                        content_type="application/json")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["settings"]["position_size_usdt"] == answered
    assert client.get(url, headers=headers).get_json()["settings"][
        "position_size_usdt"] == answered


def test_thresholds_and_balances_answer_one_form(client: FlaskClient, auth: AuthActions) -> None:
    resp = client.put("/api/safety/circuit-breaker", headers=ADMIN,
                      data='{"loss_pct": 100.0000000000000000001}',
                      content_type="application/json")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["thresholds"]["loss_pct"] == "100"
    status = client.get("/api/safety/status", headers=ADMIN).get_json()
    assert status["thresholds"]["loss_pct"] == "100"
    user_id, headers = auth.user("wide@example.com")
    url = f"/api/users/{user_id}/demo/balance"
    resp = client.put(url, headers=headers, data='{"usdt": 5.5e14}',
                      content_type="application/json")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["accounts"][0]["usdt"]["free"] == "550000000000000"


def test_stats_and_positions_answer_one_form(client: FlaskClient, auth: AuthActions,
                                             runtime: Runtime) -> None:
    user_id, headers = auth.user("stats-form@example.com")
    now = runtime.clock.now()
    done = make_position(user_id, "lost1", now).model_copy(update={
        "status": PositionStatus.CLOSED, "closed_at": now, "quantity": Decimal("0.000"),
        "realised_pnl_usdt": Decimal("-85.649776385000000000")})
    runtime.positions.mutate(user_id, lambda ps: [*ps, done])  # archived in the history
    runtime.positions.save(make_position(user_id, "open1", now).model_copy(
        update={"cost_usdt": Decimal("650.000"), "fees_usdt": Decimal("0E-8")}))
    stats = client.get(f"/api/users/{user_id}/stats", headers=headers).get_json()
    assert stats["all_time"]["realised_pnl_usdt"] == "-85.649776385"
    # the closed trade's 650 USDT, and the open one's entry fill (650) on the day it filled
    assert stats["all_time"]["volume_usdt"] == "1300"
    base = f"/api/users/{user_id}/positions"
    closed = client.get(f"{base}/lost1", headers=headers).get_json()
    assert closed["quantity"] == "0" and closed["realised_pnl_usdt"] == "-85.649776385"
    listed = client.get(f"{base}?status=all", headers=headers).get_json()["items"]
    by_id = {p["id"]: p for p in listed}
    assert by_id["open1"]["cost_usdt"] == "650" and by_id["open1"]["fees_usdt"] == "0"
    assert by_id["lost1"]["realised_pnl_usdt"] == "-85.649776385"
    one = client.get(f"{base}/open1", headers=headers).get_json()
    assert one["cost_usdt"] == "650" and one["fees_usdt"] == "0"


# --- 5. key_last4 never shows most of a key -------------------------------------------------


@pytest.mark.parametrize(("body", "field"), [
    ({"exchange": "bybit", "api_key": "K9x2", "api_secret": "S3c4SECRETvalue1"}, "api_key"),
    ({"exchange": "binance", "api_key": "KEYshort123", "api_secret": "SECRETvalue123"},
     "api_key"),
    ({"exchange": "binance", "api_key": "KEYlongenough12", "api_secret": "S3c4"},
     "api_secret"),
    ({"exchange": "coinexx", "metaapi_token": "tok-123456789012",
      "metaapi_account_id": "acc-6789"}, "metaapi_account_id"),
    ({"exchange": "coinexx", "metaapi_token": "tok-12345",
      "metaapi_account_id": "0f6b7c7e-2f1a-4f3c-9a57-6d1e1b2f3c4d"}, "metaapi_token")])
def test_a_key_too_short_to_keep_its_last_4_apart_is_422(
        client: FlaskClient, auth: AuthActions, runtime: Runtime,
        body: dict[str, str], field: str) -> None:
    user_id, headers = auth.user("shortkey@example.com")
    error = _only_error(client.post(f"/api/users/{user_id}/exchanges", headers=headers,
                                    json=body))
    assert error["loc"] == [field] and "12" in error["msg"], error
    assert runtime.users.get(user_id).exchange_accounts == []


def test_a_key_of_12_shows_only_its_last_4(client: FlaskClient, auth: AuthActions) -> None:
    user_id, headers = auth.user("key12@example.com")
    resp = client.post(f"/api/users/{user_id}/exchanges", headers=headers, json={
        "exchange": "bybit", "api_key": "AbCdEfGhK9x2", "api_secret": "S3c4S3c4S3c4"})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["key_last4"] == "K9x2"
    schema = client.get("/openapi.json").get_json()["components"]["schemas"]["CexAccountIn"]
    key = schema["properties"]["api_key"]["anyOf"][0]
    assert key["minLength"] == 12


def test_the_engine_keeps_no_last_4_of_a_short_key(runtime: Any, auth: AuthActions) -> None:
    """Defence behind the API's 12-character minimum: any other path adding an account keeps
    no last 4 of a key so short that they are most of it."""
    from verzek.domain.models import ExchangeName, MarketType, TradingMode

    user_id, _ = auth.user("shortkey@example.com")
    account = runtime.accounts.add_account(
        user_id, exchange=ExchangeName.BINANCE, market_type=MarketType.FUTURES,
        mode=TradingMode.DEMO, testnet=False, label="short",
        credentials={"api_key": "K9x2abcd", "api_secret": "S3c4efgh"}, key_field="api_key")
    assert account.key_last4 == ""


@pytest.mark.parametrize("field,value", [("volume_scale", "1000"), ("step_scale", "0.001"),
                                         ("deviation_pct", "1001")])
def test_dca_figures_the_planner_refuses_are_refused_where_set(
        client: FlaskClient, auth: AuthActions, field: str, value: str) -> None:
    """volume_scale 1000 was stored (200); every signal was then skipped with the planner's
    "volume_scale must be between 0.01 and 100" (journey 10)."""
    user_id, headers = auth.user(f"dca-{field}@example.com")
    url = f"/api/users/{user_id}/settings/dca"
    before = client.get(url, headers=headers).get_json()["settings"]
    resp = client.patch(url, headers=headers, json={field: value})
    assert resp.status_code == 409, resp.get_json()
    error = resp.get_json()["error"]
    assert error["code"] == "dca_out_of_range"
    assert error["details"]["field"] == field and field in error["message"]
    assert client.get(url, headers=headers).get_json()["settings"] == before
    assert client.patch(url, headers=headers, json={field: "2"}).status_code == 200
