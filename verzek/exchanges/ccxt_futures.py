"""Leverage and margin mode of USDT perpetuals through ccxt: what each exchange must be sent.

* Binance: per symbol, POST /fapi/v1/marginType (ISOLATED / CROSSED) and /fapi/v1/leverage.
  -4046 "No need to change margin type" means it is so already.
* Bybit, unified trading account (UTA, every account since 2025): the margin mode belongs to
  the whole account, POST /v5/account/set-margin-mode with ISOLATED_MARGIN or REGULAR_MARGIN
  (cross); the per-symbol /v5/position/switch-isolated answers 100028 "unified account is
  forbidden". We send it once per client, never a `leverage` with it, and log that it holds
  for every symbol; a switch Bybit refuses (3400045, e.g. positions open under the other
  mode) is raised with Bybit's reasons. Bybit answers an unchanged mode with retCode 0.
  Classic accounts switch per symbol (switch-isolated, with the leverage; 110026 "not
  modified"). Leverage per symbol: POST /v5/position/set-leverage (110043 "not modified").
* Phemex USDT perpetuals keep both in one value, PUT /g-positions/leverage?leverageRr=:
  positive means isolated at that leverage, negative cross at that leverage (ccxt's own
  setMarginMode sends -|leverage| for cross; ccxt PR #20537). ccxt's setLeverage sends the
  number as given, so a plain set_leverage(5) on a cross symbol would make it isolated: we
  always send the signed value for the mode the symbol is in. Phemex's error table has no
  "not modified" code: an unchanged setting is answered with code 0.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from verzek.domain.models import ExchangeName, MarginMode
from verzek.errors import ExchangeError, InvalidOrder, VerzekError
from verzek.exchanges.ccxt_errors import is_already_set

logger = logging.getLogger(__name__)
Caller = Callable[..., Any]
BYBIT_SWITCH_REFUSED = "3400045"  # "Set margin mode failed", result.reasons says why


class FuturesSettings:
    """Leverage and margin mode of one account's perpetuals; remembers what it has set."""

    def __init__(self, *, exchange: ExchangeName, account_id: str, client: Any,
                 call: Caller) -> None:
        self._name = exchange
        self._account_id = account_id
        self._client = client
        self._call = call
        self._leverage: dict[str, int] = {}
        self._mode: dict[str, MarginMode] = {}
        self._account_mode: MarginMode | None = None  # Bybit unified accounts

    def configure(self, symbol: str, *, leverage: int | None,
                  margin_mode: MarginMode | None) -> None:
        """Both settings before the first order of a symbol, in the way the exchange needs."""
        if margin_mode is not None:
            self.set_margin_mode(symbol, margin_mode, leverage=leverage)
            if self._name is ExchangeName.PHEMEX:
                return  # one signed value holds both: sent with the mode
        if leverage is not None:
            self.set_leverage(symbol, leverage)

    def set_leverage(self, symbol: str, leverage: int) -> None:
        if self._name is ExchangeName.PHEMEX:
            mode = self._mode.get(symbol) or self._phemex_known(symbol)[1]
            if mode is None:
                logger.warning("phemex %s: margin mode of %s unknown; leverage %sx sent as "
                               "isolated", self._account_id, symbol, leverage)
            self._phemex(symbol, leverage, mode or MarginMode.ISOLATED)
            return
        self._send(self._client.set_leverage, leverage, symbol)
        self._leverage[symbol] = leverage

    def set_margin_mode(self, symbol: str, mode: MarginMode, *,
                        leverage: int | None = None) -> None:
        if self._name is ExchangeName.PHEMEX:
            leverage = (leverage or self._leverage.get(symbol)
                        or self._phemex_known(symbol)[0])
            self._phemex(symbol, self._need_leverage(symbol, leverage), mode)
        elif self._name is ExchangeName.BYBIT:
            self._bybit_margin_mode(symbol, mode, leverage)
        else:
            self._send(self._client.set_margin_mode, mode.value, symbol)
            self._mode[symbol] = mode

    # --- per exchange ---------------------------------------------------------------------

    def _phemex(self, symbol: str, leverage: int, mode: MarginMode) -> None:
        if (self._leverage.get(symbol), self._mode.get(symbol)) == (leverage, mode):
            return
        signed = -abs(leverage) if mode is MarginMode.CROSS else abs(leverage)
        self._send(self._client.set_leverage, signed, symbol)
        self._leverage[symbol], self._mode[symbol] = leverage, mode

    def _phemex_known(self, symbol: str) -> tuple[int | None, MarginMode | None]:
        """What Phemex holds for the symbol (its position entry: leverageRr, crossMargin)."""
        for p in self._call(self._client.fetch_positions, [symbol]):
            if p.get("symbol") == symbol:
                raw = p.get("leverage")
                mode = p.get("marginMode")
                return (int(float(raw)) if raw else None,
                        MarginMode(mode) if mode in ("isolated", "cross") else None)
        return None, None

    def _need_leverage(self, symbol: str, leverage: int | None) -> int:
        if not leverage:
            raise InvalidOrder(f"{self._name.value} {symbol}: the margin mode is set together "
                               "with the leverage, and no leverage is known; give one")
        return leverage

    def _bybit_margin_mode(self, symbol: str, mode: MarginMode, leverage: int | None) -> None:
        if any(self._call(self._client.is_unified_enabled)):
            if self._account_mode is mode:
                return
            try:
                self._send(self._client.set_margin_mode, mode.value, symbol)
            except ExchangeError as exc:
                code = exc.details.get("code") if isinstance(exc.details, dict) else None
                if code != BYBIT_SWITCH_REFUSED:
                    raise
                raise ExchangeError(self._bybit_refusal(mode, exc), details=exc.details) from exc
            logger.info("bybit %s: unified account, margin mode %s set for the whole account "
                        "(every symbol)", self._account_id, mode.value)
            self._account_mode = mode
            return
        lev = self._need_leverage(symbol, leverage or self._leverage.get(symbol))
        self._send(self._client.set_margin_mode, mode.value, symbol, {"leverage": lev})
        self._mode[symbol] = mode

    def _bybit_refusal(self, mode: MarginMode, exc: ExchangeError) -> str:
        body = getattr(self._client, "last_json_response", None)
        result = body.get("result") if isinstance(body, dict) else None
        reasons = [str(r.get("reasonMsg") or r.get("reasonCode"))
                   for r in (result or {}).get("reasons") or [] if isinstance(r, dict)]
        why = "; ".join(reasons) or exc.message
        return (f"bybit: the account-wide margin mode (unified account) could not be set to "
                f"{mode.value}: {why}")[:400]

    def _send(self, fn: Callable[..., Any], *args: Any) -> None:
        """One request; an answer that only says nothing needed to change is success."""
        try:
            self._call(fn, *args)
        except VerzekError as exc:
            code = exc.details.get("code") if isinstance(exc.details, dict) else None
            cause = exc.__cause__
            if cause is not None and is_already_set(cause, exchange=self._name.value, code=code):
                logger.debug("%s %s: already set (code %s)", self._name.value, fn.__name__,
                             code)
                return
            raise
