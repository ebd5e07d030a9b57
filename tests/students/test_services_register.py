"""student_register: new-entry rules (R3.1, R3.2), R6.6, permissions, one audit event, all-or-nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tests.conftest import clear_audit
from tests.factories import enrollment_payload, family_payload, student_payload
from xueji.audit.models import AuditEvent
from xueji.core.errors import RuleViolation
from xueji.core.identity import mask_xjh
from xueji.org.models import Semester
from xueji.students.models import Enrollment, FamilyMember, Student, XjhAlias
from xueji.students.services import student_register


def register(world, *, birth=dt.date(2020, 3, 15), actor=None, school=None, student=None, **enrollment):
    return student_register(
        actor=actor or world.registrar_a,
        school=school or world.school_a,
        student=student or student_payload(birth),
        family=family_payload(),
        enrollment=enrollment_payload(**enrollment),
    )


def refused(rule: str, code: str, func, *args, **kwargs) -> RuleViolation:
    with pytest.raises(RuleViolation) as exc:
        func(*args, **kwargs)
    assert (exc.value.rule, exc.value.code) == (rule, code)
    return exc.value


def assert_nothing_written() -> None:
    for model in (Student, FamilyMember, Enrollment, XjhAlias, AuditEvent):
        assert not model.objects.exists(), model.__name__


def test_r2_3_register_writes_record_family_enrollment_and_one_audit_event(world):
    student = register(world)
    enrollment = student.enrollments.get()
    assert (enrollment.school, enrollment.grade, enrollment.origin) == (world.school_a, 1, "new")
    assert enrollment.record_due == dt.date(
        2026, 10, 10
    )  # R5.1: a month from creation (09-10), later than entry
    assert student.family.count() == 2
    assert list(student.xjh_aliases.values_list("number", "is_current")) == [(student.xjh, True)]
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.school, event.subject_id) == (
        world.registrar_a,
        "student.register",
        world.school_a,
        str(student.pk),
    )
    assert {"R3.1", "R3.2", "R6.2", "R6.3", "R6.4"} <= set(event.rules)
    assert event.changes["xjh"] == [None, mask_xjh(student.xjh)]  # R21.1: the audit keeps it masked


def test_r2_3_history_attributes_the_registration_to_the_registrar(world):
    student = register(world)
    assert student.history.get().history_user == world.registrar_a
    assert {m.history_user for m in FamilyMember.history.all()} == {world.registrar_a}
    assert Enrollment.history.get().history_user == world.registrar_a


def test_r3_1_entry_on_first_day_of_autumn_semester_accepted(world):
    assert register(world, entry_date="2026-09-01").enrollments.get().entry_date == dt.date(2026, 9, 1)


def test_r3_1_entry_in_january_belongs_to_the_autumn_semester_of_the_school_year(world):
    # 2027-01-20 is the last day of the 2026 autumn semester: the 2026 age cut-off applies.
    register(world, birth=dt.date(2020, 8, 31), entry_date="2027-01-20")
    refused("R3.2", "under_age", register, world, birth=dt.date(2020, 9, 1), entry_date="2027-01-20")


@pytest.mark.parametrize("entry_date", ["2026-08-31", "2027-01-21", "2027-03-01"])
def test_r3_1_entry_outside_autumn_refused(world, entry_date):
    error = refused("R3.1", "not_autumn_entry", register, world, entry_date=entry_date)
    assert error.field == "entry_date"
    assert_nothing_written()


def test_r3_1_no_autumn_semester_set_refused(world):
    Semester.objects.filter(school_year=world.year, term="autumn").delete()
    error = refused("R3.1", "no_autumn_semester", register, world)
    assert "2026 学年" in error.message


@pytest.mark.parametrize("grade", [2, 6])
def test_r3_1_new_student_only_into_a_starting_grade(world, grade):
    refused("R3.1", "new_entry_grade", register, world, grade=grade)


def test_r3_1_grade_7_entry_has_no_age_check(world):
    student = register(
        world, birth=dt.date(2014, 5, 1), actor=world.registrar_b, school=world.school_b, grade=7
    )
    assert student.enrollments.get().grade == 7


def test_r4_1_grade_the_school_does_not_offer_refused(world):
    refused("R4.1", "grade_not_offered", register, world, grade=7)


def test_r3_2_born_aug_31_may_enter_grade_1_in_2026(world):
    assert register(world, birth=dt.date(2020, 8, 31)).birth_date == dt.date(2020, 8, 31)


def test_r3_2_born_sep_1_refused_citing_art_3(world):
    error = refused("R3.2", "under_age", register, world, birth=dt.date(2020, 9, 1))
    assert "第三条" in error.message and "不足6周岁" in error.message
    assert error.field == "birth_date"
    assert_nothing_written()


def test_r6_6_home_teaching_needs_a_disability_type(world):
    error = refused("R6.6", "home_teaching_needs_disability", register, world, attendance_mode="4")
    assert error.field == "attendance_mode"
    student = register(
        world, student=student_payload(regular_class_disabled="0", disability="6"), attendance_mode="送教上门"
    )
    assert student.enrollments.get().attendance_mode == "4"
    assert student.disability == "6"


def test_r4_1_class_of_another_school_refused(world):
    with pytest.raises(RuleViolation) as exc:
        student_register(
            actor=world.registrar_a,
            school=world.school_a,
            student=student_payload(),
            enrollment=enrollment_payload(),
            school_class=world.class_c1,
        )
    assert (exc.value.rule, exc.value.code) == ("R4.1", "class_mismatch")
    assert_nothing_written()


def test_r4_1_register_into_own_class(world):
    student = student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(),
        enrollment=enrollment_payload(),
        school_class=world.class_a1,
    )
    assert student.enrollments.get().school_class == world.class_a1


def test_r2_2_registrar_cannot_register_into_another_school(world):
    with pytest.raises(PermissionDenied):
        register(world, actor=world.registrar_a, school=world.school_c)
    assert_nothing_written()


@pytest.mark.parametrize("persona", ["approver_a", "officer", "admin", "auditor"])
def test_r2_2_only_registrars_register(world, persona):
    with pytest.raises(PermissionDenied):
        register(world, actor=getattr(world, persona))
    assert_nothing_written()


def test_r2_2_inactive_registrar_cannot_register(world):
    world.registrar_a.is_active = False
    world.registrar_a.save()
    with pytest.raises(PermissionDenied):
        register(world)
    assert_nothing_written()


def test_r2_3_refused_registration_leaves_no_rows(world):
    payload = student_payload()
    register(world, student=payload)
    clear_audit()
    before = {m: m.objects.count() for m in (Student, FamilyMember, Enrollment, XjhAlias)}
    with pytest.raises(RuleViolation):
        register(world, student=payload)  # R6.2
    with pytest.raises(RuleViolation):
        register(world, attendance_mode="4")  # R6.6
    assert {m: m.objects.count() for m in before} == before
    # Only the access log's line of the duplicate lookup stays (R6.2: every such lookup is logged).
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["student.duplicate_lookup"]
