"""Settings: one frozen, typed object built once from the environment (and `.env` when present)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from verzek.errors import ConfigError

# env variable -> (field name, help text shown in errors and .env.example). Every help text
# ends with the values the setting accepts (after the last ": "); tests check that the ranges
# written here are those the fields below enforce.
_KEY_TEXT = "8-512 characters without spaces"
ENV_FIELDS: dict[str, tuple[str, str]] = {
    "PORT": ("port", "HTTP port of the REST API: 1-65535"),
    "VERZEK_HOST": ("host", "address the API binds to: an IP address or host name "
                    "(letters, digits, '.', '-', ':')"),
    "VERZEK_DATA_DIR": ("data_dir", "folder of the JSON state: a folder the service can "
                        "create (if missing) and write"),
    "VERZEK_LOG_LEVEL": ("log_level", "log level: DEBUG, INFO, WARNING or ERROR"),
    "VERZEK_LOG_FILE": ("log_file", "optional log file (logs also go to stderr): a file path, "
                        "not a folder, in a folder the service can create and write"),
    "VERZEK_ADMIN_TOKEN": ("admin_tokens", "admin bearer token(s): comma-separated, each "
                           "16-512 characters without spaces"),
    "VERZEK_MASTER_KEYS": ("master_keys", "master keys, primary first: comma-separated Fernet "
                           "keys (44 url-safe base64 characters each)"),
    "VERZEK_PRICE_FEED": ("price_feed", "demo price feed: live or sim"),
    "VERZEK_ALLOW_SIGNUP": ("allow_signup", "let anyone create an account: 1/0, true/false, "
                            "yes/no or on/off"),
    "VERZEK_WORKERS": ("workers", "fan-out worker pool size: 1-1024"),
    "VERZEK_PRICE_POLL_S": ("price_poll_s", "price monitor poll interval in seconds: 0.1-300"),
    "VERZEK_SHUTDOWN_GRACE_S": ("shutdown_grace_s", "seconds in-flight work gets at shutdown, "
                                "all stop steps together (SIGTERM to exit takes at most this "
                                "plus about 2 s): 0-600"),
    "VERZEK_TOKEN_TTL_S": ("token_ttl_s", "lifetime of a user login token in seconds (1 minute "
                           "to 365 days): 60-31536000"),
    "VERZEK_MAX_BODY_BYTES": ("max_body_bytes", "largest accepted request body in bytes "
                              "(1 KiB to 16 MiB): 1024-16777216"),
    "VERZEK_PAPER_BALANCE_USDT": ("paper_balance_usdt", "starting demo balance in USDT: more "
                                  "than 0, at most 1000000000000"),
    "VERZEK_PAPER_SLIPPAGE_PCT": ("paper_slippage_pct", "demo market-order slippage in %: 0-10"),
    "VERZEK_VISIBILITY_WINDOW_S": ("visibility_window_s", "seconds an order the exchange does "
                                   "not show is still 'unknown' before it counts as not placed: "
                                   "1-600"),
    "VERZEK_PAPER_FAULT_RATE": ("paper_fault_rate", "demo fault campaigns only, share of paper "
                                "orders given an injected exchange fault: 0-0.9"),
    "VERZEK_SIGNAL_WAIT_S": ("signal_wait_s", "seconds POST /api/signals waits for a "
                             "signal's fan-out before answering 202 with it still running "
                             "(the TradingView webhook waits at most 2 of them): 0-60"),
    "VERZEK_TRADINGVIEW_SECRET": ("tradingview_secret", "path secret of the TradingView "
                                  "webhook: 16-128 letters, digits, '-', '_', '.' or '~'"),
    "VERZEK_OPERATOR_USER_ID": ("operator_user_id", "the user whose exchange accounts without "
                                "stored keys trade with the operator's keys below: a user id, "
                                "1-64 letters, digits, '-' or '_'"),
    "TELEGRAM_API_ID": ("telegram_api_id", "Telethon api_id (my.telegram.org): 1-2147483647"),
    "TELEGRAM_API_HASH": ("telegram_api_hash", "Telethon api_hash (my.telegram.org): 8-64 "
                          "hexadecimal digits"),
    "TELEGRAM_SESSION": ("telegram_session", "Telethon StringSession, as `python -m verzek "
                         "telegram login` prints it: one line of url-safe base64 characters"),
    "TELEGRAM_SOURCES": ("telegram_sources", "chats to watch: comma-separated chat ids, "
                         "@usernames or t.me links, each without spaces"),
    "TELEGRAM_BOT_TOKEN": ("telegram_bot_token", "broadcast bot token from @BotFather: "
                           "<bot id>:<secret>, digits, ':', then letters, digits, '-' or '_'"),
    "TELEGRAM_VIP_GROUP_ID": ("telegram_vip_group_id", "chat id of the VIP group: a non-zero "
                              "integer (a supergroup's starts with -100)"),
    "TELEGRAM_TRIAL_GROUP_ID": ("telegram_trial_group_id", "chat id of the TRIAL group: a "
                                "non-zero integer (a supergroup's starts with -100)"),
    "TELEGRAM_ADMIN_IDS": ("telegram_admin_ids", "Telegram user ids allowed to post signals: "
                           "comma-separated positive integers"),
    "TELEGRAM_BOT_API_URL": ("telegram_bot_api_url", "root URL of a self-hosted Bot API "
                             "server: http://... or https://..."),
    "TELEGRAM_TRIAL_DELAY_S": ("telegram_trial_delay_s", "delay before the TRIAL copy in "
                               "seconds: 0-86400"),
    "BINANCE_API_KEY": ("binance_api_key", f"operator's Binance API key: {_KEY_TEXT}"),
    "BINANCE_API_SECRET": ("binance_api_secret", f"operator's Binance API secret: {_KEY_TEXT}"),
    "BYBIT_API_KEY": ("bybit_api_key", f"operator's Bybit API key: {_KEY_TEXT}"),
    "BYBIT_API_SECRET": ("bybit_api_secret", f"operator's Bybit API secret: {_KEY_TEXT}"),
    "PHEMEX_API_KEY": ("phemex_api_key", f"operator's Phemex API key: {_KEY_TEXT}"),
    "PHEMEX_API_SECRET": ("phemex_api_secret", f"operator's Phemex API secret: {_KEY_TEXT}"),
    "COINEXX_METAAPI_TOKEN": ("coinexx_metaapi_token", "operator's MetaApi token for Coinexx: "
                              "8-8192 characters without spaces"),
    "COINEXX_METAAPI_ACCOUNT_ID": ("coinexx_metaapi_account_id", "operator's MetaApi account "
                                   "id: 1-64 letters, digits, '-' or '_'"),
}

# Formats of the free-text settings (the numbers' ranges are on the fields themselves).
_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "host": (re.compile(r"[A-Za-z0-9.:\-\[\]]{1,253}"),
             "only letters, digits, '.', '-' and ':' are allowed"),
    "operator_user_id": (re.compile(r"[A-Za-z0-9_-]{1,64}"), "not a user id"),
    "coinexx_metaapi_account_id": (re.compile(r"[A-Za-z0-9_-]{1,64}"), "not an account id"),
    "tradingview_secret": (re.compile(r"[A-Za-z0-9._~-]{16,128}"),
                           "must be 16-128 URL-safe characters"),
    "telegram_api_hash": (re.compile(r"[0-9A-Fa-f]{8,64}"), "not a hexadecimal api_hash"),
    "telegram_session": (re.compile(r"[A-Za-z0-9_\-+/=]+"), "not a StringSession"),
    "telegram_bot_token": (re.compile(r"[0-9]+:[A-Za-z0-9_-]+"), "not a bot token"),
    "coinexx_metaapi_token": (re.compile(r"\S{8,8192}"), "not a MetaApi token"),
    **{f"{name}_api_{part}": (re.compile(r"\S{8,512}"), f"not an API {part}")
       for name in ("binance", "bybit", "phemex") for part in ("key", "secret")},
}
_RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}


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
    # Seconds `POST /api/signals` waits for a signal's fan-out before answering 202 with the
    # fan-out still running (the TradingView webhook waits at most 2 s of it: TradingView
    # cancels a request after 3 s); proxies commonly cut a request at 60 s.
    signal_wait_s: float = Field(default=10.0, ge=0, le=60)
    tradingview_secret: SecretStr | None = None
    operator_user_id: str | None = None
    telegram_api_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
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
            text = token.get_secret_value()
            if not 16 <= len(text) <= 512 or any(c.isspace() for c in text):
                raise ValueError("each admin token must be 16-512 characters without spaces")
        return value

    @field_validator(*_FORMATS)
    @classmethod
    def _formats(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return value
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        pattern, problem = _FORMATS[str(info.field_name)]
        if not pattern.fullmatch(text):
            raise ValueError(problem)
        return value

    @field_validator("telegram_sources")
    @classmethod
    def _sources(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for source in value:
            if any(c.isspace() for c in source):
                raise ValueError(f"{source!r} has a space in it")
        return value

    @field_validator("telegram_vip_group_id", "telegram_trial_group_id")
    @classmethod
    def _chat_id(cls, value: int | None) -> int | None:
        if value == 0:
            raise ValueError("0 is no chat id")
        return value

    @field_validator("telegram_admin_ids")
    @classmethod
    def _user_ids(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(v <= 0 for v in value):
            raise ValueError("Telegram user ids are positive")
        return value

    @field_validator("data_dir")
    @classmethod
    def _usable_dir(cls, value: Path) -> Path:
        problem = unusable_path(value, folder=True)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("log_file")
    @classmethod
    def _usable_file(cls, value: Path | None) -> Path | None:
        problem = unusable_path(value, folder=False) if value is not None else None
        if problem:
            raise ValueError(problem)
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
    if raw == "":
        return None  # an empty line in .env means: the default
    if field == "log_level":
        return raw.upper()
    return raw


def unusable_path(path: Path, *, folder: bool) -> str | None:
    """Why `path` cannot be the data folder (`folder`) or the log file, or None if it can.

    Checked before anything starts, so a bad path is a settings error naming the variable
    rather than a traceback from deep inside the start (an existing file in the way, a
    folder where the file should be, a parent that is a file, no write permission)."""
    path = Path(path)
    if path.exists():
        if folder and not path.is_dir():
            return f"{path} exists and is not a folder"
        if not folder and path.is_dir():
            return f"{path} is a folder, not a file"
        target = path if folder else path.parent
        if not os.access(target, os.W_OK | os.X_OK):
            return f"{target} is not writable by this user"
        return None
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        return f"{parent} is not a folder, so {path} cannot be created"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"{parent} is not writable by this user, so {path} cannot be created"
    return None


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
            raise ConfigError(f"{env_name}={environ[env_name]}: {exc} (expected: {help_text})",
                              details={"variable": env_name,
                                       "accepted": help_text.rsplit(": ", 1)[-1]}) from None
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
            f"{env_name}={shown!s}: {_problem(first)} (expected: {help_text})",
            details={"variable": env_name, "accepted": help_text.rsplit(": ", 1)[-1]},
        ) from None


def _problem(error: Any) -> str:
    """Pydantic's complaint in a few words; the accepted values follow it in the message."""
    kind = str(error.get("type", ""))
    if kind in _RANGE_ERRORS:
        return "out of range"  # pydantic names only the bound crossed; the message all of it
    if kind.startswith("int_"):
        return "not a whole number"
    if kind.endswith("_parsing") or kind in ("finite_number", "decimal_type"):
        return "not a finite number"
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")
