"""Every login, failed login, lockout and logout in the audit log, whatever the path (page, API
token, admin): Django's and axes' signals, which every path sends."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from xueji.audit import actions
from xueji.audit.models import AuditEvent
from xueji.audit.services import login_record
from xueji.core import clock
from xueji.org.auth_guard import client_ip
from xueji.org.session_guard import ACTIVE_KEY


def _address(request: Any) -> str:
    return client_ip(request) if request is not None else ""


def _known(username: str) -> Any:
    return (
        get_user_model()
        .objects.filter(username=username)
        .select_related("school__district", "jurisdiction")
        .first()
    )


@receiver(user_logged_in, dispatch_uid="xueji.login")
def logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[ACTIVE_KEY] = time.time()  # the idle clock starts at login (session_guard)
    login_record(
        action=actions.LOGIN, user=user, actor=user, username=user.username, address=_address(request)
    )


@receiver(user_logged_out, dispatch_uid="xueji.logout")
def logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        login_record(
            action=actions.LOGOUT, user=user, actor=user, username=user.username, address=_address(request)
        )


@receiver(user_login_failed, dispatch_uid="xueji.login_failed")
def login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username") or "")[:150]
    refused = getattr(request, "xueji_refused", False)
    login_record(
        action=actions.LOGIN_FAILED,
        user=_known(username),
        username=username,
        address=_address(request),
        note="已锁定或限速，未核对密码" if refused else "",
    )


@receiver(user_locked_out, dispatch_uid="xueji.locked")
def locked_out(sender: Any, request: Any, username: str, ip_address: str, **kwargs: Any) -> None:
    # axes says so again for every attempt refused while locked: those are already failures above.
    since = clock.now() - dt.timedelta(minutes=int(settings.XUEJI["LOGIN_LOCK_MINUTES"]))
    known = _known(username)
    already = AuditEvent.objects.filter(
        action=actions.LOGIN_LOCKED,
        subject_id=str(known.pk) if known else username[:40],
        note__startswith=ip_address,
        at__gte=since,
    )
    if not already.exists():
        login_record(action=actions.LOGIN_LOCKED, user=known, username=username, address=ip_address)
