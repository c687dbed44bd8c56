"""Domain types: users, plans, subscriptions, settings, exchange accounts, positions, orders,
fills, signals and signal updates. Pure data with validation; behaviour lives beside them.

Money is `Decimal` (serialised as strings), time is timezone-aware UTC (ISO-8601 in JSON).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

import annotated_types
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number (NaN and Infinity are not accepted)")
    return value


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be greater than zero")
    return value


def _non_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _aware(value: datetime) -> datetime:
    """A timestamp with a timezone, stored in UTC ("+02:00" is converted, never kept)."""
    if value.tzinfo is None:
        raise ValueError("must carry a timezone (UTC)")
    try:
        return value if value.tzinfo is UTC else value.astimezone(UTC)
    except OverflowError:  # "9999-12-31T23:59:59-05:00" is in the year 10000 in UTC
        raise ValueError("must fall within the years 1 to 9999 in UTC") from None


Money = Annotated[Decimal, AfterValidator(_finite)]
PositiveDecimal = Annotated[Decimal, AfterValidator(_finite), AfterValidator(_positive)]
NonNegDecimal = Annotated[Decimal, AfterValidator(_finite), AfterValidator(_non_negative)]
UtcDatetime = Annotated[datetime, AfterValidator(_aware)]
# A move of the price in %: a stop 100 % below a long's entry (or a short's target 100 % below
# it) is no price at all, so such a setting is refused where it is set, not at the next trade.
PriceMovePct = Annotated[PositiveDecimal, annotated_types.Lt(100)]
# A share in % (of the balance, of a loss limit, of a band around the entry)
SharePct = Annotated[PositiveDecimal, annotated_types.Le(100)]


class Model(BaseModel):
    """Base of every domain type: strict field names, Decimal-safe, NaN/Infinity refused.

    `allow_inf_nan=False` makes pydantic refuse NaN and ±Infinity in every float and Decimal
    field (as numbers or strings); free-form containers are refused NaN when stored, since the
    store writes strict JSON.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=True)


# --- enums -------------------------------------------------------------------------------


class PlanName(StrEnum):
    FREE = "free"
    PRO = "pro"
    VIP = "vip"


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


class TradingMode(StrEnum):
    DEMO = "demo"
    LIVE = "live"


class ExchangeName(StrEnum):
    BINANCE = "binance"
    BYBIT = "bybit"
    PHEMEX = "phemex"
    COINEXX = "coinexx"


class MarketType(StrEnum):
    SPOT = "spot"
    FUTURES = "futures"


class Side(StrEnum):
    LONG = "long"
    SHORT = "short"


class OrderSide(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP_MARKET = "stop_market"


class OrderStatus(StrEnum):
    INTENDED = "intended"  # journaled, not yet known to the exchange
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # sent, outcome not yet known: look up, never resend


class PositionStatus(StrEnum):
    PENDING = "pending"
    OPEN = "open"
    PARTIALLY_CLOSED = "partially_closed"
    CLOSED = "closed"


class CloseReason(StrEnum):
    TAKE_PROFIT = "take_profit"
    STOP_LOSS = "stop_loss"
    MANUAL = "manual"
    KILL_SWITCH = "kill_switch"
    CANCELLED = "cancelled"
    LIQUIDATED = "liquidated"
    CHANNEL = "channel"


class MarginMode(StrEnum):
    ISOLATED = "isolated"
    CROSS = "cross"


# --- plans and subscriptions ---------------------------------------------------------------


class Subscription(Model):
    plan: PlanName = PlanName.FREE
    started_at: UtcDatetime | None = None
    expires_at: UtcDatetime | None = None  # None: never (free) or until cancelled
    trial_ends_at: UtcDatetime | None = None


# --- settings --------------------------------------------------------------------------------


class GeneralSettings(Model):
    mode: TradingMode = TradingMode.DEMO
    auto_trade: bool = False
    default_account_id: str | None = None
    trade_all_accounts: bool = False
    follow_channel_updates: bool = True
    notifications: bool = True


class RiskSettings(Model):
    position_size_mode: Literal["fixed", "percent"] = "fixed"
    position_size_usdt: PositiveDecimal = Decimal("100")
    position_size_pct: SharePct = Decimal("2")
    max_leverage: int = Field(default=10, ge=1, le=125)
    margin_mode: MarginMode = MarginMode.ISOLATED
    max_concurrent_positions: int = Field(default=5, ge=0, le=1000)
    max_daily_trades: int = Field(default=20, ge=0, le=10_000)
    max_daily_loss_pct: SharePct = Decimal("10")
    cooldown_after_close_s: int = Field(default=0, ge=0, le=7 * 86400)
    symbol_whitelist: list[str] = Field(default_factory=list)
    symbol_blacklist: list[str] = Field(default_factory=list)
    max_position_usdt: PositiveDecimal | None = None
    max_symbol_exposure_usdt: PositiveDecimal | None = None
    max_total_exposure_usdt: PositiveDecimal | None = None
    price_collar_pct: SharePct = Decimal("5")
    max_signal_age_s: int = Field(default=300, ge=1, le=86400)
    allow_dca_beyond_liquidation: bool = False


class StrategySettings(Model):
    entry_type: Literal["market", "limit", "split"] = "market"
    split_entries: int = Field(default=3, ge=2, le=10)
    take_profit_mode: Literal["percent", "signal_targets"] = "signal_targets"
    take_profit_pct: PriceMovePct = Decimal("2")
    tp_distribution: Literal["whole", "even", "explicit"] = "even"
    tp_distribution_pcts: list[SharePct] = Field(default_factory=list)
    stop_loss_mode: Literal["signal", "percent", "none"] = "signal"
    stop_loss_pct: PriceMovePct = Decimal("5")
    sl_recompute_on_dca: bool = False
    move_sl_to_breakeven_after_tp1: bool = True
    # Breakeven (after target 1, or the channel's "move SL to entry"): the entry itself, or
    # the entry plus the fees paid in and to pay out, so the rest closes without a loss
    breakeven_covers_fees: bool = False
    trailing_tp_activation_pct: PriceMovePct | None = None
    trailing_tp_callback_pct: PriceMovePct | None = None
    trailing_stop_pct: PriceMovePct | None = None
    # "LONG above 65500" not crossed within this many hours of the call: the entry is cancelled
    trigger_entry_ttl_h: int = Field(default=24, ge=1, le=168)
    # A resting limit entry still unfilled this many hours after the call is cancelled (None:
    # it rests until filled or cancelled by the channel or the user)
    entry_ttl_h: int | None = Field(default=48, ge=1, le=720)
    # The price reached the call's first target before the entry filled: the move is over,
    # the resting entry is cancelled rather than filled late
    cancel_entry_at_target: bool = True


class DcaLevel(Model):
    deviation_pct: PositiveDecimal
    size_multiplier: PositiveDecimal


class DcaSettings(Model):
    enabled: bool = False
    safety_order_usdt: PositiveDecimal = Decimal("50")
    max_safety_orders: int = Field(default=3, ge=0, le=50)
    deviation_pct: PositiveDecimal = Decimal("1.5")
    step_scale: PositiveDecimal = Decimal("1")
    volume_scale: PositiveDecimal = Decimal("1")
    levels: list[DcaLevel] = Field(default_factory=list)  # explicit levels override the generator
    max_active_safety_orders: int = Field(default=3, ge=1, le=50)
    execution: Literal["limit", "monitored"] = "limit"
    max_investment_usdt: PositiveDecimal | None = None


class UserSettings(Model):
    general: GeneralSettings = Field(default_factory=GeneralSettings)
    risk: RiskSettings = Field(default_factory=RiskSettings)
    strategy: StrategySettings = Field(default_factory=StrategySettings)
    dca: DcaSettings = Field(default_factory=DcaSettings)


# --- exchange accounts -----------------------------------------------------------------------


class ExchangeAccount(Model):
    id: str
    user_id: str
    exchange: ExchangeName
    market_type: MarketType = MarketType.FUTURES
    mode: TradingMode = TradingMode.DEMO
    testnet: bool = False
    enabled: bool = True
    status: Literal["unverified", "verified", "failed", "disabled"] = "unverified"
    status_message: str = ""
    key_last4: str = ""
    credentials_ciphertext: str | None = None  # MultiFernet token; never the clear secret
    created_at: UtcDatetime
    label: str = ""


# --- users -----------------------------------------------------------------------------------


class User(Model):
    schema_version: int = SCHEMA_VERSION
    id: str
    email: str
    name: str = ""
    role: Role = Role.USER
    password_hash: str = ""
    created_at: UtcDatetime
    subscription: Subscription = Field(default_factory=Subscription)
    settings: UserSettings = Field(default_factory=UserSettings)
    exchange_accounts: list[ExchangeAccount] = Field(default_factory=list)
    telegram_user_id: int | None = None
    paused: bool = False
    paused_until: UtcDatetime | None = None
    deleted: bool = False
    # e-mails the user had before a change: a new account with one gets no new trial
    former_emails: list[str] = Field(default_factory=list)


# --- orders, fills, positions ----------------------------------------------------------------


class Fill(Model):
    trade_id: str
    client_order_id: str
    price: PositiveDecimal
    quantity: PositiveDecimal
    fee_usdt: NonNegDecimal = Decimal("0")
    at: UtcDatetime


class Order(Model):
    client_order_id: str
    exchange_order_id: str | None = None
    leg: str  # "entry", "entry1", "dca3", "tp2", "sl", "close", ...
    side: OrderSide
    type: OrderType
    quantity: PositiveDecimal
    price: PositiveDecimal | None = None
    stop_price: PositiveDecimal | None = None
    reduce_only: bool = False
    status: OrderStatus = OrderStatus.INTENDED
    filled_quantity: NonNegDecimal = Decimal("0")
    average_price: PositiveDecimal | None = None
    created_at: UtcDatetime
    updated_at: UtcDatetime | None = None


class TakeProfitTarget(Model):
    price: PositiveDecimal
    quantity: NonNegDecimal = Decimal("0")
    hit: bool = False


class Position(Model):
    id: str
    user_id: str
    signal_id: str | None = None
    account_id: str
    exchange: ExchangeName
    market_type: MarketType
    mode: TradingMode
    symbol: str
    side: Side
    leverage: int = Field(default=1, ge=1, le=125)
    status: PositionStatus = PositionStatus.PENDING
    close_reason: CloseReason | None = None
    quantity: NonNegDecimal = Decimal("0")  # open quantity in base units
    entry_quantity: NonNegDecimal = Decimal("0")  # everything ever bought (sold for shorts)
    cost_usdt: NonNegDecimal = Decimal("0")  # quote spent on what is open, at average entry
    average_entry: PositiveDecimal | None = None
    realised_pnl_usdt: Money = Decimal("0")  # net of fees
    fees_usdt: NonNegDecimal = Decimal("0")
    stop_loss: PositiveDecimal | None = None
    targets: list[TakeProfitTarget] = Field(default_factory=list)
    dca_levels_filled: int = 0
    orders: list[Order] = Field(default_factory=list)
    fills: list[Fill] = Field(default_factory=list)
    opened_at: UtcDatetime
    closed_at: UtcDatetime | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


# --- signals ---------------------------------------------------------------------------------


class SignalSource(Model):
    kind: Literal["telegram", "api", "webhook", "bot"] = "api"
    chat_id: int | str | None = None
    message_id: int | None = None
    reply_to_id: int | None = None


class Signal(Model):
    """A trade call: what to buy or sell, where, with which targets and stop."""

    symbol: str  # BASE/QUOTE
    side: Side
    entries: list[PositiveDecimal] = Field(default_factory=list)  # empty: market entry
    entry_is_market: bool = False
    # "LONG above 65500": nothing is bought until the price crosses the entry this way
    entry_trigger: Literal["above", "below"] | None = None
    targets: list[PositiveDecimal] = Field(default_factory=list)
    stop_loss: PositiveDecimal | None = None
    # A market entry's targets and stop written as percentages ("Entry: CMP, TP 2% 4%, SL 3%"):
    # measured from the price the engine enters at, when `targets` / `stop_loss` are not given
    # (a stop of 100 % or more is no price: the engine's submit refuses one, the reader never
    # writes one; a target a short cannot reach is dropped when the trade is placed)
    target_pcts: list[PositiveDecimal] = Field(default_factory=list)
    stop_pct: PositiveDecimal | None = None
    leverage: int | None = Field(default=None, ge=1, le=125)
    market: MarketType | None = None
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    raw_text: str = ""


UpdateAction = Literal["target_hit", "close", "cancel", "move_sl", "stop_hit", "other"]


class SignalUpdate(Model):
    """A follow-up on an earlier signal: a target hit, a close, a cancel, a moved stop."""

    symbol: str | None = None
    action: UpdateAction
    target_index: int | None = None  # 1-based, as the channel writes it
    new_stop: PositiveDecimal | None = None
    to_breakeven: bool = False
    stop_to_target: int | None = Field(default=None, ge=1, le=100)  # "SL to TP1": 1-based
    # "close 50%": the share of what is open to close (a close without it closes it all)
    close_share: Decimal | None = Field(default=None, gt=0, lt=1)
    # "Close all positions now": every open position from the channel's calls, not one call's
    # (a close naming no coin); `all_side` for "close all longs" / "close all shorts"
    all_positions: bool = False
    all_side: Side | None = None
    raw_text: str = ""


class SignalRecord(Model):
    """A received signal as persisted: the parse, its source and every user's decision."""

    schema_version: int = SCHEMA_VERSION
    id: str
    received_at: UtcDatetime
    source: SignalSource = Field(default_factory=SignalSource)
    content_hash: str
    kind: Literal["signal", "update", "noise"]
    signal: Signal | None = None
    update: SignalUpdate | None = None
    invalid_reason: str | None = None
    # a message read as no trade, as it came (its first 1,000 characters): which alert or post
    # was refused, for the operator (a call's and a follow-up's text is their `raw_text`)
    text: str = ""
    decisions: list[dict[str, Any]] = Field(default_factory=list)
