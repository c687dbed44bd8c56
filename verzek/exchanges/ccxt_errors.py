"""Map ccxt exceptions onto our hierarchy: a table by ccxt class, refined by the exchange's code.

ccxt already translates each exchange's error codes into its classes; where it lumps codes we
must tell apart (duplicate client ids become ccxt `InvalidOrder` on Binance -4116 and Bybit
110072/170141), the exchange's own code decides, read from the JSON body ccxt parsed — never
from message text. Binance -2010 (NEW_ORDER_REJECTED) covers both "Duplicate order sent." and
other rejections under one code; ccxt tells insufficient balance apart by its exact-message
table, and the adapter resolves the rest by looking the client id up (`AMBIGUOUS_DUPLICATE`).
Where ccxt's class would send the engine the wrong way, `CODE_TABLE` decides by the code, and
an HTTP 5xx answer is never a permanent refusal (`map_ccxt_error`).
"""

from __future__ import annotations

import ccxt

from verzek import errors as vz

# Most specific first: the first class the exception is an instance of wins.
CLASS_TABLE: tuple[tuple[type[Exception], type[vz.VerzekError]], ...] = (
    (ccxt.DuplicateOrderId, vz.DuplicateOrder),
    (ccxt.OrderNotFound, vz.OrderNotFound),
    (ccxt.InsufficientFunds, vz.InsufficientFunds),
    (ccxt.AuthenticationError, vz.AuthError),  # incl. PermissionDenied, AccountSuspended
    (ccxt.RateLimitExceeded, vz.RateLimited),
    (ccxt.DDoSProtection, vz.RateLimited),
    (ccxt.InvalidNonce, vz.NetworkError),  # clock skew / recvWindow: the request was refused
    (ccxt.ExchangeNotAvailable, vz.ExchangeUnavailable),  # incl. OnMaintenance, 5xx
    (ccxt.RequestTimeout, vz.NetworkError),
    (ccxt.NetworkError, vz.NetworkError),
    (ccxt.OperationFailed, vz.ExchangeUnavailable),  # BadResponse, CancelPending, ...
    (ccxt.NotSupported, vz.UnsupportedOperation),
    (ccxt.OrderImmediatelyFillable, vz.WouldTriggerImmediately),  # Binance -2021
    (ccxt.InvalidOrder, vz.InvalidOrder),
    (ccxt.BadRequest, vz.InvalidOrder),  # incl. BadSymbol
    (ccxt.ArgumentsRequired, vz.InvalidOrder),
    (ccxt.OperationRejected, vz.InvalidOrder),  # MarketClosed, NoChange handled by callers
    (ccxt.ExchangeError, vz.ExchangeError),
)

# Exchange codes for "this client order id exists already" (exchange API docs):
# Binance -4116 DUPLICATED_CLIENT_ORDER_ID (futures); Bybit 110072 "OrderLinkedID is duplicate"
# (linear), 170141 "Duplicate clientOrderId" (spot); Phemex 11085 TE_CL_ORD_ID_DUPLICATE,
# 10001 OM_DUPLICATE_ORDERID.
# Bybit 10014 "Request is duplicate": the same request arrived before, so it may exist.
DUPLICATE_CODES: dict[str, frozenset[str]] = {
    "binance": frozenset({"-4116"}),
    "bybit": frozenset({"110072", "170141", "10014"}),
    "phemex": frozenset({"11085", "10001"}),
}
# Codes whose ccxt class would mislead the engine (exchange API docs; ccxt's comments):
# * the exchange failed, not the order: Bybit 10000 "Server Timeout", 10016 "System error",
#   429 "high server load, please retry", spot 170146 "Order creation timeout", 170147
#   "Order cancellation timeout"; Phemex 11107 TE_CANNOT_CONNECT_TO_REQUEST_SEQ. ccxt calls
#   them ExchangeError / InvalidOrder (permanent): an order that may exist would be
#   journaled as refused and never looked up.
# * a stop the price has crossed already: Bybit 110092 "expect Rising, but trigger_price <=
#   current", 110093 "expect Falling ..."; Phemex 11043/11044 TE_RISING/FALLING_TRIGGER_
#   DIRECTLY (Binance -2021 is ccxt's OrderImmediatelyFillable already).
# * the order is no longer live (a cancel came too late): Bybit 110008 "Order has been
#   finished or canceled", 110010 "Order already cancelled", spot 170142 "Order has been
#   canceled"; Phemex 11062 TE_ORD_ALREADY_CANCELED. Callers read such an order once.
# * Binance -2014 / -2015 "Invalid API-key, IP, or permissions": ccxt turns -2015 into
#   DDoSProtection once a key has worked, which would ban the exchange for every account
#   and count one user's revoked key against the platform.
CODE_TABLE: dict[str, dict[str, type[vz.VerzekError]]] = {
    "binance": {"-2014": vz.AuthError, "-2015": vz.AuthError},
    "bybit": {
        "10000": vz.ExchangeUnavailable, "10016": vz.ExchangeUnavailable,
        "429": vz.ExchangeUnavailable, "170146": vz.ExchangeUnavailable,
        "170147": vz.ExchangeUnavailable,
        "110092": vz.WouldTriggerImmediately, "110093": vz.WouldTriggerImmediately,
        "110008": vz.OrderNotFound, "110010": vz.OrderNotFound, "170142": vz.OrderNotFound,
    },
    "phemex": {
        "11107": vz.ExchangeUnavailable,
        "11043": vz.WouldTriggerImmediately, "11044": vz.WouldTriggerImmediately,
        "11062": vz.OrderNotFound,
    },
}
# Codes that may mean a duplicate among other things: the adapter looks the client id up.
AMBIGUOUS_DUPLICATE: dict[str, frozenset[str]] = {"binance": frozenset({"-2010"})}
# "Nothing to change" answers to set-leverage / set-margin-mode: success for us.
# Binance -4046 "No need to change margin type", -4059 "No need to change position side" (an
# unchanged leverage is answered normally); Bybit 110043 "Set leverage not modified", 110026
# "Cross/isolated margin mode is not modified", 110025 "Position mode is not modified" (the
# unified account's set-margin-mode answers retCode 0 when unchanged); Phemex's error table
# has no such code: an unchanged leverageRr is answered with code 0.
ALREADY_SET_CODES: dict[str, frozenset[str]] = {
    "binance": frozenset({"-4046", "-4059"}),
    "bybit": frozenset({"110043", "110026", "110025"}),
    "phemex": frozenset(),
}
# Back-off when the answer carries no Retry-After: 418 Binance IP ban (2 min .. 3 days),
# 429 rate limit, 403 Bybit "access too frequent" IP ban (Bybit asks for 10 minutes).
DEFAULT_BAN_S = {418: 120.0, 429: 1.0, 403: 600.0}


def map_ccxt_error(
    exc: BaseException, *, exchange: str, code: str | None = None,
    retry_after_s: float | None = None, text: str | None = None, status: int | None = None,
) -> vz.VerzekError:
    """Our error for a ccxt exception (`code`: the exchange's own error code, if any;
    `status`: the HTTP status of the answer)."""
    if code is not None and code in DUPLICATE_CODES.get(exchange, frozenset()):
        return vz.DuplicateOrder(f"{exchange}: client order id already used (code {code})",
                                 details={"exchange": exchange, "code": code})
    target: type[vz.VerzekError] = vz.ExchangeError
    for ccxt_class, ours in CLASS_TABLE:
        if isinstance(exc, ccxt_class):
            target = ours
            break
    target = CODE_TABLE.get(exchange, {}).get(code or "", target)
    if target is vz.ExchangeError and status is not None and status >= 500:
        target = vz.ExchangeUnavailable  # an unknown code on a 5xx: the server failed
    message = f"{exchange}: {type(exc).__name__}"
    if code is not None:
        message += f" (code {code})"
    if text:
        message += f": {text[:200]}"  # shown to people only; never used to classify
    details = {"exchange": exchange, "code": code, "ccxt": type(exc).__name__}
    if target is vz.RateLimited:
        return vz.RateLimited(message, retry_after_s=retry_after_s, details=details)
    return target(message, details=details)


def is_already_set(exc: BaseException, *, exchange: str, code: str | None) -> bool:
    """Whether a set-leverage/margin-mode failure only says nothing needed to change."""
    if isinstance(exc, ccxt.NoChange):
        return True
    return code is not None and code in ALREADY_SET_CODES.get(exchange, frozenset())
