"""R5.1: a record is complete with every field of the national form and the entry evidence the
district requires (the household proof by default), within one calendar month of the later of its
entry date and the day it was created here."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest

from tests.factories import enrollment_payload, family_payload, household_proof, student_payload
from xueji.core.errors import RuleViolations
from xueji.org.policy import policy_set
from xueji.students import completeness, selectors
from xueji.students.models import Enrollment, Student
from xueji.students.services import (
    Upload,
    evidence_attach,
    evidence_attach_many,
    student_import_existing,
    student_register,
    student_update,
)

BIRTH = dt.date(2020, 3, 15)
PDF = b"%PDF-1.4 household register scan"


def register(world, *, actor=None, school=None, family=None, **student):
    return student_register(
        actor=actor or world.registrar_a,
        school=school or world.school_a,
        student=student_payload(BIRTH, **student),
        family=family_payload() if family is None else family,
        enrollment=enrollment_payload(),
    )


def overdue(user) -> set[int]:
    return {e.student_id for e in selectors.todo_overdue_records(requested_by=user)}


def fresh(student: Student) -> Student:
    return Student.objects.get(pk=student.pk)


# --------------------------------------------------------------------------- what "complete" means


def test_r5_1_missing_lists_fields_then_the_household_proof(world):
    student = register(world, family=[], postal_code="", only_child=None)
    assert not student.form_complete and not student.is_complete
    assert selectors.student_missing(student, world.beiguan) == [
        "邮政编码",
        "是否独生子女",
        "家庭成员或监护人",
        "佐证材料「户口簿/户籍证明」",
    ]


def test_r5_1_every_field_without_the_household_proof_is_not_complete(world):
    student = register(world)
    assert student.form_complete and not student.is_complete
    household_proof(student, actor=world.registrar_a)
    assert fresh(student).is_complete
    assert selectors.student_missing(student, world.beiguan) == []


def test_r5_1_a_proof_of_another_kind_does_not_complete_it(world):
    student = register(world)
    evidence_attach(
        actor=world.registrar_a,
        student=student,
        file=BytesIO(PDF),
        original_name="出生证.pdf",
        category="birth",
    )
    assert not fresh(student).is_complete


def test_r5_1_the_proof_does_not_complete_a_record_missing_fields(world):
    student = register(world, postal_code="")
    household_proof(student, actor=world.registrar_a)
    assert not fresh(student).is_complete
    student_update(actor=world.registrar_a, student=fresh(student), changes={"postal_code": "455000"})
    assert fresh(student).is_complete


def test_r5_1_the_district_decides_which_proofs_and_every_record_follows(world):
    with_proof, without = register(world), register(world, name="李小明")
    household_proof(with_proof, actor=world.registrar_a)
    other_district = register(world, actor=world.registrar_c, school=world.school_c, name="赵小北")
    assert (fresh(with_proof).is_complete, fresh(without).is_complete) == (True, False)

    policy_set(
        actor=world.admin,
        jurisdiction=world.beiguan,
        key="archive.needs_evidence.household",
        value=0,
        reason="户籍证明由公安部门核验，不再要求上传",
    )
    assert (fresh(with_proof).is_complete, fresh(without).is_complete) == (True, True)
    assert not fresh(other_district).is_complete  # 文峰区 still requires it

    policy_set(
        actor=world.admin,
        jurisdiction=world.beiguan,
        key="archive.needs_evidence.birth",
        value=1,
        reason="区规定",
    )
    assert (fresh(with_proof).is_complete, fresh(without).is_complete) == (False, False)
    assert selectors.student_missing(fresh(without), world.beiguan) == ["佐证材料「出生医学证明」"]


# --------------------------------------------------------------------------- the one-month clock


def test_r5_1_the_month_counts_from_entry_when_created_on_time(world, settings):
    settings.XUEJI_FIXED_TODAY = "2026-09-01"
    student = register(world)
    assert student.enrollments.get().record_due == dt.date(2026, 10, 1)


def test_r5_1_a_record_created_after_entry_counts_from_its_creation(world, settings):
    settings.XUEJI_FIXED_TODAY = "2026-09-02"
    student = register(world)
    assert student.enrollments.get().record_due == dt.date(2026, 10, 2)


def test_r5_1_an_import_of_an_old_record_is_not_overdue_the_day_it_arrives(world, settings):
    settings.XUEJI_FIXED_TODAY = "2027-01-31"  # imported on 31 Jan, entered school years ago
    imported = student_import_existing(
        actor=world.registrar_a,
        school=world.school_a,
        xjh="L4105032019010100" + "10",
        student=student_payload(dt.date(2019, 1, 1), phone=""),
        family=family_payload(),
        enrollment=enrollment_payload(grade=2, entry_date="2025-09-01"),
    )
    assert imported.enrollments.get().record_due == dt.date(2027, 2, 28)  # a missing day rolls back
    assert overdue(world.registrar_a) == set()


def test_r5_1_overdue_from_the_day_after_the_due_day_for_school_and_district(world, settings):
    incomplete_a = register(world, family=[])
    no_proof = register(world, name="李小明")
    done = register(world, name="张小明")
    household_proof(done, actor=world.registrar_a)
    incomplete_c = register(world, family=[], actor=world.registrar_c, school=world.school_c)
    assert {e.record_due for e in Enrollment.objects.all()} == {dt.date(2026, 10, 10)}

    settings.XUEJI_FIXED_TODAY = "2026-10-10"  # the due day itself is still in time
    assert overdue(world.registrar_a) == set()
    settings.XUEJI_FIXED_TODAY = "2026-10-11"
    assert overdue(world.registrar_a) == {incomplete_a.pk, no_proof.pk}
    assert overdue(world.registrar_c) == {incomplete_c.pk}
    assert overdue(world.officer) == {incomplete_a.pk, no_proof.pk}
    counts = list(selectors.todo_overdue_by_school(requested_by=world.officer))
    assert [(row["school__name"], row["n"]) for row in counts] == [(world.school_a.name, 2)]
    assert list(selectors.todo_overdue_by_school(requested_by=world.registrar_a)) == []

    student_update(actor=world.registrar_a, student=fresh(incomplete_a), changes={}, family=family_payload())
    household_proof(incomplete_a, actor=world.registrar_a)
    household_proof(no_proof, actor=world.registrar_a)
    assert overdue(world.registrar_a) == set()
    assert list(selectors.todo_overdue_by_school(requested_by=world.officer)) == []


# --------------------------------------------------------------------------- many proofs at once


def test_r5_1_a_class_of_household_proofs_at_once_completes_every_record(world):
    students = [register(world, name=name) for name in ("王一", "王二", "王三")]
    made = evidence_attach_many(
        actor=world.registrar_a,
        school=world.school_a,
        category="household",
        files=[Upload(s, f"{s.xjh}.pdf", PDF + s.name.encode()) for s in students],
    )
    assert len(made) == 3 and all(fresh(s).is_complete for s in students)
    assert {e.sha256 for e in made} == {e.sha256 for s in students for e in s.evidence.all()}


def test_r5_1_one_bad_file_and_none_is_attached(world):
    good, bad = register(world, name="王一"), register(world, name="王二")
    with pytest.raises(RuleViolations) as refused:
        evidence_attach_many(
            actor=world.registrar_a,
            school=world.school_a,
            category="household",
            files=[Upload(good, "a.pdf", PDF), Upload(bad, "b.pdf", b"just text")],
        )
    assert [e.message for e in refused.value.violations] == [
        "文件「b.pdf」：只接受 PDF、JPEG 或 PNG 格式的扫描件或照片（按文件内容识别，改扩展名无效）。"
    ]
    assert not good.evidence.exists() and not fresh(good).is_complete


def test_r5_1_proofs_only_for_the_schools_own_students(world):
    theirs = register(world, actor=world.registrar_c, school=world.school_c)
    with pytest.raises(RuleViolations) as refused:
        evidence_attach_many(
            actor=world.registrar_a,
            school=world.school_a,
            category="household",
            files=[Upload(theirs, "a.pdf", PDF)],
        )
    assert refused.value.violations[0].code == "no_record"
    assert not theirs.evidence.exists()


def test_r5_1_refresh_is_set_based(world, django_assert_max_num_queries):
    students = [register(world, name=f"王{n}") for n in "一二三四五"]
    chosen = Student.objects.filter(pk__in=[s.pk for s in students])
    with django_assert_max_num_queries(3):  # districts, their limits (cached), one UPDATE
        assert completeness.refresh(chosen) == 0  # nothing changed: nothing rewritten
    Student.objects.filter(pk=students[0].pk).update(is_complete=True)  # out of step
    assert completeness.refresh(chosen) == 1
    assert not Student.objects.get(pk=students[0].pk).is_complete
