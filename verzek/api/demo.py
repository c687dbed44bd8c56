"""Demo prices: set simulated prices while the sim price feed runs (admin)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from flask import Response, jsonify
from pydantic import BaseModel, Field, WithJsonSchema

from verzek.api.auth import require_admin
from verzek.api.context import ctx
from verzek.api.schemas import SECURITY, ApiModel, ApiPositiveDecimal, api_blueprint
from verzek.api.signals import SYMBOL_PATTERN
from verzek.errors import Conflict

api = api_blueprint("demo", "/api/demo", "simulated market")
Symbol = Annotated[str, Field(pattern=SYMBOL_PATTERN)]


PRICES_SCHEMA = {
    "type": "object", "minProperties": 1, "maxProperties": 500,
    "propertyNames": {"pattern": SYMBOL_PATTERN},
    "additionalProperties": ApiPositiveDecimal.__metadata__[-1].json_schema,  # type: ignore[attr-defined]
}


class PricesBody(ApiModel):
    prices: Annotated[dict[Symbol, ApiPositiveDecimal],  # type: ignore[valid-type]
                      Field(min_length=1, max_length=500), WithJsonSchema(PRICES_SCHEMA)]


class PricesOut(BaseModel):
    prices: dict[str, str]


@api.put("/prices", responses={200: PricesOut}, security=SECURITY)
def set_prices(body: PricesBody) -> Response:
    """Set simulated prices, e.g. {"prices": {"BTC/USDT": 65000}} (admin, sim feed only)."""
    require_admin()
    if ctx().settings.price_feed != "sim":
        raise Conflict("demo prices can be set only while VERZEK_PRICE_FEED=sim",
                       code="not_sim_feed")
    prices = ctx().trading.set_demo_prices(dict(body.prices))
    return jsonify({"prices": {symbol: format(Decimal(price), "f")  # "1E-7" -> "0.0000001"
                               for symbol, price in prices.items()}})
