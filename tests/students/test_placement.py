"""R4.1: 分班 — the registrar places several students of the school who have no class into a class
of their grade at once, set-based, each with his history and audit event; a student of another
school or grade, or one already placed, is refused and nothing is written."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tests.conftest import login
from tests.factories import enrolled
from xueji.audit.models import AuditEvent
from xueji.core.errors import RuleViolation
from xueji.org.models import SchoolClass
from xueji.students import status
from xueji.students.models import Enrollment

pytestmark = pytest.mark.django_db


def test_r4_1_several_students_into_a_class_at_once(world):
    three = [enrolled(world.school_a, grade=3, name=n) for n in ("甲一", "乙二", "丙三")]
    target = SchoolClass.objects.create(school=world.school_a, school_year=world.year, grade=3, number=2)
    before = Enrollment.history.count()
    placed = status.enrollments_place(
        actor=world.registrar_a, school_class=target, student_ids=[s.pk for s in three[:2]]
    )
    assert placed == 2
    assert [Enrollment.objects.get(student=s, is_current=True).school_class for s in three] == [
        target,
        target,
        None,
    ]
    assert Enrollment.history.count() == before + 2
    assert AuditEvent.objects.filter(action="enrollment.place_in_class").count() == 2


def test_r4_1_refused_for_another_grade_or_school_or_a_placed_student_and_nothing_written(world):
    mine = enrolled(world.school_a, grade=3, name="甲一")
    fourth = enrolled(world.school_a, grade=4, name="乙二")
    theirs = enrolled(world.school_c, grade=3, name="丙三")
    target = SchoolClass.objects.create(school=world.school_a, school_year=world.year, grade=3, number=2)
    for ids in ([mine.pk, fourth.pk], [mine.pk, theirs.pk], []):
        with pytest.raises(RuleViolation):
            status.enrollments_place(actor=world.registrar_a, school_class=target, student_ids=ids)
    assert Enrollment.objects.get(student=mine, is_current=True).school_class is None
    with pytest.raises(PermissionDenied):
        status.enrollments_place(actor=world.registrar_c, school_class=target, student_ids=[mine.pk])


def test_r4_1_through_the_page(world):
    pupils = [enrolled(world.school_a, grade=1, name=n) for n in ("甲一", "乙二")]
    client = login(world.registrar_a)
    page = client.get("/students/placement/").content.decode()
    assert "一年级" in page and "甲一" in page and "一年级（1）班" in page
    response = client.post(
        "/students/placement/",
        {"school_class": world.class_a1.pk, "student": [p.pk for p in pupils]},
        follow=True,
    )
    assert "已将 2 名学生编入一年级（1）班" in response.content.decode()
    assert "没有待分班的学生" in response.content.decode()
    bad = client.post("/students/placement/", {"school_class": "x", "student": ["1", "y"]}, follow=True)
    assert bad.status_code == 200 and "请选择班级" in bad.content.decode()
    assert login(world.approver_a).get("/students/placement/").status_code == 403
