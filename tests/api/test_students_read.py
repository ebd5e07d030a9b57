"""Search and detail of student records through the API (R2.2, R5.1, R21.1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import API
from tests.factories import enrollment_payload, family_payload, household_proof, student_payload
from xueji.core.identity import mask_id_number
from xueji.students.services import student_register, student_update


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def test_r2_2_search_is_scoped(world, api_as, pupil_a, pupil_c):
    assert _names(api_as(world.registrar_a).get(f"{API}/students")) == ["王小明"]
    assert _names(api_as(world.approver_a).get(f"{API}/students")) == ["王小明"]
    assert _names(api_as(world.registrar_b).get(f"{API}/students")) == []
    assert _names(api_as(world.officer).get(f"{API}/students")) == ["王小明"]
    assert _names(api_as(world.officer_wf).get(f"{API}/students")) == ["李小红"]


def test_r21_1_search_items_mask_the_id_number(world, api_as, pupil_a):
    household_proof(pupil_a)  # R5.1: complete with the entry evidence
    item = api_as(world.registrar_a).get(f"{API}/students").json()["items"][0]

    assert item == {
        "id": pupil_a.pk,
        "xjh": "G" + mask_id_number(pupil_a.id_number),  # a G number contains the ID number
        "name": "王小明",
        "gender": "1",
        "id_number": mask_id_number(pupil_a.id_number),
        "birth_date": "2020-03-15",
        "school": world.school_a.code,
        "school_name": "北关区红旗路小学",
        "grade": 1,
        "class_id": world.class_a1.pk,
        "class_name": "一年级（1）班",
        "status": "01",
        "status_label": "在读",
        "is_complete": True,
        "record_due": "2026-10-10",
    }
    assert pupil_a.id_number not in str(item)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=王小", ["王小明"]),
        ("q=wxm", ["王小明"]),
        ("q=李", []),
        ("grade=1", ["王小明"]),
        ("grade=2", []),
        ("school=4105030001", ["王小明"]),
        ("unknown_param=1&another=x", ["王小明"]),
    ],
)
def test_search_filters(world, api_as, pupil_a, query, expected):
    assert _names(api_as(world.registrar_a).get(f"{API}/students?{query}")) == expected


def test_r5_1_incomplete_filter_reads_the_entry_evidence(world, api_as, pupil_a):
    client = api_as(world.registrar_a)
    assert _names(client.get(f"{API}/students?incomplete=true")) == ["王小明"]  # no household proof yet
    household_proof(pupil_a)
    assert _names(client.get(f"{API}/students?incomplete=true")) == []
    assert _names(client.get(f"{API}/students")) == ["王小明"]


def test_search_by_xjh_and_class(world, api_as, pupil_a):
    client = api_as(world.officer)

    assert _names(client.get(f"{API}/students", {"q": pupil_a.xjh})) == ["王小明"]
    assert _names(client.get(f"{API}/students", {"class_id": world.class_a1.pk})) == ["王小明"]
    assert _names(client.get(f"{API}/students", {"class_id": world.class_c1.pk})) == []


def test_r2_2_search_filtered_by_another_school_is_404(world, api_as, pupil_a):
    response = api_as(world.registrar_a).get(f"{API}/students?school={world.school_c.code}")

    assert response.status_code == 404


@pytest.mark.parametrize("query", ["page_size=101", "page_size=0", "page=0", "grade=10", "q=" + "x" * 101])
def test_search_refuses_out_of_range_parameters(world, api_as, query):
    response = api_as(world.registrar_a).get(f"{API}/students?{query}")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def _register_many(world, count: int) -> None:
    for i in range(count):
        birth = dt.date(2019, 9, 1) + dt.timedelta(days=i)
        student_register(
            actor=world.registrar_a,
            school=world.school_a,
            student=student_payload(birth, name="王小明"),
            family=family_payload(),
            enrollment=enrollment_payload(),
            school_class=world.class_a1,
        )


def test_search_query_count_does_not_grow_with_page_size(world, api_as):
    client = api_as(world.registrar_a)
    client.get(f"{API}/students")  # the first request stamps the token's last use
    _register_many(world, 5)
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(f"{API}/students?page_size=5").json()["items"]) == 5
    _register_many(world, 45)
    with CaptureQueriesContext(connection) as fifty:
        page = client.get(f"{API}/students?page_size=50").json()

    assert len(page["items"]) == 50 and page["count"] == 50
    assert len(fifty) == len(five)


def test_search_pages(world, api_as):
    _register_many(world, 3)
    client = api_as(world.registrar_a)

    first = client.get(f"{API}/students?page_size=2").json()
    second = client.get(f"{API}/students?page_size=2&page=2").json()
    beyond = client.get(f"{API}/students?page_size=2&page=99").json()

    assert first["count"] == second["count"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1 and beyond["items"] == []
    assert {i["id"] for i in first["items"]}.isdisjoint(i["id"] for i in second["items"])


def test_detail_for_the_own_registrar_shows_full_identity(world, api_as, pupil_a):
    response = api_as(world.registrar_a).get(f"{API}/students/{pupil_a.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == pupil_a.pk
    assert body["xjh"] == pupil_a.xjh
    father = pupil_a.family.get(position=1)
    assert body["id_number"] == pupil_a.id_number
    assert body["masked"] is False
    assert body["family"][0]["phone"] == father.phone
    assert body["family"][0]["id_number"] == mask_id_number(father.id_number)  # guardians: always masked
    assert body["household_place_code"] == "410503"
    assert body["only_child"] is False and body["preschool"] is True
    assert body["enrollment"]["class_name"] == "一年级（1）班"
    assert body["enrollment"]["entry_date"] == "2026-09-01"
    # R5.1: every field is there; the household proof the district requires is not yet.
    assert body["completeness"] == {"is_complete": False, "missing": ["佐证材料「户口簿/户籍证明」"]}
    assert (
        body["record_due"] == "2026-10-10"
    )  # R5.1: one month from the later of entry (09-01) and creation (09-10)


@pytest.mark.parametrize("viewer", ["approver_a", "officer"])
def test_r21_1_detail_masks_identity_for_readers_who_do_not_keep_the_record(world, api_as, pupil_a, viewer):
    body = api_as(getattr(world, viewer)).get(f"{API}/students/{pupil_a.pk}").json()

    father = pupil_a.family.get(position=1)
    assert body["id_number"] == mask_id_number(pupil_a.id_number)
    assert body["xjh"] == "G" + mask_id_number(pupil_a.id_number)
    assert body["masked"] is True
    assert body["family"][0]["id_number"] == mask_id_number(father.id_number)
    assert body["family"][0]["phone"] == "139****5678"
    for secret in (pupil_a.id_number, father.id_number, father.phone):
        assert secret not in str(body)
    assert body["phone"] != pupil_a.phone and body["phone"].endswith(pupil_a.phone[-4:])
    assert pupil_a.current_address not in str(body)


@pytest.mark.parametrize("viewer", ["registrar_a", "approver_a", "officer", "registrar_c"])
def test_r21_1_health_disability_and_aid_only_on_a_logged_reveal_by_the_keeping_school(
    world, api_as, pupil_a, viewer
):
    from xueji.audit.models import AuditEvent

    client = api_as(getattr(world, viewer))
    plain = client.get(f"{API}/students/{pupil_a.pk}")
    if viewer == "registrar_c":  # another school: not found, revealing or not
        assert plain.status_code == 404
        assert client.get(f"{API}/students/{pupil_a.pk}?reveal=true").status_code == 404
        return
    body = plain.json()
    assert body["sensitive_shown"] is False
    assert {
        body[k] for k in ("health", "disability", "regular_class_disabled", "needs_aid", "one_subsidy")
    } == {None}
    asked = client.get(f"{API}/students/{pupil_a.pk}?reveal=true").json()
    reveals = AuditEvent.objects.filter(action="student.reveal", subject_id=str(pupil_a.pk))
    if viewer == "officer":  # the district reads the record, not the child's health
        assert asked["sensitive_shown"] is False and asked["health"] is None
        assert not reveals.exists()
    else:
        assert asked["sensitive_shown"] is True
        assert asked["health"] == pupil_a.health and asked["disability"] == pupil_a.disability
        assert reveals.count() == 1


def test_r5_1_detail_lists_what_an_incomplete_record_lacks(world, api_as):
    student = student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(postal_code="", health=""),
        enrollment=enrollment_payload(),
    )

    body = api_as(world.registrar_a).get(f"{API}/students/{student.pk}").json()

    assert body["is_complete"] is False
    assert body["completeness"]["is_complete"] is False
    assert {"健康状况", "邮政编码", "家庭成员或监护人"} <= set(body["completeness"]["missing"])


def test_r2_2_other_school_student_is_404(world, api_as, pupil_a, pupil_c):
    client = api_as(world.registrar_a)

    other = client.get(f"{API}/students/{pupil_c.pk}")
    missing = client.get(f"{API}/students/{pupil_c.pk + 1000}")

    assert other.status_code == missing.status_code == 404
    assert other.content == missing.content
    assert other.json() == {
        "code": "not_found",
        "rule": "R2.2",
        "message": "未找到该对象，或不在您的权限范围内。",
        "field": None,
    }


def test_r2_3_history_lists_changes_with_author(world, api_as, pupil_a):
    student_update(actor=world.registrar_a, student=pupil_a, changes={"specialty": "书法"})

    response = api_as(world.approver_a).get(f"{API}/students/{pupil_a.pk}/history")

    assert response.status_code == 200
    changes = response.json()
    edit = next(c for c in changes if c["kind"] == "修改")
    assert edit | {"at": None} == {
        "at": None,
        "user": "张老师",
        "kind": "修改",
        "what": "学生信息",
        "field": "特长",
        "old": "（空）",
        "new": "书法",
    }
    assert any(c["kind"] == "新建" and c["what"] == "学生信息" for c in changes)
