"""The breaker thresholds body takes `transient_error_burst` (an int >= 1, or 0 to turn the
transient-failure trip off) like the other thresholds; null keeps it, as it keeps every other
threshold."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.api.conftest import AuthActions

URL = "/api/safety/circuit-breaker"


def test_transient_error_burst_is_set_cleared_and_checked(
        client: FlaskClient, auth: AuthActions) -> None:
    admin = auth.admin()
    resp = client.put(URL, headers=admin, json={"transient_error_burst": 25})
    assert resp.status_code == 200, resp.get_json()
    status = client.get("/api/safety/status", headers=admin).get_json()
    assert status["thresholds"]["transient_error_burst"] == 25
    # left out: kept; another threshold changes beside it
    assert client.put(URL, headers=admin, json={"error_burst": 4}).status_code == 200
    thresholds = client.get("/api/safety/status", headers=admin).get_json()["thresholds"]
    assert thresholds["transient_error_burst"] == 25 and thresholds["error_burst"] == 4
    for bad in (-1, 1.5, "5", True):
        resp = client.put(URL, headers=admin, json={"transient_error_burst": bad})
        assert resp.status_code == 422, (bad, resp.get_json())
    thresholds = client.get("/api/safety/status", headers=admin).get_json()["thresholds"]
    assert thresholds["transient_error_burst"] == 25  # bad input changed nothing
    # null: kept, as for every threshold
    assert client.put(URL, headers=admin,
                      json={"transient_error_burst": None}).status_code == 200
    thresholds = client.get("/api/safety/status", headers=admin).get_json()["thresholds"]
    assert thresholds["transient_error_burst"] == 25
    # 0: the transient-failure trip is off again (the status shows null)
    assert client.put(URL, headers=admin,
                      json={"transient_error_burst": 0}).status_code == 200
    thresholds = client.get("/api/safety/status", headers=admin).get_json()["thresholds"]
    assert thresholds["transient_error_burst"] is None and thresholds["error_burst"] == 4


def test_only_an_admin_sets_it(client: FlaskClient, auth: AuthActions) -> None:
    _, headers = auth.user("t@example.com")
    resp = client.put(URL, headers=headers, json={"transient_error_burst": 3})
    assert resp.status_code in (401, 403, 404)
