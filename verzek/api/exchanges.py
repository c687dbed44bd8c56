"""A user's exchange accounts: credentials go in encrypted and never come out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from flask import Response, jsonify
from pydantic import BaseModel, Field, RootModel, StrictBool, StrictStr

from verzek.api.auth import require_owner
from verzek.api.context import ctx
from verzek.api.schemas import (
    ID_PATTERN,
    LINE_PATTERN,
    SECURITY,
    ApiModel,
    Deleted,
    UserPath,
    api_blueprint,
)
from verzek.domain.models import ExchangeAccount, ExchangeName, MarketType, TradingMode
from verzek.engine.accounts import find_account
from verzek.errors import Conflict

api = api_blueprint("exchanges", "/api/users", "exchange accounts")
# no blank of Python's regexes nor of JSON schema's (ECMA): \x1c-\x1f and \x85 are blank in one
NO_SPACES = r"^[^\s\x1c-\x1f\x85]+$"
Secret = Annotated[StrictStr, Field(min_length=4, max_length=512, pattern=NO_SPACES)]
# An exchange's key or secret, or MetaApi's token or account id: exchanges issue them 18 to 64
# characters long (a MetaApi account id is a 36-character UUID); at 12 or more, the last 4
# an account shows (`key_last4`) are a third of the key at most, never most of it.
MIN_KEY_LENGTH = 12
Key = Annotated[StrictStr, Field(min_length=MIN_KEY_LENGTH, max_length=512, pattern=NO_SPACES)]
Label = Annotated[StrictStr, Field(max_length=100, pattern=LINE_PATTERN)]


class AccountPath(BaseModel):
    user_id: Annotated[str, Field(pattern=ID_PATTERN)]
    account_id: Annotated[str, Field(pattern=ID_PATTERN)]



class CexAccountIn(ApiModel):
    exchange: Literal["binance", "bybit", "phemex"]
    market_type: MarketType = MarketType.FUTURES
    mode: TradingMode = TradingMode.DEMO
    testnet: StrictBool = False
    label: Label = ""
    # both, or neither: a demo account needs no keys, and the operator's user trades live
    # with the operator's (VERZEK_OPERATOR_USER_ID)
    api_key: Key | None = None
    api_secret: Key | None = None
    passphrase: Secret | None = None  # one the user chose on the exchange: shown nowhere


class CoinexxAccountIn(ApiModel):
    exchange: Literal["coinexx"]
    market_type: MarketType = MarketType.FUTURES
    mode: TradingMode = TradingMode.DEMO
    testnet: StrictBool = False
    label: Label = ""
    metaapi_token: Key
    metaapi_account_id: Key


class AccountCreate(RootModel[Annotated[CexAccountIn | CoinexxAccountIn,
                                        Field(discriminator="exchange")]]):
    pass


class AccountPatch(ApiModel):
    label: Label | None = None
    enabled: StrictBool | None = None
    mode: TradingMode | None = None
    testnet: StrictBool | None = None
    market_type: MarketType | None = None


class AccountOut(BaseModel):
    """What the API shows of an account: never a secret, only the key's last 4 characters
    (of a key the API took at 12 characters or more)."""

    id: str
    exchange: ExchangeName
    market_type: MarketType
    mode: TradingMode
    testnet: bool
    enabled: bool
    status: str
    status_message: str
    key_last4: str
    label: str
    created_at: datetime


class AccountList(BaseModel):
    items: list[AccountOut]


class VerifyOut(BaseModel):
    account: AccountOut
    result: dict[str, Any]


def account_out(account: ExchangeAccount) -> dict[str, Any]:
    return account.model_dump(mode="json", include=set(AccountOut.model_fields))


@api.get("/<user_id>/exchanges", responses={200: AccountList}, security=SECURITY)
def list_accounts(path: UserPath) -> Response:
    """The user's exchange accounts."""
    require_owner(path.user_id)
    user = ctx().accounts.users.get(path.user_id)
    return jsonify({"items": [account_out(a) for a in user.exchange_accounts]})


@api.post("/<user_id>/exchanges", responses={201: AccountOut}, security=SECURITY)
def add_account(path: UserPath, body: AccountCreate) -> tuple[Response, int]:
    """Add an account; credentials are encrypted at rest. Live keys need a master key."""
    require_owner(path.user_id)
    data = body.root
    creds: dict[str, str] | None
    if isinstance(data, CexAccountIn):
        if (data.api_key is None) != (data.api_secret is None):
            raise Conflict("api_key and api_secret go together: send both, or neither (a demo "
                           "account, or the operator's user on the operator's keys)",
                           code="incomplete_keys")
        creds = None
        if data.api_key is not None and data.api_secret is not None:
            creds = {"api_key": data.api_key, "api_secret": data.api_secret}
            if data.passphrase:
                creds["passphrase"] = data.passphrase
        key_field = "api_key"
    else:
        creds = {"metaapi_token": data.metaapi_token,
                 "metaapi_account_id": data.metaapi_account_id}
        key_field = "metaapi_account_id"
    account = ctx().accounts.add_account(
        path.user_id, exchange=ExchangeName(data.exchange), market_type=data.market_type,
        mode=data.mode, testnet=data.testnet, label=data.label, credentials=creds,
        key_field=key_field)
    return jsonify(account_out(account)), 201


@api.get("/<user_id>/exchanges/<account_id>", responses={200: AccountOut}, security=SECURITY)
def get_account(path: AccountPath) -> Response:
    """One exchange account."""
    require_owner(path.user_id)
    user = ctx().accounts.users.get(path.user_id)
    return jsonify(account_out(find_account(user, path.account_id)))


@api.patch("/<user_id>/exchanges/<account_id>", responses={200: AccountOut},
           security=SECURITY)
def update_account(path: AccountPath, body: AccountPatch) -> Response:
    """Change an account's label, mode, market, testnet flag or switch it on/off."""
    require_owner(path.user_id)
    changes = body.model_dump(exclude_none=True)
    return jsonify(account_out(ctx().accounts.update_account(path.user_id, path.account_id,
                                                             changes)))


@api.delete("/<user_id>/exchanges/<account_id>", responses={200: Deleted}, security=SECURITY)
def delete_account(path: AccountPath) -> Response:
    """Remove an account and its stored credentials."""
    require_owner(path.user_id)
    ctx().accounts.delete_account(path.user_id, path.account_id)
    return jsonify({"deleted": True})


@api.post("/<user_id>/exchanges/<account_id>/verify", responses={200: VerifyOut},
          security=SECURITY)
def verify_account(path: AccountPath) -> Response:
    """Check the account's keys against the exchange; updates its status."""
    require_owner(path.user_id)
    find_account(ctx().accounts.users.get(path.user_id), path.account_id)
    result = ctx().trading.verify_account(path.user_id, path.account_id)
    account = find_account(ctx().accounts.users.get(path.user_id), path.account_id)
    return jsonify({"account": account_out(account), "result": result})
