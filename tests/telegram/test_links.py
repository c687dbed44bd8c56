"""Link codes: one-time, expiring, hashed at rest, rate-limited; unlinking from either side."""

from __future__ import annotations

import pytest

from verzek.clock import ManualClock
from verzek.engine.telegram_links import TelegramLinkService
from verzek.errors import InvalidInput, NotFound, TooManyRequests
from verzek.store.docstore import DocumentStore
from verzek.store.repos import UserRepository


def test_code_links_once_and_is_stored_only_as_a_hash(
        links: TelegramLinkService, users: UserRepository, store: DocumentStore) -> None:
    code = links.issue_code("u1")
    assert len(code.code) == 10
    assert code.code not in (store.root / "telegram/link_codes.json").read_text()
    user = links.consume(code.code.lower(), 4242)
    assert user.telegram_user_id == 4242 == users.get("u1").telegram_user_id
    assert links.user_for(4242).id == "u1"  # type: ignore[union-attr]
    with pytest.raises(InvalidInput):
        links.consume(code.code, 4242)


def test_code_expires(links: TelegramLinkService, tg_clock: ManualClock) -> None:
    code = links.issue_code("u1")
    tg_clock.advance(links.ttl_s + 1)
    with pytest.raises(InvalidInput):
        links.consume(code.code, 1)


def test_new_code_replaces_the_old_one(links: TelegramLinkService) -> None:
    first = links.issue_code("u1")
    second = links.issue_code("u1")
    with pytest.raises(InvalidInput):
        links.consume(first.code, 1)
    assert links.consume(second.code, 1).id == "u1"


def test_unknown_user_gets_no_code(links: TelegramLinkService) -> None:
    with pytest.raises(NotFound):
        links.issue_code("nobody")


def test_wrong_codes_are_rate_limited(links: TelegramLinkService) -> None:
    for _ in range(links.max_failures):
        with pytest.raises(InvalidInput):
            links.consume("WRONGCODE1", 7)
    good = links.issue_code("u1")
    with pytest.raises(TooManyRequests):
        links.consume(good.code, 7)
    assert links.consume(good.code, 8).id == "u1"  # another account is not affected


def test_telegram_account_moves_to_the_newest_link_and_unlinks_both_ways(
        links: TelegramLinkService, users: UserRepository) -> None:
    links.consume(links.issue_code("u1").code, 99)
    links.consume(links.issue_code("u2").code, 99)
    assert users.get("u1").telegram_user_id is None
    assert links.user_for(99).id == "u2"  # type: ignore[union-attr]
    assert links.unlink_telegram(99).id == "u2"  # type: ignore[union-attr]
    assert links.user_for(99) is None
    assert links.unlink_telegram(99) is None
    links.consume(links.issue_code("u1").code, 5)
    links.unlink("u1")
    assert links.user_for(5) is None


def test_codes_survive_a_restart(store: DocumentStore, users: UserRepository,
                                 tg_clock: ManualClock) -> None:
    code = TelegramLinkService(store=store, users=users, clock=tg_clock).issue_code("u1")
    again = TelegramLinkService(store=DocumentStore(store.root), users=users, clock=tg_clock)
    assert again.consume(code.code, 3).id == "u1"
