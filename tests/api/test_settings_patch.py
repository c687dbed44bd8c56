"""PATCH changes only the settings given: `PUT` replaces a whole section (a field left out
takes its default), so the README's one-field `PUT settings/general {"auto_trade": true}` put
a live user back in demo mode, and `{"mode": "live"}` turned auto-trade off."""

from __future__ import annotations

from decimal import Decimal

from flask.testing import FlaskClient

from tests.api.conftest import AuthActions
from tests.api.helpers import user_files
from verzek.runtime import Runtime


def test_patch_changes_only_the_fields_given(client: FlaskClient, auth: AuthActions,
                                             runtime: Runtime) -> None:
    user_id, headers = auth.user("patch@example.com")
    client.post(f"/api/users/{user_id}/subscription", headers=auth.admin(),
                json={"action": "activate", "plan": "pro"})
    base = f"/api/users/{user_id}/settings"
    resp = client.patch(f"{base}/general", headers=headers, json={"mode": "live"})
    assert resp.status_code == 200, resp.get_json()
    resp = client.patch(f"{base}/general", headers=headers, json={"auto_trade": True})
    general = resp.get_json()["settings"]
    assert (general["mode"], general["auto_trade"]) == ("live", True)
    assert client.put(f"{base}/risk", headers=headers, json={
        "position_size_usdt": "50", "max_leverage": 20}).status_code == 200
    risk = client.patch(f"{base}/risk", headers=headers,
                        json={"max_leverage": 5}).get_json()["settings"]
    assert (risk["position_size_usdt"], risk["max_leverage"]) == ("50", 5)
    stored = runtime.users.get(user_id).settings
    assert stored.risk.position_size_usdt == Decimal(50) and stored.general.mode.value == "live"


def test_a_bad_patch_changes_nothing(client: FlaskClient, auth: AuthActions,
                                     runtime: Runtime) -> None:
    user_id, headers = auth.user("badpatch@example.com")
    base = f"/api/users/{user_id}/settings"
    before = user_files(runtime.settings.data_dir, user_id)
    for section, body, status in (("risk", {"max_leverage": 500}, 422),
                                  ("risk", {"nope": 1}, 422),
                                  ("general", {"mode": "live"}, 403),  # the free plan
                                  ("strategy", {"tp_distribution": "explicit"}, 409)):
        resp = client.patch(f"{base}/{section}", headers=headers, json=body)
        assert resp.status_code == status, (section, body, resp.get_json())
    assert user_files(runtime.settings.data_dir, user_id) == before
    other, _ = auth.user("other@example.com")
    assert client.patch(f"/api/users/{other}/settings/risk", headers=headers,
                        json={"max_leverage": 5}).status_code in (403, 404)
