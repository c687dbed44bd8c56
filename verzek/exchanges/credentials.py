"""What each exchange says about an API key: may it withdraw, is it bound to IP addresses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from verzek.domain.models import ExchangeName
from verzek.errors import VerzekError
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


def credential_report(name: ExchangeName, client: Any, call: Caller, *,
                      testnet: bool) -> CredentialReport:
    """Ask the exchange about the key after a successful balance read."""
    if testnet:
        return _report(None, None, "testnet/demo keys: permissions not checked")
    if name is ExchangeName.BINANCE:
        # GET /sapi/v1/account/apiRestrictions: {"ipRestrict", "enableWithdrawals", ...}
        info = call(client.sapi_get_account_apirestrictions)
        return _report(bool(info.get("enableWithdrawals")), bool(info.get("ipRestrict")))
    if name is ExchangeName.BYBIT:
        # GET /v5/user/query-api: result.permissions.Wallet lists "Withdraw"; ips ["*"] = any.
        try:
            result = call(client.private_get_v5_user_query_api).get("result") or {}
        except VerzekError as exc:
            return _report(None, None, f"key info unavailable ({exc.code})")
        wallet = (result.get("permissions") or {}).get("Wallet") or []
        ips = result.get("ips") or []
        return _report("Withdraw" in wallet, bool(ips) and ips != ["*"])
    return _report(None, None, "this exchange does not tell a key's permissions: make sure "
                               "withdrawals are disabled for it")
