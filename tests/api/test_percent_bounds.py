"""Percent settings that cannot make a price are refused where they are set: a stop 150 %
below a long's entry was once stored as a negative stop, after the entry order was sent, and
left the position unloadable (the manual close and the kill switch failed on it)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import AuthActions
from verzek.domain.models import RiskSettings, StrategySettings


@pytest.mark.parametrize("field", ["stop_loss_pct", "take_profit_pct", "trailing_stop_pct",
                                   "trailing_tp_activation_pct", "trailing_tp_callback_pct"])
@pytest.mark.parametrize("value", [100, "100", 150, "150.5"])
def test_a_price_move_of_100_percent_or_more_is_refused_and_changes_nothing(
        client: FlaskClient, auth: AuthActions, field: str, value: object) -> None:
    user_id, headers = auth.user("pct@example.com")
    url = f"/api/users/{user_id}/settings/strategy"
    before = client.get(url, headers=headers).get_json()
    resp = client.put(url, json={"stop_loss_mode": "percent", field: value}, headers=headers)
    assert resp.status_code == 422, resp.get_json()
    (error,) = resp.get_json()["error"]["details"]["errors"]
    assert error["loc"] == [field] and "100" in error["msg"]
    assert client.get(url, headers=headers).get_json() == before


def test_a_price_move_just_under_100_percent_is_accepted(client: FlaskClient,
                                                        auth: AuthActions) -> None:
    user_id, headers = auth.user("pct@example.com")
    resp = client.put(f"/api/users/{user_id}/settings/strategy",
                      json={"stop_loss_mode": "percent", "stop_loss_pct": "99.5"},
                      headers=headers)
    assert resp.status_code == 200
    assert resp.get_json()["settings"]["stop_loss_pct"] == "99.5"


@pytest.mark.parametrize("field", ["position_size_pct", "max_daily_loss_pct",
                                   "price_collar_pct"])
def test_a_share_is_at_most_100_percent(client: FlaskClient, auth: AuthActions,
                                        field: str) -> None:
    user_id, headers = auth.user("share@example.com")
    url = f"/api/users/{user_id}/settings/risk"
    assert client.put(url, json={field: 100}, headers=headers).status_code == 200
    resp = client.put(url, json={field: "100.5"}, headers=headers)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"]["errors"][0]["loc"] == [field]


def test_take_profit_shares_must_cover_the_whole_position(client: FlaskClient,
                                                          auth: AuthActions) -> None:
    user_id, headers = auth.user("tp@example.com")
    url = f"/api/users/{user_id}/settings/strategy"
    resp = client.put(url, json={"tp_distribution": "explicit",
                                 "tp_distribution_pcts": [50, 40]}, headers=headers)
    assert resp.status_code == 409
    error = resp.get_json()["error"]
    assert error["code"] == "shares_not_100" and "sum to 90" in error["message"]
    assert error["details"] == {"field": "tp_distribution_pcts"}
    assert client.get(url, headers=headers).get_json()["settings"]["tp_distribution_pcts"] == []
    resp = client.put(url, json={"tp_distribution": "explicit",
                                 "tp_distribution_pcts": ["30", "30", "40"]}, headers=headers)
    assert resp.status_code == 200


def test_an_explicit_distribution_needs_its_shares(client: FlaskClient,
                                                   auth: AuthActions) -> None:
    """Without them every signal failed for the user: refused where it is set."""
    user_id, headers = auth.user("tp0@example.com")
    url = f"/api/users/{user_id}/settings/strategy"
    resp = client.put(url, json={"tp_distribution": "explicit"}, headers=headers)
    assert resp.status_code == 409
    error = resp.get_json()["error"]
    assert error["code"] == "shares_missing" and "needs tp_distribution_pcts" in error["message"]
    assert error["details"] == {"field": "tp_distribution_pcts"}
    assert client.get(url, headers=headers).get_json()["settings"]["tp_distribution"] == "even"


def test_the_domain_models_refuse_them_too() -> None:
    with pytest.raises(ValueError, match="less than 100"):
        StrategySettings(stop_loss_pct=Decimal(150))
    with pytest.raises(ValueError, match="less than or equal to 100"):
        RiskSettings(position_size_pct=Decimal("100.01"))
    assert StrategySettings(stop_loss_pct=Decimal("99.99")).stop_loss_pct == Decimal("99.99")
