"""Registration, import and updates through the API: the services' rules reach the client as JSON."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.api.conftest import API
from tests.factories import enrollment_payload, family_payload, make_id, student_payload
from xueji.audit.models import AuditEvent
from xueji.students.models import Student


def _post(client, path: str, body) -> object:
    return client.post(API + path, json.dumps(body), content_type="application/json")


def _patch(client, path: str, body) -> object:
    return client.patch(API + path, json.dumps(body), content_type="application/json")


def _registration(birth: dt.date = dt.date(2020, 3, 15), **student) -> dict:
    return {
        "student": student_payload(birth, **student),
        "family": family_payload(),
        "enrollment": enrollment_payload(),
    }


def test_r3_1_registration_answers_201_with_the_detail(world, api_as):
    body = _registration() | {"class_id": world.class_a1.pk}

    response = _post(api_as(world.registrar_a), "/students", body)

    assert response.status_code == 201, response.content
    detail = response.json()
    student = Student.objects.get(pk=detail["id"])
    assert detail["xjh"] == "G" + body["student"]["id_number"]  # R6.4
    assert detail["id_number"] == student.id_number  # the registrar who keeps it sees it in full
    assert detail["enrollment"]["class_id"] == world.class_a1.pk
    assert detail["enrollment"]["origin"] == "new"
    # R5.1: the form is complete; the household proof is uploaded afterwards.
    assert detail["completeness"] == {"is_complete": False, "missing": ["佐证材料「户口簿/户籍证明」"]}
    assert AuditEvent.objects.filter(action="student.register", subject_id=str(student.pk)).count() == 1
    # The detail the client got is what GET answers.
    assert api_as(world.registrar_a).get(f"{API}/students/{student.pk}").json() == detail


def test_r3_2_child_born_on_1_september_is_422(world, api_as):
    response = _post(api_as(world.registrar_a), "/students", _registration(dt.date(2020, 9, 1)))

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "under_age"
    assert body["rule"] == "R3.2"
    assert body["field"] == "birth_date"
    assert "不足6周岁" in body["message"]
    assert not Student.objects.exists()


def test_r2_3_several_wrong_fields_are_listed_together(world, api_as):
    body = _registration(phone="12345", postal_code="abc", ethnicity="99")

    response = _post(api_as(world.registrar_a), "/students", body)

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {e["field"] for e in errors} == {"phone", "postal_code", "ethnicity"}
    assert all(e["rule"] == "R2.3" and e["message"] for e in errors)


def test_r6_3_wrong_check_character_is_422(world, api_as):
    body = _registration()
    number = body["student"]["id_number"]
    body["student"]["id_number"] = number[:17] + ("0" if number[17] != "0" else "1")

    response = _post(api_as(world.registrar_a), "/students", body)

    assert response.status_code == 422
    assert response.json()["rule"] == "R6.3"
    assert response.json()["errors"][0]["code"] == "id_check_char"


def test_r6_2_duplicate_answers_409(world, api_as):
    body = _registration()
    assert _post(api_as(world.registrar_a), "/students", body).status_code == 201

    response = _post(api_as(world.registrar_c), "/students", body)

    assert response.status_code == 409
    refusal = response.json()
    assert refusal["rule"] == "R6.2"
    assert refusal["code"] == "duplicate"
    assert "北关区红旗路小学" in refusal["message"] and "转学" in refusal["message"]
    assert body["student"]["name"] not in refusal["message"]  # names the school and nothing more


def test_r4_1_class_of_another_school_is_422_like_a_missing_class(world, api_as):
    client = api_as(world.registrar_a)

    other = _post(client, "/students", _registration() | {"class_id": world.class_c1.pk})
    missing = _post(client, "/students", _registration() | {"class_id": 10**30})

    assert other.status_code == missing.status_code == 422
    assert other.json() == missing.json()
    assert other.json()["field"] == "class_id"
    assert other.json()["rule"] == "R4.1"
    assert not Student.objects.exists()


@pytest.mark.parametrize("persona", ["approver_a", "officer", "admin", "auditor"])
@pytest.mark.parametrize("path", ["/students", "/students/import-existing"])
def test_r2_2_only_registrars_register(world, api_as, persona, path):
    body = _registration() | ({"xjh": "L410503202003150011"} if "import" in path else {})

    response = _post(api_as(getattr(world, persona)), path, body)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not Student.objects.exists()


def test_r6_4_import_keeps_the_national_number(world, api_as):
    body = {
        "xjh": "L410503201803150011",
        "student": student_payload(dt.date(2018, 3, 15)),
        "family": family_payload(),
        "enrollment": enrollment_payload(grade=3, entry_date="2024-09-01"),
    }

    response = _post(api_as(world.registrar_a), "/students/import-existing", body)

    assert response.status_code == 201, response.content
    assert response.json()["xjh"] == "L410503201803150011"
    assert response.json()["enrollment"]["origin"] == "imported"


def test_r6_4_import_with_a_malformed_number_is_422(world, api_as):
    body = _registration() | {"xjh": "X123"}

    response = _post(api_as(world.registrar_a), "/students/import-existing", body)

    assert response.status_code == 422
    assert response.json()["rule"] == "R6.4"
    assert response.json()["field"] == "xjh"


def test_unknown_fields_are_refused_not_ignored(world, api_as):
    body = _registration()
    body["student"]["nmae"] = "王小明"

    response = _post(api_as(world.registrar_a), "/students", body)

    assert response.status_code == 422
    assert response.json()["field"] == "student.nmae"
    assert "不是可识别的字段" in response.json()["message"]


def test_update_changes_non_key_fields(world, api_as, pupil_a):
    response = _patch(
        api_as(world.registrar_a), f"/students/{pupil_a.pk}", {"changes": {"specialty": "围棋"}}
    )

    assert response.status_code == 200, response.content
    assert response.json()["specialty"] == "围棋"
    assert AuditEvent.objects.filter(action="student.update", subject_id=str(pupil_a.pk)).exists()


def test_r2_3_update_replaces_a_family_member_by_position_and_null_clears_a_field(world, api_as, pupil_a):
    grandmother = {"name": "王奶奶", "relation": "3", "phone": "13712345679", "is_guardian": True}
    body = {"changes": {"email": None, "postal_code": None}, "family": [grandmother]}

    response = _patch(api_as(world.registrar_a), f"/students/{pupil_a.pk}", body)

    assert response.status_code == 200, response.content
    detail = response.json()
    # Member one is replaced; member two, not sent, is kept: nothing is hard-deleted (R2.3).
    assert [m["name"] for m in detail["family"]] == ["王奶奶", "李红"]
    assert detail["postal_code"] == ""
    assert "邮政编码" in detail["completeness"]["missing"]  # R5.1
    assert detail["is_complete"] is False


def test_r9_1_key_field_change_is_422(world, api_as, pupil_a):
    response = _patch(api_as(world.registrar_a), f"/students/{pupil_a.pk}", {"changes": {"name": "王大明"}})

    assert response.status_code == 422
    assert response.json()["rule"] == "R9.1"
    assert response.json()["code"] == "key_field_change"


def test_r6_3_family_id_number_is_checked_on_update(world, api_as, pupil_a):
    father = {
        "name": "王建国",
        "relation": "1",
        "phone": "13912345678",
        "is_guardian": True,
        "id_number": "123",
    }

    response = _patch(
        api_as(world.registrar_a), f"/students/{pupil_a.pk}", {"changes": {}, "family": [father]}
    )

    assert response.status_code == 422
    assert response.json()["field"] == "family1_id_number"


@pytest.mark.parametrize(
    ("persona", "status"), [("approver_a", 403), ("officer", 403), ("admin", 403), ("auditor", 403)]
)
def test_r2_2_readers_cannot_update(world, api_as, pupil_a, persona, status):
    response = _patch(
        api_as(getattr(world, persona)), f"/students/{pupil_a.pk}", {"changes": {"specialty": "x"}}
    )

    assert response.status_code == status
    assert Student.objects.get(pk=pupil_a.pk).specialty == ""


def test_r2_2_registrar_of_another_school_cannot_update(world, api_as, pupil_a):
    response = _patch(api_as(world.registrar_b), f"/students/{pupil_a.pk}", {"changes": {"specialty": "x"}})

    assert response.status_code == 404


def test_region_code_unknown_needs_confirmation(world, api_as):
    birth = dt.date(2020, 3, 15)
    body = _registration(birth, id_number=make_id(birth, region="419999"))

    refused = _post(api_as(world.registrar_a), "/students", body)
    confirmed = _post(api_as(world.registrar_a), "/students", body | {"confirm_region": True})

    assert refused.status_code == 422
    assert refused.json()["code"] == "id_region_unconfirmed"
    assert confirmed.status_code == 201, confirmed.content
