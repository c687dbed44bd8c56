"""E-mails compare in NFC (RFC 6532), in the store's index and the account service: "ü" typed
precomposed or as "u" + a combining mark is one address, also for a user stored before."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from verzek.domain.models import User
from verzek.errors import Conflict
from verzek.store.docstore import DocumentStore
from verzek.store.repos import UserRepository

NOW = datetime(2026, 1, 1, tzinfo=UTC)
COMPOSED = "J\u00fcrgen@example.com"
DECOMPOSED = "Ju\u0308rgen@example.com"


def test_one_address_in_either_form(tmp_path: Path) -> None:
    repo = UserRepository(DocumentStore(tmp_path))
    repo.create(User(id="u1", email=DECOMPOSED, created_at=NOW))
    with pytest.raises(Conflict):
        repo.create(User(id="u2", email=COMPOSED.upper(), created_at=NOW))
    found = repo.by_email(COMPOSED)
    assert found is not None and found.id == "u1"


def test_a_user_stored_decomposed_is_found_after_a_restart(tmp_path: Path) -> None:
    UserRepository(DocumentStore(tmp_path)).create(
        User(id="u1", email=DECOMPOSED, created_at=NOW))
    again = UserRepository(DocumentStore(tmp_path))
    found = again.by_email(COMPOSED)
    assert found is not None and found.id == "u1"


def test_the_account_service_stores_and_logs_in_by_nfc(tmp_path: Path) -> None:
    from verzek.config import load_settings
    from verzek.runtime import build_runtime

    runtime = build_runtime(load_settings({"VERZEK_DATA_DIR": str(tmp_path / "data"),
                                           "VERZEK_PRICE_FEED": "sim"}))
    accounts = runtime.accounts
    assert accounts is not None
    user = accounts.create_user(email=DECOMPOSED, password="correct horse 1", name="J")
    assert user.email == COMPOSED.lower()
    login = accounts.login(email=COMPOSED, password="correct horse 1", address="127.0.0.1")
    assert login.user_id == user.id
    runtime.stop()
