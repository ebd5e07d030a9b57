"""R14.2 (and R14.1): the school year's promotion and graduation, through the services — the
registrar submits, the school approver confirms and so runs it, in one transaction per school, with
a history row per student and one audit event; run again, nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.changes.builders import case_in_state
from tests.conftest import login, said
from tests.factories import enrolled, persona
from xueji.audit.models import AuditEvent
from xueji.core.errors import RuleViolation
from xueji.org import services as org_services
from xueji.org.models import Role, School, SchoolClass, SchoolYear, Semester
from xueji.students import promotion_services as promotion
from xueji.students import selectors, status
from xueji.students.models import Enrollment, Promotion

pytestmark = pytest.mark.django_db

SUMMER = "2027-07-10"  # the 2026–27 school year's spring semester ended on 5 July 2027


def _next_year(world) -> SchoolYear:
    year = SchoolYear.objects.create(start_year=2027, start=dt.date(2027, 8, 20), end=dt.date(2028, 8, 19))
    Semester.objects.create(
        school_year=year,
        term="autumn",
        start=dt.date(2027, 9, 1),
        end=dt.date(2028, 1, 20),
        teaching_weeks=20,
        teaching_hours=600,
    )
    return year


def _class(school, grade, number=1, year=None):
    year = year or SchoolYear.objects.get(start_year=2026)
    return SchoolClass.objects.get_or_create(school=school, school_year=year, grade=grade, number=number)[0]


def _in_class(school, grade, number=1, **kwargs):
    student = enrolled(school, grade=grade, **kwargs)
    status.enrollment_place_in_class(
        actor=_registrar(school), student=student, school_class=_class(school, grade, number)
    )
    return student


def _registrar(school):
    return persona(Role.REGISTRAR, school=school)


def _set(student, code):
    status.enrollment_change_status(actor=None, student=student, status=code)


def _current(student) -> Enrollment:
    return Enrollment.objects.select_related("school_class__school_year").get(
        student=student, is_current=True
    )


def _run(world, settings, school=None):
    school = school or world.school_a
    settings.XUEJI_FIXED_TODAY = SUMMER
    registrar = _registrar(school)
    standing = selectors.promotion_statuses(requested_by=registrar, schools=[school])[0]
    org_services.classes_for_next_year(
        actor=registrar, school=school, school_year=standing.year, next_year=standing.next_year
    )
    submitted = promotion.promotion_submit(actor=registrar, school=school)
    return promotion.promotion_confirm(actor=world.approver_a, promotion=submitted)


@pytest.fixture
def mixed(world):
    """School A at the end of 2026–27: 在读 students in grades 3 and 6 in classes 1 and 2, one without
    a class, one of each status that stays, an approved repeat and a death."""
    _next_year(world)
    s = {
        "g3_c1": _in_class(world.school_a, 3, 1),
        "g3_c2": _in_class(world.school_a, 3, 2),
        "g3_none": enrolled(world.school_a, grade=3),
        "g6_c1": _in_class(world.school_a, 6, 1),
        "g6_c2": _in_class(world.school_a, 6, 2),
        "suspended": _in_class(world.school_a, 3, 1),
        "abroad": _in_class(world.school_a, 4, 1),
        "dropout": _in_class(world.school_a, 5, 1),
        "missing": _in_class(world.school_a, 5, 1),
        "dead": _in_class(world.school_a, 2, 1),
    }
    _set(s["suspended"], "02")
    _set(s["abroad"], "13")
    _set(s["dropout"], "06")
    _set(s["missing"], "15")
    _set(s["dead"], "11")
    s["repeater"] = case_in_state("repetition", "completed", world).student  # grade 3, approved
    status.enrollment_place_in_class(
        actor=world.registrar_a, student=s["repeater"], school_class=_class(world.school_a, 3, 1)
    )
    return s


def test_r14_2_a_mixed_school_is_promoted_counted_exactly(world, settings, mixed):
    done = _run(world, settings)
    assert done.state == Promotion.State.DONE
    assert done.result == {
        "moved": 3,
        "graduated": 2,
        "repeated": 1,
        "unplaced": 1,
        "staying": {"休学": 1, "出国（境）": 1, "辍学": 1, "下落不明": 1, "留级（已批准）": 1},
        "ahead": 0,
    }
    year27 = SchoolYear.objects.get(start_year=2027)
    moved = _current(mixed["g3_c2"])
    assert (moved.grade, moved.school_class.school_year, moved.school_class.number) == (4, year27, 2)
    assert not moved.placement_due
    unplaced = _current(mixed["g3_none"])
    assert (unplaced.grade, unplaced.school_class, unplaced.placement_due) == (4, None, True)
    for key in ("g6_c1", "g6_c2"):  # the primary school's last grade graduates in its last class
        graduate = _current(mixed[key])
        assert (graduate.status, graduate.grade, graduate.school_class.school_year.start_year) == (
            "07",
            6,
            2026,
        )
    repeater = _current(mixed["repeater"])
    assert (repeater.grade, repeater.repeats, repeater.school_class, repeater.placement_due) == (
        3,
        False,
        None,
        True,
    )
    for key, code, grade in (
        ("suspended", "02", 3),
        ("abroad", "13", 4),
        ("dropout", "06", 5),
        ("missing", "15", 5),
    ):
        stays = _current(mixed[key])
        assert (stays.status, stays.grade, stays.school_class.school_year.start_year) == (code, grade, 2026)
    assert _current(mixed["dead"]).grade == 2


def test_r14_2_each_changed_student_gets_a_history_row_and_the_school_one_audit_event(world, settings, mixed):
    before = Enrollment.history.count()
    events = AuditEvent.objects.count()
    done = _run(world, settings)
    assert Enrollment.history.count() - before == 3 + 2 + 1  # moved, graduated, repeated
    row = Enrollment.history.filter(student=mixed["g3_c1"]).order_by("-history_id").first()
    assert (row.grade, row.history_type, row.history_user_id) == (4, "~", world.approver_a.pk)
    new = AuditEvent.objects.order_by("pk")[events:]
    assert [e.action for e in new] == ["school_class.next_year", "promotion.submit", "promotion.run"]
    assert new[2].subject_id == str(done.pk) and new[2].school_id == world.school_a.pk
    assert "R14.2" in new[2].rules


def test_r14_2_re_running_changes_nothing(world, settings, mixed):
    done = _run(world, settings)
    snapshot = list(Enrollment.objects.order_by("pk").values())
    history = Enrollment.history.count()
    again = promotion.promotion_confirm(actor=world.approver_a, promotion=done)
    assert again.state == Promotion.State.DONE and again.result == done.result
    with pytest.raises(RuleViolation) as refused:
        promotion.promotion_submit(actor=world.registrar_a, school=world.school_a)
    assert refused.value.rule == "R14.2" and "已完成" in refused.value.message
    assert list(Enrollment.objects.order_by("pk").values()) == snapshot
    assert Enrollment.history.count() == history


def test_r14_2_not_before_the_last_semester_has_ended(world, settings, mixed):
    """The spring semester ends on 5 July 2027: on that day 2026–27 has not ended; on the 6th it has."""
    settings.XUEJI_FIXED_TODAY = "2027-07-05"
    standing = selectors.promotion_statuses(requested_by=world.registrar_a, schools=[world.school_a])[0]
    assert standing.year.start_year == 2025 and not standing.in_year
    with pytest.raises(RuleViolation) as refused:
        promotion.promotion_submit(actor=world.registrar_a, school=world.school_a)
    assert "无需执行2025—2026学年升级" in refused.value.message
    settings.XUEJI_FIXED_TODAY = "2027-07-06"
    standing = selectors.promotion_statuses(requested_by=world.registrar_a, schools=[world.school_a])[0]
    assert (standing.year.start_year, standing.next_year.start_year, standing.refusal) == (2026, 2027, "")
    assert standing.label == "待升级"


def test_r14_2_refused_until_the_district_has_set_up_next_year(world, settings):
    _in_class(world.school_a, 2)
    settings.XUEJI_FIXED_TODAY = SUMMER
    with pytest.raises(RuleViolation) as refused:
        promotion.promotion_submit(actor=world.registrar_a, school=world.school_a)
    assert "尚未设置2027—2028学年" in refused.value.message
    assert not Promotion.objects.exists()


def test_r14_2_the_registrar_submits_and_only_the_school_approver_confirms(world, settings, mixed):
    settings.XUEJI_FIXED_TODAY = SUMMER
    with pytest.raises(PermissionDenied):
        promotion.promotion_submit(actor=world.approver_a, school=world.school_a)
    with pytest.raises(PermissionDenied):
        promotion.promotion_submit(actor=world.registrar_c, school=world.school_a)
    submitted = promotion.promotion_submit(actor=world.registrar_a, school=world.school_a)
    assert submitted.planned == {
        "moved": 3,
        "graduated": 2,
        "staying": {"休学": 1, "出国（境）": 1, "辍学": 1, "下落不明": 1, "留级（已批准）": 1},
        "ahead": 0,
    }
    for actor in (world.registrar_a, world.officer):
        with pytest.raises(PermissionDenied):
            promotion.promotion_confirm(actor=actor, promotion=submitted)
    with pytest.raises(RuleViolation) as refused:
        promotion.promotion_submit(actor=world.registrar_a, school=world.school_a)
    assert "等待学校审核人确认" in refused.value.message
    assert _current(mixed["g3_c1"]).grade == 3  # nothing moved before the confirmation


def test_r14_2_sent_back_with_a_reason_and_submitted_again(world, settings, mixed):
    settings.XUEJI_FIXED_TODAY = SUMMER
    submitted = promotion.promotion_submit(actor=world.registrar_a, school=world.school_a)
    with pytest.raises(RuleViolation) as refused:
        promotion.promotion_return(actor=world.approver_a, promotion=submitted, comment="  ")
    assert refused.value.field == "comment"
    returned = promotion.promotion_return(
        actor=world.approver_a, promotion=submitted, comment="三年级名单待核对"
    )
    assert returned.state == Promotion.State.RETURNED
    with pytest.raises(RuleViolation):
        promotion.promotion_confirm(actor=world.approver_a, promotion=returned)
    page = login(world.registrar_a).get("/students/promotion/").content.decode()
    assert "退回了升级申请：三年级名单待核对" in page  # at the top, until submitted again
    again = promotion.promotion_submit(actor=world.registrar_a, school=world.school_a)
    assert "退回了升级申请" not in login(world.registrar_a).get("/students/promotion/").content.decode()
    assert promotion.promotion_confirm(actor=world.approver_a, promotion=again).state == Promotion.State.DONE
    assert _current(mixed["g3_c1"]).grade == 4


def test_r14_2_a_nine_year_school_continues_from_6_to_7_and_graduates_from_9(world, settings):
    nine = School.objects.create(
        code="4105030009", name="北关区柏庄镇九年一贯制学校", district=world.beiguan, kind="nine_year",
        grade_from=1, grade_to=9,
    )  # fmt: skip
    approver = persona(Role.SCHOOL_APPROVER, school=nine)
    _next_year(world)
    six, nine_grader = _in_class(nine, 6), _in_class(nine, 9)
    settings.XUEJI_FIXED_TODAY = SUMMER
    registrar = _registrar(nine)
    year26, year27 = SchoolYear.objects.get(start_year=2026), SchoolYear.objects.get(start_year=2027)
    # Grade 6's class moves up to 7 inside the school; grade 9 has none to move to.
    assert (
        org_services.classes_for_next_year(actor=registrar, school=nine, school_year=year26, next_year=year27)
        == 1
    )
    assert list(
        SchoolClass.objects.filter(school=nine, school_year=year27).values_list("grade", "number")
    ) == [(7, 1)]
    done = promotion.promotion_confirm(
        actor=approver, promotion=promotion.promotion_submit(actor=registrar, school=nine)
    )
    assert (done.result["moved"], done.result["graduated"]) == (1, 1)
    seventh = _current(six)
    assert (seventh.status, seventh.grade, seventh.school_class.school_year, seventh.school_class.grade) == (
        "01",
        7,
        year27,
        7,
    )
    assert _current(nine_grader).status == "07"


def test_r14_2_next_years_classes_are_made_from_this_years_once(world, settings):
    _next_year(world)
    for grade, number in ((1, 1), (1, 2), (3, 1), (6, 1)):
        c = _class(world.school_a, grade, number)
        c.head_teacher = f"王老师{grade}{number}"
        c.save()
    settings.XUEJI_FIXED_TODAY = SUMMER
    year26, year27 = SchoolYear.objects.get(start_year=2026), SchoolYear.objects.get(start_year=2027)
    made = org_services.classes_for_next_year(
        actor=world.registrar_a, school=world.school_a, school_year=year26, next_year=year27
    )
    classes = {
        (c.grade, c.number): c.head_teacher
        for c in SchoolClass.objects.filter(school=world.school_a, school_year=year27)
    }
    # Each class moves up with its head teacher; grade 6 leaves; grade 1 gets new classes.
    assert classes == {(2, 1): "王老师11", (2, 2): "王老师12", (4, 1): "王老师31", (1, 1): "", (1, 2): ""}
    assert made == 5
    again = org_services.classes_for_next_year(
        actor=world.registrar_a, school=world.school_a, school_year=year26, next_year=year27
    )
    assert again == 0
    with pytest.raises(PermissionDenied):  # another school's registrar
        org_services.classes_for_next_year(
            actor=world.registrar_c, school=world.school_a, school_year=year26, next_year=year27
        )
    with pytest.raises(PermissionDenied):  # a year that has begun is the district admins'
        org_services.classes_for_next_year(
            actor=world.registrar_a, school=world.school_a, school_year=year26, next_year=year26
        )


def test_r14_2_a_student_already_placed_in_next_years_class_is_left_alone(world, settings):
    year27 = _next_year(world)
    ahead = enrolled(world.school_a, grade=4)
    status.enrollment_place_in_class(
        actor=world.registrar_a, student=ahead, school_class=_class(world.school_a, 4, 1, year=year27)
    )
    _in_class(world.school_a, 3)
    done = _run(world, settings)
    assert done.result["moved"] == 1
    assert (done.result["staying"], done.result["ahead"]) == ({}, 1)  # not held back: already next year
    assert _current(ahead).grade == 4


def test_r14_2_the_run_costs_the_same_queries_for_few_and_many_students(world, settings):
    _next_year(world)

    def run(n: int) -> int:
        for _ in range(n):
            _in_class(world.school_a, 2)
        settings.XUEJI_FIXED_TODAY = SUMMER
        submitted = promotion.promotion_submit(actor=world.registrar_a, school=world.school_a)
        with CaptureQueriesContext(connection) as captured:
            promotion.promotion_confirm(actor=world.approver_a, promotion=submitted)
        return len(captured)

    few = run(2)
    Promotion.objects.all().delete()
    Enrollment.objects.update(grade=2, school_class=_class(world.school_a, 2))
    settings.XUEJI_FIXED_TODAY = "2026-09-10"
    many = run(20)
    assert few == many


def test_r14_2_through_the_pages_classes_submit_confirm_and_the_districts_list(world, settings, mixed):
    settings.XUEJI_FIXED_TODAY = SUMMER
    registrar, approver, officer = login(world.registrar_a), login(world.approver_a), login(world.officer)
    page = registrar.get("/students/promotion/").content.decode()
    assert "2026—2027学年</span> → <span" in page and "2027—2028学年" in page
    assert "按本学年班级生成" in page and "待升级" in page
    assert registrar.post("/students/promotion/classes/", {"action": "prepare"}).status_code == 302
    year27 = SchoolYear.objects.get(start_year=2027)
    new = SchoolClass.objects.filter(school=world.school_a, school_year=year27)
    # This year's classes 1-1, 2-1, 3-1, 3-2, 4-1, 5-1, 6-1, 6-2 move up; grade 1 gets a new class.
    assert sorted(new.values_list("grade", "number")) == [
        (1, 1),
        (2, 1),
        (3, 1),
        (4, 1),
        (4, 2),
        (5, 1),
        (6, 1),
    ]
    four = new.get(grade=4, number=1)
    for bad in ({"capacity": "abc"}, {"capacity": "0"}, {"capacity": "40", "head_teacher": "王" * 31}):
        response = registrar.post(
            "/students/promotion/classes/", {"action": "save", "class": four.pk, **bad}, follow=True
        )
        assert response.status_code == 200 and said("R14.2") in response.content.decode()
    registrar.post(
        "/students/promotion/classes/",
        {"action": "save", "class": four.pk, "capacity": "40", "head_teacher": "刘老师"},
    )
    four.refresh_from_db()
    assert (four.capacity, four.head_teacher) == (40, "刘老师")
    registrar.post("/students/promotion/classes/", {"action": "add", "grade": "1"})
    assert sorted(new.filter(grade=1).values_list("number", flat=True)) == [1, 2]
    assert (
        registrar.post("/students/promotion/classes/", {"action": "delete", "class": "x"}).status_code == 404
    )
    response = registrar.post("/students/promotion/submit/", follow=True).content.decode()
    assert "已提交2026—2027学年升级" in response
    pending = Promotion.objects.get()
    assert "待学校审核人确认" in officer.get("/students/promotion/").content.decode()
    assert (
        registrar.post(f"/students/promotion/{pending.pk}/decide/", {"decision": "confirm"}).status_code
        == 403
    )
    response = approver.post(f"/students/promotion/{pending.pk}/decide/", {"decision": "return"}, follow=True)
    assert "请填写退回原因" in response.content.decode()
    response = approver.post(
        f"/students/promotion/{pending.pk}/decide/", {"decision": "confirm"}, follow=True
    )
    assert "升级 3 人，毕业 2 人，留级 1 人；待分班 2 人" in response.content.decode()
    assert _current(mixed["g3_c1"]).school_class == four
    listing = officer.get("/students/promotion/").content.decode()
    assert "已升级" in listing and "3 / 2" in listing
    occupied = registrar.post(
        "/students/promotion/classes/", {"action": "delete", "class": four.pk}, follow=True
    )
    assert "已有学生，不能删除" in occupied.content.decode()


def test_r14_2_once_promoted_the_page_shows_the_result_not_a_preview_of_the_promoted(world, settings, mixed):
    _run(world, settings)
    page = login(world.registrar_a).get("/students/promotion/").content.decode()
    assert "已升级" in page and "升级 3 人，毕业 2 人" in page
    assert "升级预览" not in page and "留在本年级的学生" not in page
    assert login(world.registrar_a).get("/students/promotion/submit/").status_code == 302  # not a bare 405


def test_r14_2_the_preview_and_the_result_print(world, settings, mixed):
    from tests.changes.test_batch import pdf_pages

    settings.XUEJI_FIXED_TODAY = SUMMER
    client = login(world.registrar_a)
    before = client.get("/students/promotion/print.pdf")
    assert before.status_code == 200 and before["Content-Type"] == "application/pdf"
    text = "".join(pdf_pages(before.content))
    assert "学年升级预览" in text and "升入四年级" in text and "学籍管理员（签字）" in text
    _run(world, settings)
    text = "".join(pdf_pages(client.get("/students/promotion/print.pdf").content))
    assert "学年升级结果" in text and "3 人" in text and "李校长" in text
    officer = login(world.officer)
    assert officer.get(f"/students/promotion/print.pdf?school={world.school_a.code}").status_code == 200
    assert officer.get(f"/students/promotion/print.pdf?school={world.school_c.code}").status_code == 404
