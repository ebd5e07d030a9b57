"""R14.2's preview of the school year's promotion: per grade, who moves up or graduates and who
stays in the grade and why — computed live, scoped, in one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.changes.builders import case_in_state
from tests.conftest import login
from tests.factories import enrolled
from xueji.students import selectors, status
from xueji.students.models import Enrollment

pytestmark = pytest.mark.django_db


def _set(student, code):
    status.enrollment_change_status(actor=None, student=student, status=code)


def test_r14_2_a_mixed_school_is_counted_exactly_per_grade_with_the_reasons(world):
    for _ in range(3):
        enrolled(world.school_a, grade=3)
    _set(enrolled(world.school_a, grade=3), "02")  # 休学
    _set(enrolled(world.school_a, grade=3), "13")  # 出国（境）
    _set(enrolled(world.school_a, grade=5), "06")  # 辍学
    _set(enrolled(world.school_a, grade=5), "15")  # 下落不明
    repeater = case_in_state("repetition", "completed", world).student  # grade 3, approved
    for _ in range(2):
        enrolled(world.school_a, grade=6)  # the primary school's last grade: they graduate
    _set(enrolled(world.school_a, grade=6), "11")  # 死亡: takes no part
    with CaptureQueriesContext(connection) as captured:
        rows = selectors.promotion_preview(requested_by=world.registrar_a, school=world.school_a)
    assert len(captured) == 1
    table = {r.grade: (r.next_label, r.moving, r.staying) for r in rows}
    assert table == {
        3: ("升入四年级", 3, {"休学": 1, "出国（境）": 1, "留级（已批准）": 1}),
        5: ("升入六年级", 0, {"辍学": 1, "下落不明": 1}),
        6: ("毕业", 2, {}),
    }
    staying = selectors.promotion_staying(requested_by=world.registrar_a, school=world.school_a)
    assert [(e.grade, reason) for e, reason in staying].count((3, "留级（已批准）")) == 1
    assert repeater in [e.student for e, _ in staying] and len(staying) == 5
    assert selectors.promotion_preview(requested_by=world.registrar_c, school=world.school_a) == []


def test_r14_2_the_preview_page_for_the_school_and_for_the_districts_officer(world):
    enrolled(world.school_a, grade=2)
    page = login(world.registrar_a).get("/students/promotion/").content.decode()
    assert world.school_a.name in page and "升入三年级" in page
    officer = login(world.officer)
    overview = officer.get("/students/promotion/").content.decode()  # which schools have promoted
    assert "各校升级情况" in overview and world.school_b.name in overview
    assert world.school_c.name not in overview
    page = officer.get(f"/students/promotion/?school={world.school_a.code}").content.decode()
    assert "升入三年级" in page
    outside = officer.get(f"/students/promotion/?school={world.school_c.code}").content.decode()
    assert "升入三年级" not in outside and world.school_c.name not in outside  # not offered
    assert login(world.admin).get("/students/promotion/").status_code == 403
    assert Enrollment.objects.filter(is_current=True, school=world.school_a).count() == 1
