"""Middleware of the whole site: "busy, try again" when SQLite's write lock is taken; control
characters refused at the door; no answer kept by a cache (R21.1).

Answer "busy, try again" instead of a server error when SQLite's one write lock is taken.

SQLite (the demo's and small deployments' database) lets one transaction write at a time; a long
bulk import holds that lock until it commits, and a page that must write meanwhile (the access
log of R21.1 writes on every view) waits out the busy timeout. The page then says so in Chinese,
with a 503 and Retry-After, rather than a 500. PostgreSQL never raises this.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from csp.middleware import CSPMiddleware, PolicyParts
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string

MSG_BUSY = "系统正忙：数据库正在写入一批数据（例如 Excel 批量导入），请一分钟后重试。"


class DatabaseBusyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError) and "locked" in str(exception):
            if request.path.startswith("/api/"):
                response: HttpResponse = JsonResponse(
                    {"code": "busy", "rule": None, "message": MSG_BUSY}, status=503
                )
            else:
                response = HttpResponse(render_to_string("503.html"), status=503)
            response["Retry-After"] = "60"
            return response
        return None


# Control characters a person never types (NUL first): refused before any view sees them, so no
# form stores them (SQLite would) and no query trips on them (PostgreSQL refuses NUL in text: a 500).
# Tab, line feed and carriage return are text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MSG_CONTROL = "提交的内容含有不可见的控制字符（可能是从其他软件复制来的），请删除后重新输入。"


class ControlCharacterMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_control(request):
            if request.path.startswith("/api/"):
                body = {"code": "control_character", "rule": "R2.3", "message": MSG_CONTROL, "field": None}
                return JsonResponse(body, status=400)
            return HttpResponse(render_to_string("400.html", {"message": MSG_CONTROL}), status=400)
        return self.get_response(request)


def _has_control(request: HttpRequest) -> bool:
    if _CONTROL.search(request.path):
        return True
    pairs = list(request.GET.lists())
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        pairs += list(request.POST.lists())
    return any(_CONTROL.search(key) or any(_CONTROL.search(v) for v in values) for key, values in pairs)


class PrivateResponseMiddleware:
    """R21.1: no page or API answer is kept by a browser's or a proxy's cache — most hold personal
    data, and an evidence download is a child's document. Static files never reach here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """R21.1: a page may run scripts and apply styles from our own static files only, so an
    injected ``<script>`` or style attribute does nothing (settings.CONTENT_SECURITY_POLICY).

    Django's admin and the API's interactive docs are pages we do not write: they keep inline
    styles (their layout needs them); scripts stay our server's only there too.
    """

    RELAXED = ("/admin/", "/api/v1/docs")

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(self.RELAXED) and parts.update is None:
            parts.update = {"style-src": ["'unsafe-inline'"], "img-src": ["data:"]}
        return parts
