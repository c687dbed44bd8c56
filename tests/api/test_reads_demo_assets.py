"""A paper account's balance lists every asset it holds, with its value in USDT at the price
monitor's last fresh price: after buying ETH on a spot demo account the balance showed only
USDT, the ETH neither listed nor valued."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient

from tests.api.conftest import AuthActions
from verzek.runtime import Runtime

SPOT_BUY = {"symbol": "ETH/USDT", "side": "long", "entries": ["3000"], "targets": ["3300"],
            "stop_loss": "2700", "market": "spot"}


def _accounts(client: FlaskClient, user_id: str, headers: dict[str, str]) -> dict[str, Any]:
    resp = client.get(f"/api/users/{user_id}/demo/balance", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return {a["market_type"]: a for a in resp.get_json()["accounts"]}


def test_a_spot_demo_account_lists_and_values_what_it_bought(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    assert runtime.trading is not None
    user_id, headers = auth.user("spot@example.com")
    assert client.put(f"/api/users/{user_id}/settings/general", headers=headers,
                      json={"mode": "demo", "auto_trade": True}).status_code == 200
    assert client.put("/api/demo/prices", headers=auth.admin(),
                      json={"prices": {"ETH/USDT": 3000}}).status_code == 200
    start = _accounts(client, user_id, headers)["spot"]
    assert [a["asset"] for a in start["assets"]] == ["USDT"]
    assert start["value_usdt"] == start["usdt"]["total"] == "10000"
    (decision,) = client.post("/api/signals", headers=auth.admin(),
                              json={"signal": SPOT_BUY}).get_json()["decisions"]
    assert decision["outcome"] == "executed", decision
    quantity = runtime.positions.open_positions(user_id)[0].quantity

    spot = _accounts(client, user_id, headers)["spot"]
    usdt, eth = spot["assets"]
    assert (usdt["asset"], eth["asset"]) == ("USDT", "ETH")
    assert Decimal(eth["total"]) == quantity > 0
    assert Decimal(eth["free"]) + Decimal(eth["used"]) == quantity
    assert (eth["price_usdt"], eth["value_usdt"]) == (None, None)  # no monitor pass yet
    assert spot["value_usdt"] is None  # not all of it can be valued

    runtime.trading.monitor.run_once()
    spot = _accounts(client, user_id, headers)["spot"]
    usdt, eth = spot["assets"]
    assert eth["price_usdt"] == "3000"
    assert Decimal(eth["value_usdt"]) == quantity * 3000
    assert usdt == {"asset": "USDT", **spot["usdt"], "price_usdt": "1",
                    "value_usdt": spot["usdt"]["total"]}
    assert Decimal(spot["value_usdt"]) == Decimal(usdt["total"]) + quantity * 3000
    futures = _accounts(client, user_id, headers)["futures"]
    assert [a["asset"] for a in futures["assets"]] == ["USDT"]

    # a PUT answers the same shape: the ETH stays listed beside the USDT set
    resp = client.put(f"/api/users/{user_id}/demo/balance", headers=headers,
                      json={"usdt": 500, "account_id": spot["account_id"]})
    assert resp.status_code == 200, resp.get_json()
    (after,) = resp.get_json()["accounts"]
    assert [(a["asset"], a["total"]) for a in after["assets"]] == \
        [("USDT", "500"), ("ETH", eth["total"])]


def test_the_document_shows_the_assets(client: FlaskClient) -> None:
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    assert {"assets", "value_usdt"} <= set(schemas["DemoAccountOut"]["properties"])
    assert {"asset", "free", "used", "total", "price_usdt", "value_usdt"} == \
        set(schemas["AssetOut"]["properties"])
