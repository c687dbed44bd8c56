"""DELETE /api/users/{id}/telegram/link and POST /api/users/{id}/telegram/invite: the owner and
an admin may, another user's token answers 404 and changes nothing; without the bot, 409."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import AuthActions
from tests.telegram.fake_bot_api import TOKEN, FakeBotApiServer
from verzek.runtime import Runtime

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
VIP, TRIAL = -1001111, -1002222


@pytest.fixture
def bot_api() -> Iterator[FakeBotApiServer]:
    with FakeBotApiServer(strict_chats=True) as server:
        server.api.add_group(VIP)
        server.api.add_group(TRIAL)
        yield server


@pytest.fixture
def settings_overrides(bot_api: FakeBotApiServer) -> dict[str, Any]:
    return {"telegram_bot_token": TOKEN, "telegram_bot_api_url": bot_api.url,
            "telegram_vip_group_id": VIP, "telegram_trial_group_id": TRIAL}


@pytest.fixture
def bot(runtime: Runtime) -> Iterator[Any]:
    service = runtime.components["telegram"].bot
    service.start()
    assert service.wait_ready(10)
    yield service
    service.stop(10)


def _link(runtime: Runtime, user_id: str, telegram_user_id: int) -> None:
    links = runtime.components["telegram"].links
    links.consume(links.issue_code(user_id).code, telegram_user_id)


def test_unlinking_by_the_owner_or_an_admin_never_by_another_user(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    alice, alice_auth = auth.user("alice@example.com")
    bob, bob_auth = auth.user("bob@example.com")
    _link(runtime, alice, 5001)
    _link(runtime, bob, 5002)

    refused = client.delete(f"/api/users/{alice}/telegram/link", headers=bob_auth)
    assert refused.status_code == 404 and refused.get_json()["error"]["code"] == "not_found"
    assert runtime.users.get(alice).telegram_user_id == 5001  # unchanged
    assert client.delete(f"/api/users/{alice}/telegram/link").status_code == 401

    own = client.delete(f"/api/users/{alice}/telegram/link", headers=alice_auth)
    assert own.status_code == 200 and own.get_json() == {"unlinked": True}
    assert runtime.users.get(alice).telegram_user_id is None
    assert runtime.components["telegram"].links.user_for(5001) is None
    again = client.delete(f"/api/users/{alice}/telegram/link", headers=alice_auth)
    assert again.status_code == 200 and again.get_json() == {"unlinked": False}  # none left

    by_admin = client.delete(f"/api/users/{bob}/telegram/link", headers=auth.admin())
    assert by_admin.status_code == 200
    assert runtime.users.get(bob).telegram_user_id is None
    missing = client.delete("/api/users/nobody/telegram/link", headers=auth.admin())
    assert missing.status_code == 404


def test_invites_for_the_owner_or_an_admin_to_the_plans_group(
        client: FlaskClient, auth: AuthActions, runtime: Runtime, bot: Any,
        bot_api: FakeBotApiServer) -> None:
    alice, alice_auth = auth.user("alice@example.com")
    bob, bob_auth = auth.user("bob@example.com")

    refused = client.post(f"/api/users/{alice}/telegram/invite", headers=bob_auth)
    assert refused.status_code == 404
    assert bot_api.api.calls_of("createChatInviteLink") == []  # nothing asked of Telegram

    own = client.post(f"/api/users/{alice}/telegram/invite", headers=alice_auth)
    assert own.status_code == 200, own.get_json()
    body = own.get_json()
    assert body["group"] == "TRIAL" and body["url"].startswith("https://t.me/+")  # free trial
    assert set(body) == {"group", "url", "expires_at"}
    by_admin = client.post(f"/api/users/{bob}/telegram/invite", headers=auth.admin())
    assert by_admin.status_code == 200 and by_admin.get_json()["group"] == "TRIAL"
    calls = bot_api.api.calls_of("createChatInviteLink")
    assert [(c["chat_id"], c["member_limit"], c["name"]) for c in calls] == [
        (TRIAL, 1, f"u:{alice}"), (TRIAL, 1, f"u:{bob}")]


@pytest.mark.parametrize("settings_overrides", [{}])
def test_without_the_bot_the_endpoints_say_telegram_is_off(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    alice, alice_auth = auth.user("alice@example.com")
    answer = client.post(f"/api/users/{alice}/telegram/invite", headers=alice_auth)
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "telegram_off"
    # unlinking needs no bot: the account side is ours
    assert client.delete(f"/api/users/{alice}/telegram/link",
                         headers=alice_auth).status_code == 200
