"""Serve the recorded exchange payloads (tests/data/exchanges) to the real ccxt client.

The market wrappers follow /work/shared/data/exchanges/README.md exactly. Bodies that ccxt's
fixtures do not record (cancel, leverage, error answers) are written from each exchange's API
documentation; every such body says so where it is defined.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import responses

DATA = Path(__file__).resolve().parents[1] / "data" / "exchanges"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def raw_markets(exchange: str) -> list[dict[str, Any]]:
    return load(f"{exchange}-markets-raw.json")


def recorded(exchange: str, method: str, index: int = 0) -> dict[str, Any]:
    """The raw HTTP body ccxt recorded for `method` (entry `index`)."""
    return load(f"{exchange}-responses.json")[method][index]["httpResponse"]


def serve_markets(rsps: responses.RequestsMock, exchange: str,
                  extra: list[dict[str, Any]] | None = None) -> None:
    """Register the market endpoints ccxt 4.5.90 calls in load_markets (README wrappers);
    `extra`: raw markets listed besides the recorded ones."""
    raw = raw_markets(exchange) + list(extra or ())
    if exchange == "binance":
        spot = [m for m in raw if "contractType" not in m]
        perp = [m for m in raw if "contractType" in m]

        def info(symbols: list[dict[str, Any]]) -> dict[str, Any]:
            return {"timezone": "UTC", "serverTime": 1700000000000, "rateLimits": [],
                    "exchangeFilters": [], "symbols": symbols}

        rsps.get("https://api.binance.com/api/v3/exchangeInfo", json=info(spot))
        rsps.get("https://fapi.binance.com/fapi/v1/exchangeInfo", json=info(perp))
        rsps.get("https://dapi.binance.com/dapi/v1/exchangeInfo", json=info([]))
    elif exchange == "bybit":
        spot = [m for m in raw if "contractType" not in m]
        linear = [m for m in raw if "contractType" in m]
        base = "https://api.bybit.com/v5/market/instruments-info"

        def body(category: str, items: list[dict[str, Any]]) -> dict[str, Any]:
            return {"retCode": 0, "retMsg": "OK", "result": {"category": category, "list": items,
                    "nextPageCursor": ""}, "retExtInfo": {}, "time": 1700000000000}

        def callback(request: Any) -> tuple[int, dict[str, str], str]:
            url = request.url
            if "status=PreLaunch" in url:
                items: list[dict[str, Any]] = []
            elif "category=spot" in url:
                items = spot
            elif "category=linear" in url:
                items = linear
            else:
                items = []
            cat = re.search(r"category=(\w+)", url)
            return 200, {}, json.dumps(body(cat.group(1) if cat else "", items))

        rsps.add_callback(responses.GET, re.compile(re.escape(base) + r".*"), callback=callback)
    elif exchange == "phemex":
        spot = [m for m in raw if m.get("type") == "Spot"]
        perp = [m for m in raw if m.get("type") != "Spot"]
        rsps.get("https://api.phemex.com/public/products", json={
            "code": 0, "msg": "", "data": {"currencies": [], "products": spot,
                                           "perpProductsV2": perp, "riskLimits": [],
                                           "riskLimitsV2": [], "leverages": [],
                                           "leveragesV2": []}})
        rsps.get("https://api.phemex.com/v1/exchange/public/products",
                 json={"code": 0, "msg": "OK", "data": []})
    else:
        raise ValueError(exchange)
