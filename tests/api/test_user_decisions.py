"""A user reads why a signal was (not) traded for them, and whether they can trade now,
without an admin: decisions were admin-only, and the trading state needed a POST
(journey 10)."""

from __future__ import annotations

from typing import Any

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
    assert page.get_json()["total"] == 1  # a list like every other: items, total, limit, offset
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


def test_the_trading_state_writes_decimals_plainly(client: FlaskClient, auth: AuthActions,
                                                   runtime: Any) -> None:
    from decimal import Decimal

    user_id, headers = auth.user("plainstate@example.com")
    runtime.trading.safety.record_trade_result(user_id, Decimal("-3.178500000"),
                                               Decimal("1000.0"))
    state = client.get(f"/api/users/{user_id}/trading-state", headers=headers).get_json()
    (result,) = state["breaker"]["results"]
    assert result["pnl_usdt"] == "-3.1785" and result["capital_usdt"] == "1003.1785"


def test_a_users_decisions_are_found_again_after_a_restart(tmp_path: Any) -> None:
    """Read through a per-user index (a scan of 5,000 signals' decisions of every user took
    about 0.4 s a request), rebuilt from the journal at start."""
    from datetime import UTC, datetime

    from verzek.domain.models import SignalRecord, SignalSource
    from verzek.engine.signal_log import SignalLog, decisions_of

    path = tmp_path / "log.jsonl"
    log = SignalLog(path)
    for n in range(3):
        log.add(SignalRecord(id=f"s{n}", received_at=datetime(2026, 11, 29, tzinfo=UTC),
                             source=SignalSource(kind="api"), content_hash=f"h{n}",
                             kind="noise"))
        log.add_decisions(f"s{n}", [{"user_id": "u1" if n != 1 else "u2",
                                     "outcome": "skipped", "reason": "r", "code": "c"}])
    log.close()
    again = SignalLog(path)
    assert [r.id for r in again.user_records("u1")] == ["s2", "s0"]
    assert [d["signal_id"] for d in decisions_of(again, "u2", limit=5, offset=0)] == ["s1"]
    assert decisions_of(again, "u3", limit=5, offset=0) == []
