"""A signal sent again is a `duplicate` that names its first copy's record (the one
`GET /api/signals/{id}` answers, with its decisions): the answer used to carry an id nothing was
stored under, so the client's look-up was a 404. Also across a restart and for a cross-post."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import ADMIN_TOKEN, AuthActions, make_settings
from verzek.api.app import create_app
from verzek.clock import ManualClock
from verzek.domain.models import SignalSource
from verzek.runtime import Runtime, build_runtime

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
TEXT = "#ETH/USDT LONG\nEntry: 3000\nTargets: 3100 3200\nStop: 2900"
STRUCTURED = {"symbol": "ETH/USDT", "side": "short", "entries": ["3000"],
              "targets": ["2900", "2800"], "stop_loss": "3100"}


def _trader(client: FlaskClient, auth: AuthActions, email: str) -> str:
    user_id, headers = auth.user(email)
    resp = client.put(f"/api/users/{user_id}/settings/general", headers=headers,
                      json={"mode": "demo", "auto_trade": True})
    assert resp.status_code == 200, resp.get_json()
    resp = client.put("/api/demo/prices", headers=ADMIN, json={"prices": {"ETH/USDT": 3000}})
    assert resp.status_code == 200, resp.get_json()
    return user_id


@pytest.mark.parametrize("body", [{"text": TEXT}, STRUCTURED, {"signal": STRUCTURED}],
                         ids=["text", "flat", "structured"])
def test_a_duplicate_names_the_first_copy_which_can_be_looked_up(
        client: FlaskClient, auth: AuthActions, body: dict[str, Any]) -> None:
    user_id = _trader(client, auth, "dup@example.com")
    first = client.post("/api/signals", headers=ADMIN, json=body)
    assert first.status_code == 200 and first.get_json()["kind"] == "signal", first.get_json()
    first_id = first.get_json()["signal_id"]
    assert first.get_json()["duplicate_of"] is None
    (decision,) = first.get_json()["decisions"]
    assert decision["user_id"] == user_id and decision["outcome"] == "executed"

    again = client.post("/api/signals", headers=ADMIN, json=body)
    assert again.status_code == 200
    assert again.get_json() == {"signal_id": first_id, "kind": "duplicate",
                                "duplicate_of": first_id, "decisions": [],
                                "invalid_reason": None}
    looked_up = client.get(f"/api/signals/{first_id}", headers=ADMIN)
    assert looked_up.status_code == 200
    assert [d["position_id"] for d in looked_up.get_json()["decisions"]] == \
        [decision["position_id"]]
    listed = client.get("/api/signals", headers=ADMIN).get_json()
    assert [s["id"] for s in listed["items"]] == [first_id]  # the copy stored nothing
    assert len(client.get(f"/api/users/{user_id}/positions", headers=ADMIN)
               .get_json()["items"]) == 1  # and traded nothing


def test_a_cross_post_and_its_redelivery_name_the_first_copy(runtime: Runtime,
                                                              client: FlaskClient) -> None:
    trading = runtime.trading
    assert trading is not None
    first = trading.submit_text(TEXT, SignalSource(kind="telegram", chat_id=-1, message_id=7))
    cross = trading.submit_text(TEXT, SignalSource(kind="telegram", chat_id=-2, message_id=3))
    again = trading.submit_text(TEXT, SignalSource(kind="telegram", chat_id=-2, message_id=3))
    assert first.kind == "signal"
    assert (cross.kind, cross.signal_id) == ("duplicate", first.signal_id)
    assert (again.kind, again.signal_id) == ("duplicate", first.signal_id)
    assert client.get(f"/api/signals/{cross.signal_id}", headers=ADMIN).status_code == 200


@pytest.fixture
def running() -> Iterator[list[Runtime]]:
    """Runtimes started by a test on one data directory; those still running are stopped."""
    live: list[Runtime] = []
    yield live
    for rt in live:
        rt.stop()


def _start(data_dir: Path, clock: ManualClock, live: list[Runtime]) -> FlaskClient:
    rt = build_runtime(make_settings(data_dir), clock=clock)
    rt.accepting.set()
    live.append(rt)
    app = create_app(rt, rt.settings)
    app.config["TESTING"] = True
    return app.test_client()


def test_a_duplicate_after_a_restart_names_the_first_copy(
        tmp_path: Path, clock: ManualClock, running: list[Runtime]) -> None:
    data_dir = tmp_path / "data"
    client = _start(data_dir, clock, running)
    first = client.post("/api/signals", headers=ADMIN, json={"text": TEXT}).get_json()
    assert first["kind"] == "signal"
    running.pop().stop()
    client = _start(data_dir, clock, running)
    again = client.post("/api/signals", headers=ADMIN, json={"text": TEXT}).get_json()
    assert (again["kind"], again["signal_id"], again["duplicate_of"]) == \
        ("duplicate", first["signal_id"], first["signal_id"])
    assert client.get(f"/api/signals/{again['signal_id']}", headers=ADMIN).status_code == 200


def test_the_document_says_what_a_duplicate_names(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json()
    out = doc["components"]["schemas"]["SubmitOut"]
    assert {"signal_id", "duplicate_of", "kind"} <= set(out["properties"])
    assert "duplicate" in str(out["properties"]["kind"])
    assert "first copy" in out["description"]
