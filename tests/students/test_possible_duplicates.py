"""R6.2 for students without an ID number: the same name, birth date and gender (and guardian,
where given) elsewhere in the deployment is a possible duplicate — refused until the registrar
confirms, with a reason, that it is another child; the lookup and the confirmation are logged and
the district lists the confirmations. A bulk import refuses the row (to be registered singly)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api.conftest import API, bearer
from tests.conftest import login
from tests.exchange.conftest import child, fill, template_bytes
from tests.factories import enrollment_payload, family_payload, make_id, student_payload
from xueji.audit.models import AuditEvent
from xueji.core.errors import Conflict
from xueji.exchange import services as exchange
from xueji.students.models import PossibleDuplicate, Student
from xueji.students.services import student_register

BIRTH = dt.date(2020, 3, 15)
FAMILY = family_payload()  # the same guardians (the same father's ID number) for "the same child"


def no_id(**overrides):
    return student_payload(BIRTH, id_type="Z", id_number="", name="李无证", **overrides)


def _register(world, registrar, school, *, family=None, reason=""):
    return student_register(
        actor=registrar,
        school=school,
        student=no_id(),
        family=family if family is not None else FAMILY,
        enrollment=enrollment_payload(),
        duplicate_reason=reason,
    )


@pytest.fixture
def first(world):
    return _register(world, world.registrar_a, world.school_a)


def test_r6_2_the_same_name_birth_and_gender_elsewhere_needs_a_confirmation(world, first):
    with pytest.raises(Conflict) as refused:
        _register(world, world.registrar_c, world.school_c)
    assert refused.value.code == "possible_duplicate" and "可能是同一人" in refused.value.message
    assert "红旗路" not in refused.value.message  # R6.2: "possible", nothing about where
    assert Student.objects.count() == 1
    lookup = AuditEvent.objects.get(action="student.duplicate_lookup")
    assert lookup.subject_id == str(first.pk) and "疑似重复" in lookup.note

    second = _register(
        world, world.registrar_c, world.school_c, reason="已核对户口簿，为同名同日出生的另一名儿童"
    )
    listed = PossibleDuplicate.objects.get()
    assert (listed.student, listed.matched, listed.school) == (second, first, world.school_c)
    assert AuditEvent.objects.filter(action="student.duplicate_confirm", subject_id=str(second.pk)).exists()


def test_r6_2_another_guardian_makes_it_another_child(world, first):
    other_parent = family_payload(id_number=make_id(dt.date(1985, 1, 1)))
    assert _register(world, world.registrar_c, world.school_c, family=other_parent).pk != first.pk
    assert not PossibleDuplicate.objects.exists()


def test_r6_2_an_id_number_is_its_own_check(world, first):
    with_id = student_payload(BIRTH, name="李无证")  # same name, birth, gender, but an ID number
    student_register(
        actor=world.registrar_c,
        school=world.school_c,
        student=with_id,
        family=family_payload(),
        enrollment=enrollment_payload(),
    )
    assert Student.objects.count() == 2


def test_r6_2_through_the_page_the_confirmation_is_asked_then_listed_for_the_district(world, first):
    from tests.students.test_pages import _form

    client = login(world.registrar_c)
    data = _form(no_id(), FAMILY, enrollment_payload())
    page = client.post("/students/new/", data).content.decode()
    assert "可能是同一人" in page and "确认不是重复学籍" in page
    data.update(confirm_duplicate="on", duplicate_reason="已核对户口簿，不是同一人")
    assert client.post("/students/new/", data).status_code == 302
    listing = login(world.officer).get("/students/possible-duplicates/").content.decode()
    assert "已核对户口簿，不是同一人" not in listing  # registered in 文峰区: that district's list
    listing = login(world.officer_wf).get("/students/possible-duplicates/").content.decode()
    assert "已核对户口簿，不是同一人" in listing and "文峰区东关小学" in listing
    assert "疑似重复学籍的确认" in login(world.officer_wf).get("/").content.decode()


def test_r6_2_the_api_answers_409_then_takes_the_reason(world, first):
    body = {"student": no_id(), "family": FAMILY, "enrollment": enrollment_payload()}
    client = bearer(world.registrar_c)
    refused = client.post(f"{API}/students", body, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["code"] == "possible_duplicate"
    body["duplicate_reason"] = "已核对，不是同一人"
    assert client.post(f"{API}/students", body, content_type="application/json").status_code == 201


def test_r6_2_a_bulk_row_like_a_record_elsewhere_is_refused_to_be_registered_singly(world, first):
    row = child(BIRTH, 姓名="李无证", 身份证件类型="其他", 身份证件号="")
    data = fill(template_bytes(), [row])
    job = exchange.import_job_create(
        actor=world.registrar_c, school=world.school_c, data=data, original_name="a.xlsx"
    )
    job = exchange.import_job_run(job.pk)
    assert job.state == "refused" and "单独注册" in job.first_errors[0]["reason"]
