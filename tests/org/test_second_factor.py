"""The second factor (R21.1, 等保): district officers, admins, auditors and superusers give a TOTP
code after the password, enrolled at their first login, with single-use recovery codes; registrars
when their district says so; the API token needs it too; a district admin resets a lost device."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD, give_second_factor, login, totp_now
from xueji.audit import actions
from xueji.audit.models import AuditEvent
from xueji.org import second_factor
from xueji.org.policy import policy_set

pytestmark = pytest.mark.django_db


def password_only(user) -> Client:
    """A client past the password, before any second factor (as the login page leaves it)."""
    client = Client()
    client.force_login(user)
    return client


def code_of(device: TOTPDevice, later: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time += later * device.step
    return f"{totp.token():06d}"


def api_token(username: str, otp: str = ""):
    body = json.dumps({"username": username, "password": PASSWORD, "otp": otp})
    return Client().post("/api/v1/auth/token", body, content_type="application/json")


@pytest.mark.parametrize("persona", ["officer", "admin", "auditor"])
def test_r21_1_district_accounts_cannot_go_past_the_password_alone(world, persona):
    client = password_only(getattr(world, persona))
    answer = client.get("/")
    assert answer.status_code == 302 and answer["Location"] == "/account/otp/?next=%2F"


def test_r21_1_registrars_and_approvers_need_none_unless_the_district_says(world):
    assert password_only(world.registrar_a).get("/").status_code == 200
    assert password_only(world.approver_a).get("/").status_code == 200
    policy_set(
        actor=world.admin, jurisdiction=world.beiguan, key="security.registrar_2fa", value=1, reason="区规定"
    )
    assert password_only(world.registrar_a).get("/")["Location"].startswith("/account/otp/")
    assert password_only(world.registrar_c).get("/").status_code == 200  # 文峰区 did not
    assert password_only(world.approver_a).get("/").status_code == 200


def test_r21_1_enrolment_at_the_first_login_then_recovery_codes_once(world):
    client = password_only(world.officer)
    page = client.get("/account/otp/?next=/students/").content.decode()
    assert "<svg" in page and "设置两步验证" in page
    device = TOTPDevice.objects.get(user=world.officer, confirmed=False)
    secret = re.search(r'class="mono secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert len(secret) == 32  # the 20-byte key, as an app types it

    wrong = client.post("/account/otp/", {"code": "000000", "next": "/students/"})
    assert "验证码不正确" in wrong.content.decode()
    done = client.post("/account/otp/", {"code": code_of(device), "next": "/students/"})
    codes = re.findall(r"<li>(\d{8})</li>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/students/").status_code == 200  # this session counts as verified
    assert AuditEvent.objects.filter(action=actions.OTP_ENROL, actor=world.officer).count() == 1
    assert "000000" not in str(list(AuditEvent.objects.values_list("note", "changes")))


def test_r21_1_the_next_login_asks_for_the_code(world, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own wait after a wrong code: tested below
    give_second_factor(Client(), world.officer)
    client = password_only(world.officer)
    assert client.get("/")["Location"].startswith("/account/otp/")
    page = client.get("/account/otp/").content.decode()
    assert "请输入手机验证器上当前显示的 6 位数字" in page
    wrong = client.post("/account/otp/", {"code": "12345"})
    assert "验证码不正确" in wrong.content.decode()
    assert AuditEvent.objects.filter(action=actions.OTP_FAILED, actor=world.officer).exists()
    assert client.post("/account/otp/", {"code": totp_now(world.officer), "next": "/"})["Location"] == "/"
    assert client.get("/").status_code == 200


def test_r21_1_a_code_is_used_once(world):
    give_second_factor(Client(), world.officer)
    code = totp_now(world.officer)
    first, second = password_only(world.officer), password_only(world.officer)
    assert first.post("/account/otp/", {"code": code})["Location"] == "/"
    assert "验证码不正确" in second.post("/account/otp/", {"code": code}).content.decode()


def test_r21_1_a_recovery_code_works_once(world):
    client = password_only(world.auditor)
    client.get("/account/otp/")
    device = TOTPDevice.objects.get(user=world.auditor)
    codes = re.findall(
        r"<li>(\d{8})</li>", client.post("/account/otp/", {"code": code_of(device)}).content.decode()
    )
    again = password_only(world.auditor)
    assert again.post("/account/otp/", {"code": codes[0]})["Location"] == "/"
    assert StaticToken.objects.filter(device__user=world.auditor).count() == 9
    assert AuditEvent.objects.get(action=actions.OTP_RECOVERY_USED).note == "剩余 9 个恢复码"
    third = password_only(world.auditor)
    assert "验证码不正确" in third.post("/account/otp/", {"code": codes[0]}).content.decode()


def test_r21_1_the_api_token_needs_the_code(world, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own wait after a wrong code: tested below
    assert api_token("officer_bg").status_code == 403  # not enrolled yet: set it up on the page first
    give_second_factor(Client(), world.officer)
    missing = api_token("officer_bg")
    assert missing.status_code == 401 and missing.json()["code"] == "bad_otp"
    assert api_token("officer_bg", "123456").json()["field"] == "otp"
    assert api_token("officer_bg", totp_now(world.officer)).status_code == 200
    assert api_token("reg_a").status_code == 200  # a registrar of a district that does not require it


def test_r21_1_wrong_codes_count_as_failed_logins(world):
    give_second_factor(Client(), world.officer)
    statuses = [api_token("officer_bg", "000000").status_code for _ in range(5)]
    assert statuses == [401] * 4 + [429]
    assert api_token("officer_bg", totp_now(world.officer)).status_code == 429


def test_r21_1_the_security_admin_resets_a_lost_device(world):
    world.security.is_staff = True
    world.security.save()
    give_second_factor(Client(), world.officer)
    admin = login(world.security)
    done = admin.post(
        "/admin/org/user/",
        {"action": "reset_second_factor", "_selected_action": [world.officer.pk]},
    )
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.officer).exists()
    event = AuditEvent.objects.get(action=actions.OTP_RESET)
    assert (event.actor, event.subject_id) == (world.security, str(world.officer.pk))
    assert "设置两步验证" in password_only(world.officer).get("/account/otp/").content.decode()


def test_r21_1_only_the_districts_security_admin_resets(world):
    from django.core.exceptions import PermissionDenied

    give_second_factor(Client(), world.officer_wf)
    with pytest.raises(PermissionDenied):
        second_factor.device_reset(actor=world.security, user=world.officer_wf)  # 文峰区's officer
    with pytest.raises(PermissionDenied):
        second_factor.device_reset(
            actor=world.admin, user=world.officer
        )  # the system admin keeps no accounts
    assert TOTPDevice.objects.filter(user=world.officer_wf).exists()


def test_r21_1_the_otp_page_sends_only_to_this_site(world):
    give_second_factor(Client(), world.officer)
    client = password_only(world.officer)
    answer = client.post("/account/otp/", {"code": totp_now(world.officer), "next": "https://evil.example/"})
    assert answer["Location"] == "/"


def test_r21_1_after_a_wrong_code_the_device_waits_before_the_next(world):
    give_second_factor(Client(), world.officer)
    client = password_only(world.officer)
    client.post("/account/otp/", {"code": "000000"})
    # Even the right code is not heard at once (django-otp's throttle, doubling per failure).
    assert "验证码不正确" in client.post("/account/otp/", {"code": totp_now(world.officer)}).content.decode()
