"""Settings: defaults, parsing, and a clear error naming the variable and the accepted range
for every bad value of every setting."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from annotated_types import Ge, Gt, Le
from cryptography.fernet import Fernet

from verzek.config import ENV_FIELDS, Settings, load_settings
from verzek.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]

# One invalid value for every setting. A setting added to ENV_FIELDS without an entry here
# fails `test_every_setting_refuses_a_bad_value_naming_it_and_its_range`.
INVALID: dict[str, str] = {
    "PORT": "70000", "VERZEK_HOST": "bad host!", "VERZEK_DATA_DIR": "/dev/null/data",
    "VERZEK_LOG_LEVEL": "LOUD", "VERZEK_LOG_FILE": "/", "VERZEK_ADMIN_TOKEN": "short",
    "VERZEK_MASTER_KEYS": "not-a-key", "VERZEK_PRICE_FEED": "random",
    "VERZEK_ALLOW_SIGNUP": "maybe", "VERZEK_WORKERS": "0", "VERZEK_PRICE_POLL_S": "nan",
    "VERZEK_SHUTDOWN_GRACE_S": "601", "VERZEK_TOKEN_TTL_S": "1", "VERZEK_MAX_BODY_BYTES": "10",
    "VERZEK_PAPER_BALANCE_USDT": "Infinity", "VERZEK_PAPER_SLIPPAGE_PCT": "50",
    "VERZEK_VISIBILITY_WINDOW_S": "0.5", "VERZEK_PAPER_FAULT_RATE": "0.95",
    "VERZEK_SIGNAL_WAIT_S": "61",
    "VERZEK_TRADINGVIEW_SECRET": "short", "VERZEK_OPERATOR_USER_ID": "../etc",
    "TELEGRAM_API_ID": "x", "TELEGRAM_API_HASH": "not-hex", "TELEGRAM_SESSION": "two words",
    "TELEGRAM_SOURCES": "@signals, @bad name", "TELEGRAM_BOT_TOKEN": "no-colon",
    "TELEGRAM_VIP_GROUP_ID": "0", "TELEGRAM_TRIAL_GROUP_ID": "vip",
    "TELEGRAM_ADMIN_IDS": "1,abc", "TELEGRAM_BOT_API_URL": "ftp://x",
    "TELEGRAM_TRIAL_DELAY_S": "-1", "BINANCE_API_KEY": "has space",
    "BINANCE_API_SECRET": "short", "BYBIT_API_KEY": "with a space", "BYBIT_API_SECRET": "tiny",
    "PHEMEX_API_KEY": "a b c d e f g h", "PHEMEX_API_SECRET": "x",
    "COINEXX_METAAPI_TOKEN": "short", "COINEXX_METAAPI_ACCOUNT_ID": "bad id!",
}


def _accepted(name: str) -> str:
    """The accepted values: the help text after its last ': '."""
    return ENV_FIELDS[name][1].rsplit(": ", 1)[-1]


def _is_secret(name: str) -> bool:
    return "SecretStr" in str(Settings.model_fields[ENV_FIELDS[name][0]].annotation)


def _number(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _bounds(name: str) -> tuple[Any, Any, bool] | None:
    """(lowest, highest, lowest excluded) of a numeric setting, from its field's constraints."""
    low = high = None
    exclusive = False
    for rule in Settings.model_fields[ENV_FIELDS[name][0]].metadata:
        if isinstance(rule, Ge):
            low = rule.ge
        elif isinstance(rule, Gt):
            low, exclusive = rule.gt, True
        elif isinstance(rule, Le):
            high = rule.le
    return (low, high, exclusive) if low is not None and high is not None else None


NUMERIC = [name for name in ENV_FIELDS if _bounds(name) is not None]


def _range_text(name: str) -> str:
    low, high, exclusive = _bounds(name)  # type: ignore[misc]
    if exclusive:
        return f"more than {_number(low)}, at most {_number(high)}"
    return f"{_number(low)}-{_number(high)}"


def test_defaults_with_an_empty_environment() -> None:
    s = load_settings({})
    assert s.port == 5000
    assert s.data_dir == Path("database")
    assert s.price_feed == "live"
    assert s.admin_tokens == ()
    assert not s.telegram_bot_configured


def test_values_are_parsed() -> None:
    key = Fernet.generate_key().decode()
    s = load_settings({
        "PORT": "8080", "VERZEK_ADMIN_TOKEN": "a" * 20 + "," + "b" * 20,
        "VERZEK_MASTER_KEYS": key, "VERZEK_PRICE_FEED": "sim", "VERZEK_ALLOW_SIGNUP": "yes",
        "TELEGRAM_SOURCES": "@chan, -100123", "TELEGRAM_ADMIN_IDS": "1,2",
        "TELEGRAM_BOT_API_URL": "http://127.0.0.1:8081/", "VERZEK_LOG_LEVEL": "debug",
        "TELEGRAM_BOT_TOKEN": "123456:AAH-fake_token", "TELEGRAM_API_HASH": "0123456789abcdef",
        "TELEGRAM_SESSION": "1BVtsFAKE", "VERZEK_HOST": "",
    })
    assert s.port == 8080 and len(s.admin_tokens) == 2
    assert s.price_feed == "sim" and s.allow_signup and s.log_level == "DEBUG"
    assert s.telegram_sources == ("@chan", "-100123")
    assert s.telegram_admin_ids == (1, 2)
    assert s.telegram_bot_api_url == "http://127.0.0.1:8081"
    assert s.host == "0.0.0.0"  # an empty line in .env means the default


@pytest.mark.parametrize("name", list(ENV_FIELDS))
def test_every_setting_refuses_a_bad_value_naming_it_and_its_range(name: str) -> None:
    value = INVALID[name]
    with pytest.raises(ConfigError) as info:
        load_settings({name: value})
    message = info.value.message
    assert message.startswith(f"{name}="), message
    assert f"expected: {ENV_FIELDS[name][1]}" in message
    assert info.value.details == {"variable": name, "accepted": _accepted(name)}
    if _is_secret(name):
        assert value not in message.split("(expected")[0].removeprefix(f"{name}=")


@pytest.mark.parametrize("name", list(ENV_FIELDS))
def test_every_help_text_states_what_it_accepts(name: str) -> None:
    help_text = ENV_FIELDS[name][1]
    assert ": " in help_text and len(_accepted(name)) >= 3, help_text


@pytest.mark.parametrize("name", NUMERIC)
def test_numeric_help_texts_give_the_range_the_field_enforces(name: str) -> None:
    assert _accepted(name).endswith(_range_text(name)), (_accepted(name), _range_text(name))


@pytest.mark.parametrize("name,side", [(n, s) for n in NUMERIC for s in ("below", "above")])
def test_a_range_error_shows_the_whole_range(name: str, side: str) -> None:
    low, high, _ = _bounds(name)  # type: ignore[misc]
    value = _number(low - 1 if side == "below" else high + 1)
    with pytest.raises(ConfigError) as info:
        load_settings({name: value})
    assert info.value.message.startswith(f"{name}={value}: out of range")
    assert _range_text(name) in info.value.message


@pytest.mark.parametrize("name", NUMERIC)
def test_a_non_number_shows_the_range_too(name: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({name: "ten"})
    message = info.value.message
    assert message.startswith(f"{name}=ten: not a")
    assert _range_text(name) in message


def test_unusable_paths_are_settings_errors(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for name, value, problem in [
        ("VERZEK_DATA_DIR", a_file / "data", "is not a folder"),
        ("VERZEK_DATA_DIR", a_file, "is not a folder"),
        ("VERZEK_LOG_FILE", tmp_path, "is a folder"),
        ("VERZEK_LOG_FILE", a_file / "x.log", "is not a folder"),
    ]:
        with pytest.raises(ConfigError) as info:
            load_settings({name: str(value)})
        assert info.value.message.startswith(f"{name}={value}: ") and problem in \
            info.value.message
    ok = load_settings({"VERZEK_DATA_DIR": str(tmp_path / "new" / "data"),
                        "VERZEK_LOG_FILE": str(tmp_path / "logs" / "verzek.log")})
    assert ok.data_dir == tmp_path / "new" / "data"


def test_secrets_are_masked_in_repr_and_errors() -> None:
    s = load_settings({"VERZEK_ADMIN_TOKEN": "supersecret-admin-token-123"})
    assert "supersecret" not in repr(s)
    assert "supersecret-admin-token-123" in s.secret_values()
    with pytest.raises(ConfigError) as info:
        load_settings({"VERZEK_MASTER_KEYS": "my-precious-key"})
    assert "my-precious-key" not in info.value.message


def test_settings_are_frozen() -> None:
    s = load_settings({})
    with pytest.raises(ValueError):
        s.port = 1  # type: ignore[misc]


def test_env_example_and_readme_list_every_setting_with_its_range() -> None:
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for name, (_, help_text) in ENV_FIELDS.items():
        assert f"# {help_text}\n# {name}=" in example, name
        assert f"`{name}`" in readme and help_text in readme, name
