"""Benchmark: overhead of our exchange adapter per order on top of ccxt itself, network excluded.

Both sides run the real ccxt Binance client (request building, signing, parsing) against an
in-process fake transport (a requests adapter answering from memory): first raw
`ccxt.create_order`, then `CcxtExchange.create_order` for the same order. The difference of
the medians is our layer's cost (checks, precision, minimums, mapping, locking).
Run: .venv/bin/python bench/exchange.py [--orders N]. The last line printed is JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import ccxt
import requests
from requests.adapters import BaseAdapter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from verzek.clock import SystemClock  # noqa: E402
from verzek.domain.models import ExchangeName, MarketType, OrderSide, OrderType  # noqa: E402
from verzek.exchanges.base import OrderRequest  # noqa: E402
from verzek.exchanges.ccxt_adapter import CcxtExchange  # noqa: E402
from verzek.exchanges.resilient import BackoffRegistry  # noqa: E402

RAW = json.loads((ROOT / "tests/data/exchanges/binance-markets-raw.json").read_text())


class FakeTransport(BaseAdapter):
    """Answers Binance futures market loading and order creation from memory."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        if "exchangeInfo" in url:
            perp = "fapi" in url
            symbols = [m for m in RAW if ("contractType" in m) == perp] if "dapi" not in url \
                else []
            body: Any = {"timezone": "UTC", "serverTime": 1, "rateLimits": [],
                         "exchangeFilters": [], "symbols": symbols}
        elif url.endswith("/fapi/v1/order"):
            sent = dict(parse_qsl((request.body or b"").decode()
                                  if isinstance(request.body, bytes) else request.body or ""))
            body = {"orderId": 1, "symbol": "BTCUSDT", "status": "FILLED",
                    "clientOrderId": sent.get("newClientOrderId"), "price": "0",
                    "avgPrice": "60000", "origQty": sent.get("quantity"),
                    "executedQty": sent.get("quantity"), "cumQuote": "600", "type": "MARKET",
                    "side": "BUY", "reduceOnly": False, "updateTime": 1700000000000}
        else:
            body = {}
        resp = requests.Response()
        resp.status_code = 200
        resp._content = json.dumps(body).encode()
        resp.headers["Content-Type"] = "application/json"
        resp.url = url
        resp.request = request
        return resp

    def close(self) -> None:
        pass


def session() -> requests.Session:
    s = requests.Session()
    s.mount("https://", FakeTransport())
    return s


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def timed(fn: Any, n: int) -> list[float]:
    out = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=2000)
    n = parser.parse_args().orders
    creds = {"apiKey": "k" * 64, "secret": "s" * 64}

    raw = ccxt.binance({**creds, "enableRateLimit": False,
                        "options": {"defaultType": "swap", "fetchMargins": False}})
    raw.has["fetchCurrencies"] = False
    raw.session = session()
    raw.load_markets()

    clock = SystemClock()
    ours = CcxtExchange(account_id="bench", exchange=ExchangeName.BINANCE,
                        market_type=MarketType.FUTURES,
                        credentials={"api_key": creds["apiKey"], "api_secret": creds["secret"]},
                        clock=clock, backoff=BackoffRegistry(clock=clock), session=session(),
                        sleeper=lambda s: None)
    ours.load_markets()

    def ccxt_order(i: int) -> None:
        raw.create_order("BTC/USDT:USDT", "market", "buy", 0.01, None,
                         {"clientOrderId": f"vzbench{i}"})

    def our_order(i: int) -> None:
        ours.create_order(OrderRequest("BTC/USDT:USDT", OrderSide.BUY, OrderType.MARKET,
                                       Decimal("0.0123"), f"vzbench{i}",
                                       reference_price=Decimal("60000")))

    timed(ccxt_order, 200)
    timed(our_order, 200)  # warm up
    base = timed(ccxt_order, n)
    full = timed(our_order, n)
    result = {
        "orders": n,
        "ccxt_p50_ms": round(statistics.median(base), 4),
        "adapter_p50_ms": round(statistics.median(full), 4),
        "overhead_p50_ms": round(statistics.median(full) - statistics.median(base), 4),
        "ccxt_p99_ms": round(percentile(base, 99), 4),
        "adapter_p99_ms": round(percentile(full, 99), 4),
        "target_overhead_p50_ms": 1.0,
    }
    result["ok"] = result["overhead_p50_ms"] < 1.0
    print(f"ccxt create_order (fake transport): p50 {result['ccxt_p50_ms']} ms, "
          f"p99 {result['ccxt_p99_ms']} ms")
    print(f"CcxtExchange.create_order:          p50 {result['adapter_p50_ms']} ms, "
          f"p99 {result['adapter_p99_ms']} ms")
    print(f"adapter overhead p50: {result['overhead_p50_ms']} ms (target < 1 ms)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
