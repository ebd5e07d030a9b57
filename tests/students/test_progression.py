"""R6.5, R8.1 (升学): a primary graduate is enrolled by a junior-high school of the deployment —
same record, same 学籍号, one grade up — and the primary school keeps a read-only, checksummed
snapshot of the record as it left."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tests.conftest import login
from tests.factories import enrolled
from xueji.audit.models import AuditEvent
from xueji.core.errors import RuleViolation
from xueji.org.models import SchoolClass
from xueji.students import progression_services, selectors, status
from xueji.students.models import Enrollment, Progression

pytestmark = pytest.mark.django_db
AUTUMN = dt.date(2026, 9, 1)


def _graduate(world, **kwargs):
    student = enrolled(world.school_a, grade=6, **kwargs)
    status.enrollment_change_status(actor=None, student=student, status="07")  # R14.2: graduated
    return student


def test_r6_5_a_graduate_enrolled_at_a_junior_school_keeps_the_record_and_the_xjh(world):
    student = _graduate(world)
    xjh = student.xjh
    made = progression_services.graduate_enroll(
        actor=world.registrar_b, student=student, school=world.school_b, entry_date=AUTUMN
    )
    new = Enrollment.objects.get(student=student, is_current=True)
    assert (new.school, new.grade, new.origin, new.status, new.placement_due) == (
        world.school_b,
        7,
        Enrollment.Origin.PROGRESSION,
        "01",
        True,
    )
    old = made.graduated
    old.refresh_from_db()
    assert (old.school, old.status, old.is_current) == (world.school_a, "07", False)
    student.refresh_from_db()
    assert student.xjh == xjh and Enrollment.objects.filter(student=student).count() == 2
    assert made.archive.content["to"] == world.school_b.name and len(made.archive.sha256) == 64
    assert ["学校", world.school_a.name] in made.archive.content["enrollment"]
    event = AuditEvent.objects.get(action="enrollment.continue")
    assert event.school_id == world.school_b.pk and set(event.rules) == {"R6.5", "R8.1"}


def test_r8_1_the_primary_school_keeps_the_snapshot_and_no_longer_reads_the_record(world):
    student = _graduate(world)
    made = progression_services.graduate_enroll(
        actor=world.registrar_b, student=student, school=world.school_b, entry_date=AUTUMN
    )
    assert selectors.progression_get(requested_by=world.registrar_a, pk=made.pk) == made
    assert list(
        selectors.progressions(requested_by=world.registrar_a, school=world.school_a, into=False)
    ) == [made]
    with pytest.raises(Http404):
        selectors.student_get(requested_by=world.registrar_a, pk=student.pk)
    assert selectors.student_get(requested_by=world.registrar_b, pk=student.pk) == student
    with pytest.raises(Http404):
        selectors.progression_get(requested_by=world.registrar_c, pk=made.pk)


def test_r6_5_only_a_graduate_and_only_into_a_school_that_has_grade_7(world):
    pupil = enrolled(world.school_a, grade=6)  # 在读, not graduated
    with pytest.raises(RuleViolation) as refused:
        progression_services.graduate_enroll(
            actor=world.registrar_b, student=pupil, school=world.school_b, entry_date=AUTUMN
        )
    assert refused.value.rule == "R6.5" and "毕业" in refused.value.message
    graduate = _graduate(world, name="王小南")
    with pytest.raises(RuleViolation) as refused:
        progression_services.graduate_enroll(
            actor=world.registrar_c, student=graduate, school=world.school_c, entry_date=AUTUMN
        )
    assert "不招收7年级" in refused.value.message
    with pytest.raises(PermissionDenied):
        progression_services.graduate_enroll(
            actor=world.registrar_c, student=graduate, school=world.school_b, entry_date=AUTUMN
        )
    with pytest.raises(RuleViolation) as refused:
        progression_services.graduate_enroll(
            actor=world.registrar_b, student=graduate, school=world.school_b, entry_date=dt.date(2027, 12, 1)
        )
    assert refused.value.field == "entry_date"
    wrong = SchoolClass.objects.create(school=world.school_b, school_year=world.year, grade=8, number=1)
    with pytest.raises(RuleViolation):
        progression_services.graduate_enroll(
            actor=world.registrar_b,
            student=graduate,
            school=world.school_b,
            entry_date=AUTUMN,
            school_class=wrong,
        )
    assert not Progression.objects.exists()
    assert Enrollment.objects.get(student=graduate, is_current=True).school == world.school_a


def test_r6_5_the_receiving_registrar_finds_a_graduate_only_by_exact_number(world):
    graduate = _graduate(world)
    pupil = enrolled(world.school_a, grade=5, name="李在读")
    find = selectors.graduate_find
    assert find(requested_by=world.registrar_b, q=graduate.xjh).student == graduate
    assert find(requested_by=world.registrar_b, q=f" {graduate.id_number.lower()} ").student == graduate
    assert find(requested_by=world.registrar_b, q=graduate.name) is None  # no browsing by name
    assert find(requested_by=world.registrar_b, q=pupil.xjh) is None  # not a graduate
    assert find(requested_by=world.registrar_a, q=graduate.xjh) is None  # its own school's
    assert find(requested_by=world.officer, q=graduate.xjh) is None  # a registrar's search


def test_r6_5_through_the_page_find_enroll_and_place(world):
    graduate = _graduate(world)
    seven = SchoolClass.objects.create(school=world.school_b, school_year=world.year, grade=7, number=2)
    client = login(world.registrar_b)
    found = client.post("/students/continuing/", {"action": "find", "q": graduate.xjh}, follow=True)
    assert graduate.xjh not in found.redirect_chain[-1][0]  # R21.1: the number is not in the URL
    page = found.content.decode()
    assert graduate.name in page and world.school_a.name in page and "七年级（2）班" in page
    assert graduate.id_number not in page  # masked
    response = client.post(
        "/students/continuing/",
        {"student": graduate.pk, "school_class": seven.pk, "entry_date": "2026-09-01"},
        follow=True,
    )
    assert "已办理升学入学" in response.content.decode()
    assert Enrollment.objects.get(student=graduate, is_current=True).school_class == seven
    again = client.post(
        "/students/continuing/", {"student": graduate.pk, "entry_date": "2026-09-01"}, follow=True
    ).content.decode()
    assert "没有找到尚未升学的毕业生" in again  # enrolled already: no longer a graduate to find
    assert Enrollment.objects.filter(student=graduate).count() == 2 and Progression.objects.count() == 1
    bad = client.post("/students/continuing/", {"student": "x", "entry_date": "nonsense"}, follow=True)
    assert bad.status_code == 200
    primary = login(world.registrar_a).get("/students/continuing/").content.decode()
    assert graduate.name in primary and world.school_b.name in primary


def test_r14_2_a_seventh_grader_who_came_by_continuing_after_the_year_ended_is_not_promoted(world, settings):
    """升学 in the summer, before the junior school's own promotion: the new seventh-grader already
    belongs to next year and stays in 七年级; a student who entered during the year moves up."""
    from tests.factories import persona
    from tests.students.test_promotion import SUMMER, _next_year
    from xueji.org.models import Role
    from xueji.students import promotion_services

    _next_year(world)
    year26 = world.year
    seven = SchoolClass.objects.create(school=world.school_b, school_year=year26, grade=7, number=1)
    during = enrolled(world.school_b, grade=7, name="李七年")
    status.enrollment_place_in_class(actor=world.registrar_b, student=during, school_class=seven)
    graduate = _graduate(world)
    settings.XUEJI_FIXED_TODAY = SUMMER
    progression_services.graduate_enroll(
        actor=world.registrar_b, student=graduate, school=world.school_b, entry_date=dt.date(2027, 9, 1)
    )
    rows = selectors.promotion_preview(requested_by=world.registrar_b, school=world.school_b, year=year26)
    assert [(r.grade, r.moving, r.staying) for r in rows] == [(7, 1, {selectors.PLACED_AHEAD: 1})]
    submitted = promotion_services.promotion_submit(actor=world.registrar_b, school=world.school_b)
    promotion_services.promotion_confirm(
        actor=persona(Role.SCHOOL_APPROVER, school=world.school_b), promotion=submitted
    )
    assert Enrollment.objects.get(student=graduate, is_current=True).grade == 7
    assert Enrollment.objects.get(student=during, is_current=True).grade == 8


def test_r8_1_the_snapshot_reads_as_people_read_it(world):
    made = progression_services.graduate_enroll(
        actor=world.registrar_b, student=_graduate(world), school=world.school_b, entry_date=AUTUMN
    )
    shown = dict(made.archive.content["student"])
    assert (
        shown["是否孤儿"] == "否"
        and "False" not in str(made.archive.content)
        and "True" not in str(made.archive.content)
    )
    page = login(world.registrar_a).get(f"/students/continuing/{made.pk}/").content.decode()
    assert "升学档案快照" in page and ">False<" not in page and "快照校验码" in page


def test_r8_1_a_graduate_who_goes_on_outside_the_deployment_is_recorded_and_kept_here(world):
    graduate = _graduate(world)
    client = login(world.registrar_a)
    empty = client.post(
        "/students/continuing/", {"action": "leave", "student": graduate.pk, "to_party": " "}, follow=True
    )
    assert "请填写升入的学校" in empty.content.decode()
    done = client.post(
        "/students/continuing/",
        {"action": "leave", "student": graduate.pk, "to_party": "郑州市第八中学"},
        follow=True,
    ).content.decode()
    assert "学籍档案由本校永久保存" in done and "郑州市第八中学（本系统外）" in done
    made = Progression.objects.get(student=graduate)
    assert (made.to_school, made.to_party, made.archive.content["to"]) == (
        None,
        "郑州市第八中学",
        "郑州市第八中学",
    )
    assert not Enrollment.objects.filter(student=graduate, is_current=True).exists()
    assert Enrollment.objects.get(student=graduate).status == "07"  # kept, as graduated, at school A
    assert selectors.graduate_find(requested_by=world.registrar_b, q=graduate.xjh) is None
    other = login(world.registrar_c).post(
        "/students/continuing/", {"action": "leave", "student": graduate.pk, "to_party": "x"}
    )
    assert other.status_code == 404


def test_r7_2_the_electronic_archive_goes_with_the_student(world):
    """R7.2, R8.1: the evidence filed at the primary school (category 二) is the receiving school's
    to read after 升学; the primary school reads only its snapshot."""
    import io

    from tests.changes.builders import PDF
    from xueji.students import services

    graduate = _graduate(world)
    services.evidence_attach(
        actor=world.registrar_a,
        student=graduate,
        file=io.BytesIO(PDF),
        original_name="户口簿.pdf",
        category="household",
    )
    progression_services.graduate_enroll(
        actor=world.registrar_b, student=graduate, school=world.school_b, entry_date=AUTUMN
    )
    files = selectors.evidence_list(requested_by=world.registrar_b, student=graduate)
    assert [e.original_name for e in files] == ["户口簿.pdf"]
    with pytest.raises(Http404):
        selectors.evidence_list(requested_by=world.registrar_a, student=graduate)
