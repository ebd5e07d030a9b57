"""district_statistics: the dashboard's counts, scoped like every other read (R2.2, R4.1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import login
from tests.factories import enrollment_payload, family_payload, student_payload
from xueji.students.models import Enrollment
from xueji.students.selectors import district_statistics
from xueji.students.services import student_register


def _register(world, school, registrar, births, *, grade=1, female_every=2, name="测试"):
    made = []
    for i, birth in enumerate(births):
        male = i % female_every != 0
        made.append(
            student_register(
                actor=registrar,
                school=school,
                student=student_payload(birth, male=male, name=name),
                family=family_payload(),
                enrollment=enrollment_payload(grade=grade),
            )
        )
    return made


@pytest.fixture
def district(world):
    """北关区: 3 first-graders at school A (1 girl), 2 seventh-graders at school B; 文峰区: 1 at school C."""
    first = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(3)]
    seventh = [dt.date(2014, 1, 1) + dt.timedelta(days=i) for i in range(2)]
    world.students_a = _register(world, world.school_a, world.registrar_a, first, female_every=3)
    world.students_b = _register(world, world.school_b, world.registrar_b, seventh, grade=7)
    world.students_c = _register(world, world.school_c, world.registrar_c, [dt.date(2020, 5, 5)])
    # One of school B's students is suspended (休学): still a current enrollment, another status.
    Enrollment.objects.filter(student=world.students_b[0]).update(status=Enrollment.Status.SUSPENDED)
    return world


def _counts(rows, key):
    return {row[key]: row["n"] for row in rows}


def test_r2_2_an_officer_counts_their_district_only(district):
    stats = district_statistics(requested_by=district.officer)
    assert stats.total == 5
    assert _counts(stats.by_school, "school_id") == {district.school_a.pk: 3, district.school_b.pk: 2}
    assert [row["code"] for row in stats.by_school] == [district.school_a.code, district.school_b.code]
    assert stats.by_school[0]["name"] == "北关区红旗路小学"
    assert stats.by_grade == [
        {"grade": 1, "label": "一年级", "n": 3},
        {"grade": 7, "label": "七年级", "n": 2},
    ]
    # female_every: student 0 of each school is a girl (school A: 1 of 3, school B: 1 of 2)
    assert stats.by_gender == [{"gender": "1", "label": "男", "n": 3}, {"gender": "2", "label": "女", "n": 2}]
    assert stats.by_status == [
        {"status": "01", "label": "在读", "n": 4},
        {"status": "02", "label": "休学", "n": 1},
    ]


def test_r2_2_another_districts_officer_counts_theirs(district):
    stats = district_statistics(requested_by=district.officer_wf)
    assert stats.total == 1
    assert _counts(stats.by_school, "school_id") == {district.school_c.pk: 1}


def test_r4_1_a_school_user_counts_their_school_only(district):
    for user in (district.registrar_a, district.approver_a):
        stats = district_statistics(requested_by=user)
        assert stats.total == 3
        assert _counts(stats.by_school, "school_id") == {district.school_a.pk: 3}
        assert _counts(stats.by_grade, "grade") == {1: 3}
    assert district_statistics(requested_by=district.registrar_b).total == 2


def test_roles_without_student_reads_count_nothing(district):
    for user in (district.admin, district.auditor):
        stats = district_statistics(requested_by=user)
        assert stats.total == 0 and stats.by_school == stats.by_grade == stats.by_status == []


def test_only_current_enrollments_are_counted(district):
    Enrollment.objects.filter(student=district.students_a[0]).update(is_current=False)
    stats = district_statistics(requested_by=district.officer)
    assert stats.total == 4
    assert _counts(stats.by_school, "school_id")[district.school_a.pk] == 2


def test_counts_take_a_fixed_number_of_queries(district):
    with CaptureQueriesContext(connection) as queries:
        district_statistics(requested_by=district.officer)
    # One GROUP BY over all four dimensions, one for the school names: not one per school or grade.
    assert len(queries) == 2


def test_the_officers_home_page_shows_the_statistics(district):
    page = login(district.officer).get("/").content.decode()
    assert "学籍统计" in page
    assert f'href="/schools/{district.school_a.pk}/"' in page
    assert "北关区第一中学" in page and "文峰区东关小学" not in page
    assert "休学" in page and "七年级" in page


def test_a_registrars_home_page_has_no_district_statistics(district):
    page = login(district.registrar_a).get("/").content.decode()
    assert "学籍统计" not in page


def test_every_enrollment_carries_its_students_gender(world):
    """The statistics count gender on the enrollment: every writer must copy it (register, import,
    bulk import, transfer, the synthetic generator)."""
    import io

    from django.core.management import call_command

    from tests.exchange.conftest import child, fill, template_bytes
    from xueji.exchange import services as exchange

    student_register(
        actor=world.registrar_a,
        school=world.school_a,
        student=student_payload(dt.date(2020, 3, 15), male=False),
        family=family_payload(),
        enrollment=enrollment_payload(),
    )
    job = exchange.import_job_create(
        actor=world.registrar_a,
        school=world.school_a,
        data=fill(template_bytes(), [child(dt.date(2020, 4, 1), male=False), child(dt.date(2020, 5, 1))]),
        original_name="x.xlsx",
    )
    assert exchange.import_job_run(job.pk).imported == 2
    call_command("gen_demo", "--students", "30", stdout=io.StringIO(), stderr=io.StringIO())
    rows = list(Enrollment.objects.values_list("gender", "student__gender"))
    assert len(rows) == 33 and {"1", "2"} <= {g for g, _ in rows}
    assert all(mine == theirs for mine, theirs in rows)
