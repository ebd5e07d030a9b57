"""student_import_existing: keeps the national system's 学籍号, grade and entry date; skips R3.1–R3.3 only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import enrollment_payload, family_payload, make_id, student_payload
from xueji.audit.models import AuditEvent
from xueji.core.errors import Conflict, RuleViolation
from xueji.core.identity import gb11643_check_char, j_number
from xueji.students.models import Enrollment, Student
from xueji.students.services import student_import_existing, student_register

BIRTH = dt.date(2018, 5, 20)


def l_number(seq: int = 1) -> str:
    body = f"41050320180520{seq:03d}"
    return "L" + body + gb11643_check_char(body)


def import_(world, xjh=None, *, student=None, actor=None, school=None, **enrollment):
    payload = student or student_payload(BIRTH)
    return student_import_existing(
        actor=actor or world.registrar_a,
        school=school or world.school_a,
        xjh=xjh or "G" + payload["id_number"],
        student=payload,
        family=family_payload(),
        enrollment=enrollment_payload(**{"grade": 3, "entry_date": "2024-09-01", **enrollment}),
    )


def refused(rule: str, code: str, func, *args, **kwargs) -> RuleViolation:
    with pytest.raises(RuleViolation) as exc:
        func(*args, **kwargs)
    assert (exc.value.rule, exc.value.code) == (rule, code)
    assert not Student.objects.exists()
    return exc.value


def test_r6_4_import_keeps_g_number_grade_and_entry_date(world):
    student = import_(world)
    enrollment = student.enrollments.get()
    assert student.xjh == "G" + student.id_number
    assert (enrollment.grade, enrollment.entry_date, enrollment.origin) == (
        3,
        dt.date(2024, 9, 1),
        "imported",
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.actor) == ("student.import_existing", world.registrar_a)
    assert not {"R3.1", "R3.2", "R3.3"} & set(event.rules)


@pytest.mark.parametrize("number", [l_number(), j_number(region_code="410503", birth_date=BIRTH, sequence=3)])
def test_r6_4_import_keeps_l_and_j_numbers(world, number):
    student = import_(world, number.lower())
    assert student.xjh == number
    assert student.xjh_aliases.get().number == number


def test_r3_1_import_skips_new_entry_rules(world):
    # Spring entry, under age for grade 1 on the 2026 cut-off: both are facts of the national record.
    payload = student_payload(dt.date(2020, 10, 1))
    student = import_(world, student=payload, grade=1, entry_date="2026-03-01")
    assert student.enrollments.get().entry_date == dt.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("xjh", "code"),
    [
        ("G4105032018052000", "xjh_format"),
        ("X" + make_id(BIRTH), "xjh_format"),
        ("G" + make_id(BIRTH)[:17] + "Y", "xjh_format"),
    ],
)
def test_r6_4_malformed_xjh_refused(world, xjh, code):
    error = refused("R6.4", code, import_, world, xjh)
    assert error.field == "xjh"


def test_r6_4_g_number_with_wrong_check_char_refused(world):
    number = make_id(BIRTH)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    refused("R6.4", "xjh_check_char", import_, world, "G" + wrong)


def test_r6_4_xjh_already_used_refused(world):
    first = import_(world, l_number())
    with pytest.raises(Conflict) as exc:
        import_(world, l_number(), student=student_payload(BIRTH, name="李四"))
    assert (exc.value.rule, exc.value.code) == ("R6.4", "xjh_taken")
    assert list(Student.objects.all()) == [first]


def test_r6_3_import_with_bad_id_refused(world):
    payload = student_payload(BIRTH, id_number=make_id(BIRTH)[:17] + "Z")
    with pytest.raises(RuleViolation) as exc:
        import_(world, l_number(), student=payload)
    assert exc.value.field == "id_number"
    assert not Student.objects.exists()


def test_r6_2_import_of_a_registered_student_refused_naming_the_school(world):
    payload = student_payload(BIRTH)
    import_(world, student=payload)
    with pytest.raises(Conflict) as exc:
        import_(world, l_number(), student=payload, actor=world.registrar_c, school=world.school_c)
    assert (exc.value.rule, exc.value.code) == ("R6.2", "duplicate")
    assert world.school_a.name in exc.value.message
    assert Student.objects.count() == 1


def test_r6_2_registering_an_imported_student_refused(world):
    payload = student_payload(dt.date(2020, 3, 1))
    import_(world, student=payload, grade=1, entry_date="2026-03-01")
    with pytest.raises(Conflict):
        student_register(
            actor=world.registrar_a, school=world.school_a, student=payload, enrollment=enrollment_payload()
        )


def test_r2_3_future_entry_date_refused(world):
    refused("R2.3", "future_entry", import_, world, entry_date="2026-09-11")


def test_r2_3_entry_before_birth_refused(world):
    refused("R2.3", "entry_before_birth", import_, world, entry_date="2018-05-20")


def test_r4_1_import_into_a_grade_the_school_lacks_refused(world):
    refused("R4.1", "grade_not_offered", import_, world, grade=8)


def test_r6_6_import_home_teaching_needs_disability(world):
    refused("R6.6", "home_teaching_needs_disability", import_, world, attendance_mode="4")


def test_r2_2_import_into_another_school_refused(world):
    with pytest.raises(PermissionDenied):
        import_(world, school=world.school_c)
    assert not Enrollment.objects.exists()
