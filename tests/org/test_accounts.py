"""An account's own password and tokens, an administrator's reset, the idle timeout (R21.1, 等保):
a password change or reset ends every token; a reset is audited and forces a change at the next
login; tokens are listed and revocable on the page and through the API; a page session ends after
15 minutes nobody used it, background polling not counting."""

from __future__ import annotations

import json
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from tests.conftest import PASSWORD, login
from xueji.audit import actions
from xueji.audit.models import AuditEvent
from xueji.core.errors import RuleViolation
from xueji.org.account_services import password_change, password_reset
from xueji.org.models import ApiToken, User
from xueji.org.session_guard import ACTIVE_KEY
from xueji.org.tokens import api_token_issue, api_token_user

pytestmark = pytest.mark.django_db
NEW = "Qiuyue-shuiguo-88"


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def bearer(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


# --------------------------------------------------------------------------- one's own password


def test_r21_1_changing_ones_password_ends_every_token_and_keeps_the_session(world):
    raw, _ = api_token_issue(user=world.registrar_a)
    client = login(world.registrar_a)
    page = client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password": NEW, "new_password2": NEW}
    )
    assert page.status_code == 302 and page["Location"] == "/account/"
    assert fresh(world.registrar_a).check_password(NEW)
    assert api_token_user(raw) is None
    assert client.get("/").status_code == 200  # still logged in here
    assert AuditEvent.objects.filter(action=actions.PASSWORD_CHANGE, actor=world.registrar_a).count() == 1
    revoked = AuditEvent.objects.get(action=actions.API_TOKEN_REVOKE)
    assert revoked.note == "修改密码" and NEW not in str(revoked.changes)


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("wrong-old-password", NEW, "old_password", "原密码不正确。"),
        (PASSWORD, PASSWORD, "new_password", "新密码不能与原密码相同。"),
        (PASSWORD, "13812345678a", "new_password", "密码与用户名、姓名或电话太相似。"),
        (PASSWORD, "1234567890123", "new_password", "密码不能全是数字。"),
        (PASSWORD, "short1!", "new_password", "密码太短：至少 10 位。"),
    ],
    ids=["wrong-old", "same", "like-username", "all-digits", "short"],
)
def test_r21_1_a_wrong_or_weak_password_is_refused_in_words(world, old, new, field, message):
    world.registrar_a.phone = "13812345678"
    world.registrar_a.save()
    with pytest.raises(RuleViolation) as refused:
        password_change(user=world.registrar_a, old_password=old, new_password=new)
    assert refused.value.field == field and message in refused.value.message
    assert fresh(world.registrar_a).check_password(PASSWORD)


def test_r21_1_the_page_says_what_is_wrong(world):
    page = login(world.registrar_a).post(
        "/account/password/", {"old_password": PASSWORD, "new_password": NEW, "new_password2": NEW + "x"}
    )
    assert page.status_code == 200 and "两次输入的新密码不一致" in page.content.decode()


# --------------------------------------------------------------------------- an administrator's reset


def test_r21_1_an_admins_reset_is_audited_ends_tokens_and_forces_a_change(world):
    world.security.is_staff = True
    world.security.save()
    raw, _ = api_token_issue(user=world.registrar_a)
    admin = login(world.security)
    done = admin.post(
        f"/admin/org/user/{world.registrar_a.pk}/password/", {"password1": NEW, "password2": NEW}
    )
    assert done.status_code == 302
    reset = fresh(world.registrar_a)
    assert reset.check_password(NEW) and reset.must_change_password
    assert api_token_user(raw) is None
    event = AuditEvent.objects.get(action=actions.PASSWORD_RESET)
    assert (event.actor, event.subject_id, event.note) == (
        world.security,
        str(reset.pk),
        "下次登录须修改密码",
    )

    # The holder sees nothing but the password page until they set their own; no token meanwhile.
    holder = login(reset)
    assert holder.get("/students/")["Location"] == "/account/password/"
    body = json.dumps({"username": "reg_a", "password": NEW})
    assert Client().post("/api/v1/auth/token", body, content_type="application/json").status_code == 403
    mine = "Chunfeng-xiyu-2026"
    holder.post("/account/password/", {"old_password": NEW, "new_password": mine, "new_password2": mine})
    assert not fresh(reset).must_change_password
    assert holder.get("/students/").status_code == 200


def test_r21_1_only_the_districts_admin_resets(world):
    from xueji.org.models import Role

    other = User.objects.create(
        username="admin_wf", role=Role.DISTRICT_ADMIN, jurisdiction=world.wenfeng, full_name="文峰管理员"
    )
    with pytest.raises(PermissionDenied):
        password_reset(actor=other, user=world.registrar_a, new_password=NEW)
    with pytest.raises(PermissionDenied):
        password_reset(actor=world.officer, user=world.registrar_a, new_password=NEW)
    assert fresh(world.registrar_a).check_password(PASSWORD)


def test_r21_1_deactivating_an_account_ends_its_tokens(world):
    world.security.is_staff = True
    world.security.save()
    raw, _ = api_token_issue(user=world.registrar_a)
    target = world.registrar_a
    form = {
        "username": target.username,
        "full_name": target.full_name,
        "phone": "",
        "role": target.role,
        "school": target.school_id,
        "jurisdiction": "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-09-01",
        "date_joined_1": "08:00:00",
    }  # is_active left out: unchecked
    done = login(world.security).post(f"/admin/org/user/{target.pk}/change/", form)
    assert done.status_code == 302, done.content.decode()[:3000]
    assert not fresh(target).is_active
    assert ApiToken.objects.get(user=target).revoked_reason == "账号停用"
    assert api_token_user(raw) is None


# --------------------------------------------------------------------------- tokens


def test_r21_1_delete_ends_the_token_in_use_and_all_true_ends_every_one(world):
    first, _ = api_token_issue(user=world.registrar_a)
    second, _ = api_token_issue(user=world.registrar_a)
    assert bearer(first).delete("/api/v1/auth/token").status_code == 204
    assert bearer(first).get("/api/v1/students").status_code == 401
    assert bearer(second).get("/api/v1/students").status_code == 200
    assert bearer(second).delete("/api/v1/auth/token?all=true").status_code == 204
    assert bearer(second).get("/api/v1/students").status_code == 401


def test_r21_1_the_account_page_lists_tokens_and_logins_and_revokes(world):
    api_token_issue(user=world.registrar_a)
    Client(REMOTE_ADDR="10.1.2.3").post("/login/", {"username": "reg_a", "password": PASSWORD})
    client = login(world.registrar_a)
    page = client.get("/account/").content.decode()
    assert "有效" in page and "10.1.2.3" in page and "成功" in page
    token = ApiToken.objects.get()
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    assert "已撤销（本人撤销）" in client.get("/account/").content.decode()


def test_r21_1_nobody_revokes_anothers_token_through_the_page(world):
    api_token_issue(user=world.registrar_b)
    token = ApiToken.objects.get()
    assert login(world.registrar_a).post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get().revoked_at is None


# --------------------------------------------------------------------------- the idle timeout


def _idle(client: Client, seconds: float) -> None:
    session = client.session
    session[ACTIVE_KEY] = time.time() - seconds
    session.save()


def test_r21_1_a_session_unused_for_fifteen_minutes_ends(world):
    client = login(world.registrar_a)
    assert client.get("/").status_code == 200
    _idle(client, 14 * 60)
    assert client.get("/students/").status_code == 200  # in time: and the clock starts again
    _idle(client, 15 * 60 + 5)
    ended = client.get("/students/?q=王")
    assert ended.status_code == 302 and ended["Location"].startswith("/login/?idle=1&next=")
    assert client.get("/").status_code == 302  # logged out
    assert AuditEvent.objects.filter(action=actions.LOGOUT, actor=world.registrar_a).exists()


def test_r21_1_background_polling_keeps_no_session_alive(world):
    client = login(world.registrar_a)
    client.get("/")
    _idle(client, 10 * 60)
    client.get("/", HTTP_X_XUEJI_POLL="1")
    _idle_left = time.time() - client.session[ACTIVE_KEY]
    assert _idle_left > 9 * 60  # the poll did not count as use
    _idle(client, 15 * 60 + 5)
    assert client.get("/", HTTP_X_XUEJI_POLL="1").status_code == 401


def test_r21_1_the_keepalive_button_counts_as_use(world):
    client = login(world.registrar_a)
    client.get("/")
    _idle(client, 14 * 60)
    assert client.post("/account/keepalive/").status_code == 204
    assert time.time() - client.session[ACTIVE_KEY] < 5


def test_an_administrators_account_reads_without_a_password_line_for_the_security_admin(world):
    """三权分立: the security administrator sees an administrator's account read-only, with no
    「重置密码」 that would end in a refusal and no password hash summary; a registrar's has them."""
    world.security.is_staff = True
    world.security.save()
    client = login(world.security)
    page = client.get(f"/admin/org/user/{world.admin.pk}/change/").content.decode()
    assert world.admin.username in page and "pbkdf2" not in page and "/password/" not in page
    editable = client.get(f"/admin/org/user/{world.registrar_a.pk}/change/").content.decode()
    assert "/password/" in editable
