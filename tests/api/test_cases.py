"""Cases through the API with bearer tokens: the transfer across two districts and from another
province, step by step; refusals with their rule ids (R10.8, R10.9, R10.10); scope and roles."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import API
from tests.changes.conftest import FACTS, START_EVIDENCE, attach, pupil, start
from tests.conftest import _user
from xueji.changes import services as engine
from xueji.changes.models import Case
from xueji.org.models import Role, School
from xueji.students.models import Enrollment

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EXTERNAL = {
    "name": "孙小东",
    "id_number": "11010519491231002X",
    "province": "山东省",
    "school": "济南市历下区实验小学",
    "grade": 4,
}
MIGRANT = {"grounds": "migrant_child", "nature": "migrant", "reason": "父母来安阳务工"}
MIGRANT_EVIDENCE = ("transfer_application", "residence_proof", "parents_work_proof")


@pytest.fixture
def student_c(world):
    return pupil(world)


@pytest.fixture
def approver_c(world):
    return _user("appr_c", Role.SCHOOL_APPROVER, school=world.school_c, full_name="冯校长")


def post(client, path, body=None):
    return client.post(API + path, json.dumps(body or {}), content_type="application/json")


def upload(client, case_id, category, data=PDF, name=None):
    file = SimpleUploadedFile(name or f"{category}.pdf", data, content_type="application/pdf")
    return client.post(f"{API}/cases/{case_id}/documents", {"file": file, "category": category})


def verify_and_start(client, student, **facts):
    found = post(client, "/cases/transfer/verify", {"id_number": student.id_number, "name": student.name})
    assert found.status_code == 200 and found.json()["found"], found.content
    return post(client, "/cases/transfer", {"student_id": found.json()["student_id"], **FACTS, **facts})


# --------------------------------------------------------------------------- the whole chain


def test_r10_5_full_chain_across_two_districts_through_the_api(world, api_as, student_c, approver_c):
    registrar = api_as(world.registrar_a)
    found = post(
        registrar, "/cases/transfer/verify", {"id_number": student_c.id_number, "name": "陈小北"}
    ).json()
    assert found == {
        "found": True,
        "student_id": student_c.pk,
        "name": "陈小北",
        "school": "文峰区东关小学",
        "grade": 3,
        "status": "在读",
        "masked_id": f"{student_c.id_number[:6]}********{student_c.id_number[-4:]}",
        "own_student": False,
    }
    started = post(registrar, "/cases/transfer", {"student_id": student_c.pk, **FACTS})
    assert started.status_code == 201, started.content
    case = started.json()
    assert (case["state"], case["step_key"], case["actions"]) == (
        "draft",
        "prepare",
        ["submit", "upload", "withdraw"],
    )
    assert (
        case["student"]["masked_id"] == found["masked_id"]
        and student_c.id_number not in started.content.decode()
    )
    assert case["other_school"] == {"code": "4105020001", "name": "文峰区东关小学"}
    assert case["facts"]["scope"] == "intra_province" and case["facts"]["grade"] == 3
    assert {m["category"] for m in case["missing_evidence"]} == set(START_EVIDENCE)
    cid = case["id"]

    refused = post(registrar, f"/cases/{cid}/submit")
    assert refused.status_code == 422 and refused.json()["code"] == "evidence_missing"
    assert refused.json()["rule"] == "R10.5"
    for category in START_EVIDENCE:
        assert upload(registrar, cid, category).status_code == 201
    filed = post(registrar, f"/cases/{cid}/submit", {"comment": "材料齐全"}).json()
    assert (filed["step_key"], filed["step_due"], filed["owner"]) == ("filing", "2026-09-15", "北关区教育局")
    assert filed["due"]["text"] == "剩余 3 个工作日" and filed["missing_evidence"] == []

    inbox = api_as(world.officer).get(f"{API}/cases/inbox").json()
    assert [row["number"] for row in inbox] == [filed["number"]]

    chain = [
        (world.officer, "in_school"),
        (world.approver_a, "in_bureau"),
        (world.officer, "out_school"),
        (approver_c, "out_bureau"),
        (world.officer_wf, ""),
    ]
    for actor, next_step in chain:
        client = api_as(actor)
        assert [r["id"] for r in client.get(f"{API}/cases/inbox").json()] == [cid], actor.username
        response = post(client, f"/cases/{cid}/approve", {"comment": "同意"})
        assert response.status_code == 200, response.content
        assert response.json()["step_key"] == next_step
    done = api_as(world.registrar_a).get(f"{API}/cases/{cid}").json()
    assert done["state"] == "completed" and done["due"] is None and done["actions"] == []
    assert [row["status"] for row in done["timeline"]] == ["done"] * 6
    assert done["timeline"][5]["events"][-1]["actor"] == "吴科长"
    assert done["timeline"][5]["events"][-1]["unit"] == "文峰区"
    assert done["closing"][0]["action"] == "complete"
    assert Enrollment.objects.get(student=student_c, is_current=True).school == world.school_a


def test_external_cross_province_case_through_the_api(world, api_as):
    registrar = api_as(world.registrar_a)
    missing = post(
        registrar, "/cases/transfer/verify", {"id_number": EXTERNAL["id_number"], "name": "孙小东"}
    )
    assert missing.json() == {
        "found": False,
        "student_id": None,
        "name": None,
        "school": None,
        "grade": None,
        "status": None,
        "masked_id": None,
        "own_student": False,
    }
    incomplete = post(registrar, "/cases/transfer", {"external": {"name": "孙小东"}, **MIGRANT})
    assert incomplete.status_code == 422 and incomplete.json()["rule"] == "R10.5"
    started = post(registrar, "/cases/transfer", {"external": EXTERNAL, "scope": "cross_province", **MIGRANT})
    assert started.status_code == 201, started.content
    case = started.json()
    assert case["student"] == {"id": None, "name": "孙小东", "masked_id": "110105********002X"}
    assert case["other_school"] is None and case["counterpart"] == "山东省济南市历下区实验小学（系统外）"
    assert case["facts"]["external"]["id_number"] == "110105********002X"
    assert "11010519491231002X" not in started.content.decode()
    cid = case["id"]
    for category in MIGRANT_EVIDENCE:
        upload(registrar, cid, category)
    post(registrar, f"/cases/{cid}/submit")
    for actor in (world.officer, world.approver_a, world.officer):
        assert post(api_as(actor), f"/cases/{cid}/approve").status_code == 200
    officer = api_as(world.officer)
    at_external = officer.get(f"{API}/cases/{cid}").json()
    assert at_external["step_key"] == "external"
    assert at_external["owner"] == "山东省济南市历下区实验小学（由北关区教育局登记）"
    refused = post(officer, f"/cases/{cid}/approve")
    assert refused.status_code == 422 and "外省转出确认材料" in refused.json()["message"]
    assert upload(officer, cid, "external_confirmation").status_code == 201
    assert post(officer, f"/cases/{cid}/approve").json()["state"] == "completed"


# --------------------------------------------------------------------------- refusals


def test_r10_8_own_student_is_refused(world, api_as):
    own = pupil(world, school=world.school_a, registrar=world.registrar_a)
    registrar = api_as(world.registrar_a)
    found = post(registrar, "/cases/transfer/verify", {"id_number": own.id_number, "name": own.name})
    assert found.json()["own_student"] is True
    refused = post(registrar, "/cases/transfer", {"student_id": own.pk, **FACTS})
    assert refused.status_code == 422
    assert (refused.json()["rule"], refused.json()["code"]) == ("R10.8", "own_student")


def test_r10_9_submit_refused_until_the_officer_records_an_exception(world, api_as):
    other = School.objects.create(
        code="4105030009",
        name="北关区解放路小学",
        district=world.beiguan,
        kind="primary",
        grade_from=1,
        grade_to=6,
    )
    student = pupil(world, school=other, registrar=_user("reg_x", Role.REGISTRAR, school=other))
    registrar = api_as(world.registrar_a)
    case = verify_and_start(registrar, student).json()
    assert case["facts"]["needs_exception"] is True
    for category in START_EVIDENCE:
        upload(registrar, case["id"], category)
    refused = post(registrar, f"/cases/{case['id']}/submit")
    assert refused.status_code == 422 and refused.json()["rule"] == "R10.9"

    officer = api_as(world.officer)
    assert "exception" in officer.get(f"{API}/cases/{case['id']}").json()["actions"]
    assert post(officer, f"/cases/{case['id']}/exception", {"reason": " "}).json()["rule"] == "R10.9"
    granted = post(officer, f"/cases/{case['id']}/exception", {"reason": "监护人重病，需就近照顾"})
    assert (
        granted.status_code == 200 and granted.json()["facts"]["exception_reason"] == "监护人重病，需就近照顾"
    )
    assert post(registrar, f"/cases/{case['id']}/submit").json()["step_key"] == "filing"


def test_r10_10_a_second_open_case_is_409(world, api_as, student_c):
    registrar = api_as(world.registrar_a)
    assert verify_and_start(registrar, student_c).status_code == 201
    second = post(registrar, "/cases/transfer", {"student_id": student_c.pk, **FACTS})
    assert second.status_code == 409
    assert second.json()["rule"] == "R10.10" and Case.objects.get().number in second.json()["message"]


def test_r10_3_student_id_needs_a_verification_by_this_registrar(world, api_as, student_c):
    refused = post(api_as(world.registrar_a), "/cases/transfer", {"student_id": student_c.pk, **FACTS})
    assert refused.status_code == 422
    assert (refused.json()["rule"], refused.json()["code"], refused.json()["field"]) == (
        "R10.3",
        "not_verified",
        "student_id",
    )
    both = post(
        api_as(world.registrar_a), "/cases/transfer", {"student_id": 1, "external": EXTERNAL, **FACTS}
    )
    assert both.status_code == 422 and both.json()["code"] == "student_or_external"
    neither = post(api_as(world.registrar_a), "/cases/transfer", FACTS)
    assert neither.status_code == 422


def test_r10_1_missing_grounds_nature_and_reason_are_listed(world, api_as, student_c):
    registrar = api_as(world.registrar_a)
    post(registrar, "/cases/transfer/verify", {"id_number": student_c.id_number, "name": "陈小北"})
    refused = post(registrar, "/cases/transfer", {"student_id": student_c.pk}).json()
    assert {(e["field"], e["rule"]) for e in refused["errors"]} == {
        ("grounds", "R10.1"),
        ("nature", "R10.3"),
        ("reason", "R10.5"),
    }


def test_r10_3_a_class_of_another_school_is_refused(world, api_as, student_c):
    from xueji.org.models import SchoolClass

    registrar = api_as(world.registrar_a)
    refused = verify_and_start(registrar, student_c, class_id=world.class_c1.pk)
    assert refused.status_code == 422 and refused.json()["field"] == "class_id"
    wrong_grade = verify_and_start(registrar, student_c, class_id=world.class_a1.pk)
    assert wrong_grade.json()["code"] == "class_mismatch"  # grade 1 class for a grade-3 student
    grade_3 = SchoolClass.objects.create(school=world.school_a, school_year=world.year, grade=3, number=1)
    started = verify_and_start(registrar, student_c, class_id=grade_3.pk)
    assert started.status_code == 201 and started.json()["facts"]["class_id"] == grade_3.pk


def test_r17_1_reject_and_return_need_a_reason(world, api_as, student_c):
    case = start(world, student_c)
    attach(case, world.registrar_a, *START_EVIDENCE)
    engine.case_submit(actor=world.registrar_a, case=case)
    officer = api_as(world.officer)
    for verb in ("reject", "return"):
        refused = post(officer, f"/cases/{case.pk}/{verb}", {"comment": ""})
        assert refused.status_code == 422 and refused.json()["rule"] == "R17.1"
    returned = post(officer, f"/cases/{case.pk}/return", {"comment": "请补充户口簿首页"}).json()
    assert returned["state"] == "returned" and returned["step_key"] == "prepare"
    assert returned["timeline"][1]["events"][-1]["comment"] == "请补充户口簿首页"
    post(api_as(world.registrar_a), f"/cases/{case.pk}/submit")
    rejected = post(officer, f"/cases/{case.pk}/reject", {"reason": "材料不实"}).json()
    assert rejected["state"] == "rejected" and rejected["timeline"][1]["status"] == "stopped"


def test_r10_2_withdraw_by_the_starting_registrar(world, api_as, student_c):
    case = start(world, student_c)
    assert post(api_as(world.registrar_c), f"/cases/{case.pk}/withdraw").status_code == 403
    withdrawn = post(api_as(world.registrar_a), f"/cases/{case.pk}/withdraw", {"reason": "家长改变主意"})
    assert withdrawn.json()["state"] == "withdrawn"


# --------------------------------------------------------------------------- scope and roles


def test_r2_2_a_registrar_outside_the_case_gets_404_identical_to_missing(world, api_as, student_c):
    case = start(world, student_c)
    attach(case, world.registrar_a, "transfer_application")
    document = case.documents.get()
    school_d = School.objects.create(
        code="4105020002",
        name="文峰区西关小学",
        district=world.wenfeng,
        kind="primary",
        grade_from=1,
        grade_to=6,
    )
    for persona in (_user("reg_d", Role.REGISTRAR, school=school_d), world.registrar_b):
        client = api_as(persona)
        for path in ("/cases/{}", f"/cases/{{}}/documents/{document.pk}/download"):
            other = client.get(API + path.format(case.pk))
            missing = client.get(API + path.format(case.pk + 1000))
            assert other.status_code == missing.status_code == 404
            assert other.content == missing.content
        assert post(client, f"/cases/{case.pk}/withdraw").status_code == 404
        assert client.get(f"{API}/cases").json()["count"] == 0


def test_r2_2_roles_and_turns(world, api_as, student_c):
    case = start(world, student_c)
    attach(case, world.registrar_a, *START_EVIDENCE)
    engine.case_submit(actor=world.registrar_a, case=case)
    assert api_as(world.auditor).get(f"{API}/cases").status_code == 403
    assert post(api_as(world.registrar_a), f"/cases/{case.pk}/approve").status_code == 403
    assert (
        post(api_as(world.approver_a), "/cases/transfer/verify", {"id_number": "x", "name": "y"}).status_code
        == 403
    )
    not_yours = post(api_as(world.approver_a), f"/cases/{case.pk}/approve")
    assert not_yours.status_code == 403 and "不是您的办理环节" in not_yours.json()["message"]
    assert (
        post(api_as(world.officer_wf), f"/cases/{case.pk}/approve").status_code == 403
    )  # sees it, not its turn


def test_documents_upload_checks_category_and_content_and_download_is_scoped_to_the_case(
    world, api_as, student_c
):
    registrar = api_as(world.registrar_a)
    cid = verify_and_start(registrar, student_c).json()["id"]
    bad = upload(registrar, cid, "selfie")
    assert bad.status_code == 422 and bad.json()["field"] == "category"
    fake = upload(registrar, cid, "transfer_application", data=b"MZ\x90\x00", name="a.pdf")
    assert fake.status_code == 422 and fake.json()["rule"] == "R6.1"
    item = upload(registrar, cid, "transfer_application", name="申请书.pdf").json()
    assert item["category_label"] == "监护人转学申请" and item["step_key"] == "prepare"
    download = registrar.get(f"{API}/cases/{cid}/documents/{item['id']}/download")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"] and download["X-Content-Type-Options"] == "nosniff"
    other = start(world, pupil(world, birth=dt.date(2018, 6, 6), name="李小西"))
    assert registrar.get(f"{API}/cases/{other.pk}/documents/{item['id']}/download").status_code == 404


def test_case_list_filters(world, api_as, student_c, settings):
    case = start(world, student_c)
    attach(case, world.registrar_a, *START_EVIDENCE)
    engine.case_submit(actor=world.registrar_a, case=case)
    client = api_as(world.officer)
    assert client.get(f"{API}/cases?state=active").json()["count"] == 1
    assert client.get(f"{API}/cases?state=completed").json()["count"] == 0
    assert client.get(f"{API}/cases?overdue=true").json()["count"] == 0
    bad = client.get(f"{API}/cases?state=nonsense")
    assert bad.status_code == 422 and bad.json()["field"] == "state"
    settings.XUEJI_FIXED_TODAY = "2026-09-16"
    late = client.get(f"{API}/cases?overdue=true").json()
    assert late["count"] == 1 and late["items"][0]["late"] is True


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", ["/cases", "/cases/inbox"])
def test_lists_cost_the_same_queries_for_5_and_20_cases(world, api_as, path):
    def make(first, last):
        for i in range(first, last):
            name = "学" + "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"[i]
            case = start(world, pupil(world, birth=dt.date(2018, 1, 1) + dt.timedelta(days=i), name=name))
            attach(case, world.registrar_a, *START_EVIDENCE)
            engine.case_submit(actor=world.registrar_a, case=case)

    make(0, 5)
    client = api_as(world.officer)
    client.get(API + path)  # the token's first use is recorded once
    few = _queries(client, API + path + "?page_size=100")
    make(5, 20)
    assert _queries(client, API + path + "?page_size=100") == few


def test_r10_7_the_inbox_pages_and_counts_and_the_list_filters_by_kind_and_turn(world, api_as):
    made = [
        start(world, pupil(world, birth=dt.date(2018, 1, 1 + i), name="学" + "甲乙丙"[i])) for i in range(3)
    ]
    client = api_as(world.registrar_a)
    first = client.get(f"{API}/cases/inbox?page_size=2")
    assert first.status_code == 200 and first["X-Total-Count"] == "3"
    second = client.get(f"{API}/cases/inbox?page_size=2&page=2").json()
    assert len(first.json()) == 2 and len(second) == 1
    assert {r["id"] for r in [*first.json(), *second]} == {c.pk for c in made}
    page = client.get(f"{API}/cases?mine=true&kind=transfer").json()
    assert (page["count"], page["more"]) == (3, False)
    assert client.get(f"{API}/cases?kind=suspension").json()["count"] == 0
    refused = client.get(f"{API}/cases?kind=expulsion")
    assert refused.status_code == 422 and refused.json()["field"] == "kind"
    assert client.get(f"{API}/cases/inbox?page_size=0").status_code == 422


# --------------------------------------------------------------------------- no 500


GARBAGE = [
    b"",
    b"{oops",
    b"[]",
    b"null",
    b'{"comment": {"a": 1}}',
    b'{"reason": "\\u0000"}',
    b'{"student_id": 1e400}',
    b'{"student_id": -5, "external": []}',
    b'{"external": {"name": {"x": 1}}, "grounds": [1]}',
    b'{"external": {"name": "\\ud800", "grade": 99999999999999999999999}, "class_id": 99999999999999999999999}',
    b'{"student_id": 1, "record_moves": "maybe"}',
    b'{"id_number": "' + b"9" * 5000 + b'", "name": "x"}',
]


@pytest.mark.parametrize(
    "path",
    [
        "/cases/transfer/verify",
        "/cases/transfer",
        "/cases/{id}/submit",
        "/cases/{id}/approve",
        "/cases/{id}/reject",
        "/cases/{id}/return",
        "/cases/{id}/withdraw",
        "/cases/{id}/exception",
        "/cases/{id}/documents",
    ],
)
def test_no_input_makes_a_500(world, api_as, student_c, path):
    case = start(world, student_c)
    for persona in (world.registrar_a, world.officer):
        client = api_as(persona)
        for ident in (case.pk, 10**30, -1, "abc", "%00"):
            url = API + path.format(id=ident)
            for raw in GARBAGE:
                response = client.generic("POST", url, raw, content_type="application/json")
                assert response.status_code < 500, (url, raw[:40], response.content[:300])
                assert {"code", "rule", "message"} <= set(response.json()), (url, raw[:40])
            multipart = client.post(
                url, {"file": SimpleUploadedFile("\x00.pdf", b"\x00"), "category": "\x00"}
            )
            assert multipart.status_code < 500, (url, multipart.content[:300])


@pytest.mark.parametrize(
    "query", ["", "?page=0", "?page_size=1000", "?state=%00", "?overdue=maybe", "?page=1e9"]
)
def test_no_query_makes_a_500(world, api_as, query):
    for path in ("/cases", "/cases/inbox", "/cases/1", "/cases/abc", f"/cases/{10**30}/documents/1/download"):
        response = api_as(world.officer).get(API + path + query)
        assert response.status_code < 500, (path, query, response.content[:300])
