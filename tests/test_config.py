"""Settings: defaults, parsing, and a clear error naming the variable for every bad value."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from verzek.config import load_settings
from verzek.errors import ConfigError


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
        "TELEGRAM_BOT_API_URL": "http://127.0.0.1:8081/",
    })
    assert s.port == 8080 and len(s.admin_tokens) == 2
    assert s.price_feed == "sim" and s.allow_signup
    assert s.telegram_sources == ("@chan", "-100123")
    assert s.telegram_admin_ids == (1, 2)
    assert s.telegram_bot_api_url == "http://127.0.0.1:8081"


@pytest.mark.parametrize("name,value", [
    ("PORT", "0"), ("PORT", "70000"), ("PORT", "abc"),
    ("VERZEK_PRICE_FEED", "random"), ("VERZEK_LOG_LEVEL", "LOUD"),
    ("VERZEK_ADMIN_TOKEN", "short"), ("VERZEK_MASTER_KEYS", "not-a-key"),
    ("VERZEK_ALLOW_SIGNUP", "maybe"), ("VERZEK_WORKERS", "0"), ("VERZEK_WORKERS", "99999"),
    ("VERZEK_PRICE_POLL_S", "0"), ("VERZEK_PRICE_POLL_S", "nan"),
    ("VERZEK_PAPER_BALANCE_USDT", "-5"), ("VERZEK_PAPER_BALANCE_USDT", "Infinity"),
    ("VERZEK_PAPER_SLIPPAGE_PCT", "50"), ("TELEGRAM_API_ID", "x"),
    ("TELEGRAM_ADMIN_IDS", "1,abc"), ("TELEGRAM_BOT_API_URL", "ftp://x"),
    ("VERZEK_TOKEN_TTL_S", "1"), ("VERZEK_MAX_BODY_BYTES", "10"),
])
def test_invalid_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({name: value})
    assert info.value.message.startswith(name)
    assert "expected" in info.value.message


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


def test_env_example_and_readme_list_every_setting() -> None:
    from verzek.config import ENV_FIELDS

    root = Path(__file__).resolve().parents[1]
    example = (root / ".env.example").read_text()
    readme = (root / "README.md").read_text()
    for name in ENV_FIELDS:
        assert f"# {name}=" in example, name
        assert f"`{name}`" in readme, name
