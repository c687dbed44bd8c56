"""The faked MetaApi REST API the Coinexx tests trade against (bodies from MetaApi's REST docs).

One MetaTrader account, `ACCOUNT` in region new-york, listing BTCUSD; `serve_metaapi`
registers its symbol specification (other symbols answer 404, as MetaApi does).
"""

from __future__ import annotations

import json
import re

import responses

ACCOUNT = "a3f1c2d4-0042-4e5f-8a9b-1c2d3e4f5a6b"  # a MetaApi account id is a UUID
BASE = f"https://mt-client-api-v1.new-york.agiliumtrade.ai/users/current/accounts/{ACCOUNT}"
TOKEN = "metaapi-token-0123456789abcdef"
SPEC = {"symbol": "BTCUSD", "tickSize": 0.01, "minVolume": 0.01, "maxVolume": 100,
        "volumeStep": 0.01, "contractSize": 1, "digits": 2}
DONE = {"numericCode": 10009, "stringCode": "TRADE_RETCODE_DONE",
        "message": "Request completed", "orderId": "46870472", "positionId": "46214692"}


def serve_metaapi(rsps: responses.RequestsMock) -> None:
    rsps.get(f"{BASE}/symbols/BTCUSD/specification", json=SPEC)
    rsps.get(re.compile(rf"{re.escape(BASE)}/symbols/\w+/specification"), status=404,
             json={"id": 1, "error": "NotFoundException", "message": "Symbol not found"})


def trades(rsps: responses.RequestsMock) -> list[dict[str, object]]:
    """Bodies of the trade requests sent, in order."""
    return [json.loads(c.request.body) for c in rsps.calls if c.request.url.endswith("/trade")]
