"""Demo trading: simulated prices while the sim price feed runs (admin), and a user's paper
balances (the user or an admin)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from flask import Response, jsonify
from pydantic import BaseModel, Field, StrictBool, WithJsonSchema

from verzek.api.auth import admin_only, require_admin, require_owner
from verzek.api.context import ctx
from verzek.api.plain import plain_answer, plain_decimal
from verzek.api.schemas import (
    ID_PATTERN,
    SECURITY,
    ApiModel,
    ApiNonNegDecimal,
    ApiPositiveDecimal,
    UserPath,
    api_blueprint,
)
from verzek.api.signals import SYMBOL_PATTERN
from verzek.errors import Conflict

api = api_blueprint("demo", "/api/demo", "simulated market")
balances_api = api_blueprint("demo_balance", "/api/users", "a user's demo balances")
blueprints = (api, balances_api)
Symbol = Annotated[str, Field(pattern=SYMBOL_PATTERN)]


PRICES_SCHEMA = {
    "type": "object", "minProperties": 1, "maxProperties": 500,
    "propertyNames": {"pattern": SYMBOL_PATTERN},
    "additionalProperties": ApiPositiveDecimal.__metadata__[-1].json_schema,  # type: ignore[attr-defined]
}


class PricesBody(ApiModel):
    prices: Annotated[dict[Symbol, ApiPositiveDecimal],  # type: ignore[valid-type]
                      Field(min_length=1, max_length=500), WithJsonSchema(PRICES_SCHEMA)]
    # true: the random walk leaves these prices where they are until set again without it
    pin: StrictBool = False


class PricesOut(BaseModel):
    prices: dict[str, str]


class FeedPricesOut(BaseModel):
    prices: dict[str, str]
    pinned: list[str]


@api.get("/prices", responses={200: FeedPricesOut}, security=SECURITY)
@admin_only
def read_prices() -> Response:
    """The sim feed's prices now, every symbol it has quoted or been given, and which are
    pinned (admin, sim feed only: 409 `not_sim_feed` otherwise)."""
    require_admin()
    return jsonify(_plain_prices(ctx().trading.demo_prices()))


@api.put("/prices", responses={200: PricesOut}, security=SECURITY)
@admin_only
def set_prices(body: PricesBody) -> Response:
    """Set simulated prices, e.g. {"prices": {"BTC/USDT": 65000}} (admin, sim feed only); a
    spot symbol's price is its USDT perpetual's too ("BTC/USDT:USDT"), and the other way round,
    unless both are given. The feed walks on from a price set (about 0.1 % a second) unless
    `"pin": true`, which holds it until it is set again without. The answer lists every symbol
    set; a symbol no paper exchange lists is 404 `unknown_symbol` (nothing is set)."""
    require_admin()
    if ctx().settings.price_feed != "sim":
        raise Conflict("demo prices can be set only while VERZEK_PRICE_FEED=sim",
                       code="not_sim_feed")
    prices = ctx().trading.set_demo_prices(dict(body.prices), pin=body.pin)
    return jsonify({"prices": {symbol: format(Decimal(price), "f")  # "1E-7" -> "0.0000001"
                               for symbol, price in prices.items()}})


class UsdtOut(BaseModel):
    free: Decimal
    used: Decimal
    total: Decimal


class AssetOut(BaseModel):
    """One currency a paper account holds, valued at the price monitor's last fresh price of
    its USDT spot market (USDT at 1); both null while there is none."""

    asset: str
    free: Decimal
    used: Decimal
    total: Decimal
    price_usdt: Decimal | None = None
    value_usdt: Decimal | None = None


class DemoAccountOut(BaseModel):
    account_id: str
    exchange: str
    market_type: str
    usdt: UsdtOut
    assets: list[AssetOut] = Field(description="every currency held, USDT first")
    value_usdt: Decimal | None = Field(
        default=None, description="the assets' total value in USDT; null while one held has "
        "no fresh price (a futures account's open positions are not in it: see their "
        "unrealised PnL)")


class DemoBalances(BaseModel):
    accounts: list[DemoAccountOut]


class DemoBalanceBody(ApiModel):
    usdt: ApiNonNegDecimal  # type: ignore[valid-type]
    account_id: Annotated[str | None, Field(pattern=ID_PATTERN)] = None


def _balances(accounts: list[dict[str, Any]]) -> Response:
    """The engine's balances ("1E-7") in the plain form `usdt` takes back ("0.0000001")."""
    return jsonify(plain_answer(DemoBalances, {"accounts": accounts}))


@balances_api.get("/<user_id>/demo/balance", responses={200: DemoBalances}, security=SECURITY)
def get_demo_balance(path: UserPath) -> Response:
    """Each of the user's paper accounts (the user or an admin): its USDT (free, held by open
    demo positions, total) and every asset it holds with its value in USDT at the price
    monitor's last fresh price (null where none is known)."""
    require_owner(path.user_id)
    return _balances(ctx().trading.demo_balances(path.user_id))


@balances_api.put("/<user_id>/demo/balance", responses={200: DemoBalances}, security=SECURITY)
def set_demo_balance(path: UserPath, body: DemoBalanceBody) -> Response:
    """Set the free USDT of one paper account (`account_id`) or of all of them, e.g.
    {"usdt": 5000}; 0 or more (the user or an admin). A live account is refused (409)."""
    require_owner(path.user_id)
    return _balances(ctx().trading.set_demo_balance(path.user_id, body.usdt, body.account_id))


def _plain_prices(answer: dict[str, Any]) -> dict[str, Any]:
    """The feed's prices as the API writes decimals (at most 18 places, so each can be sent
    back): a simulated walk keeps 8 significant digits, "0.00000000000000000099910685" of a
    price set at 1E-18."""
    prices = {symbol: plain_decimal(price) for symbol, price in answer["prices"].items()}
    return {**answer, "prices": prices}
