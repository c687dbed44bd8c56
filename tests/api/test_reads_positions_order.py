"""Position lists in an explicit, stable order: not yet closed oldest first (`opened_at`, then
`id`), closed newest first (`closed_at` descending, then `id`), `status=all` the open ones
first. The list used to follow the store's order, which any write of a position changes (it
moves to the end of its owner's file): two open positions swapped places across a restart and
paging skipped one and showed another twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask.testing import FlaskClient

from tests.api.conftest import AuthActions
from tests.api.helpers import make_position
from verzek.domain.models import CloseReason, Position, PositionStatus
from verzek.runtime import Runtime

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _open(user_id: str, position_id: str, minutes: float) -> Position:
    return make_position(user_id, position_id, T0 + timedelta(minutes=minutes))


def _closed(user_id: str, position_id: str, opened_min: float, closed_min: float) -> Position:
    return _open(user_id, position_id, opened_min).model_copy(update={
        "status": PositionStatus.CLOSED, "close_reason": CloseReason.MANUAL,
        "quantity": Decimal(0), "closed_at": T0 + timedelta(minutes=closed_min)})


def _ids(client: FlaskClient, url: str, headers: dict[str, str]) -> list[str]:
    resp = client.get(url, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return [p["id"] for p in resp.get_json()["items"]]


def test_open_positions_are_listed_oldest_first_whatever_order_the_store_keeps(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    user_id, headers = auth.user("order@example.com")
    repo = runtime.positions
    # stored newest first; "pa" and "pb" opened at the same microsecond; 12:00:00.5 is after
    # 12:00 though its text sorts before it
    repo.mutate(user_id, lambda ps: [
        _open(user_id, "pc", 3), _open(user_id, "pb", 1), _open(user_id, "pa", 1),
        _open(user_id, "ph", 0.5 / 60), _open(user_id, "pz", 0)])
    expected = ["pz", "ph", "pa", "pb", "pc"]
    url = f"/api/users/{user_id}/positions"
    assert _ids(client, url, headers) == expected
    # rewriting one (a fill, a stop moved) moves it to the end of the stored list
    repo.save(repo.get(user_id, "pz").model_copy(update={"stop_loss": Decimal("60000")}))
    assert [p["id"] for p in repo.open_raw(user_id)][-1] == "pz"
    assert _ids(client, url, headers) == expected
    paged = [i for off in range(0, 5, 2) for i in _ids(client, f"{url}?limit=2&offset={off}",
                                                         headers)]
    assert paged == expected


def test_closed_positions_are_listed_newest_first(client: FlaskClient, auth: AuthActions,
                                                  runtime: Runtime) -> None:
    user_id, headers = auth.user("history@example.com")
    repo = runtime.positions
    repo.mutate(user_id, lambda ps: [_open(user_id, "po2", 5), _open(user_id, "po1", 4)])
    for position in (_closed(user_id, "pold", 0, 10), _closed(user_id, "pnew", 1, 30),
                     _closed(user_id, "ptie2", 2, 20), _closed(user_id, "ptie1", 3, 20)):
        repo.mutate(user_id, lambda ps, p=position: [*ps, p])
    url = f"/api/users/{user_id}/positions"
    assert _ids(client, f"{url}?status=closed", headers) == ["pnew", "ptie1", "ptie2", "pold"]
    assert _ids(client, f"{url}?status=all", headers) == \
        ["po1", "po2", "pnew", "ptie1", "ptie2", "pold"]
    assert _ids(client, f"{url}?status=all&limit=3&offset=2", headers) == \
        ["pnew", "ptie1", "ptie2"]


def test_the_admin_list_orders_every_users_positions_together(
        client: FlaskClient, auth: AuthActions, runtime: Runtime) -> None:
    first, _ = auth.user("a@example.com")
    second, _ = auth.user("b@example.com")
    repo = runtime.positions
    repo.mutate(first, lambda ps: [_open(first, "p3", 3), _open(first, "p1", 1)])
    repo.mutate(second, lambda ps: [_open(second, "p2", 2), _open(second, "p0", 0)])
    assert _ids(client, "/api/positions", auth.admin()) == ["p0", "p1", "p2", "p3"]


def test_the_document_states_the_order(client: FlaskClient) -> None:
    paths = client.get("/openapi.json").get_json()["paths"]
    for path in ("/api/positions", "/api/users/{user_id}/positions"):
        description = paths[path]["get"]["description"]
        assert "oldest first" in description and "newest first" in description, path
