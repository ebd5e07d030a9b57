"""Every endpoint against every kind of caller: anonymous 401, wrong role 403, other school 404 (R2.2).

ENDPOINTS is the API's permission map; ``test_every_route_is_in_the_map`` fails when a new route
is added without being listed here, so no endpoint escapes these checks.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.conftest import API
from tests.api.test_evidence import PDF
from tests.factories import enrollment_payload, family_payload, student_payload
from xueji.api import api
from xueji.students.services import evidence_attach


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {sid} = a student, {eid} = one of its evidence files
    readers: tuple[str, ...]  # personas answered 2xx for their own school's object
    body: str = ""  # "json" registration, "import", "patch", "upload"
    success: int = 200

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


STUDENT_READERS = ("registrar_a", "approver_a", "officer")
ENDPOINTS = [
    Endpoint("get", "/schools", ("registrar_a", "approver_a", "officer", "admin")),
    Endpoint("get", "/schools/4105030001", ("registrar_a", "approver_a", "officer", "admin")),
    Endpoint("get", "/schools/4105030001/classes", ("registrar_a", "approver_a", "officer", "admin")),
    Endpoint("get", "/students", STUDENT_READERS),
    Endpoint("post", "/students", ("registrar_a",), body="json", success=201),
    Endpoint("post", "/students/import-existing", ("registrar_a",), body="import", success=201),
    Endpoint("get", "/students/{sid}", STUDENT_READERS),
    Endpoint("patch", "/students/{sid}", ("registrar_a",), body="patch"),
    Endpoint("get", "/students/{sid}/history", STUDENT_READERS),
    Endpoint("get", "/students/{sid}/evidence", STUDENT_READERS),
    Endpoint("post", "/students/{sid}/evidence", ("registrar_a",), body="upload", success=201),
    Endpoint("get", "/students/{sid}/evidence/{eid}/download", STUDENT_READERS),
]
ALL_PERSONAS = (
    "registrar_a",
    "approver_a",
    "registrar_b",
    "registrar_c",
    "officer",
    "officer_wf",
    "admin",
    "auditor",
)


def _body(kind: str) -> dict[str, Any]:
    if kind == "json":
        return {"student": student_payload(), "family": family_payload(), "enrollment": enrollment_payload()}
    if kind == "import":
        return {
            "xjh": "L410503201803150011",
            "student": student_payload(),
            "enrollment": enrollment_payload(),
        }
    if kind == "patch":
        return {"changes": {"specialty": "书法"}}
    return {}


def call(client, endpoint: Endpoint, sid: Any = 1, eid: Any = 1):
    url = API + endpoint.path.format(sid=sid, eid=eid)
    if endpoint.body == "upload":
        form = {"file": SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"), "category": "birth"}
        return client.post(url, form)
    if endpoint.body:
        data = json.dumps(_body(endpoint.body))
        return getattr(client, endpoint.method)(url, data, content_type="application/json")
    return getattr(client, endpoint.method)(url)


def _evidence(world, pupil) -> int:
    registrar = world.registrar_a if pupil.enrollments.get().school == world.school_a else world.registrar_c
    item = evidence_attach(
        actor=registrar, student=pupil, file=io.BytesIO(PDF), original_name="a.pdf", category="birth"
    )
    return item.pk


def _route(endpoint: Endpoint) -> str:
    path = endpoint.path.replace("{sid}", "{student_id}").replace("{eid}", "{evidence_id}")
    return f"{endpoint.method.upper()} {API}{path.replace('4105030001', '{code}')}"


def test_every_route_is_in_the_map():
    spec = api.get_openapi_schema()
    routes = {
        f"{method.upper()} {path}" for path, operations in spec["paths"].items() for method in operations
    }

    assert routes == {_route(e) for e in ENDPOINTS} | {
        f"POST {API}/auth/token"
    }  # the one route without a token


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_r2_2_anonymous_is_401(world, anonymous, endpoint):
    response = call(anonymous, endpoint)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_r2_2_roles_outside_the_map_are_403(world, api_as, pupil_a, endpoint):
    sid, eid = pupil_a.pk, _evidence(world, pupil_a)
    for persona in ALL_PERSONAS:
        if persona in endpoint.readers or persona in ("registrar_b", "registrar_c", "officer_wf"):
            continue  # readers succeed; other schools' readers are the 404 test's business
        response = call(api_as(getattr(world, persona)), endpoint, sid, eid)
        assert response.status_code == 403, (persona, response.content)
        assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_r2_2_own_school_succeeds(world, api_as, pupil_a, endpoint):
    sid, eid = pupil_a.pk, _evidence(world, pupil_a)
    for persona in endpoint.readers:
        response = call(api_as(getattr(world, persona)), endpoint, sid, eid)
        assert response.status_code == endpoint.success, (persona, response.content)
        if endpoint.body == "json":
            break  # the same child cannot be registered twice


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if "{sid}" in e.path], ids=str)
@pytest.mark.parametrize("persona", ["registrar_a", "approver_a", "officer"])
def test_r2_2_other_school_student_is_404_identical_to_missing(
    world, api_as, pupil_a, pupil_c, endpoint, persona
):
    sid, eid = pupil_c.pk, _evidence(world, pupil_c)
    client = api_as(getattr(world, persona))

    other = call(client, endpoint, sid, eid)
    missing = call(client, endpoint, sid + 1000, eid + 1000)

    assert other.status_code == missing.status_code == 404
    assert other.content == missing.content
    assert other.json()["code"] == "not_found"
