"""Map ccxt exceptions onto our hierarchy: a table by ccxt class, refined by the exchange's code.

ccxt already translates each exchange's error codes into its classes; where it lumps codes we
must tell apart (duplicate client ids become ccxt `InvalidOrder` on Binance -4116 and Bybit
110072/170141), the exchange's own code decides, read from the JSON body ccxt parsed — never
from message text. Binance -2010 (NEW_ORDER_REJECTED) covers both "Duplicate order sent." and
other rejections under one code; ccxt tells insufficient balance apart by its exact-message
table, and the adapter resolves the rest by looking the client id up (`AMBIGUOUS_DUPLICATE`).
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
DUPLICATE_CODES: dict[str, frozenset[str]] = {
    "binance": frozenset({"-4116"}),
    "bybit": frozenset({"110072", "170141"}),
    "phemex": frozenset({"11085", "10001"}),
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
    retry_after_s: float | None = None, text: str | None = None,
) -> vz.VerzekError:
    """Our error for a ccxt exception (`code`: the exchange's own error code, if any)."""
    if code is not None and code in DUPLICATE_CODES.get(exchange, frozenset()):
        return vz.DuplicateOrder(f"{exchange}: client order id already used (code {code})",
                                 details={"exchange": exchange, "code": code})
    target: type[vz.VerzekError] = vz.ExchangeError
    for ccxt_class, ours in CLASS_TABLE:
        if isinstance(exc, ccxt_class):
            target = ours
            break
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
