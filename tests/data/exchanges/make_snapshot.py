"""Build verzek/exchanges/data/markets_snapshot.json from the recorded raw markets (offline).

Run: .venv/bin/python tests/data/exchanges/make_snapshot.py
Recorded markets go through the real ccxt 4.5.90 parser. The EXTRA markets below are not in
ccxt's fixtures: their steps and minimums are typical published values (Binance exchangeInfo
filters, Bybit instruments-info lotSizeFilter/priceFilter, Phemex products) written by hand,
not fetched; the live adapters always use the exchange's own market list.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import ccxt
import responses

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from tests.exchanges.fakes import serve_markets  # noqa: E402
from verzek.exchanges.ccxt_markets import (  # noqa: E402
    is_supported,
    market_info_from_ccxt,
    market_info_to_json,
)

# base: (spot amount step, spot price step, perp amount step, perp price step, min notional)
EXTRA = {
    "SOL": ("0.001", "0.01", "1", "0.01", "5"),
    "BNB": ("0.001", "0.01", "0.01", "0.01", "5"),
    "AVAX": ("0.01", "0.01", "1", "0.001", "5"),
    "LINK": ("0.01", "0.001", "0.01", "0.001", "5"),
    "DOT": ("0.01", "0.001", "0.1", "0.001", "5"),
    "1000PEPE": (None, None, "1", "0.0000001", "5"),
    "PEPE": ("1", "0.00000001", None, None, "5"),
    "SUI": ("0.1", "0.0001", "0.1", "0.0001", "5"),
    "TON": ("0.01", "0.001", "0.1", "0.0001", "5"),
    "NEAR": ("0.1", "0.001", "1", "0.001", "5"),
    "ARB": ("0.1", "0.0001", "0.1", "0.0001", "5"),
    "OP": ("0.01", "0.001", "0.1", "0.0001", "5"),
    "APT": ("0.01", "0.001", "0.1", "0.0001", "5"),
    "SHIB": ("1", "0.00000001", None, None, "5"),
    "1000SHIB": (None, None, "1", "0.000001", "5"),
    "BCH": ("0.001", "0.1", "0.001", "0.01", "5"),
    "ATOM": ("0.01", "0.001", "0.01", "0.001", "5"),
    "FIL": ("0.01", "0.001", "0.1", "0.001", "5"),
    "INJ": ("0.01", "0.01", "0.1", "0.001", "5"),
    "UNI": ("0.01", "0.001", "1", "0.001", "5"),
    "WLD": ("0.1", "0.001", "1", "0.0001", "5"),
    "SEI": ("0.1", "0.0001", "1", "0.0001", "5"),
    "ETC": ("0.01", "0.01", "0.01", "0.001", "5"),
    "XLM": ("1", "0.0001", "1", "0.00001", "5"),
}
FEES = {  # (spot taker, spot maker, perp taker, perp maker) from each fee page, base tier
    "binance": ("0.001", "0.001", "0.0005", "0.0002"),
    "bybit": ("0.001", "0.001", "0.00055", "0.0002"),
    "phemex": ("0.001", "0.001", "0.0006", "0.0001"),
}


def main() -> None:
    out: dict[str, dict[str, dict[str, str]]] = {}
    for ex in ("binance", "bybit", "phemex"):
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            serve_markets(rsps, ex)
            client = getattr(ccxt, ex)()
            markets = client.load_markets()
        entries = {s: market_info_to_json(market_info_from_ccxt(m))
                   for s, m in markets.items() if is_supported(m)}
        st, sm, pt, pm = FEES[ex]
        for base, (sa, sp, pa, pp, notional) in EXTRA.items():
            if sa and f"{base}/USDT" not in entries:
                entries[f"{base}/USDT"] = {
                    "symbol": f"{base}/USDT", "market_type": "spot", "base": base,
                    "quote": "USDT", "amount_step": sa, "price_step": sp, "min_amount": sa,
                    "min_notional": notional, "contract_size": "1", "taker_fee": st,
                    "maker_fee": sm, "max_leverage": 1, "exchange_id": f"{base}USDT"}
            if pa and f"{base}/USDT:USDT" not in entries:
                entries[f"{base}/USDT:USDT"] = {
                    "symbol": f"{base}/USDT:USDT", "market_type": "futures", "base": base,
                    "quote": "USDT", "amount_step": pa, "price_step": pp, "min_amount": pa,
                    "min_notional": notional, "contract_size": "1", "taker_fee": pt,
                    "maker_fee": pm, "max_leverage": 50, "exchange_id": f"{base}USDT"}
        out[ex] = dict(sorted(entries.items()))
    doc = {
        "schema_version": 1,
        "note": "Recorded markets parsed by ccxt 4.5.90 from ccxt's test fixtures; markets not in "
                "those fixtures use typical published steps/minimums written by hand (see "
                "tests/data/exchanges/make_snapshot.py). Used only when the public market "
                "endpoint cannot be reached.",
        "markets": out,
    }
    path = ROOT / "verzek" / "exchanges" / "data" / "markets_snapshot.json"
    path.write_text(json.dumps(doc, indent=1) + "\n")
    print(path, {k: len(v) for k, v in out.items()})


if __name__ == "__main__":
    main()
