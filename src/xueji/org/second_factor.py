"""The second factor (两步验证, R21.1, 等保 level 3): a time-based code (TOTP, any authenticator app)
after the password, with ten single-use recovery codes (django-otp).

Mandatory for district officers, district admins, auditors and superusers; for registrars, who see
full ID numbers, a district's setting (on by default in production). An account that enrolled a
device is asked for a code whatever its role. Enrolment happens at the first login that needs it;
a district admin resets a lost device (audited), and the holder enrols again at the next login.
"""

from __future__ import annotations

import secrets
from base64 import b32encode
from io import BytesIO
from typing import Any
from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from xueji.audit import actions
from xueji.audit.services import audit_record
from xueji.core.errors import RuleViolation
from xueji.org.models import Role, User
from xueji.org.policy import Limit

REGISTRAR_REQUIRED = Limit(
    "security.registrar_2fa",
    "学籍管理员须使用两步验证",
    "（1 须使用，0 不要求）",
    "R21.1",
    1,
    0,
    1,
)
ALWAYS = (Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR)
RECOVERY_CODES = 10
ISSUER = "学籍管理系统"
MSG_BAD_CODE = "验证码不正确或已过期，请输入验证器上当前显示的 6 位数字（或一个未用过的恢复码）。"


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def required(user: Any) -> bool:
    """Whether ``user`` must give a code after the password."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.role in ALWAYS:
        return True
    if user.role == Role.REGISTRAR and user.school_id and REGISTRAR_REQUIRED.value(user.school.district) == 1:
        return True
    return confirmed_device(user) is not None


def satisfied(request: Any) -> bool:
    """Whether this session has given what the account needs (a code, or nothing); asked by the
    session guard and the menu of the same request, so answered once per request."""
    known = getattr(request, "_second_factor_satisfied", None)
    if known is None:
        user = request.user
        known = not required(user) or bool(getattr(user, "is_verified", lambda: False)())
        request._second_factor_satisfied = known
    return bool(known)


# --------------------------------------------------------------------------- enrolment


@transaction.atomic
def enrol_start(*, user: User) -> TOTPDevice:
    """The device being set up (a new secret, or the one already shown and not yet confirmed)."""
    if confirmed_device(user) is not None:
        raise RuleViolation(
            rule="R21.1",
            code="enrolled",
            field=None,
            message="已设置两步验证；更换手机请联系区教育局安全管理员重置。",
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="验证器", confirmed=False)
    return device


@transaction.atomic
def enrol_confirm(*, request: Any, user: User, code: str) -> list[str]:
    """The first code from the app proves the secret was taken: the device counts from now on, this
    session is verified, and the recovery codes are made (returned once, never shown again)."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(_digits(code)):
        raise RuleViolation(rule="R21.1", code="bad_otp", field="code", message=MSG_BAD_CODE)
    device.confirmed = True
    device.save()
    recovery = _recovery_codes(user)
    otp_login(request, device)
    audit_record(
        actor=user,
        action=actions.OTP_ENROL,
        subject=user,
        school=user.school,
        rules=["R21.1"],
    )
    return recovery


def _recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


def provisioning(device: TOTPDevice, user: User) -> tuple[str, str, str]:
    """(the secret as typed into an app, the otpauth URI, the URI as an SVG QR code)."""
    import qrcode
    import qrcode.image.svg

    secret = b32encode(device.bin_key).decode().rstrip("=")
    label = quote(f"{ISSUER}:{user.username}")
    uri = f"otpauth://totp/{label}?secret={secret}&issuer={quote(ISSUER)}&digits={device.digits}&period={device.step}"
    buffer = BytesIO()
    qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(buffer)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return grouped, uri, buffer.getvalue().decode()


# --------------------------------------------------------------------------- verification


def _digits(code: str) -> str:
    return "".join(ch for ch in str(code or "") if ch.isdigit())[:8]


def check_code(user: User, code: str) -> Any:
    """The device that accepts ``code`` (the app's code, or an unused recovery code, which is then
    spent), or None."""
    digits = _digits(code)
    if not digits:
        return None
    with transaction.atomic():
        for device in (
            *TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True),
            *StaticDevice.objects.select_for_update().filter(user=user, confirmed=True),
        ):
            if device.verify_token(digits):
                return device
    return None


def verify(*, request: Any, code: str) -> bool:
    """The second step of a page login: the session counts as verified from now on."""
    device = check_code(request.user, code)
    if device is None:
        return False
    otp_login(request, device)
    if isinstance(device, StaticDevice):
        audit_record_outside(
            request.user, actions.OTP_RECOVERY_USED, note=f"剩余 {device.token_set.count()} 个恢复码"
        )
    return True


def audit_record_outside(user: User, action: str, note: str = "") -> None:
    with transaction.atomic():
        audit_record(
            actor=user,
            action=action,
            subject=user,
            school=user.school,
            rules=["R21.1"],
            note=note,
        )


# --------------------------------------------------------------------------- reset


@transaction.atomic
def device_reset(*, actor: User, user: User) -> int:
    """The district's security administrator clears a lost device: the holder enrols again at the next login."""
    from xueji.org.account_services import may_administer

    if not may_administer(actor, user):
        raise PermissionDenied("只有本区安全管理员可以重置本区账号的两步验证（三员账号由超级用户重置）。")
    removed = TOTPDevice.objects.filter(user=user).count()
    TOTPDevice.objects.filter(user=user).delete()  # a credential, not a record: nothing to keep
    StaticDevice.objects.filter(user=user).delete()
    audit_record(
        actor=actor,
        action=actions.OTP_RESET,
        subject=user,
        school=user.school,
        changes={"devices": [removed, 0]},
        rules=["R21.1"],
    )
    return removed


@transaction.atomic
def device_install_known(*, actor: User, user: User, key_hex: str) -> TOTPDevice:
    """The demo's accounts get a published secret, so a visitor can compute their codes; a real
    deployment never installs a secret someone else knows."""
    from django.conf import settings

    if settings.ENV == "production":
        raise PermissionDenied("生产环境不能预置两步验证密钥。")
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="演示验证器", key=key_hex, confirmed=True)
    audit_record(
        actor=actor,
        action=actions.OTP_ENROL,
        subject=user,
        school=user.school,
        rules=["R21.1"],
        note="演示账号：密钥公开",
    )
    return device
