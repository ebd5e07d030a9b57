"""A page session ends after ``IDLE_MINUTES`` without the user doing anything (besides the absolute
``SESSION_COOKIE_AGE``), and an account whose password an administrator reset sees nothing but the
password page until it sets its own (R21.1, 等保).

Activity is a request the user made: a page's background polling (a job's progress) sends
``X-Xueji-Poll`` and does not keep the session alive. An account that needs a second factor
(org.second_factor) reaches nothing but the 两步验证 page until it has given one. The page warns two minutes before the end and
keeps what was typed in its forms (core/static/xueji/app.js).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from xueji.org import second_factor

ACTIVE_KEY = "xueji_active"
# The session is written again only when this much has passed: not one UPDATE per click.
RESOLUTION_SECONDS = 30
# What an account that must change its password, or has not given its second factor, may reach.
_WHILE_FORCED = ("/account/password/", "/logout/", "/static/")
_BEFORE_SECOND_FACTOR = ("/account/otp/", "/logout/", "/static/")


def idle_seconds() -> int:
    return int(settings.XUEJI["IDLE_MINUTES"]) * 60


class SessionGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(("/api/", "/static/")):
            return self.get_response(request)
        now = time.time()
        last = request.session.get(ACTIVE_KEY)
        if last is not None and now - last > idle_seconds():
            logout(request)
            return self._to_login(request)
        if last is None or (not request.headers.get("X-Xueji-Poll") and now - last > RESOLUTION_SECONDS):
            request.session[ACTIVE_KEY] = now
        if not request.path.startswith(_BEFORE_SECOND_FACTOR) and not second_factor.satisfied(request):
            query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
            return HttpResponseRedirect(reverse("account_otp") + (f"?{query}" if query else ""))
        if user.must_change_password and not request.path.startswith(_WHILE_FORCED):
            return HttpResponseRedirect(reverse("account_password"))
        return self.get_response(request)

    @staticmethod
    def _to_login(request: HttpRequest) -> HttpResponse:
        query = {"idle": "1"}
        if request.method == "GET" and not request.headers.get("X-Xueji-Poll"):
            query["next"] = request.get_full_path()
        target = f"{reverse('login')}?{urlencode(query)}"
        if request.headers.get("X-Xueji-Poll") or request.headers.get("X-Requested-With"):
            return JsonResponse(
                {"code": "session_ended", "message": "长时间未操作，已自动退出，请重新登录。"}, status=401
            )
        if request.headers.get("HX-Request"):
            answer = HttpResponse(status=204)
            answer["HX-Redirect"] = target
            return answer
        return HttpResponseRedirect(target)
