"""An account's own password and tokens, and an administrator's reset (R2.2, R21.1).

A password change (one's own, or an administrator's reset) ends every API token the account held:
whoever had one keeps no access past the change. A reset sets a password only the administrator
and the account's holder know, so the holder must change it at the next login. Nothing here writes
a password or a token into the audit log.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from xueji.audit import actions
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.core.errors import RuleViolation
from xueji.org.models import ADMIN_ROLES, ApiToken, Role, User

MSG_OLD_WRONG = "原密码不正确。"


# The validators' refusals in the words the page uses (Django's own catalogue misses some).
_WEAK = {
    "password_too_short": "密码太短：至少 {min} 位。",
    "password_too_similar": "密码与用户名、姓名或电话太相似。",
    "password_too_common": "这个密码太常见，容易被猜到。",
    "password_entirely_numeric": "密码不能全是数字。",
}


def _checked(user: User, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        words = [
            _WEAK[e.code].format(min=(e.params or {}).get("min_length", 10))
            if e.code in _WEAK
            else " ".join(e.messages)
            for e in exc.error_list
        ]
        raise RuleViolation(
            rule="R21.1", code="weak_password", field="new_password", message="".join(words)
        ) from None


@transaction.atomic
def tokens_revoke(*, actor: User | None, user: User, reason: str, token: ApiToken | None = None) -> int:
    """End ``token`` (one the account holds) or every live token of the account; returns how many."""
    if actor is not None and actor.pk != user.pk and not may_administer(actor, user):
        raise PermissionDenied("只能撤销自己的令牌。")
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if token is not None:
        live = live.filter(pk=token.pk)
    ids = list(live.values_list("pk", flat=True))
    if not ids:
        return 0
    ApiToken.objects.filter(pk__in=ids).update(revoked_at=clock.now(), revoked_reason=reason[:50])
    audit_record(
        actor=actor,
        action=actions.API_TOKEN_REVOKE,
        subject=user,
        school=user.school,
        changes={"tokens": [len(ids), 0]},
        rules=["R21.1"],
        note=reason,
    )
    return len(ids)


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> User:
    """The account's holder changes its own password (knowing the old one)."""
    if not user.check_password(old_password):
        raise RuleViolation(rule="R21.1", code="wrong_password", field="old_password", message=MSG_OLD_WRONG)
    if old_password == new_password:
        raise RuleViolation(
            rule="R21.1", code="same_password", field="new_password", message="新密码不能与原密码相同。"
        )
    _checked(user, new_password)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(
        actor=user, action=actions.PASSWORD_CHANGE, subject=user, school=user.school, rules=["R21.1"]
    )
    tokens_revoke(actor=user, user=user, reason="修改密码")
    return user


def may_administer(actor: User, user: User) -> bool:
    """Whether ``actor`` may reset ``user``'s password or second factor: the superuser, or the
    security administrator of the user's district for an account that is not one of the three
    administrators' (三权分立)."""
    if actor.is_superuser:
        return True
    if actor.role != Role.SECURITY_ADMIN or actor.jurisdiction is None or user.role in ADMIN_ROLES:
        return False
    if user.school is not None:
        unit = user.school.district.code
    else:
        unit = user.jurisdiction.code if user.jurisdiction is not None else ""
    return unit.startswith(actor.jurisdiction.scope_prefix)


@transaction.atomic
def password_reset(*, actor: User, user: User, new_password: str) -> User:
    """The district's security administrator sets a new password for an account of the district
    (its holder lost it): audited, the holder changes it at the next login, its tokens end."""
    if not may_administer(actor, user):
        raise PermissionDenied("只有本区安全管理员可以重置本区账号的密码（三员账号由超级用户重置）。")
    _checked(user, new_password)
    user.set_password(new_password)
    user.must_change_password = actor.pk != user.pk
    user.save(update_fields=["password", "must_change_password"])
    audit_record(
        actor=actor,
        action=actions.PASSWORD_RESET,
        subject=user,
        school=user.school,
        rules=["R21.1"],
        note="下次登录须修改密码" if user.must_change_password else "",
    )
    tokens_revoke(actor=actor, user=user, reason="管理员重置密码")
    return user
