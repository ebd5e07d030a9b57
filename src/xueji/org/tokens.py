"""API bearer tokens (R2.2): shown once when issued, stored only as their SHA-256 digest.

A token stands for its user: every request it authenticates is scoped and role-checked exactly
like that user's pages. Issuing is a write (one audit event); verifying is a read that touches
``last_used_at`` at most once a minute, so polling clients do not turn every read into a write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction

from xueji.audit import actions
from xueji.audit.services import audit_record
from xueji.core import clock
from xueji.org.models import ApiToken, User

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
# token_urlsafe(32) gives 43 characters; anything much longer is not ours and is not hashed.
MAX_TOKEN_LENGTH = 100


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


def token_lifetime() -> dt.timedelta:
    return dt.timedelta(days=int(settings.XUEJI["API_TOKEN_DAYS"]))


@transaction.atomic
def api_token_issue(*, user: User) -> tuple[str, ApiToken]:
    """A new token for ``user``; returns the raw token (never stored) and its row."""
    if not user.is_active:
        raise PermissionDenied("该账号已停用。")
    if user.must_change_password:
        raise PermissionDenied("管理员重置了该账号的密码：请先登录网页修改密码，再获取令牌。")
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, digest=token_digest(raw), expires_at=clock.now() + token_lifetime()
    )
    audit_record(
        actor=user,
        action=actions.API_TOKEN_ISSUE,
        subject=token,
        school=user.school,
        changes={"expires_at": [None, token.expires_at.isoformat()]},
        rules=["R2.2"],
    )
    return raw, token


def api_token_user(raw: str) -> User | None:
    """The active user a valid, unexpired token belongs to; None for anything else."""
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    now = clock.now()
    token = (
        ApiToken.objects.select_related("user__school__district", "user__jurisdiction")
        .filter(digest=token_digest(raw), expires_at__gt=now, revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        # A bookkeeping stamp, not a change of the record: no audit event, no model save().
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
