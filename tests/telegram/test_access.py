"""Group access by plan: one-time expiring invite links and the expiry sweep, through the real
PTB client against the fake Bot API server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from verzek.clock import ManualClock
from verzek.domain.models import PlanName
from verzek.domain.plans import telegram_group
from verzek.errors import Conflict, Forbidden
from verzek.store.repos import UserRepository

from .conftest import NOW, make_user
from .harness import TRIAL, VIP, Harness

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def test_group_access_applies_the_domains_plan_rule(harness: Harness) -> None:
    """One rule for invites and the sweep, the domain's: no local copy to drift from it."""
    assert harness.access.group_of is telegram_group


def test_group_rule_matches_the_plans() -> None:
    assert telegram_group(make_user("a"), NOW) == "TRIAL"
    assert telegram_group(make_user("a"), NOW + timedelta(days=3)) is None
    assert telegram_group(make_user("b", plan=PlanName.VIP), NOW + timedelta(days=300)) == "VIP"
    lapsed = make_user("c", plan=PlanName.PRO, expires=NOW + timedelta(days=30))
    assert telegram_group(lapsed, NOW + timedelta(days=29)) == "VIP"
    assert telegram_group(lapsed, NOW + timedelta(days=30)) is None  # trial long over


def test_invite_links_are_one_time_expiring_and_for_the_plans_group(
        harness: Harness, users: UserRepository, tg_clock: ManualClock) -> None:
    h = harness
    users.update("u1", lambda u: u.model_copy(update={"telegram_user_id": 501}))
    trial_link = h.access.invite_link("u1")  # free, in trial
    vip_link = h.access.invite_link("u2")  # pro
    calls = h.api.calls_of("createChatInviteLink")
    assert [c["chat_id"] for c in calls] == [TRIAL, VIP]
    expected_expiry = int((NOW + timedelta(hours=1)).timestamp())
    assert all(c["member_limit"] == 1 and c["expire_date"] == expected_expiry for c in calls)
    assert calls[0]["name"] == "u:u1" and calls[1]["name"] == "u:u2"
    assert trial_link.group == "TRIAL" and vip_link.group == "VIP"
    assert trial_link.url.startswith("https://t.me/+")
    assert trial_link.expires_at == datetime(2026, 1, 1, 1, tzinfo=UTC)
    tg_clock.advance(3 * 86400)
    with pytest.raises(Forbidden):
        h.access.invite_link("u1")  # the trial ended


def test_sweep_removes_expired_members_without_a_permanent_ban(
        harness: Harness, users: UserRepository, tg_clock: ManualClock) -> None:
    h = harness
    users.create(make_user("u3", plan=PlanName.VIP, expires=NOW + timedelta(days=10)))
    users.update("u1", lambda u: u.model_copy(update={"telegram_user_id": 501}))
    h.access.invite_link("u1")
    h.access.invite_link("u3")
    h.access.on_member(VIP, 503, "u:u3", True)  # u3 joined the VIP group with its link
    h.access.on_member(-42, 999, "u:u2", True)  # not one of our groups: ignored
    assert h.access.members() == {"VIP": {"503": "u3"}, "TRIAL": {"501": "u1"}}
    assert h.access.sweep() == []  # everyone still entitled
    tg_clock.advance(3 * 86400 + 1)  # u1's trial is over
    removed = h.access.sweep()
    assert [(r.group, r.telegram_user_id, r.removed) for r in removed] == [("TRIAL", 501, True)]
    assert h.api.calls_of("banChatMember") == [{"chat_id": TRIAL, "user_id": 501}]
    assert h.api.calls_of("unbanChatMember") == [
        {"chat_id": TRIAL, "user_id": 501, "only_if_banned": True}]
    tg_clock.advance(10 * 86400)  # u3's VIP plan expired
    assert [r.telegram_user_id for r in h.access.sweep()] == [503]
    assert h.access.members() == {"VIP": {}, "TRIAL": {}}


def test_sweep_keeps_trying_after_a_transient_failure_and_drops_a_permanent_one(
        harness: Harness, users: UserRepository, tg_clock: ManualClock) -> None:
    h = harness
    h.access.on_member(TRIAL, 601, "u:u1", True)
    h.access.on_member(TRIAL, 602, "u:gone", True)  # a deleted user: no longer entitled
    tg_clock.advance(4 * 86400)
    h.bot.sender.max_attempts = 1
    h.api.fail_next("banChatMember", 502, "Bad Gateway", chat_id=TRIAL)
    h.api.fail_next("banChatMember", 400, "Bad Request: can't remove chat owner", chat_id=TRIAL)
    results = {r.telegram_user_id: r for r in h.access.sweep()}
    assert not results[601].removed and not results[602].removed
    assert h.access.members()["TRIAL"] == {"601": "u1"}  # transient: retried next sweep
    assert [r.removed for r in h.access.sweep()] == [True]
    assert h.access.members()["TRIAL"] == {}


def test_join_command_sends_the_invite(harness: Harness, users: UserRepository) -> None:
    h = harness
    h.links.consume(h.links.issue_code("u2").code, 700)
    h.api.inject_private_text(700, "/join")
    assert h.api.wait_for(lambda: len(h.api.sent(700)) == 1)
    assert h.api.sent(700)[0].startswith("🔗 Your one-time invite to the VIP group")
    assert h.access.members()["VIP"] == {"700": "u2"}



def test_a_user_who_joins_by_link_is_removed_at_expiry_and_may_come_back(
        harness: Harness, users: UserRepository, tg_clock: ManualClock) -> None:
    h = harness
    h.api.now = lambda: tg_clock.now().timestamp()
    long_id = "operator-" + "x" * 40  # too long for a link name: the link's URL maps it
    users.create(make_user(long_id, plan=PlanName.VIP, expires=NOW + timedelta(days=2)))
    link = h.access.invite_link(long_id)  # from the app: the user has not linked Telegram
    assert "name" not in h.api.calls_of("createChatInviteLink")[-1]
    h.api.members.setdefault(VIP, set())
    h.api.join_by_link(link.url, 901)  # Telegram sends chat_member with the link used
    assert h.api.wait_for(lambda: h.access.members()["VIP"] == {"901": long_id})
    assert h.access.sweep() == []
    tg_clock.advance(2 * 86400 + 1)
    assert [(r.telegram_user_id, r.removed) for r in h.access.sweep()] == [(901, True)]
    assert 901 not in h.api.members[VIP] and 901 not in h.api.banned.get(VIP, set())
    assert h.api.wait_for(lambda: h.access.members()["VIP"] == {})
    users.update(long_id, lambda u: u.model_copy(update={"subscription": u.subscription
                 .model_copy(update={"expires_at": NOW + timedelta(days=40)})}))
    h.api.join_by_link(h.access.invite_link(long_id).url, 901)  # paid again: back in
    assert h.api.wait_for(lambda: h.access.members()["VIP"] == {"901": long_id})


def test_removal_from_a_basic_group_is_a_ban_alone(
        harness: Harness, users: UserRepository, tg_clock: ManualClock) -> None:
    h = harness
    basic = -4002  # a basic group: no ban list, unbanChatMember refused
    h.api.add_group(basic)
    h.groups.record_migration(TRIAL, basic)  # the directory now says TRIAL is this chat
    h.access.on_member(basic, 611, "u:u1", True)
    tg_clock.advance(4 * 86400)  # u1's trial is over
    assert [(r.telegram_user_id, r.removed) for r in h.access.sweep()] == [(611, True)]
    assert h.api.calls_of("banChatMember") == [{"chat_id": basic, "user_id": 611}]
    assert h.api.calls_of("unbanChatMember") == [] and h.api.refused == []


def test_an_invite_while_the_bot_is_down_is_a_clear_conflict(harness: Harness) -> None:
    h = harness
    h.bot.stop(10)
    h.access.ready_timeout_s = 0  # no wait for a bot to come back
    with pytest.raises(Conflict) as info:
        h.access.invite_link("u2")
    assert "not running" in info.value.message and info.value.details == {"permanent": False}


def test_an_invite_follows_a_group_upgraded_to_a_supergroup(harness: Harness) -> None:
    h = harness
    new_vip = -1004444
    h.api.migrate_group(VIP, new_vip, announce=False)  # learnt from the refused call
    link = h.access.invite_link("u2")
    calls = [c["chat_id"] for c in h.api.calls_of("createChatInviteLink")]
    assert calls == [VIP, new_vip] and link.group == "VIP"
    assert h.api.invite_links[link.url]["chat_id"] == new_vip
    assert h.groups.chat_id("VIP") == new_vip
