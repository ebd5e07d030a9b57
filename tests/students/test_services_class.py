"""enrollment_place_in_class (R4.1): a class of the student's own school and grade, one audit event."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tests.conftest import clear_audit
from tests.factories import enrollment_payload, student_payload
from xueji.audit.models import AuditEvent
from xueji.core.errors import RuleViolation
from xueji.org.models import SchoolClass
from xueji.students.services import student_register
from xueji.students.status import enrollment_place_in_class


@pytest.fixture
def student(world):
    registered = student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(),
        enrollment=enrollment_payload(),
    )
    clear_audit()
    return registered


def test_r4_1_place_in_class_and_take_out_again(world, student):
    enrollment = enrollment_place_in_class(
        actor=world.registrar_a, student=student, school_class=world.class_a1
    )
    assert enrollment.school_class == world.class_a1
    assert enrollment.history.latest().history_user == world.registrar_a
    enrollment_place_in_class(actor=world.registrar_a, student=student, school_class=None)
    assert student.enrollments.get().school_class is None
    changes = list(AuditEvent.objects.order_by("pk").values_list("action", "changes"))
    assert changes == [
        ("enrollment.place_in_class", {"school_class": [None, world.class_a1.pk]}),
        ("enrollment.place_in_class", {"school_class": [world.class_a1.pk, None]}),
    ]


def test_r4_1_class_of_another_grade_refused(world, student):
    grade_2 = SchoolClass.objects.create(school=world.school_a, school_year=world.year, grade=2, number=1)
    with pytest.raises(RuleViolation) as exc:
        enrollment_place_in_class(actor=world.registrar_a, student=student, school_class=grade_2)
    assert (exc.value.rule, exc.value.code, exc.value.field) == ("R4.1", "class_mismatch", "school_class")
    assert not AuditEvent.objects.exists()


def test_r4_1_class_of_another_school_refused(world, student):
    with pytest.raises(RuleViolation):
        enrollment_place_in_class(actor=world.registrar_a, student=student, school_class=world.class_c1)
    assert student.enrollments.get().school_class is None


@pytest.mark.parametrize("persona", ["registrar_c", "approver_a", "officer"])
def test_r2_2_only_the_schools_registrar_places(world, student, persona):
    with pytest.raises(PermissionDenied):
        enrollment_place_in_class(actor=getattr(world, persona), student=student, school_class=world.class_a1)
    assert not AuditEvent.objects.exists()
