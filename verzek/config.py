"""Settings: one frozen, typed object built once from the environment (and `.env` when present)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from verzek.errors import ConfigError

# env variable -> (field name, help text shown in errors and .env.example)
ENV_FIELDS: dict[str, tuple[str, str]] = {
    "PORT": ("port", "HTTP port of the REST API, 1-65535"),
    "VERZEK_HOST": ("host", "address the API binds to"),
    "VERZEK_DATA_DIR": ("data_dir", "folder of the JSON state"),
    "VERZEK_LOG_LEVEL": ("log_level", "DEBUG, INFO, WARNING or ERROR"),
    "VERZEK_LOG_FILE": ("log_file", "optional log file path (logs also go to stderr)"),
    "VERZEK_ADMIN_TOKEN": ("admin_tokens", "admin bearer token(s), comma-separated, >= 16 chars"),
    "VERZEK_MASTER_KEYS": ("master_keys", "Fernet keys, comma-separated, primary first"),
    "VERZEK_PRICE_FEED": ("price_feed", "demo price feed: live or sim"),
    "VERZEK_ALLOW_SIGNUP": ("allow_signup", "1 lets anyone create an account"),
    "VERZEK_WORKERS": ("workers", "fan-out worker pool size, 1-1024"),
    "VERZEK_PRICE_POLL_S": ("price_poll_s", "price monitor poll interval in seconds, 0.1-300"),
    "VERZEK_SHUTDOWN_GRACE_S": ("shutdown_grace_s", "seconds in-flight work gets at shutdown"),
    "VERZEK_TOKEN_TTL_S": ("token_ttl_s", "lifetime of a user login token in seconds"),
    "VERZEK_MAX_BODY_BYTES": ("max_body_bytes", "largest accepted request body in bytes"),
    "VERZEK_PAPER_BALANCE_USDT": ("paper_balance_usdt", "starting demo balance in USDT"),
    "VERZEK_PAPER_SLIPPAGE_PCT": ("paper_slippage_pct", "demo market-order slippage in %"),
    "VERZEK_VISIBILITY_WINDOW_S": ("visibility_window_s", "seconds an order the exchange does "
                                   "not show is still 'unknown' before it counts as not placed"),
    "VERZEK_PAPER_FAULT_RATE": ("paper_fault_rate", "demo fault campaigns only: share of paper "
                                "orders given an injected exchange fault, 0-0.9"),
    "VERZEK_TRADINGVIEW_SECRET": ("tradingview_secret", "path secret of the TradingView webhook"),
    "VERZEK_OPERATOR_USER_ID": ("operator_user_id", "the user whose exchange accounts without "
                                "stored keys trade with the operator's keys below"),
    "TELEGRAM_API_ID": ("telegram_api_id", "Telethon api_id (my.telegram.org)"),
    "TELEGRAM_API_HASH": ("telegram_api_hash", "Telethon api_hash"),
    "TELEGRAM_SESSION": ("telegram_session", "Telethon StringSession"),
    "TELEGRAM_SOURCES": ("telegram_sources", "chat ids or @usernames to watch, comma-separated"),
    "TELEGRAM_BOT_TOKEN": ("telegram_bot_token", "broadcast bot token from @BotFather"),
    "TELEGRAM_VIP_GROUP_ID": ("telegram_vip_group_id", "chat id of the VIP group"),
    "TELEGRAM_TRIAL_GROUP_ID": ("telegram_trial_group_id", "chat id of the TRIAL group"),
    "TELEGRAM_ADMIN_IDS": ("telegram_admin_ids", "Telegram user ids allowed to post signals"),
    "TELEGRAM_BOT_API_URL": ("telegram_bot_api_url", "root URL of a self-hosted Bot API server"),
    "TELEGRAM_TRIAL_DELAY_S": ("telegram_trial_delay_s", "delay before the TRIAL copy, seconds"),
    "BINANCE_API_KEY": ("binance_api_key", "operator's Binance API key"),
    "BINANCE_API_SECRET": ("binance_api_secret", "operator's Binance API secret"),
    "BYBIT_API_KEY": ("bybit_api_key", "operator's Bybit API key"),
    "BYBIT_API_SECRET": ("bybit_api_secret", "operator's Bybit API secret"),
    "PHEMEX_API_KEY": ("phemex_api_key", "operator's Phemex API key"),
    "PHEMEX_API_SECRET": ("phemex_api_secret", "operator's Phemex API secret"),
    "COINEXX_METAAPI_TOKEN": ("coinexx_metaapi_token", "operator's MetaApi token for Coinexx"),
    "COINEXX_METAAPI_ACCOUNT_ID": ("coinexx_metaapi_account_id", "operator's MetaApi account id"),
}


class Settings(BaseModel):
    """Every setting of the service; immutable once built. Secrets are masked in repr."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    port: int = Field(default=5000, ge=1, le=65535)
    host: str = "0.0.0.0"
    data_dir: Path = Path("database")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_file: Path | None = None
    admin_tokens: tuple[SecretStr, ...] = ()
    master_keys: tuple[SecretStr, ...] = ()
    price_feed: Literal["live", "sim"] = "live"
    allow_signup: bool = False
    workers: int = Field(default=64, ge=1, le=1024)
    price_poll_s: float = Field(default=2.0, ge=0.1, le=300)
    shutdown_grace_s: float = Field(default=10.0, ge=0, le=600)
    token_ttl_s: int = Field(default=7 * 86400, ge=60, le=365 * 86400)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)
    paper_balance_usdt: Decimal = Field(default=Decimal("10000"), gt=0, le=Decimal("1e12"))
    paper_slippage_pct: Decimal = Field(default=Decimal("0.05"), ge=0, le=10)
    visibility_window_s: float = Field(default=60.0, ge=1, le=600)
    paper_fault_rate: float = Field(default=0.0, ge=0, le=0.9)
    tradingview_secret: SecretStr | None = None
    operator_user_id: str | None = None
    telegram_api_id: int | None = Field(default=None, ge=1)
    telegram_api_hash: SecretStr | None = None
    telegram_session: SecretStr | None = None
    telegram_sources: tuple[str, ...] = ()
    telegram_bot_token: SecretStr | None = None
    telegram_vip_group_id: int | None = None
    telegram_trial_group_id: int | None = None
    telegram_admin_ids: tuple[int, ...] = ()
    telegram_bot_api_url: str | None = None
    telegram_trial_delay_s: float = Field(default=0.0, ge=0, le=86400)
    binance_api_key: SecretStr | None = None
    binance_api_secret: SecretStr | None = None
    bybit_api_key: SecretStr | None = None
    bybit_api_secret: SecretStr | None = None
    phemex_api_key: SecretStr | None = None
    phemex_api_secret: SecretStr | None = None
    coinexx_metaapi_token: SecretStr | None = None
    coinexx_metaapi_account_id: str | None = None

    @field_validator("admin_tokens")
    @classmethod
    def _long_tokens(cls, value: tuple[SecretStr, ...]) -> tuple[SecretStr, ...]:
        for token in value:
            if len(token.get_secret_value()) < 16:
                raise ValueError("each admin token must be at least 16 characters")
        return value

    @field_validator("master_keys")
    @classmethod
    def _fernet_keys(cls, value: tuple[SecretStr, ...]) -> tuple[SecretStr, ...]:
        from cryptography.fernet import Fernet

        for key in value:
            try:
                Fernet(key.get_secret_value().encode())
            except (ValueError, TypeError):
                raise ValueError(
                    "each key must be a Fernet key (32 url-safe base64-encoded bytes); "
                    "make one with: python -c \"from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())\""
                ) from None
        return value

    @field_validator("telegram_bot_api_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value

    @property
    def telegram_forwarder_configured(self) -> bool:
        return bool(self.telegram_api_id and self.telegram_api_hash and self.telegram_session
                    and self.telegram_sources)

    @property
    def telegram_bot_configured(self) -> bool:
        return self.telegram_bot_token is not None

    def operator_credentials(self) -> dict[str, dict[str, str]]:
        """The operator's own exchange keys from the environment, by exchange name."""
        out: dict[str, dict[str, str]] = {}
        for name in ("binance", "bybit", "phemex"):
            key, secret = getattr(self, f"{name}_api_key"), getattr(self, f"{name}_api_secret")
            if key is not None and secret is not None:
                out[name] = {"api_key": key.get_secret_value(),
                             "api_secret": secret.get_secret_value()}
        if self.coinexx_metaapi_token is not None and self.coinexx_metaapi_account_id:
            out["coinexx"] = {"token": self.coinexx_metaapi_token.get_secret_value(),
                              "account_id": self.coinexx_metaapi_account_id}
        return out

    def secret_values(self) -> list[str]:
        """Every secret's clear value, so the log filter can mask them."""
        out: list[str] = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            values = value if isinstance(value, tuple) else (value,)
            out.extend(v.get_secret_value() for v in values if isinstance(v, SecretStr))
        return [v for v in out if v]


_LIST_FIELDS = {"admin_tokens", "master_keys", "telegram_sources", "telegram_admin_ids"}
_BOOL_TRUE = {"1", "true", "yes", "on"}
_BOOL_FALSE = {"0", "false", "no", "off", ""}


def _convert(field: str, raw: str) -> Any:
    raw = raw.strip()
    if field in _LIST_FIELDS:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if field == "allow_signup":
        low = raw.lower()
        if low in _BOOL_TRUE:
            return True
        if low in _BOOL_FALSE:
            return False
        raise ValueError("must be 1/0, true/false, yes/no or on/off")
    if raw == "" and field not in ("host",):
        return None
    return raw


def load_settings(environ: Mapping[str, str] | None = None, *, dotenv: bool = True) -> Settings:
    """Build the settings from `environ` (default: the process environment plus `.env`).

    Raises ConfigError naming the variable and the accepted values when one is invalid.
    """
    if environ is None:
        if dotenv:
            from dotenv import load_dotenv

            load_dotenv(override=False)
        environ = os.environ
    values: dict[str, Any] = {}
    for env_name, (field, help_text) in ENV_FIELDS.items():
        if env_name not in environ:
            continue
        try:
            converted = _convert(field, environ[env_name])
        except ValueError as exc:
            raise ConfigError(f"{env_name}: {exc} (expected: {help_text})") from None
        if converted is not None:
            values[field] = converted
    try:
        return Settings(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0])
        env_name = next(e for e, (f, _) in ENV_FIELDS.items() if f == field)
        help_text = ENV_FIELDS[env_name][1]
        is_secret = "SecretStr" in str(Settings.model_fields[field].annotation)
        shown = "<hidden>" if is_secret else environ.get(env_name, "")
        raise ConfigError(
            f"{env_name}={shown!s}: {first['msg']} (expected: {help_text})",
            details={"variable": env_name},
        ) from None
