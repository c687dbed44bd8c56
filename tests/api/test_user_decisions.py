"""A user reads why a signal was (not) traded for them, and whether they can trade now,
without an admin: decisions were admin-only, and the trading state needed a POST
(journey 10)."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.api.conftest import AuthActions


def test_a_user_reads_their_own_decisions_and_trading_state(client: FlaskClient,
                                                            auth: AuthActions) -> None:
    alice, alice_h = auth.user("alice@example.com")
    bob, bob_h = auth.user("bob@example.com")
    for user_id, headers in ((alice, alice_h), (bob, bob_h)):
        assert client.patch(f"/api/users/{user_id}/settings/general", headers=headers,
                            json={"auto_trade": True}).status_code == 200
    assert client.post(f"/api/users/{bob}/pause", headers=bob_h,
                       json={"paused": True}).status_code == 200
    assert client.put("/api/demo/prices", headers=auth.admin(), json={
        "prices": {"ETH/USDT": "2000"}, "pin": True}).status_code == 200
    sent = client.post("/api/signals", headers=auth.admin(), json={
        "text": "#ETH/USDT LONG\nEntry: 2000\nTargets: 2100\nStop: 1900"}).get_json()
    page = client.get(f"/api/users/{bob}/decisions", headers=bob_h)
    assert page.status_code == 200, page.get_json()
    (item,) = page.get_json()["items"]
    assert item["signal_id"] == sent["signal_id"] and item["symbol"] == "ETH/USDT"
    assert item["side"] == "long" and item["outcome"] == "skipped"
    assert item["code"] and "paused" in item["reason"].lower()
    assert item["received_at"]
    mine = client.get(f"/api/users/{alice}/decisions", headers=alice_h).get_json()["items"]
    assert [d["signal_id"] for d in mine] == [sent["signal_id"]]
    assert all("bob" not in str(d) and d.get("user_id") is None for d in mine)
    # another user's decisions and state answer like a missing user
    assert client.get(f"/api/users/{alice}/decisions", headers=bob_h).status_code == 404
    assert client.get(f"/api/users/{alice}/trading-state", headers=bob_h).status_code == 404
    state = client.get(f"/api/users/{bob}/trading-state", headers=bob_h).get_json()
    assert state["new_positions_allowed"] is False and "paused" in state["reason"].lower()
    ok = client.get(f"/api/users/{alice}/trading-state", headers=alice_h).get_json()
    assert ok["new_positions_allowed"] is True and ok["reason"] is None
    assert client.get(f"/api/users/{bob}/decisions?limit=0", headers=bob_h).status_code == 422
