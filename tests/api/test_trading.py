"""Positions, safety, signals, webhook, demo prices and system status through the engine port."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import ADMIN_TOKEN, TV_SECRET, AuthActions
from tests.api.helpers import add_positions, make_position, seed_paper
from verzek.api.app import create_app
from verzek.domain.models import ExchangeName, PositionStatus
from verzek.runtime import Runtime


def test_positions_filters_pagination_detail_and_close(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    user_id, headers = auth.user("pos@example.com")
    now = runtime.clock.now()
    ids = add_positions(runtime.positions, user_id, now, 5)
    runtime.positions.save(make_position(user_id, "eth1", now, symbol="ETH/USDT:USDT",
                                         exchange=ExchangeName.BYBIT))
    done = make_position(user_id, "done1", now).model_copy(
        update={"status": PositionStatus.CLOSED, "closed_at": now})
    runtime.positions.mutate(user_id, lambda ps: [*ps, done])  # archived in the history
    base = f"/api/users/{user_id}/positions"
    page = client.get(f"{base}?limit=2&offset=1", headers=headers).get_json()
    assert page["total"] == 6 and len(page["items"]) == 2
    assert "orders" not in page["items"][0] and "fills" not in page["items"][0]
    eth = client.get(f"{base}?symbol=ETH/USDT:USDT", headers=headers).get_json()
    assert [p["id"] for p in eth["items"]] == ["eth1"]
    assert client.get(f"{base}?exchange=bybit", headers=headers).get_json()["total"] == 1
    assert client.get(f"{base}?exchange=kraken", headers=headers).status_code == 422
    assert client.get(f"{base}?status=closed", headers=headers).get_json()["total"] == 1
    assert client.get(f"{base}?status=all", headers=headers).get_json()["total"] == 7
    assert client.get(f"{base}?status=open", headers=headers).get_json()["total"] == 6
    detail = client.get(f"{base}/{ids[0]}", headers=headers).get_json()
    assert detail["orders"][0]["leg"] == "entry" and detail["fills"][0]["price"] == "65000"
    assert client.get(f"{base}/done1", headers=headers).get_json()["status"] == "closed"
    admin = client.get(f"/api/positions?user_id={user_id}&status=open",
                       headers=auth.admin()).get_json()
    assert admin["total"] == 6
    assert client.get("/api/positions", headers=auth.admin()).get_json()["total"] == 6
    # closing goes through the engine: the open one is answered, the closed one refused
    seed_paper(runtime, user_id)
    closed = client.post(f"{base}/{ids[0]}/close", headers=headers)
    assert closed.status_code == 200 and closed.get_json()["id"] == ids[0]
    assert client.post(f"{base}/done1/close", headers=headers).status_code == 409
    assert client.post(f"{base}/nope/close", headers=headers).status_code == 404


def test_safety_routes(client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    user_id, headers = auth.user("safe@example.com")
    admin = auth.admin()
    resp = client.post("/api/safety/kill-switch", headers=admin,
                       json={"active": True, "reason": "incident", "close_positions": False})
    assert resp.status_code == 200
    resp = client.post("/api/safety/pause", headers=admin,
                       json={"paused": True, "until": "2026-01-02T00:00:00Z", "reason": "m"})
    assert resp.status_code == 200
    naive = client.post("/api/safety/pause", headers=admin,
                        json={"paused": True, "until": "2026-01-02T00:00:00"})
    assert naive.status_code == 422
    past = client.post("/api/safety/pause", headers=admin,
                       json={"paused": True, "until": "2025-12-31T00:00:00Z"})
    assert past.status_code == 409 and past.get_json()["error"]["code"] == "until_passed"
    assert client.put("/api/safety/circuit-breaker", headers=admin,
                      json={"loss_pct": 2.5, "cooldown_s": 600}).status_code == 200
    assert client.put("/api/safety/circuit-breaker", headers=admin,
                      json={"loss_pct": 0}).status_code == 422
    assert client.post("/api/safety/circuit-breaker/reset", headers=admin).status_code == 200
    status = client.get("/api/safety/status", headers=admin).get_json()
    assert status["platform_kill"]["reason"] == "incident"
    assert status["platform_pause"]["until"].startswith("2026-01-02")
    assert status["thresholds"]["loss_pct"] == "2.5"
    assert client.post(f"/api/users/{user_id}/pause", json={"paused": True},
                       headers=headers).status_code == 200
    assert client.post(f"/api/users/{user_id}/kill-switch", json={"active": True},
                       headers=headers).status_code == 200
    status = client.get("/api/safety/status", headers=admin).get_json()
    assert status["user_kill"][user_id]["active"] is True


def test_parse_reads_a_text_without_trading_it(client: FlaskClient, auth: AuthActions) -> None:
    auth.create_user("parse@example.com")
    admin = auth.admin()
    resp = client.post("/api/parser", headers=admin, json={
        "text": "#SOL/USDT LONG\nEntry: 150\nTP: +2% / +4%\nSL: 140"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["kind"] == "signal" and body["update"] is None
    assert body["signal"]["targets"] == ["153", "156"] and body["signal"]["stop_loss"] == "140"
    update = client.post("/api/parser", headers=admin,
                         json={"text": "#SOL move SL to TP1"}).get_json()
    assert update["kind"] == "update" and update["update"]["stop_to_target"] == 1
    noise = client.post("/api/parser", headers=admin,
                        json={"text": "Should I short BTC 65000 with SL 66000? TP 60000?"})
    assert noise.get_json()["kind"] == "noise" and noise.get_json()["invalid_reason"]
    assert client.get("/api/signals", headers=admin).get_json()["items"] == []  # not stored
    assert client.post("/api/parser", json={"text": "x"}).status_code == 401
    assert client.post("/api/parser", headers=admin, json={"text": ""}).status_code == 422


def test_signals_text_structured_list_and_get(client: FlaskClient, auth: AuthActions) -> None:
    auth.create_user("sig@example.com")
    admin = auth.admin()
    resp = client.post("/api/signals", json={"text": "BTC/USDT LONG 65000 TP 66000 SL 64000"},
                       headers=admin)
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) >= {"signal_id", "kind", "decisions"}
    assert all(set(d) >= {"user_id", "outcome", "reason", "account_id"} for d in body["decisions"])
    structured = {"signal": {"symbol": "ETH/USDT", "side": "short", "entries": [3000],
                             "targets": [2900, 2800], "stop_loss": 3100, "leverage": 5}}
    resp = client.post("/api/signals", json=structured, headers=admin)
    assert resp.status_code == 200 and resp.get_json()["kind"] == "signal"
    breakout = {"signal": {**structured["signal"], "entries": [2950],
                           "entry_trigger": "below"}}
    resp = client.post("/api/signals", json=breakout, headers=admin)
    assert resp.status_code == 200 and resp.get_json()["kind"] == "signal"
    listed = client.get("/api/signals?limit=10", headers=admin).get_json()["items"]
    assert len(listed) == 3
    for no_price in ({**structured["signal"], "entries": [], "entry_trigger": "below"},
                     {**structured["signal"], "entries": [2950, 2940], "entry_trigger": "below"}):
        resp = client.post("/api/signals", json={"signal": no_price}, headers=admin)
        assert resp.status_code == 200 and resp.get_json()["kind"] == "noise"
        assert "exactly one entry price" in resp.get_json()["invalid_reason"]
        assert resp.get_json()["decisions"] == []
    one = client.get(f"/api/signals/{listed[0]['id']}", headers=admin).get_json()
    assert one["signal"]["symbol"] == "ETH/USDT"
    assert client.get("/api/signals/s_missing", headers=admin).status_code == 404
    for bad in ({"text": ""}, {"text": "x", "signal": structured["signal"]},
                {"signal": {**structured["signal"], "stop_loss": -1}},
                {"signal": {**structured["signal"], "leverage": 0}},
                {"signal": {**structured["signal"], "symbol": "ETHUSDT"}},
                {"signal": {**structured["signal"], "entry_trigger": "sideways"}}):
        assert client.post("/api/signals", json=bad, headers=admin).status_code == 422


def test_a_signals_fields_may_be_posted_flat_and_a_mistake_is_told_against_that_form(
        client: FlaskClient, auth: AuthActions) -> None:
    auth.create_user("flat@example.com")
    admin = auth.admin()
    flat = {"symbol": "ETH/USDT", "side": "short", "entries": ["3000"],
            "targets": ["2900"], "stop_loss": "3100"}
    resp = client.post("/api/signals", json=flat, headers=admin)
    assert resp.status_code == 200 and resp.get_json()["kind"] == "signal"
    resp = client.post("/api/signals", json={**flat, "side": "up"}, headers=admin)
    assert resp.status_code == 422
    errors = resp.get_json()["error"]["details"]["errors"]
    assert [e["loc"][-1] for e in errors] == ["side"], errors  # no "text is required" noise
    resp = client.post("/api/signals", json={**flat, "targets": [], "stop_loss": None,
                                             "entries": [], "entry_is_market": True,
                                             "target_pcts": ["2", "4"], "stop_pct": "3"},
                       headers=admin)
    assert resp.status_code == 200 and resp.get_json()["kind"] == "signal", resp.get_json()
    resp = client.post("/api/signals", json={**flat, "stop_loss": None, "stop_pct": "100"},
                       headers=admin)
    assert resp.status_code == 200 and resp.get_json()["kind"] == "noise"
    assert "stop_pct" in resp.get_json()["invalid_reason"]
    resp = client.post("/api/signals", json={"text": 5}, headers=admin)
    errors = resp.get_json()["error"]["details"]["errors"]
    assert resp.status_code == 422 and [e["loc"][-1] for e in errors] == ["text"], errors


def test_tradingview_webhook_uses_its_secret(client: FlaskClient) -> None:
    body = {"text": "BTC/USDT LONG"}
    assert client.post("/api/webhooks/tradingview/wrong", json=body).status_code == 404
    resp = client.post(f"/api/webhooks/tradingview/{TV_SECRET}", json=body)
    assert resp.status_code == 200 and resp.get_json()["signal_id"]
    resp = client.post(f"/api/webhooks/tradingview/{TV_SECRET}", data="ETH/USDT SHORT",
                       content_type="text/plain; charset=utf-8")
    assert resp.status_code == 200 and resp.get_json()["signal_id"]
    resp = client.post(f"/api/webhooks/tradingview/{TV_SECRET}", data="   ",
                       content_type="text/plain")
    assert resp.status_code == 422
    resp = client.post("/api/signals", data="BTC/USDT LONG", content_type="text/plain",
                       headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert resp.status_code == 415  # text bodies only where documented


@pytest.mark.parametrize("settings_overrides", [{"tradingview_secret": None}])
def test_webhook_off_without_a_secret(client: FlaskClient,
                                      settings_overrides: dict[str, Any]) -> None:
    assert client.post("/api/webhooks/tradingview/anything",
                       json={"text": "x"}).status_code == 404


def test_demo_prices(client: FlaskClient, auth: AuthActions) -> None:
    resp = client.put("/api/demo/prices", headers=auth.admin(),
                      json={"prices": {"BTC/USDT": 65000, "ETH/USDT:USDT": "3000.5"}})
    assert resp.status_code == 200
    # a spot symbol's price moves its USDT perpetual too, and the other way round
    assert resp.get_json()["prices"] == {"BTC/USDT": "65000", "BTC/USDT:USDT": "65000",
                                         "ETH/USDT:USDT": "3000.5", "ETH/USDT": "3000.5"}
    bad: dict[str, Any]
    for bad in ({"prices": {"btc": 1}}, {"prices": {"BTC/USDT": 0}}, {"prices": {}},
                {"prices": {"BTC/USDT": "0"}}, {"prices": {"BTC/USDT": "1e3"}}):
        assert client.put("/api/demo/prices", json=bad, headers=auth.admin()).status_code == 422


def test_demo_prices_of_a_symbol_no_paper_exchange_lists_are_refused(
        client: FlaskClient, auth: AuthActions) -> None:
    resp = client.put("/api/demo/prices", headers=auth.admin(),
                      json={"prices": {"FOO/USDT": 1, "BTC/USDT": 65000, "ETH/BTC:BTC": 1}})
    assert resp.status_code == 404
    error = resp.get_json()["error"]
    assert error["code"] == "unknown_symbol"
    assert error["message"].startswith("not listed on any paper exchange: ETH/BTC:BTC, FOO/USDT")
    assert error["details"] == {"unknown_symbols": ["ETH/BTC:BTC", "FOO/USDT"]}
    # listed symbols alone are set
    resp = client.put("/api/demo/prices", headers=auth.admin(),
                      json={"prices": {"SOL/USDT:USDT": 150}})
    assert resp.get_json()["prices"] == {"SOL/USDT:USDT": "150", "SOL/USDT": "150"}


def test_demo_prices_only_with_the_sim_feed(runtime: Runtime, auth: AuthActions) -> None:
    live = runtime.settings.model_copy(update={"price_feed": "live"})
    client = create_app(runtime, live).test_client()
    resp = client.put("/api/demo/prices", json={"prices": {"BTC/USDT": 1}},
                      headers=auth.admin())
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_sim_feed"


def test_system_status(client: FlaskClient, auth: AuthActions) -> None:
    status = client.get("/api/system/status", headers=auth.admin()).get_json()
    assert {"version", "services", "store", "last_signal_at", "prices"} <= set(status)
    assert status["store"]["healthy"] is True


def test_engine_missing_answers_503(client: FlaskClient, auth: AuthActions,
                                    runtime: Runtime) -> None:
    del runtime.trading  # type: ignore[attr-defined]
    resp = client.get("/api/safety/status", headers=auth.admin())
    assert resp.status_code == 503 and resp.get_json()["error"]["code"] == "engine_unavailable"
    status = client.get("/api/system/status", headers=auth.admin()).get_json()
    assert status["engine"] == "off" and status["store"]["healthy"] is True


def test_demo_prices_can_be_pinned_and_read(client: FlaskClient, auth: AuthActions,
                                            runtime: Runtime) -> None:
    """A pinned price stays where it was set while the walk moves the rest; GET answers the
    feed's prices now and which are pinned; a price set again without the pin walks again."""
    url = "/api/demo/prices"
    resp = client.put(url, headers=auth.admin(),
                      json={"prices": {"ETH/USDT": 3000, "SOL/USDT": 150}, "pin": True})
    assert resp.status_code == 200, resp.get_json()
    client.put(url, headers=auth.admin(), json={"prices": {"BTC/USDT": 65000}})
    runtime.clock.advance(600)  # 600 steps of the walk
    body = client.get(url, headers=auth.admin()).get_json()
    assert body["pinned"] == ["ETH/USDT", "ETH/USDT:USDT", "SOL/USDT", "SOL/USDT:USDT"]
    assert body["prices"]["ETH/USDT"] == "3000" and body["prices"]["SOL/USDT:USDT"] == "150"
    assert body["prices"]["BTC/USDT"] != "65000"  # walked
    client.put(url, headers=auth.admin(), json={"prices": {"ETH/USDT": 3100}})  # unpinned
    assert client.get(url, headers=auth.admin()).get_json()["pinned"] == ["SOL/USDT",
                                                                          "SOL/USDT:USDT"]
    runtime.clock.advance(60)
    assert client.get(url, headers=auth.admin()).get_json()["prices"]["ETH/USDT"] != "3100"
    assert client.get(url, headers=auth.user("nope@example.com")[1]).status_code == 403
    assert client.put(url, headers=auth.admin(),
                      json={"prices": {"ETH/USDT": 1}, "pin": "yes"}).status_code == 422
