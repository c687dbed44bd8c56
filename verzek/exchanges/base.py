"""The one exchange interface every adapter implements, and the value types it speaks in.

Errors are the exchange part of `verzek.errors`: permanent ones (`AuthError`,
`InsufficientFunds`, `InvalidOrder`, `BelowMinimum`, `DuplicateOrder`, `OrderNotFound`,
`UnsupportedOperation`) are never retried; transient ones (`NetworkError`, `RateLimited`,
`ExchangeUnavailable`, `OutcomeUnknown`) are retried with the same client order id, and an
`OutcomeUnknown` on a create is resolved by looking the order up (see `resilient.py`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from verzek.domain.models import (
    ExchangeName,
    MarginMode,
    MarketType,
    OrderSide,
    OrderStatus,
    OrderType,
    Side,
)
from verzek.errors import BelowMinimum, InvalidOrder

ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class MarketInfo:
    """Precision and minimums of one market, as the exchange publishes them."""

    symbol: str  # "BTC/USDT" (spot) or "BTC/USDT:USDT" (USDT-margined perpetual)
    market_type: MarketType
    base: str
    quote: str
    amount_step: Decimal  # quantity tick, in contracts for futures
    price_step: Decimal
    min_amount: Decimal = ZERO
    min_notional: Decimal = ZERO  # minimum order value in quote currency
    contract_size: Decimal = Decimal("1")  # base units per contract
    taker_fee: Decimal = Decimal("0.001")
    maker_fee: Decimal = Decimal("0.001")
    max_leverage: int = 1
    exchange_id: str = ""  # the exchange's own market id, e.g. "BTCUSDT"
    # whether the exchange stated `max_leverage` (ccxt's Binance listing does not: a default
    # stands in, which must not cap a trade the exchange would take at 50x)
    leverage_stated: bool = False


@dataclass(frozen=True, slots=True)
class Ticker:
    symbol: str
    last: Decimal
    bid: Decimal | None
    ask: Decimal | None
    at: datetime | None


@dataclass(frozen=True, slots=True)
class BalanceEntry:
    free: Decimal
    used: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class Balance:
    """Per-currency balances; `get` answers zeros for an absent currency."""

    currencies: dict[str, BalanceEntry] = field(default_factory=dict)

    def get(self, currency: str) -> BalanceEntry:
        return self.currencies.get(currency, BalanceEntry(ZERO, ZERO, ZERO))


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """One order as we mean it; `client_order_id` is always ours (see `client_ids.py`)."""

    symbol: str
    side: OrderSide
    type: OrderType
    quantity: Decimal  # base units for spot, contracts for futures (contract_size 1 mostly)
    client_order_id: str
    price: Decimal | None = None  # limit price
    stop_price: Decimal | None = None  # trigger price of a stop-market order
    reduce_only: bool = False
    # The price the caller decided on, for the minimum-value check of market orders (without
    # it the adapter reads the ticker first).
    reference_price: Decimal | None = None
    # Futures: set before the first order of the symbol (cached; "already set" is fine).
    leverage: int | None = None
    margin_mode: MarginMode | None = None
    # Protection attached to a market entry; only Coinexx (MetaTrader) takes them with the
    # order, the other adapters refuse them (place a separate reduce-only stop instead).
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None


@dataclass(frozen=True, slots=True)
class TradeFill:
    trade_id: str
    price: Decimal
    quantity: Decimal
    fee_usdt: Decimal
    at: datetime | None
    # The part of the fee taken in the traded coin itself (Binance or Bybit spot charge a buy's
    # fee in the coin bought): the account holds `quantity - fee_base` of it afterwards.
    fee_base: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class OrderResult:
    client_order_id: str
    exchange_order_id: str | None
    status: OrderStatus
    symbol: str = ""
    side: OrderSide | None = None
    type: OrderType | None = None
    quantity: Decimal = ZERO
    price: Decimal | None = None
    filled_quantity: Decimal = ZERO
    average_price: Decimal | None = None
    fee_usdt: Decimal = ZERO
    trades: tuple[TradeFill, ...] = ()
    fee_base: Decimal = ZERO  # the order's fee taken in the traded coin (see TradeFill)


@dataclass(frozen=True, slots=True)
class PositionInfo:
    symbol: str
    side: Side
    quantity: Decimal  # contracts (base units when contract_size is 1)
    entry_price: Decimal | None
    mark_price: Decimal | None = None
    leverage: int | None = None
    margin_mode: MarginMode | None = None
    # Protection attached to a market entry; only Coinexx (MetaTrader) takes them with the
    # order, the other adapters refuse them (place a separate reduce-only stop instead).
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    liquidation_price: Decimal | None = None
    unrealised_pnl_usdt: Decimal = ZERO
    position_id: str | None = None  # Coinexx/MetaTrader ticket


@dataclass(frozen=True, slots=True)
class CredentialReport:
    """What `verify_credentials` found; `ok` is False when the keys must not be used."""

    ok: bool
    can_withdraw: bool | None  # None: the exchange does not say
    ip_restricted: bool | None
    message: str


def round_to_step(value: Decimal, step: Decimal, rounding: str = ROUND_DOWN) -> Decimal:
    """`value` on the `step` grid (quantities round down so we never spend more than meant)."""
    if step <= 0:
        return value
    out = ((value / step).to_integral_value(rounding=rounding) * step).normalize()
    return out.quantize(Decimal(1)) if int(out.as_tuple().exponent) > 0 else out  # not 3E+3


class Exchange(ABC):
    """One account on one exchange (or the paper exchange standing in for it)."""

    name: ExchangeName
    account_id: str

    # --- metadata -------------------------------------------------------------------------

    @abstractmethod
    def load_markets(self, *, reload: bool = False) -> dict[str, MarketInfo]:
        """Every supported market by symbol; cached after the first call."""

    def market(self, symbol: str) -> MarketInfo:
        """One market; InvalidOrder when the exchange does not list it."""
        markets = self.load_markets()
        try:
            return markets[symbol]
        except KeyError:
            raise InvalidOrder(f"{self.name} has no market {symbol}",
                               code="unknown_symbol") from None

    def amount_to_precision(self, symbol: str, amount: Decimal) -> Decimal:
        return round_to_step(amount, self.market(symbol).amount_step)

    def price_to_precision(self, symbol: str, price: Decimal) -> Decimal:
        return round_to_step(price, self.market(symbol).price_step, ROUND_HALF_EVEN)

    def check_minimums(self, req: OrderRequest, *, reference_price: Decimal | None = None) -> None:
        """Raise BelowMinimum before any request when the order is too small to be accepted.

        ccxt does not check the minimum order value; reduce-only orders are exempt from the
        value check, as on the exchanges (closing a small remainder must stay possible).
        """
        m = self.market(req.symbol)
        qty = self.amount_to_precision(req.symbol, req.quantity)
        if qty <= 0 or (m.min_amount and qty < m.min_amount):
            raise BelowMinimum(
                f"{req.symbol}: quantity {req.quantity} is below the minimum {m.min_amount}",
                details={"symbol": req.symbol, "min_amount": str(m.min_amount)})
        price = req.price or req.stop_price or reference_price
        if m.min_notional and price is not None and not req.reduce_only:
            notional = qty * m.contract_size * price
            if notional < m.min_notional:
                raise BelowMinimum(
                    f"{req.symbol}: order value {notional} is below the minimum {m.min_notional}",
                    details={"symbol": req.symbol, "min_notional": str(m.min_notional)})

    # --- market data ----------------------------------------------------------------------

    @abstractmethod
    def fetch_ticker(self, symbol: str) -> Ticker: ...

    def fetch_tickers(self, symbols: list[str]) -> dict[str, Ticker]:
        return {s: self.fetch_ticker(s) for s in symbols}

    # --- account ----------------------------------------------------------------------------

    @abstractmethod
    def fetch_balance(self) -> Balance: ...

    @abstractmethod
    def verify_credentials(self) -> CredentialReport:
        """Read the balance; refuse keys that can withdraw; say whether an IP list is set."""

    # --- orders -------------------------------------------------------------------------------

    @abstractmethod
    def create_order(self, req: OrderRequest) -> OrderResult:
        """Send one order; on a transient failure raise OutcomeUnknown (look it up, no resend)."""

    @abstractmethod
    def cancel_order(self, symbol: str, *, exchange_order_id: str | None = None,
                     client_order_id: str | None = None) -> OrderResult: ...

    @abstractmethod
    def fetch_order(self, symbol: str, *, exchange_order_id: str | None = None,
                    client_order_id: str | None = None) -> OrderResult:
        """The order by exchange id or by our client id; OrderNotFound when unknown."""

    @abstractmethod
    def fetch_open_orders(self, symbol: str | None = None) -> list[OrderResult]: ...

    @abstractmethod
    def fetch_closed_orders(self, symbol: str,
                            since: datetime | None = None) -> list[OrderResult]: ...

    # --- futures ----------------------------------------------------------------------------

    @abstractmethod
    def fetch_positions(self, symbols: list[str] | None = None) -> list[PositionInfo]: ...

    @abstractmethod
    def set_leverage(self, symbol: str, leverage: int) -> None:
        """Set the leverage; an "already set" answer is not an error."""

    @abstractmethod
    def set_margin_mode(self, symbol: str, mode: MarginMode) -> None:
        """Set isolated or cross; an "already set" answer is not an error."""

    def configure_futures(self, symbol: str, *, leverage: int | None,
                          margin_mode: MarginMode | None) -> None:
        """Margin mode and leverage before the first order of a symbol, both as asked.

        The default sets the mode, then the leverage; an adapter whose exchange holds both
        in one value (Phemex's signed leverage) overrides this so neither undoes the other.
        """
        if margin_mode is not None:
            self.set_margin_mode(symbol, margin_mode)
        if leverage is not None:
            self.set_leverage(symbol, leverage)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections and threads; the default holds none."""
