"""Every endpoint against every kind of caller: anonymous 401, wrong role 403, other school 404 (R2.2).

ENDPOINTS is the API's permission map; ``test_every_route_is_in_the_map`` fails when a new route
is added without being listed here, so no endpoint escapes these checks.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.conftest import API
from tests.api.test_evidence import PDF
from tests.conftest import _user
from tests.factories import enrollment_payload, family_payload, student_payload
from xueji.api import api
from xueji.changes.kinds.transfer.services import transfer_start
from xueji.changes.services import case_attach, case_submit
from xueji.org.models import Role, School
from xueji.students import rules, status
from xueji.students.services import evidence_attach, student_register


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # {sid} = a student, {eid} = one of its evidence files, {cid} = a case, {did} = its document
    readers: tuple[str, ...]  # personas answered 2xx for their own school's object
    body: str = ""  # "json" registration, "import", "patch", "upload", and the cases' bodies below
    success: int = 200
    # The case {cid} is, for a success: "draft" (evidence complete, ready to submit), "filing"
    # (submitted, the district's turn) or "exception" (between two 北关区 schools, R10.9).
    case: str = ""
    # The status student {sid} is put in first (休学, 出国（境）) for a start that needs it.
    student_status: str = ""

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


STUDENT_READERS = ("registrar_a", "approver_a", "officer")
CASE_READERS = ("registrar_a", "approver_a", "officer")
ENDPOINTS = [
    # Every account ends its own token (R21.1).
    Endpoint(
        "delete", "/auth/token", ("registrar_a", "approver_a", "officer", "admin", "auditor"), success=204
    ),
    Endpoint("get", "/schools", ("registrar_a", "approver_a", "officer", "admin")),
    Endpoint("get", "/schools/4105030001", ("registrar_a", "approver_a", "officer", "admin")),
    Endpoint("get", "/schools/4105030001/classes", ("registrar_a", "approver_a", "officer", "admin")),
    Endpoint("get", "/students", STUDENT_READERS),
    # R21.1: the terms in the body, so no name or ID number is in a URL.
    Endpoint("post", "/students/search", STUDENT_READERS, body="search"),
    Endpoint("post", "/students", ("registrar_a",), body="json", success=201),
    Endpoint("post", "/students/import-existing", ("registrar_a",), body="import", success=201),
    Endpoint("get", "/students/{sid}", STUDENT_READERS),
    Endpoint("patch", "/students/{sid}", ("registrar_a",), body="patch"),
    Endpoint("get", "/students/{sid}/history", STUDENT_READERS),
    Endpoint("get", "/students/{sid}/evidence", STUDENT_READERS),
    Endpoint("post", "/students/{sid}/evidence", ("registrar_a",), body="upload", success=201),
    Endpoint("get", "/students/{sid}/evidence/{eid}/download", STUDENT_READERS),
    Endpoint("get", "/students/{sid}/periods", STUDENT_READERS),
    Endpoint("get", "/students/{sid}/follow-ups", STUDENT_READERS),
    # R12.6, R13.3: the school's registrar or the district's officer logs a follow-up.
    Endpoint("post", "/students/{sid}/follow-ups", ("registrar_a", "officer"), body="follow_up", success=201),
    Endpoint("get", "/cases", CASE_READERS),
    Endpoint("get", "/cases/inbox", CASE_READERS),
    Endpoint("post", "/cases/transfer/verify", ("registrar_a",), body="verify"),
    Endpoint("post", "/cases/transfer", ("registrar_a",), body="transfer", success=201),
    Endpoint("get", "/cases/{cid}", CASE_READERS, case="draft"),
    # Decisions: the approver of school A is not at the district's filing step (403, not its turn).
    Endpoint("post", "/cases/{cid}/submit", ("registrar_a",), body="comment", case="draft"),
    Endpoint("post", "/cases/{cid}/approve", ("officer",), body="comment", case="filing"),
    Endpoint("post", "/cases/{cid}/reject", ("officer",), body="reason", case="filing"),
    Endpoint("post", "/cases/{cid}/return", ("officer",), body="reason", case="filing"),
    Endpoint("post", "/cases/{cid}/withdraw", ("registrar_a",), body="reason", case="draft"),
    Endpoint("post", "/cases/{cid}/exception", ("officer",), body="reason", case="exception"),
    # R17.1: the starting school's registrar, once the case is completed (422 before: a refusal).
    Endpoint("post", "/cases/{cid}/platform", ("registrar_a",), body="platform", success=422, case="draft"),
    Endpoint(
        "post", "/cases/{cid}/documents", ("registrar_a",), body="case_upload", success=201, case="draft"
    ),
    Endpoint("get", "/cases/{cid}/documents/{did}/download", CASE_READERS, case="draft"),
    # The suspension family's starts (R12): the registrar of the student's own school.
    Endpoint("post", "/cases/suspension", ("registrar_a",), body="suspension", success=201),
    Endpoint(
        "post", "/cases/extension", ("registrar_a",), body="extension", success=201, student_status="02"
    ),
    Endpoint(
        "post", "/cases/resumption", ("registrar_a",), body="resumption", success=201, student_status="02"
    ),
    Endpoint("post", "/cases/abroad", ("registrar_a",), body="abroad", success=201),
    Endpoint(
        "post",
        "/cases/abroad_return",
        ("registrar_a",),
        body="abroad_return",
        success=201,
        student_status="13",
    ),
    Endpoint("post", "/cases/transfer_out", ("registrar_a",), body="transfer_out", success=201),
    # Dropout and return (R13): the registrar of the student's own school.
    Endpoint("post", "/cases/dropout", ("registrar_a",), body="dropout", success=201),
    Endpoint(
        "post",
        "/cases/dropout_return",
        ("registrar_a",),
        body="dropout_return",
        success=201,
        student_status="06",
    ),
    # Repetition and skipping (R14.1).
    Endpoint("post", "/cases/repetition", ("registrar_a",), body="repetition", success=201),
    Endpoint("post", "/cases/skip", ("registrar_a",), body="skip", success=201),
    # Information changes (R9.1): the registrar of the student's own school files the request.
    Endpoint("post", "/cases/information", ("registrar_a",), body="information", success=201),
    # Death and missing students (R15): the registrar of the student's own school.
    Endpoint("post", "/cases/missing", ("registrar_a",), body="missing", success=201),
    Endpoint("post", "/cases/found", ("registrar_a",), body="found", success=201, student_status="15"),
    Endpoint("post", "/cases/death", ("registrar_a",), body="death", success=201),
    # The school year (R14.2, R6.5). On the tests' day (September) there is nothing to promote and
    # no graduate to enroll: the registrar's and approver's own calls are answered with the refusal.
    Endpoint("get", "/school-year/promotions", STUDENT_READERS),
    Endpoint("get", "/school-year/promotions/4105030001/preview", STUDENT_READERS),
    Endpoint("post", "/school-year/promotions", ("registrar_a",), success=422),
    Endpoint("post", "/school-year/promotions/confirm", ("approver_a",), success=422),
    Endpoint("post", "/school-year/promotions/return", ("approver_a",), body="comment", success=422),
    Endpoint("post", "/school-year/continuing", ("registrar_a",), body="continuing", success=422),
]
GUARDIAN = {"guardian_name": "王建国"}
START_BODIES = {
    "suspension": {"ground": "other", "starts_on": "2026-09-14", "reason": "家庭变故", **GUARDIAN},
    "extension": {"reason": "仍在康复期", **GUARDIAN},
    "resumption": {"resume_on": "2026-09-20", **GUARDIAN},
    "abroad": {"destination": "新加坡", "leaves_on": "2026-09-20", **GUARDIAN},
    "abroad_return": {"returns_on": "2026-09-20", **GUARDIAN},
    "transfer_out": {
        "platform_request": "ZJ2026-1",
        "to_province": "浙江省",
        "to_school": "杭州市学军小学",
        "requested_on": "2026-09-08",
    },
    "dropout": {
        "learned_on": "2026-09-08",
        "last_attended_on": "2026-09-04",
        "circumstances": "连续多日未到校",
        "measures": "班主任家访两次",
        "township": "北关区红旗路街道办事处",
    },
    "dropout_return": {"returns_on": "2026-09-14", "guardian_name": "王建国"},
    "repetition": {"reason": "因病缺课较多", **GUARDIAN},
    "skip": {"requested_grade": "5", "reason": "学业特别优秀", **GUARDIAN},
    "information": {
        "changes": {"household_type": "农业户口"},
        "proof": "household",
        "reason": "登记有误",
        **GUARDIAN,
    },
    "missing": {
        "learned_on": "2026-09-08",
        "left_on": "2026-09-07",
        "circumstance": "missing",
        "description": "放学后未回家，家长已报案",
    },
    "found": {"returns_on": "2026-09-10", "description": "已由公安机关找回"},
    "death": {"learned_on": "2026-09-08", "died_on": "2026-09-06", "proof": "death_certificate"},
}
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
    if kind == "search":
        return {"q": "测试", "page_size": 5}
    if kind == "patch":
        return {"changes": {"specialty": "书法"}}
    if kind == "verify":
        return {"id_number": "11010519491231002X", "name": "孙小东"}
    if kind == "transfer":  # a student from another province: no verification needed
        external = {"name": "孙小东", "province": "山东省", "school": "济南市历下区实验小学", "grade": 1}
        return {"external": external, "scope": "cross_province", **TRANSFER_FACTS}
    if kind == "comment":
        return {"comment": "同意"}
    if kind == "continuing":
        return {"xjh": "G110105194912310021", "entry_date": "2026-09-01"}
    if kind == "reason":
        return {"reason": "经核实，理由如下"}
    if kind == "platform":
        return {"reference": "HN2026-0915", "on": "2026-09-10"}
    if kind == "follow_up":
        return {
            "kind": "urge",
            "on": "2026-09-09",
            "who": "张老师",
            "way": "phone",
            "result": "已电话督促复学",
        }
    return {}


def call(client, endpoint: Endpoint, sid: Any = 1, eid: Any = 1, cid: Any = 1, did: Any = 1):
    if endpoint.body in START_BODIES:  # a start names the student in its body
        data = json.dumps({"student_id": sid, **START_BODIES[endpoint.body]})
        return client.post(API + endpoint.path, data, content_type="application/json")
    url = API + endpoint.path.format(sid=sid, eid=eid, cid=cid, did=did)
    if endpoint.body == "upload":
        form = {"file": SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"), "category": "birth"}
        return client.post(url, form)
    if endpoint.body == "case_upload":
        form = {
            "file": SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
            "category": "transfer_application",
        }
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


TRANSFER_FACTS = {"grounds": "household_moved", "nature": "returning", "reason": "随父母户籍迁入"}
TRANSFER_EVIDENCE = ("transfer_application", "household_migration", "household_register")


def _case(world, student, state: str, *, registrar=None) -> tuple[int, int]:
    """A transfer of ``student`` into school A (or ``registrar``'s school) in ``state``; returns the
    case's id and one of its documents' ids."""
    registrar = registrar or world.registrar_a
    if state == "exception":  # a student of another 北关区 primary school (R10.9)
        other = School.objects.create(
            code="4105030009",
            name="北关区解放路小学",
            district=world.beiguan,
            kind="primary",
            grade_from=1,
            grade_to=6,
        )
        student = student_register(
            actor=_user("reg_x", Role.REGISTRAR, school=other),
            school=other,
            student=student_payload(dt.date(2020, 7, 7)),
            family=family_payload(),
            enrollment=enrollment_payload(),
        )
    case = transfer_start(actor=registrar, student=student, facts=TRANSFER_FACTS)
    for category in TRANSFER_EVIDENCE:
        document = case_attach(
            actor=registrar, case=case, file=io.BytesIO(PDF), original_name="a.pdf", category=category
        )
    if state == "filing":
        case_submit(actor=registrar, case=case)
    return case.pk, document.pk


def _ids(world, endpoint: Endpoint, pupil_a, pupil_c) -> dict[str, Any]:
    if endpoint.student_status:  # through the one status writer, as a completed case would
        starts_on = dt.date(2026, 9, 10)
        status.enrollment_change_status(
            actor=world.officer,
            student=pupil_a,
            status=endpoint.student_status,
            starts_on=starts_on,
            ends_on=rules.period_end(starts_on) if endpoint.student_status == "02" else None,
        )
    ids: dict[str, Any] = {"sid": pupil_a.pk, "eid": _evidence(world, pupil_a)}
    if endpoint.case:
        ids["cid"], ids["did"] = _case(world, pupil_c, endpoint.case)
    return ids


def _route(endpoint: Endpoint) -> str:
    path = endpoint.path.replace("{sid}", "{student_id}").replace("{eid}", "{evidence_id}")
    path = path.replace("{cid}", "{case_id}").replace("{did}", "{document_id}")
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
def test_r2_2_roles_outside_the_map_are_403(world, api_as, pupil_a, pupil_c, endpoint):
    ids = _ids(world, endpoint, pupil_a, pupil_c)
    for persona in ALL_PERSONAS:
        if persona in endpoint.readers or persona in ("registrar_b", "registrar_c", "officer_wf"):
            continue  # readers succeed; other schools' readers are the 404 test's business
        response = call(api_as(getattr(world, persona)), endpoint, **ids)
        assert response.status_code == 403, (persona, response.content)
        assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_r2_2_own_school_succeeds(world, api_as, pupil_a, pupil_c, endpoint):
    ids = _ids(world, endpoint, pupil_a, pupil_c)
    for persona in endpoint.readers:
        response = call(api_as(getattr(world, persona)), endpoint, **ids)
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


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if "{cid}" in e.path], ids=str)
def test_r2_2_a_case_outside_the_scope_is_404_identical_to_missing(world, api_as, pupil_c, endpoint):
    # A transfer between two 文峰区 schools: none of school A's staff nor 北关区 may see it.
    school_d = School.objects.create(
        code="4105020002",
        name="文峰区西关小学",
        district=world.wenfeng,
        kind="primary",
        grade_from=1,
        grade_to=6,
    )
    registrar_d = _user("reg_d", Role.REGISTRAR, school=school_d)
    cid, did = _case(
        world, pupil_c, "filing" if endpoint.case == "filing" else "draft", registrar=registrar_d
    )
    for persona in endpoint.readers:
        client = api_as(getattr(world, persona))

        other = call(client, endpoint, cid=cid, did=did)
        missing = call(client, endpoint, cid=cid + 1000, did=did + 1000)

        assert other.status_code == missing.status_code == 404, (persona, other.content)
        assert other.content == missing.content
        assert other.json()["code"] == "not_found"
