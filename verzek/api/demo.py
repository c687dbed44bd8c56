"""Demo prices: set simulated prices while the sim price feed runs (admin)."""

from __future__ import annotations

from typing import Annotated

from flask import Response, jsonify
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from verzek.api.auth import require_admin
from verzek.api.context import ctx
from verzek.api.schemas import ApiModel, ApiPositiveDecimal
from verzek.errors import Conflict

SECURITY = [{"bearerAuth": []}]
api = APIBlueprint("demo", __name__, url_prefix="/api/demo",
                   abp_tags=[Tag(name="demo", description="simulated market")])
Symbol = Annotated[str, Field(pattern=r"^[A-Z0-9]{1,20}/[A-Z0-9]{1,20}$")]


class PricesBody(ApiModel):
    prices: dict[Symbol, ApiPositiveDecimal] = Field(min_length=1, max_length=500)  # type: ignore[valid-type]


class PricesOut(BaseModel):
    prices: dict[str, str]


@api.put("/prices", responses={200: PricesOut}, security=SECURITY)
def set_prices(body: PricesBody) -> Response:
    """Set simulated prices, e.g. {"prices": {"BTC/USDT": 65000}} (admin, sim feed only)."""
    require_admin()
    if ctx().settings.price_feed != "sim":
        raise Conflict("demo prices can be set only while VERZEK_PRICE_FEED=sim",
                       code="not_sim_feed")
    return jsonify({"prices": ctx().trading.set_demo_prices(dict(body.prices))})
