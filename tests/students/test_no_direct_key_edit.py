"""R9.1: key information (name, gender, birth date, ID document type, ID number, ethnicity) changes
only through the information-change request and the district's approval. Every page route of the
URL conf and every writing operation of the API schema is sent a change of every key field, by
every role that writes anything; none changes the record (and none answers 500)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.api.conftest import bearer
from tests.factories import enrolled, make_id
from tests.test_routes import _named_routes
from xueji.api import api
from xueji.core.web import PUBLIC_ROUTES
from xueji.students.models import Student
from xueji.students.validation import KEY_FIELDS

pytestmark = pytest.mark.django_db
ROLES = ("registrar_a", "approver_a", "officer", "admin")


def _key_values(birth: dt.date) -> dict[str, str]:
    other = birth.replace(day=birth.day + 1)
    return {
        "name": "李改名",
        "gender": "2",
        "birth_date": other.isoformat(),
        "id_type": "1",
        "id_number": make_id(other, male=False),
        "ethnicity": "02",
    }


def _key_fields(student: Student) -> dict[str, object]:
    student.refresh_from_db()
    return {field: getattr(student, field) for field in KEY_FIELDS}


def _page_urls(pk: int) -> list[str]:
    urls = []
    for name, pattern in sorted(_named_routes().items()):
        if name in PUBLIC_ROUTES:
            continue
        kwargs = {
            key: (pk if converter.regex == "[0-9]+" else "x")
            for key, converter in pattern.pattern.converters.items()
        }
        urls.append(reverse(name, kwargs=kwargs))
    return urls


def test_r9_1_no_page_route_changes_a_key_field_directly(world):
    pupil = enrolled(world.school_a, grade=3)
    before = _key_fields(pupil)
    values = _key_values(pupil.birth_date)
    form = {**values, "student": str(pupil.pk), "student_id": str(pupil.pk), "confirm_region": "on"}
    for role in ROLES:
        client = Client()
        client.force_login(getattr(world, role))
        for url in _page_urls(pupil.pk):
            response = client.post(url, form)
            assert response.status_code < 500, f"{role} POST {url}: {response.status_code}"
    assert _key_fields(pupil) == before


class _Bodies:
    """A request body for an operation, built from its schema: every key field it accepts (at the
    top or in a nested object, such as ``changes`` or ``student``) set to a new value, and what else
    it requires filled plausibly, so the body passes the schema and reaches the service."""

    def __init__(self, spec: dict[str, Any], values: dict[str, str], pk: int):
        self.components = spec.get("components", {}).get("schemas", {})
        self.values, self.pk = values, pk

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in schema:
            return self._resolve(self.components[schema["$ref"].rsplit("/", 1)[-1]])
        for option in schema.get("anyOf", []):
            if option.get("type") != "null":
                return self._resolve(option)
        return schema

    def body(self, schema: dict[str, Any]) -> Any:
        schema = self._resolve(schema)
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            required = set(schema.get("required", []))
            out: dict[str, Any] = {}
            for name, prop in schema.get("properties", {}).items():
                if name in self.values:
                    out[name] = self.values[name]
                    continue
                nested = self._resolve(prop)
                if "properties" in nested and set(nested["properties"]) & set(self.values):
                    out[name] = self.body(nested)
                elif name in required:
                    out[name] = self.body(nested)
            return out
        if kind == "integer":
            return self.pk
        if kind == "boolean":
            return True
        if kind == "array":
            return []
        if "enum" in schema:
            return schema["enum"][0]
        if schema.get("format") == "date":
            return "2026-09-14"
        return "x"


def test_r9_1_no_api_operation_changes_a_key_field_directly(world):
    pupil = enrolled(world.school_a, grade=3)
    before = _key_fields(pupil)
    spec = api.get_openapi_schema()
    bodies = _Bodies(spec, _key_values(pupil.birth_date), pupil.pk)
    operations = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if method not in ("post", "put", "patch"):
                continue
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content is None:
                continue
            url = path
            for segment in path.split("/"):
                if segment.startswith("{"):
                    url = url.replace(segment, str(pupil.pk))
            operations.append((method, url, bodies.body(content["schema"])))
    patch = next(
        body
        for method, url, body in operations
        if method == "patch" and url.endswith(f"/students/{pupil.pk}")
    )
    assert patch["changes"]["name"] == "李改名"  # the record's own PATCH is sent every key field
    for role in ROLES:
        client = bearer(getattr(world, role))
        for method, url, body in operations:
            response = getattr(client, method)(url, body, content_type="application/json")
            assert response.status_code < 500, f"{role} {method.upper()} {url}: {response.status_code}"
    assert _key_fields(pupil) == before
