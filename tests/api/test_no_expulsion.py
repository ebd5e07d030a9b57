"""R13.1: no expulsion, forced suspension or forced withdrawal anywhere — no page, no API operation,
no status a request can set, no kind — checked over the URL configuration and the API schema as
they are built, so a route added later is checked too."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.api.conftest import API
from xueji.api import api
from xueji.changes.kinds.registry import KINDS
from xueji.students.models import Enrollment
from xueji.students.rules import FORBIDDEN_STATUSES

pytestmark = pytest.mark.django_db
WORDS = ("expel", "expulsion", "dismiss", "kaichu", "tuixue", "tingxue", *FORBIDDEN_STATUSES.values())


def _routes(patterns: list[Any], prefix: str = "") -> list[tuple[str, str]]:
    """(path, name) of every route of the URL configuration, included ones too."""
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.append((prefix + str(pattern.pattern), pattern.name or ""))
    return found


def _forbidden(text: str) -> bool:
    return any(word in text.lower() for word in WORDS)


def test_r13_1_no_page_or_route_names_expulsion_or_forced_withdrawal():
    routes = _routes(get_resolver().url_patterns)
    assert len(routes) > 100  # the whole configuration was walked, the API's included
    assert [route for route in routes if _forbidden(" ".join(route))] == []


def _enums(schema: Any, path: str = "") -> list[tuple[str, list[Any]]]:
    found = []
    if isinstance(schema, dict):
        if "enum" in schema:
            found.append((path, schema["enum"]))
        for key, value in schema.items():
            found += _enums(value, f"{path}.{key}")
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            found += _enums(value, f"{path}[{i}]")
    return found


def test_r13_1_no_api_operation_or_status_value_offers_them():
    spec = api.get_openapi_schema()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            named = " ".join([path, operation.get("operationId", ""), operation.get("summary", "")])
            assert not _forbidden(named), (method, path)
    enums = _enums(spec)
    assert len(enums) >= 5  # the kinds' choices: the whole schema was read
    for where, values in enums:
        assert not _forbidden(" ".join(str(v) for v in values)), where
        # A 学籍 status a request could set: none of those codes (政治面貌, political_status, is
        # another code table whose codes happen to overlap).
        if re.search(r"\.(properties\.)?[a-z_]*status\b", where) and "political_status" not in where:
            assert not {str(v) for v in values} & set(FORBIDDEN_STATUSES), where
    assert not set(FORBIDDEN_STATUSES) & set(Enrollment.Status.values)


def test_r13_1_no_kind_of_status_change_is_one():
    for key, kind in KINDS.items():
        assert not _forbidden(f"{key} {kind.label}"), key


@pytest.mark.parametrize("kind", ["expel", "开除", "退学", "03"])
def test_r13_1_a_request_naming_one_is_refused_citing_the_rule(world, api_as, kind):
    response = api_as(world.officer).get(f"{API}/cases", {"kind": kind})
    assert response.status_code == 422
    body = response.json()
    assert (body["rule"], body["field"]) == ("R13.1", "kind") and "不得开除学生" in body["message"]
