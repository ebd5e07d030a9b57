"""Errors are for people: Chinese error pages, and "busy" instead of a 500 when SQLite is locked."""

from __future__ import annotations

import json

from django.db import OperationalError
from django.test import RequestFactory

from tests.conftest import login
from xueji.core.middleware import DatabaseBusyMiddleware


def test_404_page_is_in_chinese(world):
    response = login(world.registrar_a).get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def test_403_page_is_in_chinese(world):
    response = login(world.officer).get("/import/")
    assert response.status_code == 403 and "无权访问" in response.content.decode()


def test_a_locked_database_answers_503_busy_in_chinese():
    middleware = DatabaseBusyMiddleware(lambda request: None)
    page = middleware.process_exception(
        RequestFactory().get("/students/"), OperationalError("database is locked")
    )
    assert page.status_code == 503 and page["Retry-After"] == "60" and "系统正忙" in page.content.decode()
    api = middleware.process_exception(
        RequestFactory().get("/api/v1/students"), OperationalError("database is locked")
    )
    assert api.status_code == 503 and json.loads(api.content)["code"] == "busy"
    assert middleware.process_exception(RequestFactory().get("/"), OperationalError("no such table")) is None


def test_unknown_api_address_answers_json_404(world):
    response = login(world.registrar_a).get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
