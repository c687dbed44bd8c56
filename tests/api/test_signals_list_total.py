"""`GET /api/signals` is paginated like the position lists (`items`, `total`, `limit`,
`offset`; it had no `total`), newest first, in the same order after a restart."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from tests.api.conftest import ADMIN_TOKEN, make_settings
from verzek.api.app import create_app
from verzek.clock import ManualClock
from verzek.runtime import build_runtime

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _post_calls(client: FlaskClient, clock: ManualClock, count: int) -> list[str]:
    ids = []
    for i in range(count):
        text = f"#ETH/USDT LONG\nEntry: {3000 + i}\nTargets: {3100 + i}\nStop: {2900 + i}"
        resp = client.post("/api/signals", headers=ADMIN, json={"text": text})
        assert resp.status_code == 200 and resp.get_json()["kind"] == "signal"
        ids.append(resp.get_json()["signal_id"])
        if i % 2:
            clock.advance(1)  # some share a time: the order must not depend on it
    return ids


def test_the_signal_list_has_a_total_and_pages_newest_first(client: FlaskClient,
                                                            clock: ManualClock) -> None:
    empty = client.get("/api/signals", headers=ADMIN).get_json()
    assert empty == {"items": [], "total": 0, "limit": 50, "offset": 0}
    ids = _post_calls(client, clock, 5)
    client.post("/api/signals", headers=ADMIN, json={"text": "gm all"})  # noise is kept too
    page = client.get("/api/signals?limit=2&offset=1", headers=ADMIN).get_json()
    assert (page["total"], page["limit"], page["offset"]) == (6, 2, 1)
    assert [s["id"] for s in page["items"]] == [ids[4], ids[3]]
    walked = [s["id"] for off in range(0, 6, 2) for s in client.get(
        f"/api/signals?limit=2&offset={off}", headers=ADMIN).get_json()["items"]]
    assert walked[1:] == ids[::-1] and len(set(walked)) == 6
    past = client.get("/api/signals?offset=10", headers=ADMIN).get_json()
    assert past["items"] == [] and past["total"] == 6


def test_the_signal_order_survives_a_restart(tmp_path: Path, clock: ManualClock) -> None:
    settings = make_settings(tmp_path / "data")
    rt = build_runtime(settings, clock=clock)
    rt.accepting.set()
    client = create_app(rt, settings).test_client()
    ids = _post_calls(client, clock, 4)
    before = client.get("/api/signals", headers=ADMIN).get_json()
    rt.stop()
    rt = build_runtime(settings, clock=clock)
    try:
        after = create_app(rt, settings).test_client().get("/api/signals",
                                                            headers=ADMIN).get_json()
    finally:
        rt.stop()
    assert [s["id"] for s in after["items"]] == ids[::-1] == \
        [s["id"] for s in before["items"]]
    assert after["total"] == before["total"] == 4


def test_the_document_lists_total_like_the_position_pages(client: FlaskClient) -> None:
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    for name in ("SignalList", "PositionPage"):
        assert set(schemas[name]["required"]) == {"items", "total", "limit", "offset"}, name
    doc = client.get("/openapi.json").get_json()
    assert "newest first" in doc["paths"]["/api/signals"]["get"]["description"].lower()
