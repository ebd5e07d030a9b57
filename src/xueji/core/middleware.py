"""Answer "busy, try again" instead of a server error when SQLite's one write lock is taken.

SQLite (the demo's and small deployments' database) lets one transaction write at a time; a long
bulk import holds that lock until it commits, and a page that must write meanwhile (the access
log of R21.1 writes on every view) waits out the busy timeout. The page then says so in Chinese,
with a 503 and Retry-After, rather than a 500. PostgreSQL never raises this.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
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
