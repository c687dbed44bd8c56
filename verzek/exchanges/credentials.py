"""What each exchange says about an API key: may it withdraw, is it bound to IP addresses.

Where the exchange can tell (Binance API restrictions, Bybit key information) a key is accepted
only once its permissions have been read: a failure to read them is "could not verify", never
"keys work" — a key that can withdraw must not slip through because the check itself failed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from verzek.domain.models import ExchangeName
from verzek.errors import TransientExchangeError, VerzekError
from verzek.exchanges.base import CredentialReport

Caller = Callable[..., Any]


def _report(can_withdraw: bool | None, ip_restricted: bool | None, note: str = "",
            ) -> CredentialReport:
    if can_withdraw:
        return CredentialReport(False, True, ip_restricted,
                                "this key allows withdrawals: create a key without the "
                                "withdrawal permission")
    parts = ["keys work"]
    if ip_restricted is False:
        parts.append("no IP restriction is set (recommended: restrict the key to our IP)")
    elif ip_restricted:
        parts.append("restricted to a list of IP addresses")
    if note:
        parts.append(note)
    return CredentialReport(True, can_withdraw, ip_restricted, "; ".join(parts))


def _unverified(exchange: str, why: str) -> CredentialReport:
    return CredentialReport(False, None, None,
                            f"could not verify the key's permissions on {exchange} ({why}): "
                            "the key is not used until they can be read; try again later")


def credential_report(name: ExchangeName, client: Any, call: Caller, *,
                      testnet: bool) -> CredentialReport:
    """Ask the exchange about the key after a successful balance read."""
    if testnet:
        return _report(None, None, "testnet/demo keys: permissions not checked")
    if name is ExchangeName.BINANCE:
        # GET /sapi/v1/account/apiRestrictions: {"ipRestrict", "enableWithdrawals", ...}
        try:
            info = call(client.sapi_get_account_apirestrictions)
        except TransientExchangeError:
            raise  # away or throttling says nothing of the key: its status stays as it was
        except VerzekError as exc:
            return _unverified(name.value, exc.code)
        if not isinstance(info, dict) or "enableWithdrawals" not in info:
            return _unverified(name.value, "no withdrawal permission in the answer")
        return _report(bool(info.get("enableWithdrawals")), bool(info.get("ipRestrict")))
    if name is ExchangeName.BYBIT:
        # GET /v5/user/query-api: result.permissions.Wallet lists "Withdraw"; ips ["*"] = any.
        try:
            answer = call(client.private_get_v5_user_query_api)
        except TransientExchangeError:
            raise  # away or throttling says nothing of the key: its status stays as it was
        except VerzekError as exc:
            return _unverified(name.value, exc.code)
        result = answer.get("result") if isinstance(answer, dict) else None
        if not isinstance(result, dict) or not isinstance(result.get("permissions"), dict):
            return _unverified(name.value, "no permissions in the key information")
        wallet = result["permissions"].get("Wallet") or []
        ips = result.get("ips") or []
        return _report("Withdraw" in wallet, bool(ips) and ips != ["*"])
    return _report(None, None, "this exchange does not tell a key's permissions: make sure "
                               "withdrawals are disabled for it")
