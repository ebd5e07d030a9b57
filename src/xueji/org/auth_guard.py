"""Every login path (the page, ``POST /api/v1/auth/token``, the admin's) guarded alike (等保, R21.1).

django-axes counts failures per (account, source address) and locks that pair after
``LOGIN_FAILURE_LIMIT`` failures for ``LOGIN_LOCK_MINUTES``. Across addresses an account is never
locked — anyone could then lock every officer out by guessing usernames — but it is slowed: past the
limit, each further failure doubles the wait before the next attempt is heard, up to
``LOGIN_MAX_DELAY_SECONDS``. Both count usernames as typed, existing or not, and answer alike, so
nothing tells whether an account exists. The source address is the peer's, or the forwarded one only
when the peer is a listed trusted proxy (``TRUSTED_PROXIES``).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from xueji.core import clock


def client_ip(request: HttpRequest) -> str:
    """The address a request came from: X-Forwarded-For's last hop before a trusted proxy."""
    peer = request.META.get("REMOTE_ADDR", "") or ""
    if not _trusted(peer):
        return peer
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    # Read from the right: the nearest hops are our own proxies; the first one that is not is the client.
    for hop in reversed(hops):
        if not _trusted(hop):
            return hop if _valid(hop) else peer
    return peer


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _trusted(address: str) -> bool:
    if not _valid(address):
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(net, strict=False) for net in settings.XUEJI["TRUSTED_PROXIES"])


def account_wait(username: str) -> int:
    """Seconds the account must wait before its next attempt is heard (0: none), from every
    address's failures within the lock period."""
    if not username:
        return 0
    since = clock.now() - dt.timedelta(minutes=int(settings.XUEJI["LOGIN_LOCK_MINUTES"]))
    seen = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time")
    )
    over = (seen["failures"] or 0) - int(settings.XUEJI["LOGIN_FAILURE_LIMIT"])
    if over < 0:
        return 0
    delay = min(2**over, int(settings.XUEJI["LOGIN_MAX_DELAY_SECONDS"]))
    left = (seen["last"] + dt.timedelta(seconds=delay) - clock.now()).total_seconds()
    return max(0, int(left + 0.999))


class GuardHandler(AxesDatabaseHandler):
    """axes' database handler, plus the account-wide delay."""

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        locked = (
            super().is_locked(request, credentials)
            or account_wait(get_client_username(request, credentials)) > 0
        )
        if locked:  # read by the audit receiver: this attempt's password was never checked
            request.xueji_refused = True
        return locked


def locked_response(request: HttpRequest, response: Any = None, credentials: Any = None) -> HttpResponse:
    """What a locked or slowed login hears: the same for an account that does not exist."""
    username = get_client_username(request, credentials)
    locked = lock_left(username, client_ip(request))
    if locked:
        message = (
            f"连续 {settings.XUEJI['LOGIN_FAILURE_LIMIT']} 次输错密码，本机登录该账号已暂停 "
            f"{settings.XUEJI['LOGIN_LOCK_MINUTES']} 分钟。忘记密码请联系区教育局安全管理员重置。"
        )
    else:
        message = f"该账号近期登录失败次数较多，请 {account_wait(username)} 秒后再试。"
    answer: HttpResponse
    if request.path.startswith("/api/"):
        answer = JsonResponse({"code": "login_locked", "rule": "R21.1", "message": message}, status=429)
    else:
        answer = render(request, "org/login_locked.html", {"message": message}, status=429)
    answer["Retry-After"] = str(locked or max(account_wait(username), 1))
    return answer


def lock_left(username: str, address: str) -> int:
    """Seconds the (account, address) pair stays locked (0: it is not)."""
    last = (
        AccessAttempt.objects.filter(
            username=username,
            ip_address=address,
            failures_since_start__gte=int(settings.XUEJI["LOGIN_FAILURE_LIMIT"]),
        )
        .values_list("attempt_time", flat=True)
        .first()
    )
    if last is None:
        return 0
    left = (
        last + dt.timedelta(minutes=int(settings.XUEJI["LOGIN_LOCK_MINUTES"])) - clock.now()
    ).total_seconds()
    return max(0, int(left + 0.999))
