"""Every login path is guarded alike (R21.1, 等保): an (account, address) pair is locked after 5
failures for 30 minutes; across addresses an account is slowed, never locked; an account that does
not exist is answered like one that does; the forwarded address counts only from a trusted proxy;
every success, failure and lock is in the audit log."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.conftest import PASSWORD
from xueji.audit import actions
from xueji.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
WRONG = "not-the-password-1"
LOCKED = "连续 5 次输错密码，本机登录该账号已暂停 30 分钟。"


def page_login(username: str, password: str, address: str = "10.0.0.1", **headers):
    return Client(REMOTE_ADDR=address, **headers).post(
        "/login/", {"username": username, "password": password}
    )


def api_login(username: str, password: str, address: str = "10.0.0.1"):
    body = json.dumps({"username": username, "password": password})
    return Client(REMOTE_ADDR=address).post("/api/v1/auth/token", body, content_type="application/json")


def admin_login(username: str, password: str, address: str = "10.0.0.1"):
    return Client(REMOTE_ADDR=address).post(
        "/admin/login/", {"username": username, "password": password, "next": "/admin/"}
    )


def time_passes(minutes: float) -> None:
    """The failures on file happened ``minutes`` earlier."""
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(
            attempt_time=attempt.attempt_time - dt.timedelta(minutes=minutes)
        )


def fail(login, username: str, times: int, address: str = "10.0.0.1") -> list[int]:
    return [login(username, WRONG, address).status_code for _ in range(times)]


def test_r21_1_the_page_locks_the_pair_after_five_failures(world):
    assert fail(page_login, "reg_a", 5) == [200] * 4 + [429]  # the form again, then the lock
    refused = page_login("reg_a", PASSWORD)  # even the right password is not heard now
    assert refused.status_code == 429 and LOCKED in refused.content.decode()
    assert "_auth_user_id" not in refused.client.session


def test_r21_1_the_lock_ends_after_thirty_minutes(world):
    fail(page_login, "reg_a", 5)
    time_passes(29)
    assert page_login("reg_a", PASSWORD).status_code == 429
    time_passes(2)
    assert page_login("reg_a", PASSWORD).status_code == 302  # logged in


def test_r21_1_another_address_is_slowed_not_locked(world):
    fail(page_login, "reg_a", 5, address="10.0.0.1")
    slowed = page_login("reg_a", PASSWORD, address="10.0.0.2")
    assert slowed.status_code == 429 and "秒后再试" in slowed.content.decode()
    time_passes(0.1)  # the one-second wait has passed
    assert page_login("reg_a", PASSWORD, address="10.0.0.2").status_code == 302


def test_r21_1_the_wait_grows_with_every_failure_from_anywhere(world):
    from xueji.org.auth_guard import account_wait

    for n in range(5):
        fail(page_login, "reg_a", 1, address=f"10.0.1.{n}")
    assert 0 < account_wait("reg_a") <= 1
    for n in range(4):
        time_passes(1)  # every address waits its turn, then fails once more
        fail(page_login, "reg_a", 1, address=f"10.0.2.{n}")
    assert 8 < account_wait("reg_a") <= 16
    assert page_login("reg_a", PASSWORD, address="10.9.9.9").status_code == 429


def test_r21_1_an_unknown_account_is_answered_alike(world):
    known = fail(page_login, "reg_a", 6)
    unknown = fail(page_login, "nobody_here", 6)
    assert known == unknown == [200] * 4 + [429, 429]
    assert LOCKED in page_login("nobody_here", WRONG).content.decode()


def test_r21_1_the_api_token_path_is_guarded_too(world):
    assert fail(api_login, "reg_a", 5) == [401] * 4 + [429]
    refused = api_login("reg_a", PASSWORD)
    assert refused.status_code == 429
    assert refused.json()["code"] == "login_locked" and refused["Retry-After"] == "1800"


def test_r21_1_the_admin_login_is_guarded_too(world):
    world.admin.is_staff = True
    world.admin.save()
    fail(admin_login, "admin_bg", 5)
    assert admin_login("admin_bg", PASSWORD).status_code == 429


def test_r21_1_failures_on_one_path_count_on_the_others(world):
    fail(page_login, "reg_a", 3)
    fail(api_login, "reg_a", 2)
    assert api_login("reg_a", PASSWORD).status_code == 429


def test_r21_1_a_success_clears_the_pairs_failures(world):
    fail(page_login, "reg_a", 4)
    assert page_login("reg_a", PASSWORD).status_code == 302
    assert fail(page_login, "reg_a", 4) == [200] * 4
    assert page_login("reg_a", PASSWORD).status_code == 302


def test_r21_1_forwarded_address_counts_only_from_a_trusted_proxy(world, settings):
    # An untrusted peer cannot pick a fresh address per attempt by writing the header itself.
    for n in range(5):
        page_login("reg_a", WRONG, address="10.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert (
        page_login("reg_a", PASSWORD, address="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.99").status_code
        == 429
    )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.1"}

    # Behind our proxy, each client is its own address; the proxy is not locked for everyone.
    settings.XUEJI = {**settings.XUEJI, "TRUSTED_PROXIES": ["127.0.0.1"]}
    for _ in range(5):
        page_login("reg_b", WRONG, address="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert (
        page_login("reg_b", PASSWORD, address="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code
        == 429
    )
    time_passes(0.1)
    ok = page_login("reg_b", PASSWORD, address="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert ok.status_code == 302


def test_r21_1_every_success_failure_and_lock_is_audited(world):
    fail(page_login, "reg_a", 5)
    fail(api_login, "nobody_here", 1, address="10.0.0.9")
    page_login("reg_b", PASSWORD, address="10.0.0.3")
    events = list(AuditEvent.objects.order_by("pk").values_list("action", "actor_id", "subject_id", "note"))
    failed = [e for e in events if e[0] == actions.LOGIN_FAILED]
    assert len(failed) == 6
    assert failed[0] == (actions.LOGIN_FAILED, None, str(world.registrar_a.pk), "10.0.0.1")
    assert failed[-1] == (actions.LOGIN_FAILED, None, "nobody_here", "10.0.0.9")
    assert (actions.LOGIN_LOCKED, None, str(world.registrar_a.pk), "10.0.0.1") in events
    assert (actions.LOGIN, world.registrar_b.pk, str(world.registrar_b.pk), "10.0.0.3") in events
    assert not any(WRONG in str(e) or PASSWORD in str(e) for e in events)
    refused = page_login("reg_a", PASSWORD)  # while locked: refused unheard, said so
    assert refused.status_code == 429
    latest = AuditEvent.objects.filter(action=actions.LOGIN_FAILED).latest("pk")
    assert latest.note == "10.0.0.1 已锁定或限速，未核对密码"
    assert AuditEvent.objects.filter(action=actions.LOGIN_LOCKED).count() == 1  # not again per refusal
